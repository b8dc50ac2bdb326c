"""Settings shared by every environment.

Everything lives here; ``local``, ``test`` and ``production`` only override.
Configuration comes from environment variables read through django-environ.
With none set, the portal runs on an embedded default: SQLite, and Celery tasks
executed in-process, so a newcomer needs no server.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from migration_portal.logging import build_logging
from migration_portal.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
# Old secret keys still accepted for sessions and tokens, and for decrypting personal
# identifiers until `manage.py rotate_encryption_keys` has run (docs/operations.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=False)
# Personal identifiers (national ID, passport, phone) are encrypted at rest with a key
# derived from SECRET_KEY and SALT_KEY (django-fernet-encrypted-fields), and looked up
# by an HMAC keyed with PII_HASH_KEY, so a database dump reveals neither.
SALT_KEY = env.list("SALT_KEY", default=["development-salt-change-me"])
PII_HASH_KEY = env("PII_HASH_KEY", default="development-pii-hash-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # third party
    "rest_framework",
    "knox",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_guid",
    "auditlog",
    "axes",
    "encrypted_fields",
    # shared pieces of the project
    "migration_portal.accounts",
    "migration_portal.reference",
    "migration_portal.core",
    # the domain
    "agencies",
    "workers",
    "complaints",
    "remittances",
]

MIDDLEWARE = [
    # /healthz answers before host validation and the HTTPS redirect (core/health.py).
    "migration_portal.core.health.HealthCheckMiddleware",
    # A request ID (X-Request-ID, or a new one) on every log line of the request.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # ?page=abc and the like: a 400 naming the parameter before any view runs.
    "migration_portal.core.middleware.QueryParameterGuardMiddleware",
    "migration_portal.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # AxesMiddleware must be last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "migration_portal.urls"
WSGI_APPLICATION = "migration_portal.wsgi.application"
ASGI_APPLICATION = "migration_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "migration_portal.core.context_processors.portal",
            ],
        },
    },
]



def database_from_env(default: str | None = None) -> dict:
    """DATABASE_URL (its password percent-encoded: %40 for @, %2F for /, %3A for :), or
    else the parts POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DB, POSTGRES_USER and
    POSTGRES_PASSWORD taken as they are, so any password works without quoting."""
    if env("DATABASE_URL", default=""):
        return env.db("DATABASE_URL")
    if env("POSTGRES_HOST", default=""):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": env("POSTGRES_HOST"),
            "PORT": env.int("POSTGRES_PORT", default=5432),
            "NAME": env("POSTGRES_DB"),
            "USER": env("POSTGRES_USER"),
            "PASSWORD": env("POSTGRES_PASSWORD"),
        }
    if default is None:
        raise environ.ImproperlyConfigured(
            "Set DATABASE_URL, or POSTGRES_HOST with POSTGRES_DB, POSTGRES_USER and POSTGRES_PASSWORD"
        )
    return env.db_url_config(default)


DATABASES = {"default": database_from_env(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Sign-in, sessions, tokens and headers (docs/security.md) -----------------
# Failed logins (django-axes): five wrong passwords for one username lock it for 30
# minutes, whichever addresses they came from (a guesser rotating addresses is
# stopped too); the pair entry keeps the address in the lockout record. No entry for
# the address alone: offices share one address, and one clerk's typos must not lock
# their colleagues out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
# Without this, django-axes prints its configuration at the start of every command.
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)
# A password-reset link works once (the token hashes the password and last login)
# and for this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# Reset requests per e-mail address and per client address, per hour.
PASSWORD_RESET_RATE_PER_EMAIL = env.int("PASSWORD_RESET_RATE_PER_EMAIL", default=3)
PASSWORD_RESET_RATE_PER_ADDRESS = env.int("PASSWORD_RESET_RATE_PER_ADDRESS", default=20)
# Sliding idle limits, in seconds: government accounts (ministry staff, provincial
# officers, anyone with admin access) after a working day without a request; agency
# users after a week. The last activity is written at most once a minute.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 60 * 60)
SESSION_IDLE_TIMEOUT_AGENCY = env.int("SESSION_IDLE_TIMEOUT_AGENCY", default=7 * 24 * 60 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 60 * 60)
# API tokens (django-rest-knox): only a SHA-512 digest is stored; the owner picks the
# lifetime, at most API_TOKEN_MAX_DAYS.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name, not a secret
# knox's own migrations would create its token table even though the model is swapped for
# ApiToken above; unused, it would only hold a foreign key to the users (and block emptying
# that table). Without migrations, Django creates no table for a swapped model.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_PREFIX": "mp_", "AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": None, "AUTO_REFRESH": False}
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# Content-Security-Policy (django-csp 4): no inline script anywhere; scripts, styles,
# images and fonts from this server only. Inline <script> needs the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # Style attributes only (not <style> elements): the charts, drawn once for the pages and
        # the PDFs, and the progress bars size and colour their parts in attributes. They can
        # run no script and load nothing but images, which img-src limits to this server.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("km", _("Khmer"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["migration_portal.formats"]
TIME_ZONE = "Asia/Phnom_Penh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads (monthly report figures, imports, attachments) stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that accepts the connection and then says nothing must not hold a worker
# (and the notification's row lock) until the task's time limit: give up after 30 s, retry later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@molvt.gov.kh")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
# Without REDIS_URL the tasks run in-process (eager), so the demo needs no broker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Tasks are idempotent (each guards itself), so a task lost with its worker is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message taken by a worker that then dies (killed, out of memory, machine lost) goes
# back to the queue after the visibility timeout: 10 minutes, not Redis's default hour.
# Every task's hard time limit stays below it, so Redis does not hand a running task to a
# second worker; the two imports, which may run longer, have their own limit and are
# protected otherwise (the job's claim and the stale-job sweep; see docs/security.md).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=10 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = 8 * 60
CELERY_TASK_TIME_LIMIT = 9 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # A request that queues work while Redis is down gives up at once (one retry, no
    # back-off) instead of waiting seconds per message; the sweeps send it later.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 3,
}
# Optional: a prefix on every broker key, for a Redis shared with other applications
# (and for checks that must delete only their own keys).
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="")
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = f"{REDIS_KEY_PREFIX}:"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat writes each run to the database as it sends it (a few a day), so the admin and
# /healthz/jobs show the true last run.
CELERY_BEAT_SYNC_EVERY = 1

# --- Cache ------------------------------------------------------------------
# Production caches (rate-limit counters) in Redis, in another database than the broker's,
# so clearing the cache never drops queued tasks. Default: REDIS_URL's server, next database.
def redis_url_next_db(url: str) -> str:
    """``url`` with the database number after its own (0 when absent); the last database
    (15) is followed by 14, so the cache never lands on the broker's database."""
    from urllib.parse import urlsplit, urlunsplit

    if not url:
        return ""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{db + 1 if db < 15 else db - 1}"))


REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="") or redis_url_next_db(REDIS_URL)

# The beat schedule, defined here and copied into django-celery-beat's tables
# after migrate (only rows that do not exist yet), so operators can pause or
# change a schedule in the admin without the next deploy undoing it.
PORTAL_BEAT_SCHEDULE = {
    # Operations: a worker stores the time it ran this; /healthz/jobs fails when it is old
    # (beat stopped, or the queue backed up behind it).
    "worker-heartbeat": {
        "task": "migration_portal.core.tasks.heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    # Prakas 251: every agency inspected at least every two years; earlier on risk.
    "plan-inspections": {
        "task": "agencies.tasks.plan_inspections",
        "schedule": crontab(hour=2, minute=0, day_of_week="mon"),
    },
    # Flag inspections whose planned date has passed without a record.
    "flag-overdue-inspections": {
        "task": "agencies.tasks.flag_overdue_inspections",
        "schedule": crontab(hour=2, minute=30),
    },
    # Prakas 047: monthly reports; remind before the due day, mark overdue, escalate.
    "reporting-reminders": {
        "task": "agencies.tasks.send_reporting_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Licences that end within 60 days, and those already past their end date.
    "licence-expiry": {
        "task": "agencies.tasks.check_licence_expiry",
        "schedule": crontab(hour=3, minute=0),
    },
    # Prakas 249 / 2020 grievance guideline: remind officers before a stage's time limit,
    # escalate to the director after it.
    "complaint-time-limits": {
        "task": "complaints.tasks.check_time_limits",
        "schedule": crontab(hour=6, minute=30),
    },
    # Returnees not assessed: remind once, escalate once.
    "returns-case-reminders": {
        "task": "workers.tasks.remind_unassessed_cases",
        "schedule": crontab(hour=6, minute=15),
    },
    # Referrals without an outcome: remind once, escalate once.
    "returns-referral-reminders": {
        "task": "workers.tasks.remind_pending_referrals",
        "schedule": crontab(hour=6, minute=45),
    },
    # Weekly list per province of workers whose contract ends within 60 days.
    "returns-expected-weekly": {
        "task": "workers.tasks.send_expected_returns",
        "schedule": crontab(hour=7, minute=15, day_of_week="mon"),
    },
    # One list a day of late complaints, per province and for the ministry's own cases.
    "complaint-late-digest": {
        "task": "complaints.tasks.send_late_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Imports whose message was lost (Redis down) or whose worker died: queue them again.
    "requeue-jobs": {
        "task": "migration_portal.core.tasks.requeue_jobs",
        "schedule": crontab(minute="*/5"),
    },
    # E-mails never queued, or given up on while the mail server was down: send them now.
    "resend-unsent-emails": {
        "task": "migration_portal.core.tasks.resend_unsent_emails",
        "schedule": crontab(minute="*/15"),
    },
}

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "migration_portal.accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["migration_portal.core.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "migration_portal.core.api.filters.PortalFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "migration_portal.core.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "migration_portal.core.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "migration_portal.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "public_lookup": "30/minute"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cambodia Labour Migration Portal API",
    "DESCRIPTION": "Recruitment agencies, migrant workers, complaints and remittances, "
    "for the Ministry of Labour and Vocational Training and licensed agencies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc are served from the app itself: no internet needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "migration_portal.core.api.schema.close_role_variants",
    ],
}

# --- Two-factor sign-in ---------------------------------------------------------
# A second factor (an authenticator app's TOTP code, or one of ten backup codes) is
# required of ministry staff, superusers and members of groups flagged in the admin;
# provincial officers and agency users may turn it on (django-otp). Enforcement is one
# middleware for the pages and the admin, and the API's session authentication; token
# calls are not interrupted. See docs/security.md.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
_AUTH_MIDDLEWARE = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE[_AUTH_MIDDLEWARE + 1 : _AUTH_MIDDLEWARE + 1] = [
    "migration_portal.accounts.two_factor.middleware.VerifiedDeviceMiddleware",
    "migration_portal.accounts.two_factor.middleware.TwoFactorMiddleware",
]
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "migration_portal.accounts.two_factor.api.VerifiedSessionAuthentication"
    if name == "rest_framework.authentication.SessionAuthentication"
    else name
    for name in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
]
OTP_TOTP_ISSUER = "MOLVT Labour Migration Portal"
# Wrong codes slow the next attempt down: 1, 2, 4, 8 ... seconds after 1, 2, 3, 4 failures.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The device a session was verified with is re-read from the cache for this long
# (dropped at once when the device changes), rather than from the database on every request.
TWO_FACTOR_DEVICE_CACHE_SECONDS = 300
TWO_FACTOR_BACKUP_CODES = 10

