"""Test settings: the real r2p settings, with the few differences a test run needs."""

import os

from django.core.exceptions import ImproperlyConfigured

# Tests talk plain HTTP to the live server and the test client, as `make run` does.
os.environ.setdefault("HTTPS", "false")

from r2p.settings import *  # noqa: F403
from r2p.settings import EMBEDDED_REDIS, INSTALLED_APPS, REDIS_URL

# Keep test queues and caches away from a `make run` sharing the embedded Redis. Two test runs
# at once on one machine each take their own database number and test database name with
# R2P_TEST_SLOT=N (1 to 14).
_slot = int(os.environ.get("R2P_TEST_SLOT", "0"))
if not 0 <= _slot <= 14:
    # Redis has databases 0-15 and slot N uses database N + 1.
    raise ImproperlyConfigured(f"R2P_TEST_SLOT must be 1 to 14, not {_slot}")
if _slot:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_slot}"}  # noqa: F405
if EMBEDDED_REDIS or _slot:
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + _slot}"
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL

# A model that only exists to test r2p.access against a real protected table.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.protected"]

# Hashing passwords slowly is a production virtue and a test-suite vice.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# collectstatic is not run for tests; the manifest storage would refuse unhashed names.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps, as runserver would; nothing is collected for tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
