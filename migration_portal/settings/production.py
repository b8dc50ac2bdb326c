"""Production: every secret from the environment, no default; HTTPS everywhere.

``manage.py check --deploy`` reports no warning with these settings.
"""

from .base import *  # noqa: F403
from .base import build_logging, database_from_env, env, redis_url_next_db

DEBUG = False
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = build_logging(LOG_FORMAT, env("LOG_LEVEL", default="INFO"))
SECRET_KEY = env("SECRET_KEY")
SALT_KEY = env.list("SALT_KEY")
PII_HASH_KEY = env("PII_HASH_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": database_from_env()}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container healthcheck calls /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Rate-limit counters; a Redis outage falls back to per-process counters, never to no limit.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="") or redis_url_next_db(REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "migration_portal.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
    }
}