# --- Audit ------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Logs and errors (docs/operations.md) -------------------------------------------
# One line per event on stdout, printed once: plain here, JSON lines in production
# (LOG_FORMAT), UTC timestamps, and the request ID carried into the tasks it queues.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = build_logging(LOG_FORMAT, env("LOG_LEVEL", default="INFO"))
# Celery logs through the configuration above instead of replacing the root's handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
# Error reports go to Sentry only when SENTRY_DSN is set; personal data is scrubbed.
SENTRY_DSN = env("SENTRY_DSN", default="")
init_sentry(SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"))

# --- Portal -----------------------------------------------------------------
PORTAL = {
    # Prakas 047: the guarantee deposit an agency must hold, in USD.
    "REQUIRED_DEPOSIT_USD": 100_000,
    # Monthly report for month M is due on this day of month M+1.
    "REPORT_DUE_DAY": 15,
    # Days before the due day on which agencies are reminded.
    "REPORT_REMINDER_DAYS_BEFORE": 5,
    # Consecutive missed months after which the licensing officers are alerted.
    "REPORT_ESCALATE_AFTER_MISSES": 2,
    # Prakas 251: at least one inspection every two years.
    "INSPECTION_INTERVAL_DAYS": 730,
    # A risk score at or above this brings the next inspection forward.
    "INSPECTION_RISK_THRESHOLD": 40,
    "INSPECTION_LEAD_DAYS": 21,
    "LICENCE_EXPIRY_WARNING_DAYS": 60,
    # Return and reintegration (policy goal 16): a returnee is assessed within these days,
    # referrals get an outcome, and provinces are told who is expected home.
    "CASE_ASSESSMENT_REMIND_DAYS": 14,
    "CASE_ASSESSMENT_ESCALATE_DAYS": 30,
    "REFERRAL_OUTCOME_REMIND_DAYS": 30,
    "REFERRAL_OUTCOME_ESCALATE_DAYS": 60,
    "EXPECTED_RETURN_DAYS": 60,
    "SITE_URL": env("SITE_URL", default="http://localhost:8000"),
    # When a part fails (docs/security.md): a job still queued after this many minutes is
    # queued again (its message was lost), and one whose worker died is retried, at most
    # this many times in all.
    "JOB_REQUEUE_AFTER_MINUTES": 10,
    "JOB_MAX_ATTEMPTS": 3,
    # E-mails not sent (mail server or broker down) are queued again after this many
    # minutes, for this many days, until they have failed this many times.
    "EMAIL_RESEND_AFTER_MINUTES": 30,
    "EMAIL_RETRY_DAYS": 3,
    "EMAIL_MAX_ATTEMPTS": 15,
    # Uploaded CSV/XLSX files (migration_portal.core.spreadsheets): bytes on the wire, rows of
    # data, columns, and for a workbook the bytes once unpacked and the compression ratio of any
    # one part (a real spreadsheet compresses 5 to 50 times, a sparse one more; a zip bomb thousands of times).
    # Files read during a request are kept small; the big ones are read by a background job.
    "UPLOADS": {
        "default": {"max_bytes": 2 * 1024 * 1024, "max_rows": 2000, "max_uncompressed": 20 * 1024 * 1024,
                    "max_ratio": 200, "max_columns": 60},
        # An agency's monthly report, read in the request: one row per country x sector x sex.
        "monthly_report": {"max_bytes": 2 * 1024 * 1024, "max_rows": 2000, "max_uncompressed": 10 * 1024 * 1024},
        # Remittance offers imported in the admin, read in the request.
        "remittance_offers": {"max_bytes": 2 * 1024 * 1024, "max_rows": 5000, "max_uncompressed": 10 * 1024 * 1024},
        # An agency's bulk import of workers, read by a background job.
        "worker_import": {"max_bytes": 10 * 1024 * 1024, "max_rows": 20_000, "max_uncompressed": 60 * 1024 * 1024},
        # Returnees in a surge (250,000 in 18 days in 2014), read by a background job.
        "returns_import": {"max_bytes": 40 * 1024 * 1024, "max_rows": 300_000, "max_uncompressed": 200 * 1024 * 1024},
    },
    # /healthz/jobs fails when beat or the worker heartbeat is older than this, or when
    # more messages than this wait in the queue.
    "HEALTH_STALE_MINUTES": 15,
    "HEALTH_QUEUE_MAX": 200,
}
