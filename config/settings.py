"""Settings, read from the environment with django-environ.

With nothing set, the project runs embedded: SQLite, Celery tasks executed
eagerly in-process, e-mails printed to the console, DEBUG on. Production sets
DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false
(see README, "Configuration").

Longer than most modules, on purpose (docs/STYLE.md: one settings module
switched by the environment): every setting with its reason.
"""

import datetime
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The embedded default: chosen when no database server is configured.
EMBEDDED = "DATABASE_URL" not in os.environ

DEBUG = env.bool("DEBUG", default=EMBEDDED)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-embedded-development-key-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    # No defaults: a production process without them must not start.
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if "change-me" in SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        # A published key lets anyone sign pickup links and password-reset tokens.
        raise ImproperlyConfigured("SECRET_KEY is a published example: set a random one.")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.admin_site.NetworkAdminConfig",  # django.contrib.admin, for network admins only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "anymail",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "branches",
    "catalog",
    "reservations",
    "pickups",
    "notifications",
    "staff",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (sessions and CSRF do): too large is refused unread.
    "config.middleware.RequestBodyLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale: the 400 page speaks the reader's language.
    "config.middleware.RefuseNullCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session gave a two-step verification code (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a user signed out for idleness is told so.
    "accounts.sessions.SessionIdleTimeoutMiddleware",
    # Staff who set up an authenticator app give its code before any page.
    "accounts.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.headers.PrivacyHeadersMiddleware",
    # A form sent too often (django-ratelimit) gets RATELIMIT_VIEW's page.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): the pages load their scripts and styles from the site
# only, with nothing inline; no plug-ins, no framing, forms post to the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.network",
                "reservations.context_processors.basket",
            ],
        },
    },
]

# Database ---------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every write transaction takes the database lock when it starts, so that
    # read-then-write rules (the 5-document cap, one copy per order) are
    # serialized on SQLite as row locks serialize them on PostgreSQL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Sessions end after this long without a request, and (by default) with the browser:
# staff work on shared desks, patrons often on the library's public computers.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=240)
STAFF_SESSION_ENDS_WITH_BROWSER = env.bool("STAFF_SESSION_ENDS_WITH_BROWSER", default=True)
PATRON_SESSION_IDLE_MINUTES = env.int("PATRON_SESSION_IDLE_MINUTES", default=60)
PATRON_SESSION_ENDS_WITH_BROWSER = env.bool("PATRON_SESSION_ENDS_WITH_BROWSER", default=True)
# A patron who ticks "stay signed in" on their own device stays signed in, browser
# closed or not, until this many days pass without a visit (0: no such choice).
PATRON_REMEMBER_DAYS = env.int("PATRON_REMEMBER_DAYS", default=14)
# A search's page of results is kept this many seconds in the shared cache, the same for
# every patron; "copies on the shelf" in the results may be that old (catalog/results_cache.py).
SEARCH_RESULTS_CACHE_SECONDS = env.int("SEARCH_RESULTS_CACHE_SECONDS", default=60)
# Password guessing. A card is locked for a while after a few failed sign-ins (django-axes,
# counted in the database, whatever the process); an address sending many sign-in or reset
# forms is slowed down (django-ratelimit, counted in the cache).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no log of every successful sign-in: personal data not needed
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Two-step verification (accounts/two_factor.py): required to enter the admin, which shows
# every branch's patrons; any other member of staff may turn it on.
ADMIN_TWO_FACTOR = env.bool("ADMIN_TWO_FACTOR", default=True)
SIGN_IN_RATE_PER_ADDRESS = env("SIGN_IN_RATE_PER_ADDRESS", default="30/10m")
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="10/h")
PASSWORD_RESET_RATE_PER_EMAIL = env("PASSWORD_RESET_RATE_PER_EMAIL", default="3/h")
RATELIMIT_VIEW = "accounts.views.too_many_attempts"
# With the cache's Redis down, forms go through (axes still locks cards, in the database).
RATELIMIT_FAIL_OPEN = True
# Behind a reverse proxy every request comes from the proxy: name the header it sets with the
# client's address (e.g. HTTP_X_REAL_IP), or every patron shares one address's limit.
if "CLIENT_IP_HEADER" in os.environ:
    RATELIMIT_IP_META_KEY = env("CLIENT_IP_HEADER")
