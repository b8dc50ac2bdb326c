"""Settings for the test suite: DATABASE_URL and REDIS_URL as given, quick hashing."""

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - the test settings only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run tasks in-process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True
# Several test runs may share one PostgreSQL server; each can name its own database.
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "public_lookup": "1000/minute"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}
