"""Linli settings. Everything configurable comes from environment variables with safe
local defaults: with nothing set, Linli runs on an SQLite file with eager Celery tasks."""

import base64
import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Local use is the default; production sets DEBUG=0 and must then give a SECRET_KEY.
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: "
            "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "linli-insecure-local-development-key"

PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Locally, the host QR codes point to (a LAN address for a phone) is allowed too.
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    f"127.0.0.1,localhost,testserver,{urlsplit(PUBLIC_BASE_URL).hostname or ''}" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "graphene_django",
    "django_filters",
    "django_celery_beat",
    "csp",
    # Platform apps first, then the domains, then the interface layer (import order).
    "backend.core",
    "backend.accounts",
    "backend.certificates",
    "backend.wechat",
    "backend.notifications",
    "volunteers",
    "courses",
    "frontend_api",
]

MIDDLEWARE = [
    # /healthz from a loopback peer, whatever its Host header (a local probe of plain HTTP
    # against 127.0.0.1 while ALLOWED_HOSTS names only the public host).
    "frontend_api.rest.health.LoopbackHealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files straight from gunicorn (`make run`, or behind a plain reverse proxy).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.core.context.RequestContextMiddleware",
    # GraphQL leaves its tighter statement limit on a reused connection; others get it back.
    "backend.core.statement_timeout.DefaultStatementTimeoutMiddleware",
    # Reads of unmasked phones/ID numbers during the request, audited in one INSERT at its end.
    "backend.core.audit.PersonalDataReadAuditMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages opened inside WeChat (or with ?wx= against a fake WeChat) sign in through OAuth.
    "frontend_api.wechat.signin.WeChatSignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Reused connections: opening one costs ~8 ms per request on PostgreSQL
        # (FINDINGS.md). On by default in production (DEBUG=0), with a health check so a
        # connection the server dropped is replaced instead of failing the request.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue (up to
    # `timeout` seconds) instead of failing mid-transaction with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so that threads and worker processes in tests share it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME", str(BASE_DIR / "test_linli.sqlite3"))
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that accepts connections and never answers must not hold a request (or
    # /healthz) for ever: give up connecting after DB_CONNECT_TIMEOUT seconds, and end a
    # statement after DB_STATEMENT_TIMEOUT_MS. gunicorn.conf.py sets the latter (30 s) for
    # the web processes only: `migrate`, the worker and beat have none unless it is set
    # (a long index build must not be cut off). GraphQL requests have a tighter one.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    _statement_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS") or "0")
    if _statement_ms > 0:
        DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={_statement_ms}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The phone pages' password login; pages send anonymous visitors there and back.
LOGIN_URL = "page-login"
LOGIN_REDIRECT_URL = "page-home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Cache (also WeChat's access-token store) ---------------------------------------------
# Several processes share it (web, worker, beat): WeChat replay nonces, the access-token
# lock, reply cache and rate-limit counters must be seen by all of them. Without Redis it is
# a table in the database (`manage.py createcachetable`); LINLI_CACHE=locmem keeps it in one
# process's memory, which only a single process (the test suite) may use.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL, "KEY_PREFIX": "linli"}}
elif os.environ.get("LINLI_CACHE", "database") == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "linli_cache",
        # Culling would forget replay nonces early; expired rows are culled first anyway.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    }}

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Gzipped copies at collectstatic; no manifest, so pages render before collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "backend.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min", "lookup": "30/min"},
}
GRAPHENE = {
    "SCHEMA": "frontend_api.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "ATOMIC_MUTATIONS": False,  # services own their transactions
    "SCHEMA_OUTPUT": "frontend_api/schema.graphql",
    "SCHEMA_INDENT": 2,
}
GRAPHQL_MAX_DEPTH = 10
GRAPHQL_MAX_ALIASES = 20
# API.md "Tokens": an API token lapses after this many days without use.
LINLI_TOKEN_IDLE_DAYS = int(os.environ.get("LINLI_TOKEN_IDLE_DAYS", "30"))
# Reverse proxies whose X-Forwarded-For is believed (CIDRs, comma-separated); empty means
# REMOTE_ADDR is the client (backend/core/context.py client_ip).
TRUSTED_PROXIES = [c for c in os.environ.get("TRUSTED_PROXIES", "").split(",") if c.strip()]
# API.md "Sign-in limits" (backend/accounts/ratelimit.py): failed credential checks per
# window, per client address and per (username, client address).
LINLI_SIGNIN_WINDOW_SECONDS = int(os.environ.get("LINLI_SIGNIN_WINDOW_SECONDS", "900"))
LINLI_SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("LINLI_SIGNIN_FAILURES_PER_ADDRESS", "50"))
LINLI_SIGNIN_FAILURES_PER_USERNAME = int(
    os.environ.get("LINLI_SIGNIN_FAILURES_PER_USERNAME", "10"))
