"""The Celery application, configured from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p.settings")

# DjangoTask adds delay_on_commit(): tasks are sent only once the transaction that asked for
# them has committed, so a worker never looks for a row that does not exist yet.
app = Celery("r2p", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