# How long a web request waits for Redis (broker or cache), to connect and for each answer
# (core.publishing.impatient_connection, config/cache.py): the outbox row is the commitment,
# the sweeper publishes again whatever a request could not.
BROKER_TIMEOUT_SECONDS = env.float("BROKER_TIMEOUT_SECONDS", default=0.5)
if "CACHE_URL" in os.environ:
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif "CELERY_BROKER_URL" in os.environ:
    # The real stack's Redis, shared by every web process: the counters hold across them.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": os.environ["CELERY_BROKER_URL"],
            "KEY_PREFIX": "cache",
            "TIMEOUT": 3600,
            # A hung Redis costs a sign-in half a second, not the request (config/cache.py).
            "OPTIONS": {
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists memcached and django-redis only; Django's own Redis cache
    # increments atomically and is shared by every process, which is what it needs.
    "django_ratelimit.W001",
    # axes locks cards; addresses are limited by django-ratelimit (SIGN_IN_RATE_PER_ADDRESS),
    # with a higher limit than a card's: a library's public computers share one address.
    "axes.W006",
]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # The embedded default is one process: a per-process cache is the shared cache.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Argon2id at costs measured for a rush on a small server (bench/password_hashing.py): about
# a quarter of PBKDF2's CPU per sign-in. PBKDF2 hashes, Django's former default, still sign in
# and are rehashed with Argon2 on the way.
PASSWORD_HASHERS = [
    "accounts.passwords.NetworkArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # "hugorobert" for Hugo Robert: the similarity above judges each name alone.
    {"NAME": "accounts.passwords.NotTheNamesOrCardValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="fr")
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

# Static files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (catalogue imports): a volume shared by the web and worker processes.
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: console by default, SMTP through EMAIL_URL, or an ESP through anymail
# (EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend and ANYMAIL_<ESP>_* keys).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if "EMAIL_BACKEND" in os.environ:
    EMAIL_BACKEND = env("EMAIL_BACKEND")
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}
if "EMAIL_FILE_PATH" in os.environ:
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Click & collect <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Seconds before an SMTP call gives up.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# A worker that claimed an e-mail and has not said how it went after this many
# seconds is taken for lost, and the e-mail is sent again. Longer than any
# provider's time-out (EMAIL_TIMEOUT, anymail's 30 s), or a slow send would be doubled.
NOTIFICATION_SEND_LEASE_SECONDS = env.int("NOTIFICATION_SEND_LEASE_SECONDS", default=300)
# The channels notifications go out on, each with its sender (notifications/channels/).
NOTIFICATION_CHANNELS = {"email": "notifications.channels.email.EmailChannel"}

# Celery: a Redis broker when configured, otherwise tasks run in-process.
# In-process only; a hostname keeps kombu from warning that it has none.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = "CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Rows an extension campaign changes per transaction (a few thousand: short row locks).
CAMPAIGN_BATCH_SIZE = env.int("CAMPAIGN_BATCH_SIZE", default=5000)
# An extension campaign with no batch committed for this long has lost its worker.
CAMPAIGN_STALLED_AFTER_SECONDS = env.int("CAMPAIGN_STALLED_AFTER_SECONDS", default=300)
# How long the links of e-mails (my order, choose a slot, I'm here, cancel) work.
PICKUP_LINK_MAX_AGE_DAYS = env.int("PICKUP_LINK_MAX_AGE_DAYS", default=30)

# Catalogue imports. Uploads in the admin are for small files (the nightly
# folder and `manage.py import_catalog` take any size).
CATALOG_UPLOAD_MAX_MB = env.int("CATALOG_UPLOAD_MAX_MB", default=100)
# The largest body any other request may declare (the admin's longest forms fit in a few KB).
REQUEST_BODY_MAX_KB = env.int("REQUEST_BODY_MAX_KB", default=1024)
# A folder where the library system drops its export every night; empty: off.
CATALOG_IMPORT_FOLDER = env("CATALOG_IMPORT_FOLDER", default="")
# Whether the folder's files list every copy (copies missing from them are withdrawn).
CATALOG_IMPORT_FULL_EXPORT = env.bool("CATALOG_IMPORT_FULL_EXPORT", default=False)
# Optional CSV mapping the library system's branch codes to branches.
CATALOG_IMPORT_BRANCH_MAP = env("CATALOG_IMPORT_BRANCH_MAP", default="")
# The copy status codes (995 $o, 952 $7) that mean "on the shelf", besides none at all;
# every import's report counts the copies of each code it met.
CATALOG_IMPORT_ON_SHELF_CODES = env.list("CATALOG_IMPORT_ON_SHELF_CODES", default=["0"])
# When the folder is looked at (hour and minute, network time).
CATALOG_IMPORT_HOUR = env.int("CATALOG_IMPORT_HOUR", default=2)
CATALOG_IMPORT_MINUTE = env.int("CATALOG_IMPORT_MINUTE", default=30)
# A file modified less than this long ago may still be being written: wait.
CATALOG_IMPORT_SETTLE_SECONDS = env.int("CATALOG_IMPORT_SETTLE_SECONDS", default=300)
# An import with no progress for this long has lost its worker.
CATALOG_IMPORT_STALLED_AFTER_SECONDS = env.int("CATALOG_IMPORT_STALLED_AFTER_SECONDS", default=600)
# Personal data kept only as long as needed (run every night by beat, in batches).
RETURNED_LOAN_RETENTION_DAYS = env.int("RETURNED_LOAN_RETENTION_DAYS", default=30)
CLOSED_ORDER_RETENTION_DAYS = env.int("CLOSED_ORDER_RETENTION_DAYS", default=30)
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=30)
AUDIT_ACTOR_RETENTION_MONTHS = env.int("AUDIT_ACTOR_RETENTION_MONTHS", default=12)

