"""Settings shared by every environment.

Everything lives here; ``local``, ``test`` and ``production`` only override.
Configuration comes from environment variables read through django-environ.
With none set, the portal runs on an embedded default: SQLite, and Celery tasks
executed in-process, so a newcomer needs no server.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
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

# Failed logins: five wrong passwords for one username from one address lock
# that pair for 30 minutes (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
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
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Tasks are idempotent (each guards itself), so a task lost with its worker is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Above the longest task's hard limit, so Redis does not redeliver a running task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The beat schedule, defined here and copied into django-celery-beat's tables
# after migrate (only rows that do not exist yet), so operators can pause or
# change a schedule in the admin without the next deploy undoing it.
PORTAL_BEAT_SCHEDULE = {
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
}

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["migration_portal.core.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "migration_portal.core.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint warns on every PDF that it subsets fonts with fontTools; harmless.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

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
}
