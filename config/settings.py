"""Django settings, read from the environment (see config/env.py and README "Configuration").

With nothing set the app runs on a laptop: DEBUG on, SQLite under var/, a Celery broker kept
in a SQLite file under var/ (no server needed). In production (DEBUG off) every secret must be
given and a malformed value stops start-up with a message that names the variable.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env

# Lets annotations such as `admin.ModelAdmin[DocumentType]` run (django-stubs' generics).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DEBUG = env.boolean("DEBUG", default=False)
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

_INSECURE_DEV_KEY = "django-insecure-local-development-key-never-use-in-production"
# Missing while DEBUG is off, SECRET_KEY stays empty: Django refuses it on first use, and the
# web server and every command that runs the system checks refuse to start (config/startup.py),
# but a command that reads only its arguments (verify_export of a bundle) runs without it.
SECRET_KEY = env.string("SECRET_KEY", _INSECURE_DEV_KEY if DEBUG else "")
if SECRET_KEY and not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a random string of at least 50 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env.strings("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.strings("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own widget templates, behind the few in templates/django/forms/ (FORM_RENDERER).
    "django.forms",
    "django_fsm",
    "pgtrigger",
    "axes",
    "csp",
    # identity before requests_app: the case app builds on it, and its post_migrate role
    # sync must see identity's reference-data permissions.
    "identity",
    "requests_app",
    # The data map, search tasks and provision records (a package of requests_app).
    "requests_app.datamap",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see the end).
    "csp.middleware.CSPMiddleware",
    "requests_app.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "requests_app.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "requests_app.middleware.ReadOnlyRoleMiddleware",
    # Axes last, as its documentation asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Forms render through the templates below, so that templates/django/forms/widgets/ can stand
# in for Django's widget templates: the same HTML, without an include per attribute list
# (requests_app/templatetags/widgets.py).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
                "requests_app.context_processors.navigation",
            ],
            # `{{ user|person }}` names a person the same way on every page and letter.
            "builtins": ["requests_app.templatetags.people"],
        },
    },
]


def _database(url: str) -> dict[str, object]:
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has the scheme {scheme!r}; use postgres://… or sqlite:///…"
        )
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from exc
    if scheme == "sqlite":
        # Several processes (web, worker, beat) share the file: wait for locks rather than fail.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
        config["CONN_MAX_AGE"] = 0
    return config


DATABASE_URL = env.optional_str("DATABASE_URL")
if DATABASE_URL is None:
    # The zero-setup default: a SQLite file under var/ (created here so any command works).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "requests_app:home"
LOGOUT_REDIRECT_URL = "login"

# Login rate limiting (django-axes): five failures for one user from one address lock that
# pair out for fifteen minutes; a successful login resets the count.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.integer("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
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

# On a laptop WhiteNoise serves straight from the source folders; production serves the
# compressed, hashed files that `collectstatic` put in STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Celery: Redis when REDIS_URL is set; otherwise a broker kept in a SQLite file under VAR_DIR
# (config/broker.py), so that `make run` needs no server and still runs a real worker and beat.
REDIS_URL = env.optional_str("REDIS_URL")
if REDIS_URL is not None and urlsplit(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ImproperlyConfigured("REDIS_URL must start with redis:// or rediss://.")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT: str | None = None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = f"sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    # How often an idle worker looks for a message (kombu's default is once a second).
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = 0.2
    # Remote control (`celery inspect`) needs broadcast messages, which this broker cannot
    # carry between processes: the worker would only poll its empty control queue.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
# Beat's record of when each periodic job last ran: one per VAR_DIR, so two `make run` from
# one checkout with different VAR_DIRs never share it.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Nothing a page needs is kept here (sessions are in the database); whatever uses
            # the cache later gets an error within a second, never a hang, if Redis is down.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# E-mail, configured from the environment; printed to the console on a laptop.
EMAIL_BACKEND = env.string(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.string("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "privacy-requests@cmc.example.jp")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Business settings (DOMAIN.md "Fees"): the published fee for purpose notices and disclosures.
APPI_FEE_YEN = env.integer("APPI_FEE_YEN", 1000, minimum=0)

# Security. Production runs behind TLS; these are what `manage.py check --deploy` asks for.
# Sessions live in the database, never in Redis: every page needs the database anyway, so
# Redis being down signs nobody out and stops no page (README, "Redis down").
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=True)
    if env.boolean("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    # Axes logs every sign-in at INFO; failures and lockouts (WARNING) are what matter.
    "loggers": {"axes": {"level": "WARNING"}},
}


# --- Identity verification (identity/) ------------------------------------------------------
# Scans of identity documents are encrypted at rest with IDENTITY_SCAN_KEY: a Fernet key, or
# several separated by commas while keys are rotated (the first encrypts, every one decrypts).
# On a laptop (DEBUG) a key is generated once into var/; production must be given one (missing,
# the list is empty and the web server refuses to start: config/startup.py).
def _identity_scan_keys() -> list[str]:
    import os

    from cryptography.fernet import Fernet

    development_key = VAR_DIR / "identity-scan.key"
    raw = env.optional_str("IDENTITY_SCAN_KEY")
    if raw is None:
        if not DEBUG:
            return []
        if not development_key.exists():
            # Written aside and linked into place: when web, worker and beat start together,
            # exactly one key wins and nobody reads a half-written file.
            development_key.parent.mkdir(parents=True, exist_ok=True)
            draft = development_key.with_name(f".identity-scan.{os.getpid()}.tmp")
            draft.write_text(Fernet.generate_key().decode(), encoding="ascii")
            draft.chmod(0o600)
            try:
                os.link(draft, development_key)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        raw = development_key.read_text(encoding="ascii").strip()
    keys = [key.strip() for key in raw.split(",")]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                "IDENTITY_SCAN_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes; "
                "several keys are separated by commas)."
            ) from exc
    return keys


IDENTITY_SCAN_KEYS = _identity_scan_keys()
# The secrets missing while DEBUG is off, for config/startup.py to demand from what serves.
MISSING_SECRETS = [
    name
    for name, given in (("SECRET_KEY", SECRET_KEY), ("IDENTITY_SCAN_KEY", IDENTITY_SCAN_KEYS))
    if not given
]
# The largest scan accepted, in megabytes.
IDENTITY_SCAN_MAX_BYTES = env.integer("IDENTITY_SCAN_MAX_MB", 10, minimum=1) * 1024 * 1024
# Copies of identity documents are destroyed this many months after the reply was mailed
# (or after the case was withdrawn or abandoned without one).
IDENTITY_COPY_RETENTION_MONTHS = env.integer("IDENTITY_COPY_RETENTION_MONTHS", 3, minimum=0)
# --- Deadlines, reminders and e-mail links (issue 4) -----------------------------------------
# Cases waiting on the requester (documents, fee, completion) longer than this many days
# are marked for abandonment and the managers are told.
APPI_ABANDON_AFTER_DAYS = env.integer("APPI_ABANDON_AFTER_DAYS", 30, minimum=1)
# A second pair of eyes: the person who submitted a decision for approval may not approve it
# (or decide not to act) themselves. On by default; the demo has two managers.
APPI_FOUR_EYES = env.boolean("APPI_FOUR_EYES", default=True)
# The address staff open the app at, for the links in e-mails.
APPI_BASE_URL = env.string("APPI_BASE_URL", "http://127.0.0.1:8000")
if urlsplit(APPI_BASE_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured("APPI_BASE_URL must start with http:// or https://.")
if REDIS_URL:
    # A staff action that queues a task must not hang on an unreachable broker.
    CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = 2
# --- Exports (issue 6): bundles of case histories and one-case dossiers -----------------------
# Bundles are written to MEDIA_ROOT/exports/ (never served directly: the download view checks
# who asks). WeasyPrint reports every rendering step at INFO; only its problems matter here.
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}  # type: ignore[index]
# --- Reply letters (requests_app/letters) ---------------------------------------------------
# Letters are PDF/A (WeasyPrint's pdf_variant). A deficiency letter asks for what is missing
# within LETTER_REPLY_WITHIN_DAYS; a reminder is due LETTER_REMINDER_AFTER_DAYS after that
# letter was mailed. A letter still waiting for its Celery task after
# LETTER_REQUEUE_AFTER_MINUTES is queued again by letters.services.letters_requeue_pending().
LETTER_PDF_VARIANT = env.choice(
    "LETTER_PDF_VARIANT", "pdf/a-3u", ("pdf/a-2b", "pdf/a-2u", "pdf/a-3b", "pdf/a-3u")
)
LETTER_REPLY_WITHIN_DAYS = env.integer("LETTER_REPLY_WITHIN_DAYS", 30, minimum=7)
LETTER_REMINDER_AFTER_DAYS = env.integer("LETTER_REMINDER_AFTER_DAYS", 14, minimum=1)
LETTER_REQUEUE_AFTER_MINUTES = env.integer("LETTER_REQUEUE_AFTER_MINUTES", 5, minimum=1)
# WeasyPrint reports every layout step at INFO; only its warnings matter in the logs.
LOGGING["loggers"]["weasyprint.progress"] = {"level": "WARNING"}  # type: ignore[index]
# --- Content-Security-Policy and Permissions-Policy (issue 14) --------------------------------
# Everything the pages load is the app's own: its scripts (static/js, never inline, no eval),
# its stylesheets (no style attributes), the SVG charts drawn on the server, the JSON the
# progress scripts poll, and the letter preview framed from the same origin. An inline script
# would need `nonce="{{ request.csp_nonce }}"`. The views that differ say so with django-csp's
# decorators (the letter preview may be framed by the app's own pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Features no page of this app uses, switched off for the app and anything it might frame.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# --- Long tasks show they are alive (requests_app/heartbeat.py) ------------------------------
# A letter batch or an export being built stamps its row every TASK_HEARTBEAT_SECONDS; one
# silent for TASK_PRESUMED_DEAD_AFTER_SECONDS belongs to a dead worker and the sweeps (every
# minute) give it to another. 15 s and 2 minutes: eight missed beats before a takeover, so a
# database that pauses for a minute or a worker starved of CPU keeps its task, while a killed
# worker's batch is taken over within about three minutes instead of the task's time limit.
TASK_HEARTBEAT_SECONDS = env.integer("TASK_HEARTBEAT_SECONDS", 15, minimum=1)
TASK_PRESUMED_DEAD_AFTER_SECONDS = env.integer("TASK_PRESUMED_DEAD_AFTER_SECONDS", 120, minimum=2)
if TASK_PRESUMED_DEAD_AFTER_SECONDS < 3 * TASK_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "TASK_PRESUMED_DEAD_AFTER_SECONDS must be at least three heartbeats "
        "(3 × TASK_HEARTBEAT_SECONDS), or a live task would be taken over."
    )


# --- The data map: connectors to the databases of systems (requests_app/datamap) -------------
# DATAMAP_CONNECTORS names the databases a system on the data map may be linked to, e.g.
# "customers,orders"; each one's URL comes from DATAMAP_CONNECTOR_<NAME>_URL (or ..._URL_FILE),
# postgres://… or sqlite:///…. Only the name is stored with the system, never the URL. The
# connector's query runs read-only, with a time limit and a row cap.
def _connector_urls() -> dict[str, str]:
    import re

    urls: dict[str, str] = {}
    for name in env.strings("DATAMAP_CONNECTORS", []):
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            raise ImproperlyConfigured(
                f"DATAMAP_CONNECTORS: {name!r} is not a connector name (lower-case letters, "
                "digits and _, starting with a letter, at most 40 characters)."
            )
        variable = f"DATAMAP_CONNECTOR_{name.upper()}_URL"
        url = env.string(variable, required=True)
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql", "sqlite"}:
            raise ImproperlyConfigured(
                f"{variable} has the scheme {parts.scheme!r}; use postgres://… or sqlite:///…"
            )
        if parts.scheme == "sqlite" and (parts.netloc or not parts.path.strip("/")):
            raise ImproperlyConfigured(f"{variable} must name a file: sqlite:///path/to/file")
        if parts.scheme != "sqlite" and not (parts.hostname and parts.path.strip("/")):
            raise ImproperlyConfigured(f"{variable} must name a host and a database.")
        urls[name] = url
    return urls


DATAMAP_CONNECTORS = _connector_urls()
DATAMAP_CONNECTOR_TIMEOUT_SECONDS = env.integer("DATAMAP_CONNECTOR_TIMEOUT_SECONDS", 10, minimum=1)
DATAMAP_CONNECTOR_ROW_CAP = env.integer("DATAMAP_CONNECTOR_ROW_CAP", 50, minimum=1)