CELERY_BEAT_SCHEDULE = {
    "apply-retention": {
        "task": "reservations.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=40),
    },
    "forget-sent-e-mails": {
        "task": "notifications.tasks.forget_sent_e_mails",
        "schedule": crontab(hour=3, minute=45),
    },
    "forget-arrival-notes": {
        "task": "pickups.tasks.forget_arrival_notes",
        "schedule": crontab(hour=3, minute=50),
    },
    "forget-sign-in-attempts": {
        "task": "accounts.tasks.forget_sign_in_attempts",
        "schedule": crontab(hour=3, minute=55),
    },
    "expire-overdue-reservations": {
        "task": "reservations.tasks.expire_overdue_reservations",
        "schedule": 15 * 60,
    },
    "send-pickup-reminders": {
        "task": "reservations.tasks.send_pickup_reminders",
        "schedule": 15 * 60,
    },
    # Pickup appointments: the morning reminder (from 7:00), and the slots of no-shows freed.
    "send-appointment-reminders": {
        "task": "pickups.tasks.send_appointment_reminders",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
    "release-missed-appointments": {
        "task": "pickups.tasks.release_missed_appointments",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    "release-quarantined-items": {
        "task": "reservations.tasks.release_quarantined_items",
        "schedule": 60 * 60,
    },
    # Extension campaigns whose worker was lost (crash, deploy) carry on.
    "resume-stalled-campaigns": {
        "task": "reservations.tasks.resume_stalled_campaigns",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # The library system's nightly export, when a folder is configured.
    "import-catalogue-folder": {
        "task": "catalog.tasks.import_catalogue_folder",
        "schedule": crontab(hour=CATALOG_IMPORT_HOUR, minute=CATALOG_IMPORT_MINUTE),
    },
    # Catalogue imports whose worker was lost start again (an import can run twice).
    "resume-stalled-imports": {
        "task": "catalog.tasks.resume_stalled_imports",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # The outbox sweeper: e-mails whose task was lost (broker down, worker crash).
    "requeue-stale-notifications": {
        "task": "notifications.tasks.requeue_stale_notifications",
        "schedule": 60,
        # Runs left in the queue while no worker is up are useless: the next one does it.
        "options": {"expires": 55},
    },
}

# Security: strict whenever DEBUG is off (checked by `manage.py check --deploy`).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # runserver already says this once on its own.
    "loggers": {"django.utils.autoreload": {"level": "WARNING"}},
}

# The product --------------------------------------------------------------------
NETWORK_NAME = env("NETWORK_NAME", default="Bibliothèques de Paris")
OTP_TOTP_ISSUER = NETWORK_NAME  # the name authenticator apps show beside the code
# The public address of the site, for the links in e-mails (no trailing slash).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A notification still queued this long after its last change is published again.
NOTIFICATION_REQUEUE_AFTER_SECONDS = env.int("NOTIFICATION_REQUEUE_AFTER_SECONDS", default=60)
MAX_ACTIVE_ITEMS = env.int("MAX_ACTIVE_ITEMS", default=5)
RECOMMENDED_RADIUS_KM = env.float("RECOMMENDED_RADIUS_KM", default=1.0)
DEFAULT_PROCESSING_HOURS = env.int("DEFAULT_PROCESSING_HOURS", default=48)
DEFAULT_PICKUP_DAYS = env.int("DEFAULT_PICKUP_DAYS", default=10)
# Public holidays skipped by the branch calendar (python-holidays codes).
PUBLIC_HOLIDAYS_COUNTRY = env("PUBLIC_HOLIDAYS_COUNTRY", default="FR")
PUBLIC_HOLIDAYS_SUBDIVISION = env("PUBLIC_HOLIDAYS_SUBDIVISION", default=None)