# API.md "Query cost": a document over its caller's limit is refused before execution.
GRAPHQL_COST_LIMIT_ANONYMOUS = int(os.environ.get("GRAPHQL_COST_LIMIT_ANONYMOUS", "2000"))
GRAPHQL_COST_LIMIT_SIGNED_IN = int(os.environ.get("GRAPHQL_COST_LIMIT_SIGNED_IN", "20000"))
GRAPHQL_DOCUMENT_CACHE_SIZE = 256  # parsed and validated documents kept per process
GRAPHQL_MAX_BODY_BYTES = 100 * 1024
# PostgreSQL only (SET LOCAL inside the request's transaction); SQLite has no equivalent.
GRAPHQL_STATEMENT_TIMEOUT_MS = int(os.environ.get("GRAPHQL_STATEMENT_TIMEOUT_MS", "10000"))

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Nothing in Linli waits for a task's result; keep them only where a store is at hand
# (the Redis broker, or an explicit CELERY_RESULT_BACKEND).
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None)
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
# No broker: run tasks in-process so the embedded setup needs nothing else installed.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged after it ran, and re-queued if its worker dies: tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `filesystem://` is the broker that needs no server (`make run`): one file per message in
# a folder of the checkout, polled every 0.1 s (measured: ~0.1 s per round trip).
CELERY_BROKER_FOLDER = Path(os.environ.get("CELERY_BROKER_FOLDER", BASE_DIR / "var" / "broker"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **({"data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "polling_interval": 0.1} if CELERY_BROKER_URL.startswith("filesystem") else {}),
    # Only Redis knows a visibility timeout; kombu's SQLAlchemy transport would hand it to
    # create_engine() and fail.
    **({"visibility_timeout": 3600} if CELERY_BROKER_URL.startswith("redis") else {}),
    **json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}"),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Defaults for django-celery-beat; coordinators can edit them in the admin afterwards.
CELERY_BEAT_SCHEDULE = {
    # Recovers requests whose per-offer expiry task was lost.
    "volunteers-offers-sweep": {"task": "volunteers.offers_sweep",
                                "schedule": timedelta(minutes=1)},
    # Processed-message records only need to outlive WeChat's retry window.
    "wechat-purge-inbound": {"task": "wechat.purge_inbound_messages",
                             "schedule": timedelta(hours=6)},
    # Re-sends outbox rows whose delivery task was lost (broker briefly down).
    "notifications-sweep": {"task": "notifications.sweep", "schedule": timedelta(minutes=1)},
    # Follower records (subscribed, unionid) from WeChat's user/get and user/info/batchget.
    "wechat-followers-sync": {"task": "wechat.followers_sync_all",
                              "schedule": crontab(hour=3, minute=30)},
    # Completion waits for a run's last session to end; this completes them then.
    "courses-complete-finished-runs": {"task": "courses.complete_finished_runs",
                                       "schedule": timedelta(minutes=5)},
    "courses-reminders": {"task": "courses.send_reminders",
                          "schedule": crontab(hour=18, minute=0)},
    "volunteers-credential-expiry-alerts": {"task": "volunteers.credential_expiry_alerts",
                                            "schedule": crontab(hour=9, minute=0)},
    # Help-request photos older than HELP_PHOTO_RETENTION_DAYS lose their file.
    "volunteers-help-photos-purge": {"task": "volunteers.help_photos_purge",
                                     "schedule": crontab(hour=3, minute=0)},
    # Accounts past LINLI_RETENTION_DAYS (or deactivated) are anonymised, statistics kept.
    "accounts-retention": {"task": "accounts.retention_anonymise",
                           "schedule": crontab(hour=2, minute=30)},
}
# Where Linli reaches WeChat: its API and its OAuth page. Point both at the bundled fake
# (python -m backend.wechat.fake) to run every WeChat feature without WeChat.
LINLI_WECHAT_API_ORIGIN = (os.environ.get("LINLI_WECHAT_API_ORIGIN")
                           or "https://api.weixin.qq.com").rstrip("/")
LINLI_WECHAT_OPEN_ORIGIN = (os.environ.get("LINLI_WECHAT_OPEN_ORIGIN")
                            or "https://open.weixin.qq.com").rstrip("/")
# Template ids live in the database (admin: 公众号 → 消息模板). This setting is only a
# fallback for an account without a row for the kind: per account slug ("*" for all), e.g.
# {"*": {"JOB_OFFERED": "tmpl-id", "CERTIFICATE_ISSUED": "tmpl-id"}}
LINLI_WECHAT_TEMPLATE_IDS = json.loads(os.environ.get("LINLI_WECHAT_TEMPLATE_IDS") or "{}")
# A command not done within this many seconds answers "正在处理…" and sends its result as a
# customer-service message (WeChat gives up on a passive reply after 5 s).
LINLI_WECHAT_REPLY_DEADLINE_S = float(os.environ.get("LINLI_WECHAT_REPLY_DEADLINE_S", "4"))
# Threads per process that run WeChat commands against that deadline.
LINLI_WECHAT_COMMAND_THREADS = int(os.environ.get("LINLI_WECHAT_COMMAND_THREADS", "8"))
# Broadcasts: mass/send calls per second per account, shared by every worker (a token bucket
# in Redis; without REDIS_URL in the cache, see backend/wechat/ratelimit.py), the burst
# allowed after a pause, and how long a chunk's task waits for a token before retrying.
LINLI_BROADCAST_RATE_PER_SECOND = float(os.environ.get("LINLI_BROADCAST_RATE_PER_SECOND", "5"))
LINLI_BROADCAST_BURST = float(os.environ.get("LINLI_BROADCAST_BURST", "1"))
LINLI_BROADCAST_TOKEN_WAIT_SECONDS = float(
    os.environ.get("LINLI_BROADCAST_TOKEN_WAIT_SECONDS", "20"))
# A service error code missing from a mutation's error enum is a bug: raise while developing
# and in tests (tests/conftest.py turns it on), log and answer INVALID in production.
LINLI_STRICT_ERROR_CODES = env_bool("LINLI_STRICT_ERROR_CODES", DEBUG)
# Fractions are allowed (the run-stack test uses seconds).
VOLUNTEER_OFFER_TTL_MINUTES = float(os.environ.get("VOLUNTEER_OFFER_TTL_MINUTES", "30"))
# Help-request photos: the file is deleted this many days after upload (the row stays).
HELP_PHOTO_RETENTION_DAYS = int(os.environ.get("HELP_PHOTO_RETENTION_DAYS", "90"))
# Retention (README "Security"): accounts not seen (last sign-in, else registration) for
# this many days are anonymised by the daily job, deactivated ones after the second figure;
# staff accounts and accounts with open business (a seat, a help request) are left alone.
LINLI_RETENTION_DAYS = int(os.environ.get("LINLI_RETENTION_DAYS", "1095"))
LINLI_RETENTION_DELETED_DAYS = int(os.environ.get("LINLI_RETENTION_DELETED_DAYS", "30"))

# --- Logging: never personal data; the masking helpers exist for that ----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secrets in URLs (calendar tokens, binding links, certificate codes) never reach a log
    # line: "Not Found: /verify/<code>" becomes "/verify/[redacted]". gunicorn's access log
    # does the same through gunicorn.conf.py.
    "filters": {"redact_secrets": {"()": "backend.core.logredact.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # Django's default handlers for "django" (console under DEBUG, mail_admins)
                # would write the raw path beside ours: everything goes to the root's.
                "django": {"handlers": [], "level": "INFO", "propagate": True},
                # runserver's request lines (`make dev`), through the same filter.
                "django.server": {"handlers": ["console"], "level": "INFO",
                                  "propagate": False}},
}

# --- Deploy (API.md "Production"; `check --deploy --fail-level WARNING` passes) -------------
# The reverse proxy terminates TLS and marks HTTPS with X-Forwarded-Proto (it must set the
# header itself, overwriting any the client sent).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # HSTS is sent on HTTPS responses only (SecurityMiddleware); a year, as the check asks.
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# The proxy redirects HTTP to HTTPS; Django does not (SECURE_SSL_REDIRECT stays off) so that
# /healthz answers plain HTTP on loopback for the local monitor. Hence W008 is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W008"]

# Content Security Policy (django-csp 4): scripts and <style> only from Linli itself or
# carrying the response's nonce (`{{ request.csp_nonce }}`); no inline style attributes.
# Enforced with DEBUG off; report-only with it on, so a violation shows in the browser
# console (the browser tests fail on one) without breaking local use.
_CSP = {"DIRECTIVES": {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
}}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# --- Field-level encryption of personal data (backend/core/crypto.py) -----------------------
# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys, newest first; FIELD_HASH_KEY keys the
# lookup hashes. Required with DEBUG off; locally and in tests they derive from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set when DEBUG is off (losing "
            "them loses every phone number and address: back them up with the database). "
            "export FIELD_ENCRYPTION_KEYS=$(python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())') "
            "FIELD_HASH_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    _dev_digest = hashlib.sha256(f"linli-field-encryption:{SECRET_KEY}".encode()).digest()
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(_dev_digest).decode("ascii")]
    FIELD_HASH_KEY = FIELD_HASH_KEY or hashlib.sha256(
        f"linli-field-hash:{SECRET_KEY}".encode()).hexdigest()

# Privacy notice shown before a resident consents; its version is recorded with consent.
PRIVACY_NOTICE_VERSION = "2026-11"
