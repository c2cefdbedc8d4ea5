"""The default report schedules: Celery beat entries in django-celery-beat's tables, so that
administrators change them in the admin site (and a restart of beat never overwrites them, as it
would an entry of CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import json

REPORT_TASK = "reports.tasks.scheduled_report_task"

# name: (crontab fields, task keyword arguments). The quarterly report is compiled on the first
# day of each quarter for the quarter just ended, the annual one on 2 January for the year.
DEFAULT_SCHEDULES: dict[str, tuple[dict[str, str], dict[str, object]]] = {
    "report-quarterly": (
        {"minute": "30", "hour": "4", "day_of_month": "1", "month_of_year": "1,4,7,10"},
        {"kind": "quarterly", "audience": "PUBLIC"},
    ),
    "report-annual": (
        {"minute": "45", "hour": "4", "day_of_month": "2", "month_of_year": "1"},
        {"kind": "annual", "audience": "PUBLIC"},
    ),
}


def schedules_install(*, apps=None) -> None:
    """Create the default schedules that do not exist yet (an edited one is left alone)."""
    from django.apps import apps as global_apps

    registry = apps or global_apps
    crontab_model = registry.get_model("django_celery_beat", "CrontabSchedule")
    task_model = registry.get_model("django_celery_beat", "PeriodicTask")
    for name, (fields, kwargs) in DEFAULT_SCHEDULES.items():
        if task_model.objects.filter(name=name).exists():
            continue
        crontab, _ = crontab_model.objects.get_or_create(day_of_week="*", timezone="UTC", **fields)
        task_model.objects.create(
            name=name,
            task=REPORT_TASK,
            crontab=crontab,
            kwargs=json.dumps(kwargs),
            description=(
                "Compiles the draft implementation report for the period just ended. "
                "Keyword arguments: kind (quarterly or annual) and audience (PUBLIC, "
                "CONFIDENTIAL or STRICTLY_CONFIDENTIAL)."
            ),
        )
