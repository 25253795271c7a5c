"""LeadHub settings: twelve-factor, read from the environment through django-environ.

Two profiles:
- ``local`` (the default): SQLite, django-q2's ORM broker, the vendor sandbox, a fixed
  development secret. Nothing to install or start.
- ``production``: demands SECRET_KEY, ALLOWED_HOSTS and FIELD_ENCRYPTION_KEYS, refuses the
  sandbox, and passes ``manage.py check --deploy``.

Every variable is listed in the README's configuration table and in ``.env.example``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from leadhub import csp_policy
from leadhub.logging_config import logging_config
from leadhub.task_queue_config import q_cluster_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

LEADHUB_ENV = env.str("LEADHUB_ENV", default="local")
if LEADHUB_ENV not in {"local", "test", "production"}:
    raise ImproperlyConfigured(
        f"LEADHUB_ENV must be local, test or production, not {LEADHUB_ENV!r}"
    )
PRODUCTION = LEADHUB_ENV == "production"


def _required_in_production(name: str) -> None:
    if PRODUCTION and not env.str(name, default=""):
        raise ImproperlyConfigured(f"{name} must be set when LEADHUB_ENV=production")


for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"):
    _required_in_production(_name)

SECRET_KEY = env.str(
    "SECRET_KEY", default="django-insecure-leadhub-local-development-only-never-in-production"
)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The vendor sandbox simulates every vendor API on this server under /sandbox/.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)
if PRODUCTION and SANDBOX_ENABLED:
    raise ImproperlyConfigured("SANDBOX_ENABLED cannot be on when LEADHUB_ENV=production")

# Connections may point at loopback or private hosts only where this is on (the sandbox).
ALLOW_PRIVATE_VENDOR_HOSTS = env.bool("ALLOW_PRIVATE_VENDOR_HOSTS", default=not PRODUCTION)

INSTALLED_APPS = [
    "leadhub.admin_site.LeadHubAdminConfig",  # Django's admin, its menu kept (admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "csp",
    "leadhub",
    "leadhub.imports",
    "leadhub.privacy",
    "auditlog",  # before leadhub.audit, whose admin replaces auditlog's
    "leadhub.notifications",
    "leadhub.audit",
    "leadhub.webhooks",
    "leadhub.api",
    "leadhub.attribution",
    "leadhub.routing",
    "ninja",  # the API's interactive docs, served from its own static files
    "vendors",
    "sandbox",
]

MIDDLEWARE = [
    "leadhub.health.HealthCheckMiddleware",
    # /api/v1/ only: body size, JSON only, JSON errors (before anything reads the body).
    "leadhub.api.guard.ApiGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An unchanged status poll: a 304 in one query, before sessions and auth are read.
    "leadhub.status_poll.StatusPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who did it: the audit log's entries made during a request name its user.
    "auditlog.middleware.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "leadhub.security.UndecryptableValueMiddleware",
    # A locked or dropped database: a page read again, a form answered "busy" with its entries.
    "leadhub.database_faults.DatabaseFaultMiddleware",
    # Axes must come last: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]

if SANDBOX_ENABLED:
    # Injected faults (HTTP errors, slow answers, dropped connections) for /sandbox/ only.
    MIDDLEWARE.insert(1, "sandbox.faults.SandboxFaultMiddleware")

ROOT_URLCONF = "leadhub.urls"
WSGI_APPLICATION = "leadhub.wsgi.application"

# Without DEBUG, templates are parsed once per process, said outright rather than left to
# Django's default (which, since 4.1, also caches while DEBUG is on, reloading on edits).
_CACHED_LOADERS = [
    (
        "django.template.loaders.cached.Loader",
        [
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    )
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": DEBUG,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            **({} if DEBUG else {"loaders": _CACHED_LOADERS}),
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite by default, tuned so the web server and the worker cluster can share it: WAL lets
# readers run beside the writer, IMMEDIATE takes the write lock up front (no deadlock on
# upgrade), and the busy timeout waits for a lock before failing with "database is locked".
# The wait stays well under Q_TIMEOUT (a system check), so a worker behind a lock gets an
# error it handles instead of being killed, and a person gets the "busy" page in seconds.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
SQLITE_BUSY_TIMEOUT = env.float("SQLITE_BUSY_TIMEOUT", default=5.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# The worker cluster reports its heartbeat through the cache, so the web process must
# share it with the worker: the database cache locally, Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="leadhub"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "leadhub_cache",
        }
    }

# The dashboard's counts, kept per person for this many seconds (leadhub/figures_cache.py).
STAFF_FIGURES_CACHE_SECONDS = env.int("STAFF_FIGURES_CACHE_SECONDS", default=10)

# --- Background tasks (django-q2) -----------------------------------------------------
# Every option that decides delivery is set explicitly (django-q2 1.11 semantics; see
# docs/deploy.md). The submission row, not the broker, decides whether a lead is sent:
# tasks carry its primary key and may safely run twice, because the claim sends nothing
# twice; what the broker must guarantee is only that a task is not lost for good, and the
# dispatcher covers even that.
VENDOR_CONNECT_TIMEOUT = env.float("VENDOR_CONNECT_TIMEOUT", default=5.0)
VENDOR_READ_TIMEOUT = env.float("VENDOR_READ_TIMEOUT", default=20.0)
# The wall-clock limit of one exchange (connect, send, the whole answer): the read timeout
# bounds each socket read only, which a vendor sending a byte a second never reaches.
# A connection may set its own (Connection.deadline_seconds).
VENDOR_DEADLINE = env.float("VENDOR_DEADLINE", default=20.0)
# timeout: a push makes at most four exchanges (a login, the lead, a login again after the
# token was refused, the lead again), each within VENDOR_DEADLINE: 4 x 20 s + 10 s margin.
# The system check vendors.E001 refuses a deadline that does not fit (vendors/limits.py).
Q_TIMEOUT = env.int("Q_TIMEOUT", default=90)
if Q_TIMEOUT <= VENDOR_CONNECT_TIMEOUT + VENDOR_READ_TIMEOUT:
    raise ImproperlyConfigured(
        "Q_TIMEOUT must exceed VENDOR_CONNECT_TIMEOUT + VENDOR_READ_TIMEOUT, or the worker "
        "is killed while a vendor call can still be answered"
    )
Q_WORKERS = env.int("Q_WORKERS", default=2)
# The most submissions of one connection sent at once (the bulkhead; a connection may set
# its own): one fewer than the workers, so a slow vendor always leaves one for the others.
VENDOR_MAX_IN_FLIGHT = env.int("VENDOR_MAX_IN_FLIGHT", default=max(1, Q_WORKERS - 1))
# A send that takes longer than this (seconds, in all) marks its connection slow: the limit
# above then applies to it for a while. A connection answering quickly has none, so one
# vendor alone gets every worker (leadhub/delivery/bulkhead.py).
VENDOR_SLOW_AFTER = env.float("VENDOR_SLOW_AFTER", default=2.0)
Q_BROKER = env.str("Q_BROKER", default="redis" if REDIS_URL else "orm")
Q_CLUSTER = q_cluster_config(
    name=env.str("Q_CLUSTER_NAME", default="leadhub"),
    workers=Q_WORKERS,
    timeout=Q_TIMEOUT,
    queue_limit=env.int("Q_QUEUE_LIMIT", default=Q_WORKERS * 4),
    bulk=env.int("Q_BULK", default=Q_WORKERS * 2),
    save_limit=env.int("Q_SAVE_LIMIT", default=-1),
    # An idle ORM broker waits this long between looks for tasks: half of it on average
    # before a lead's first send. 0.1 s costs each idle cluster 10 small SELECTs a second.
    poll=env.float("Q_POLL", default=0.1),
    broker=Q_BROKER,
    redis_url=REDIS_URL,
    sync=env.bool("Q_SYNC", default=False),
)

# --- Secrets at rest ------------------------------------------------------------------
# Fernet keys, newest first. Locally one is derived from SECRET_KEY when none is given.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Vendors --------------------------------------------------------------------------
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="GB")
VENDOR_MAX_RESPONSE_BYTES = env.int("VENDOR_MAX_RESPONSE_BYTES", default=1_000_000)
STORED_BODY_LIMIT = env.int("STORED_BODY_LIMIT", default=20_000)

# --- Bulk import ----------------------------------------------------------------------
# The largest CSV file accepted, and how many rows go into one transaction.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=10000)

# --- Routing (docs/routing.md) ----------------------------------------------------------
# How many of the latest leads "Try on recent leads" runs an edited route against.
ROUTING_TRIAL_LEADS = env.int("ROUTING_TRIAL_LEADS", default=1000)

# --- Personal data: retention and duplicates (docs/data-protection.md) -------------------
# How long each kind of personal data is kept, in days; 0 keeps it forever. Attempts keep
# their status, outcome and timing after their bodies go; submissions their status and
# timestamps after their payloads go; a lead past its time is anonymised in place (its
# submissions stay, so every count stays true), not deleted.
RETAIN_ATTEMPT_BODIES_DAYS = env.int("RETAIN_ATTEMPT_BODIES_DAYS", default=30)
RETAIN_ACCEPTED_PAYLOADS_DAYS = env.int("RETAIN_ACCEPTED_PAYLOADS_DAYS", default=90)
RETAIN_LEADS_DAYS = env.int("RETAIN_LEADS_DAYS", default=730)
# The IP address and browser a lead came with (docs/attribution.md): wanted for checking
# fraud in the first months, then forgotten while the lead and its campaign stay.
RETAIN_SOURCE_ADDRESSES_DAYS = env.int("RETAIN_SOURCE_ADDRESSES_DAYS", default=180)
# Who started each LeadByte campaign sync and what it found (each connection's newest kept).
RETAIN_CAMPAIGN_SYNCS_DAYS = env.int("RETAIN_CAMPAIGN_SYNCS_DAYS", default=90)
# Rows changed per transaction by the nightly prune, and the most batches per kind per run.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_MAX_BATCHES = env.int("RETENTION_MAX_BATCHES", default=200)
# A lead whose email or phone went to the same destination this many days ago is a duplicate
# (LeadByte's own dedupe window is 30 days).
DUPLICATE_WINDOW_DAYS = env.int("DUPLICATE_WINDOW_DAYS", default=30)

# --- API (/api/v1/, docs/api.md) -------------------------------------------------------
# Requests per key per window (0: no limit); bodies larger than this are refused unread.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)
API_RATE_WINDOW = env.int("API_RATE_WINDOW", default=60)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)
# A process reads a key, its owner and its destinations at most this often (seconds): a
# revocation or a scope change made in another process bites within it (0: every request).
API_KEY_CACHE_SECONDS = env.float("API_KEY_CACHE_SECONDS", default=5.0)
# How many proxies of our own stand in front of LeadHub (a load balancer, nginx). 0: the
# connecting address is the client's. N: the client's address is the Nth from the right of
# X-Forwarded-For, which each of our proxies appends to; anything further left was written
# by the client and is not trusted. Used for a lead's IP address (docs/attribution.md).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Auth, i18n, static -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Django's default (/accounts/profile/) is a page LeadHub does not serve: a login with no
# `next`, or with an off-site one refused, lands on the admin home instead.
LOGIN_REDIRECT_URL = "admin:index"

# --- Login protection (django-axes) ---------------------------------------------------
# Five failures for one username from one address lock that pair out for 15 minutes; a
# successful login clears the count. Behind a proxy, REMOTE_ADDR must be the client's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password"]
# Not verbose: no start-up banner from each process, and a login's log line names only the
# lockout parameters (username and address), not the browser's user agent.
AXES_VERBOSE = False

# --- Content-Security-Policy (django-csp; strict, leadhub/csp_policy.py) --------------
CONTENT_SECURITY_POLICY = csp_policy.CONTENT_SECURITY_POLICY

LANGUAGE_CODE = "en-gb"
# One date format everywhere (leadhub/formats/en_GB/formats.py).
FORMAT_MODULE_PATH = ["leadhub.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# None where static files are only served through the finders (the test settings).
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Logging (leadhub/logging_config.py: every handler masks secrets) ------------------
LOGGING = logging_config(
    level=env.str("LOG_LEVEL", default="INFO"),
    tasks_level=env.str("Q_LOG_LEVEL", default="WARNING"),
)
# Error reports (DEBUG pages, mails to ADMINS) mask credentials in settings, POST data
# and traceback variables.
DEFAULT_EXCEPTION_REPORTER_FILTER = "leadhub.security.RedactingExceptionReporterFilter"

# --- Production hardening -------------------------------------------------------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=int(timedelta(hours=12).total_seconds()))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Delivery -------------------------------------------------------------------------
# Delays between attempts after the first: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h.
SUBMISSION_RETRY_DELAYS = env.list(
    "SUBMISSION_RETRY_DELAYS", cast=int, default=[10, 60, 300, 1800, 7200, 21600]
)
SUBMISSION_RETRY_JITTER = env.float("SUBMISSION_RETRY_JITTER", default=0.1)
SUBMISSION_MAX_RETRY_AFTER = env.int("SUBMISSION_MAX_RETRY_AFTER", default=3600)
# How often the retry clock (`manage.py retry_clock`) looks for retries that are due: a
# retry starts within about this long of its time (django-q2's scheduler ticks every 30 s).
RETRY_CLOCK_TICK = env.float("RETRY_CLOCK_TICK", default=0.5)
# A SENDING row older than this lost its worker (above the task timeout, after which the
# worker is killed).
SUBMISSION_LEASE_SECONDS = env.int("SUBMISSION_LEASE_SECONDS", default=Q_TIMEOUT * 2)
if SUBMISSION_LEASE_SECONDS <= Q_TIMEOUT:
    raise ImproperlyConfigured("SUBMISSION_LEASE_SECONDS must exceed Q_TIMEOUT")
# A QUEUED row whose task was handed out this long ago lost it (a broker without receipts,
# a cluster killed with tasks in hand): the dispatcher enqueues it again.
SUBMISSION_REQUEUE_AFTER = env.int("SUBMISSION_REQUEUE_AFTER", default=120)
# When to ask a vendor that reports later (LeadByte's queue) what became of a lead.
SUBMISSION_OUTCOME_CHECK_DELAYS = env.list(
    "SUBMISSION_OUTCOME_CHECK_DELAYS", cast=int, default=[30, 120, 600, 3600, 21600, 86400]
)
# --- Webhooks out (docs/webhooks.md) ----------------------------------------------------
# Delays between attempts after the first: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the
# Standard Webhooks / Svix schedule: about a day and a quarter in all).
WEBHOOK_RETRY_DELAYS = env.list(
    "WEBHOOK_RETRY_DELAYS", cast=int, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
WEBHOOK_RETRY_JITTER = env.float("WEBHOOK_RETRY_JITTER", default=0.1)
WEBHOOK_MAX_RETRY_AFTER = env.int("WEBHOOK_MAX_RETRY_AFTER", default=3600)
# One POST to an endpoint, connecting to the last byte of its answer.
WEBHOOK_DEADLINE = env.float("WEBHOOK_DEADLINE", default=15.0)
# An endpoint whose every delivery failed for this many days is turned off.
WEBHOOK_DISABLE_AFTER_DAYS = env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=5.0)
# Where LeadHub is reached from outside: the links in webhook payloads.
LEADHUB_PUBLIC_URL = env.str("LEADHUB_PUBLIC_URL", default="http://127.0.0.1:8000")
# The per-connection circuit breaker: this many transient failures in a row pause the
# connection; a probe goes after the cool-down, doubled after each failed probe.
CONNECTION_BREAKER_THRESHOLD = env.int("CONNECTION_BREAKER_THRESHOLD", default=5)
CONNECTION_BREAKER_COOLDOWN = env.int("CONNECTION_BREAKER_COOLDOWN", default=60)
CONNECTION_BREAKER_MAX_COOLDOWN = env.int("CONNECTION_BREAKER_MAX_COOLDOWN", default=1800)

# --- Notifications --------------------------------------------------------------------
# Email goes through Django's backend: the console locally (`make run` prints each one),
# SMTP in production (EMAIL_HOST and friends, read by Django from these settings).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# An SMTP server that hangs is given up on after this long: a notification never holds a
# worker for longer (the webhook channel has the same limit).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
NOTIFICATION_TIMEOUT = env.float("NOTIFICATION_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LeadHub <leadhub@localhost>")
# Delays before each retry of a notification that failed, then it is marked failed.
NOTIFICATION_RETRY_DELAYS = env.list(
    "NOTIFICATION_RETRY_DELAYS", cast=int, default=[60, 300, 1800, 7200]
)
# Submissions that gave up or need review: one alert per destination in this window.
NOTIFICATION_DEDUP_MINUTES = env.int("NOTIFICATION_DEDUP_MINUTES", default=60)

# --- Audit log (django-auditlog) ------------------------------------------------------
# How long an audit entry is kept; a daily task deletes older ones.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Changes are stored as JSON, never as the text of a value (and never a secret: the
# audited fields are listed, see leadhub/audit/registry.py).
AUDITLOG_STORE_JSON_CHANGES = True
# The address people open LeadHub at: links in notifications start with it.
LEADHUB_SITE_URL = env.str("LEADHUB_SITE_URL", default="http://127.0.0.1:8000")
