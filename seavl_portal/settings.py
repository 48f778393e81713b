"""Settings for the SEA-VL portal.

One module, driven by environment variables (see `.env.example`). With no variables set it runs the
embedded default: SQLite, media on local disk, Celery tasks in-process, email to the console.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import django.conf.locale
import environ
from botocore.config import Config as BotoConfig
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Under pytest the suite runs against the real services the Makefile points it at; these flags only
# pick the test-friendly variants of static files and password hashing.
TESTING = "pytest" in sys.modules or env.bool("SEAVL_TESTING", default=False)

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-embedded-default-for-local-use-only-0123456789")
else:
    SECRET_KEY = env("SECRET_KEY")  # production refuses to start without one
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# The public address of the portal. Its scheme decides, in production, whether cookies are `Secure`,
# whether plain HTTP is redirected (and HSTS sent), and the scheme of the links in emails: an
# `http://` deployment (a script on a LAN, the compose stack on localhost) can sign in and confirm
# accounts; an `https://` one gets every HTTPS protection. Default: https on the first allowed host.
SITE_URL = env(
    "SITE_URL", default="http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
).rstrip("/")
SITE_SCHEME = urlsplit(SITE_URL).scheme or "https"
SITE_IS_HTTPS = SITE_SCHEME == "https"
SITE_ORIGIN = f"{SITE_SCHEME}://{urlsplit(SITE_URL).netloc}"
# Form posts are trusted from the site's own origin and from these (comma-separated).
CSRF_TRUSTED_ORIGINS = list(dict.fromkeys([SITE_ORIGIN, *env.list("CSRF_TRUSTED_ORIGINS", default=[])]))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "django_celery_beat",
    "ninja",
    "campaign",
    "accounts",
    "contributions",
    "review",
    "texttasks",
    "points",
    "localization",
    "organizers",
    "notifications",
    "portal",  # the top floor: home, FAQ, navigation, demo data (see docs/architecture.md)
]

SOCIAL_PROVIDER_KEYS = {
    "google": (env("GOOGLE_CLIENT_ID", default=""), env("GOOGLE_CLIENT_SECRET", default="")),
    "github": (env("GITHUB_CLIENT_ID", default=""), env("GITHUB_CLIENT_SECRET", default="")),
    "discord": (env("DISCORD_CLIENT_ID", default=""), env("DISCORD_CLIENT_SECRET", default="")),
}
SOCIALACCOUNT_PROVIDERS = {}
for provider, (client_id, secret) in SOCIAL_PROVIDER_KEYS.items():
    # A provider appears on the login page only when its keys are configured.
    if client_id and secret:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{provider}")
        SOCIALACCOUNT_PROVIDERS[provider] = {"APP": {"client_id": client_id, "secret": secret}}

MIDDLEWARE = [
    # First: every response (errors included) carries the request id, and load balancers' probes of
    # /healthz and /readyz are answered before host checks, HTTPS redirects or sessions.
    "seavl_portal.middleware.RequestIdMiddleware",
    "seavl_portal.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the portal renders (HTML, JSON); static files come precompressed from WhiteNoise.
    "seavl_portal.middleware.TextGZipMiddleware",
    "seavl_portal.middleware.PageCacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "localization.timezones.ReaderTimezoneMiddleware",  # times in the reader's zone (the browser's)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Database or storage unreachable: a 503 with Retry-After (JSON under /api/), never a bare 500.
    "seavl_portal.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "seavl_portal.urls"
WSGI_APPLICATION = "seavl_portal.wsgi.application"
ASGI_APPLICATION = "seavl_portal.asgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite by default; PostgreSQL through DATABASE_URL (psycopg 3, persistent connections).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # An unreachable server fails fast (a 503) instead of holding the worker (libpq's minimum is 2 s).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
    # The hot statements that ask for it (psycopg `prepare=True`, campaign.prepared: the near-duplicate
    # lookup, the review's serve and answer) are prepared in the server, parsed and planned once per
    # connection. Django turns psycopg's preparing off
    # unless OPTIONS set a threshold (for poolers that hand a client's transactions to other server
    # sessions), and then `prepare=True` too is sent as text, planned on every call. Django's own cursors bind
    # on the client and never prepare, so this reaches only those statements; the threshold is out of reach,
    # so nothing else is prepared by being repeated. DATABASE_PREPARED_STATEMENTS=0 behind a pooler in
    # transaction mode without prepared-statement support (PgBouncer before 1.21, or max_prepared_statements
    # = 0): the same statements are then sent as text, with the same answers.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
elif "sqlite" in DATABASES["default"]["ENGINE"]:
    # The embedded default with several people at once: WAL lets readers run beside the one writer, a
    # writer waits (up to the busy timeout) instead of failing, and IMMEDIATE takes the write lock when
    # a transaction starts, so two transactions never both read then fail to upgrade ("database is
    # locked"). Django 5.1+ options.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if env("TEST_DATABASE_NAME", default=""):
    # The Makefile gives every test run its own database name, so parallel runs never share data.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# Every key this deployment writes to Redis (cache, broker, results) starts with this prefix.
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="seavl")
# Parallel test workers (pytest-xdist) each get their own cache keys, so one never clears another's.
CACHE_KEY_PREFIX = "-".join(filter(None, [REDIS_KEY_PREFIX, "cache", env("PYTEST_XDIST_WORKER", default="")]))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that hangs must not hang a request (the cache holds rate limits and dashboards).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
SITE_ID = 1
LOGIN_REDIRECT_URL = "campaign:home"
LOGIN_URL = "account_login"

# allauth: email is the login; verification is mandatory in production, optional locally so that the
# demo logins work without a mail server (the console shows the link either way).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapters.PortalAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[SEA-VL] "
# The scheme of the links allauth sends (email verification, password reset): SITE_URL's.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_SCHEME
SOCIALACCOUNT_ADAPTER = "accounts.adapters.PortalSocialAccountAdapter"
# allauth's rate limits stay on (its defaults, but for failed sign-ins); they use the cache above. Failed
# sign-ins: strict per account (key), generous per IP, as mobile networks put many people behind one IP
# (CGNAT) and one person's typos must not lock the others out.
# Sign-ins as such (allauth's default is 30 a minute per IP): a workshop or a school behind one address
# signs dozens in at once; the load bench's 60 users from one IP had 20 of 30 refused.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("ACCOUNT_LOGIN_FAILED_RATE_LIMIT", default="") or "100/5m/ip,5/5m/key",
    "login": env("ACCOUNT_LOGIN_RATE_LIMIT", default="") or "300/m/ip",
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A provider's HTTP API instead of SMTP (django-anymail, `pip install django-anymail[<provider>]`):
# EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend and its keys as ANYMAIL (JSON).
if env("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
    ANYMAIL = env.json("ANYMAIL", default={})
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SEA-VL <no-reply@seavl.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
# The campaign's languages (issue 8). The first guess is the browser's Accept-Language; a choice made
# with the switcher is kept in a cookie and, for signed-in users, on their profile.
LANGUAGES = [
    ("en", _("English")),
    ("id", _("Indonesian")),
    ("th", _("Thai")),
    ("vi", _("Vietnamese")),
    ("ms", _("Malay")),
    ("fil", _("Filipino")),
    ("km", _("Khmer")),
    ("lo", _("Lao")),
    ("my", _("Burmese")),
    ("tet", _("Tetun")),
    ("ta", _("Tamil")),
    ("zh-hans", _("Simplified Chinese")),
]
# Django knows no Filipino, Lao or Tetun (and names Khmer in English): the documented hook is its
# LANG_INFO table, completed here once, before any translation is loaded.
django.conf.locale.LANG_INFO.update(
    {
        "fil": {"bidi": False, "code": "fil", "name": "Filipino", "name_local": "Filipino"},
        "lo": {"bidi": False, "code": "lo", "name": "Lao", "name_local": "ລາວ"},
        "tet": {"bidi": False, "code": "tet", "name": "Tetun", "name_local": "Tetun"},
        "km": {"bidi": False, "code": "km", "name": "Khmer", "name_local": "ខ្មែរ"},
        # Browsers send Tagalog (tl, tl-PH) for what the portal calls Filipino.
        "tl": {"fallback": ["fil"]},
        "tl-ph": {"fallback": ["fil"]},
    }
)
# Catalogs an organizer uploads are written here; in production point it at a persistent volume. It comes
# first in LOCALE_PATHS so that its entries win over the catalogs shipped in the repository.
TRANSLATION_UPLOAD_ROOT = Path(env("TRANSLATION_UPLOAD_ROOT", default=str(BASE_DIR / "locale")))
LOCALE_PATHS = list(dict.fromkeys([TRANSLATION_UPLOAD_ROOT, BASE_DIR / "locale"]))
# Dates for the languages Django has no formats for (fil, lo, tet).
FORMAT_MODULE_PATH = ["localization.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG and SITE_IS_HTTPS
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` writes (the Docker image collects there at build time).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Files: local disk by default; a private S3 bucket (MinIO in docker-compose) when a bucket is named.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
# The address browsers use for the bucket when it differs from the one the servers use (docker-compose).
AWS_S3_PUBLIC_ENDPOINT_URL = env("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or env(
    "AWS_S3_ENDPOINT_URL", default=""
)
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default="us-east-1"),
            "default_acl": "private",
            "querystring_auth": True,
            # Long enough for a review session; pages ask for fresh URLs on every render.
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=2 * 3600),
            "file_overwrite": False,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            # Every storage call is bounded, well under gunicorn's timeout (GUNICORN_TIMEOUT, 60 s): a
            # hanging endpoint fails the call in at most about max_attempts x (connect + read) seconds
            # and the page answers 503 instead of the worker being killed.
            "client_config": BotoConfig(
                s3={"addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path")},
                signature_version="s3v4",
                connect_timeout=env.float("AWS_S3_CONNECT_TIMEOUT", default=3),
                read_timeout=env.float("AWS_S3_READ_TIMEOUT", default=10),
                retries={"max_attempts": env.int("AWS_S3_MAX_ATTEMPTS", default=2), "mode": "standard"},
            ),
        },
    }
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG and not TESTING)
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if STATIC_MANIFEST else 60

# Uploads larger than this stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: Redis when REDIS_URL is set; otherwise tasks run in-process, eagerly.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:",
    # Publishing from a request never hangs on a broker that is down or stuck.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # A message a worker took and never acknowledged (the whole worker died) is delivered again after
    # this many seconds: above the longest image check (its hard limit is 180 s), far below Celery's
    # 1-hour default. The long tasks (export, recomputation) acknowledge on receipt instead; see below.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach the broker gives up within about a second (the caller degrades or the
# sweep re-queues), instead of Celery's default retries holding the request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING below (JSON lines in production), not a handler of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Security: strict in production; `manage.py check --deploy` is clean with DEBUG=0.
# The HTTPS protections follow SITE_URL's scheme (see SITE_URL above).
HTTPS_IN_PRODUCTION = not DEBUG and SITE_IS_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_IN_PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS_IN_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = HTTPS_IN_PRODUCTION
CSRF_COOKIE_SECURE = HTTPS_IN_PRODUCTION
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CSP_IMG_SOURCES = [SELF, "data:", "blob:", *env.list("CSP_EXTRA_IMG_SOURCES", default=[])]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": CSP_IMG_SOURCES,
        "connect-src": [SELF, *env.list("CSP_EXTRA_CONNECT_SOURCES", default=[])],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *env.list("CSP_EXTRA_FORM_ACTIONS", default=[])],
    }
}

# Logs: one line per record on stderr, each with the request's id (X-Request-ID); JSON in production
# (LOG_FORMAT=json, the default when DEBUG=0), for a log collector to index.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "seavl_portal.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "seavl_portal.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Seconds a client is told to wait (Retry-After) when the database or the storage is unreachable.
SERVICE_UNAVAILABLE_RETRY_AFTER = env.int("SERVICE_UNAVAILABLE_RETRY_AFTER", default=30)

# Error reporting (Sentry or a compatible service): off unless SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # no e-mail addresses or IPs leave the portal
    )

# Task 1 images (defaults in contributions/conf.py): the checks' thresholds and the API's upload rate.
IMAGE_MIN_SHORT_SIDE = env.int("IMAGE_MIN_SHORT_SIDE", default=512)
IMAGE_NEAR_DUPLICATE_DISTANCE = env.int("IMAGE_NEAR_DUPLICATE_DISTANCE", default=8)
IMAGE_API_UPLOAD_RATE = env("IMAGE_API_UPLOAD_RATE", default="120/m")
# Resumable uploads (docs/uploads.md): bytes per part, hours before the daily sweep aborts an upload not
# completed, uploads in progress per contributor.
UPLOAD_CHUNK_BYTES = env.int("UPLOAD_CHUNK_BYTES", default=256 * 1024)
RESUMABLE_UPLOAD_MAX_AGE_HOURS = env.int("RESUMABLE_UPLOAD_MAX_AGE_HOURS", default=24)
RESUMABLE_UPLOAD_MAX_OPEN = env.int("RESUMABLE_UPLOAD_MAX_OPEN", default=50)
for _name in ("IMAGE_BLUR_REJECT_BELOW", "IMAGE_BLUR_FLAG_BELOW"):
    if env(_name, default=""):
        vars()[_name] = env.float(_name)
# --- Task 2 review: each REVIEW_* of review/conf.py (its defaults and what they mean) from the environment ---
_REVIEW_INTEGERS = (
    "REVIEW_SCREENING_ITEMS",
    "REVIEW_SCREENING_COOLDOWN_HOURS",
    "REVIEW_SCREENING_MAX_ATTEMPTS",
    "REVIEW_LEASE_MINUTES",
    "REVIEW_RATINGS_NEEDED",
    "REVIEW_RATINGS_MAX",
    "REVIEW_REOPEN_EXTRA_RATINGS",
    "REVIEW_GOLD_RATE",
    "REVIEW_GOLD_WINDOW",
    "REVIEW_GOLD_MIN_ANSWERS",
    "REVIEW_MIN_SECONDS_PER_ITEM",
    "REVIEW_SYNC_EVERY_SECONDS",
)
_REVIEW_DECIMALS = (
    "REVIEW_SCREENING_PASS_MARK",
    "REVIEW_GOLD_MIN_ACCURACY",
    "REVIEW_MIN_MEAN_RELEVANCE",
    "REVIEW_SPLIT_MEAN_FROM",
)
for _name in _REVIEW_INTEGERS + _REVIEW_DECIMALS:
    if env(_name, default=""):
        vars()[_name] = env.int(_name) if _name in _REVIEW_INTEGERS else env.float(_name)
# --- Text tasks (Task 3: translators per language, the spec's three) ---
TRANSLATORS_PER_LANGUAGE = env.int("TRANSLATORS_PER_LANGUAGE", default=3)
# --- Points: the certificate's fonts, first match per line (see points/certificate.py) ---
_FONTS = "/usr/share/fonts/truetype"
CERTIFICATE_FONT_FILES = env.list("CERTIFICATE_FONT_FILES", default=[]) or (
    [
        f"{_FONTS}/dejavu/DejaVuSans.ttf",  # Latin with Vietnamese, Tetun, Filipino, Malay, Indonesian
        f"{_FONTS}/noto/NotoSans-Regular.ttf",
        f"{_FONTS}/noto/NotoSansThai-Regular.ttf",
        f"{_FONTS}/noto/NotoSansKhmer-Regular.ttf",
        f"{_FONTS}/noto/NotoSansLao-Regular.ttf",
        f"{_FONTS}/noto/NotoSansMyanmar-Regular.ttf",
        f"{_FONTS}/noto/NotoSansTamil-Regular.ttf",
        f"{_FONTS}/wqy/wqy-microhei.ttc",  # Chinese
    ]
)
# The review lease index carries a non-key column on PostgreSQL; SQLite (`make run`) builds it without.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Outages (issue 13, s3-outbox): nothing lost when Redis, the broker or the database blinks ---
# (One block on purpose: the other settings of issue 13 are above. Each line says what it fits.)
# The cache degrades instead of raising (seavl_portal/cache.py): with Redis stopped a read is a miss, a
# write is skipped, rate limits are not counted, and uploads are still taken. Bounded so a Redis that
# hangs cannot hold a request.
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "seavl_portal.cache.DegradingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 2)
# Image checks (seconds each) left pending longer than this are queued again by the minute sweep, so an
# upload taken while the broker was down is checked within about two minutes of its return.
IMAGE_PENDING_REQUEUE_SECONDS = env.int("IMAGE_PENDING_REQUEUE_SECONDS", default=90)
# Decisions (campaign.outbox) whose queued delivery did not happen are delivered by the minute sweep after
# this many seconds; delivered rows are kept this many days.
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=30)
OUTBOX_KEEP_DELIVERED_DAYS = env.int("OUTBOX_KEEP_DELIVERED_DAYS", default=30)
# The visibility timeout (CELERY_VISIBILITY_TIMEOUT, above) is fitted to the image check (seconds): a
# message a worker took and never acknowledged comes back after it even while a worker still runs it, so
# the two long tasks (a dataset export, up to 6 h; the weekly recomputation, up to 30 min) acknowledge
# on receipt instead (acks_late=False) and are never run twice at once. Recovery after a whole worker
# dies does not wait for the timeout either: the minute sweeps queue again image checks pending over
# IMAGE_PENDING_REQUEUE_SECONDS and deliver decisions waiting over OUTBOX_SWEEP_AFTER_SECONDS.
# Publishing from a request gives up within about a second when the broker is unreachable (the work is
# logged and swept), instead of holding the request through Celery's default retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
if "CELERY_TASK_PUBLISH_RETRY_POLICY" not in vars():
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Catalogs organizers upload are kept in the database (localization.UploadedCatalog); each web process and
# worker checks for a newer version at most every this many seconds (at its next request or task) and
# applies it without a restart. Off (< 0) in the test suite, where query counts must not vary with time.
CATALOG_SYNC_SECONDS = env.float("CATALOG_SYNC_SECONDS", default=-1 if TESTING else 5)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware"), "localization.middleware.CatalogSyncMiddleware")
