"""Django settings. Values come from :mod:`zhengwu.config.env` only."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import dj_database_url

from zhengwu.config import env

BASE_DIR = Path(__file__).resolve().parent.parent  # src/zhengwu
ZHENGWU_MODE = env.choice(env.MODE, env.MODES)
DEMO_OR_TEST = ZHENGWU_MODE in ("demo", "test")
VAR_DIR = env.path(env.VAR_DIR, base=Path.cwd())


def _local_secret(name: str, nbytes: int) -> str:
    """A random secret kept under VAR_DIR/secrets (mode 0600), for demo mode only.

    Published atomically, so worker processes starting together all read the same value.
    """
    from zhengwu.config.keys import publish_once

    value = base64.b64encode(secrets.token_bytes(nbytes)).decode()
    return publish_once(VAR_DIR / "secrets" / name, value).strip()


def _required(var: env.Var, generated_name: str, nbytes: int) -> str:
    value = env.text(var)
    if value:
        return value
    if ZHENGWU_MODE == "test":
        # Tests run with fixed, visibly fake keys so results are reproducible.
        return base64.b64encode((generated_name.encode() * nbytes)[:nbytes]).decode()
    if ZHENGWU_MODE == "demo":
        return _local_secret(generated_name, nbytes)
    raise env.ConfigurationError(
        f"{var.name} is not set. zhengwu refuses to start in production mode without it; "
        f"set it, or set ZHENGWU_MODE=demo for a local demonstration. "
        f"（生产模式必须设置 {var.name}；本地演示请设置 ZHENGWU_MODE=demo）"
    )


SECRET_KEY = _required(env.SECRET_KEY, "secret_key", 48)
DEBUG = env.flag(env.DEBUG)
if DEBUG and ZHENGWU_MODE == "production":
    raise env.ConfigurationError("ZHENGWU_DEBUG=true is refused in production mode")

ALLOWED_HOSTS = env.items(env.ALLOWED_HOSTS)
if ZHENGWU_MODE == "test":
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env.items(env.CSRF_TRUSTED_ORIGINS)
PUBLIC_URL = env.text(env.PUBLIC_URL).rstrip("/")

# --- keys for personal data (kernel.crypto) -------------------------------------------
FIELD_ENCRYPTION_KEYS = env.text(env.FIELD_KEYS) or (
    "k1:" + _required(env.FIELD_KEYS, "field_key_k1", 16)
)
BLIND_INDEX_KEY = _required(env.BLIND_INDEX_KEY, "blind_index_key", 32)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "zhengwu.kernel",
    "zhengwu.org",
    "zhengwu.accounts",
    "zhengwu.catalog",
    "zhengwu.cases",
    "zhengwu.hotline",
    "zhengwu.licences",
    "zhengwu.dossiers",
    "zhengwu.ratings",
    "zhengwu.metrics",
    "zhengwu.web",
]

MIDDLEWARE = [
    "zhengwu.config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhengwu.config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# The chain for API requests that carry a bearer token (config/handlers.py, decision 0009):
# no session, CSRF, messages or htmx — a token request uses none of them.
API_TOKEN_MIDDLEWARE = [
    "zhengwu.config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "zhengwu.config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "zhengwu.config.handlers.AnonymousRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhengwu.config.urls"
WSGI_APPLICATION = "zhengwu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengwu.web.context_processors.platform",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------
_database_url = env.text(env.DATABASE_URL)
if _database_url:
    _default_db = dj_database_url.parse(
        _database_url,
        conn_max_age=env.integer(env.DB_CONN_MAX_AGE),
        conn_health_checks=env.flag(env.DB_HEALTH_CHECKS),
    )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "zhengwu.sqlite3",
    }
if _default_db["ENGINE"] == "django.db.backends.postgresql" and env.flag(
    env.DB_PREPARED_STATEMENTS
):
    # Django binds parameters on the client and never prepares (prepare_threshold None);
    # server-side binding lets psycopg prepare a statement after its 5th run on a connection.
    # A prepared statement's generic plan estimates rows without the values, which can switch
    # on JIT compilation (hundreds of ms) for a short query: off. Decision 0009.
    _options = _default_db.setdefault("OPTIONS", {})
    _options.update(server_side_binding=True, prepare_threshold=5)
    _options["options"] = " ".join(filter(None, (_options.get("options", ""), "-c jit=off")))
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    _default_db["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _default_db.setdefault("TEST", {})["NAME"] = None  # in-memory for tests
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- tasks ------------------------------------------------------------------------------
TASK_BACKEND_NAME = env.choice(env.TASKS, ("database", "rq", "immediate"))
REDIS_URL = env.text(env.REDIS_URL)
if TASK_BACKEND_NAME == "database":
    TASKS = {"default": {"BACKEND": "zhengwu.kernel.taskbackend.DatabaseBackend"}}
elif TASK_BACKEND_NAME == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# django-rq reads its queues once at import; defining them always costs nothing.
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
try:
    import django_rq  # noqa: F401  (installed with the [redis] extra)

    INSTALLED_APPS += ["django_rq"]
except ImportError:
    if TASK_BACKEND_NAME == "rq":
        raise env.ConfigurationError(
            "ZHENGWU_TASKS=rq needs the redis extra: pip install 'zhengwu[redis]'"
        ) from None

# --- caches -----------------------------------------------------------------------------
# "pages": rendered public pages keyed by a data stamp (kernel.pagecache); per process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "zhengwu-pages",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

# --- files ------------------------------------------------------------------------------
FILES_DIR = (
    env.path(env.FILES_DIR, base=Path.cwd()) if env.text(env.FILES_DIR) else (VAR_DIR / "files")
)
_storage = env.choice(env.STORAGE, ("local", "s3"))
if _storage == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(FILES_DIR), "base_url": None},
    }
else:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.text(env.S3_BUCKET),
            "endpoint_url": env.text(env.S3_ENDPOINT_URL) or None,
            "access_key": env.text(env.S3_ACCESS_KEY),
            "secret_key": env.text(env.S3_SECRET_KEY),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

# --- auth and sessions ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The lockout applies to every password login, the admin's included.
AUTHENTICATION_BACKENDS = ["zhengwu.accounts.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ZHENGWU_MODE == "test":
    # Argon2 at production cost would dominate the test suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
SESSION_COOKIE_AGE = env.integer(env.SESSION_AGE, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True  # sliding expiry: the age counts from the last request
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_MAX_FAILURES = env.integer(env.LOGIN_MAX_FAILURES, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.integer(env.LOGIN_LOCKOUT_MINUTES, minimum=1)

_secure_cookies = env.text(env.SECURE_COOKIES)
SECURE_COOKIES = env.flag(env.SECURE_COOKIES) if _secure_cookies else not DEMO_OR_TEST
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEMO_OR_TEST:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

# --- OpenID Connect provider (django-oauth-toolkit) ----------------------------------
_oidc_key_file = env.text(env.OIDC_PRIVATE_KEY_FILE)
if _oidc_key_file:
    OIDC_RSA_PRIVATE_KEY = Path(_oidc_key_file).read_text()
elif DEMO_OR_TEST:
    from zhengwu.config.keys import local_rsa_key

    OIDC_RSA_PRIVATE_KEY = local_rsa_key(VAR_DIR / "secrets" / "oidc_rsa.pem")
else:
    raise env.ConfigurationError(
        "ZHENGWU_OIDC_PRIVATE_KEY_FILE is not set: production mode needs the RSA key that "
        "signs OpenID Connect ID tokens.（生产模式必须设置 ZHENGWU_OIDC_PRIVATE_KEY_FILE）"
    )
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "PKCE_REQUIRED": True,
    "OIDC_ISS_ENDPOINT": PUBLIC_URL + "/o",
    "SCOPES": {
        "openid": "OpenID Connect 身份 / identity",
        "profile": "姓名与角色 / name and roles",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "OAUTH2_VALIDATOR_CLASS": "zhengwu.accounts.oidc.ZhengwuOIDCValidator",
}

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "zhengwu_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "zhengwu.config.middleware.RequestIdLogFilter"},
        # ID and phone numbers never reach the logs in clear, whoever wrote the message.
        "mask_personal": {"()": "zhengwu.kernel.masking.MaskingLogFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
        "json": {"()": "zhengwu.config.middleware.JsonLogFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "mask_personal"],
            "formatter": "json" if env.flag(env.LOG_JSON) else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "zhengwu": {"handlers": ["console"], "level": env.text(env.LOG_LEVEL), "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Every task start and finish at INFO would drown the console every 30 s.
        "django_tasks": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django_tasks_db": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

OUTBOX_MAX_ATTEMPTS = env.integer(env.OUTBOX_MAX_ATTEMPTS, minimum=1)
AUDIT_CHAINS = env.integer(env.AUDIT_CHAINS, minimum=1)
HTTP_BIND = env.text(env.HTTP_BIND)
HTTP_WORKERS = env.integer(env.HTTP_WORKERS)
HTTP_THREADS = env.integer(env.HTTP_THREADS, minimum=1)

# --- 12345 hotline (zhengwu.hotline) ------------------------------------------------------
HOTLINE_OFFICE_HOURS = env.text(env.HOTLINE_OFFICE_HOURS)
HOTLINE_OPEN311_JURISDICTION = env.text(env.HOTLINE_OPEN311_JURISDICTION)
HOTLINE_DUPLICATE_WINDOW_HOURS = env.integer(env.HOTLINE_DUPLICATE_WINDOW_HOURS, minimum=1)
try:
    HOTLINE_AUTO_DISPATCH_CONFIDENCE = float(env.text(env.HOTLINE_AUTO_DISPATCH_CONFIDENCE))
except ValueError:
    HOTLINE_AUTO_DISPATCH_CONFIDENCE = -1.0
if not 0.0 <= HOTLINE_AUTO_DISPATCH_CONFIDENCE <= 1.0:
    raise env.ConfigurationError(
        "ZHENGWU_HOTLINE_AUTO_DISPATCH_CONFIDENCE must be a number between 0 and 1"
        "（自动派单置信度应为 0 到 1 之间的数）"
    )

# --- online fee payment (zhengwu.cases.payments) ------------------------------------------
PAYMENT_GATEWAY_URL = env.text(env.PAYMENT_GATEWAY_URL).rstrip("/")
PAYMENT_GATEWAY_SECRET = env.text(env.PAYMENT_GATEWAY_SECRET)
PAYMENT_GATEWAY_TIMEOUT = env.integer(env.PAYMENT_GATEWAY_TIMEOUT, minimum=1)
if PAYMENT_GATEWAY_URL and not PAYMENT_GATEWAY_SECRET and ZHENGWU_MODE == "production":
    raise env.ConfigurationError(
        "ZHENGWU_PAYMENT_GATEWAY_URL is set but ZHENGWU_PAYMENT_GATEWAY_SECRET is not: "
        "without the shared secret anyone could forge a payment notice. Set the secret, or "
        "leave the URL empty to take fees at the window only."
        "（已设置 ZHENGWU_PAYMENT_GATEWAY_URL，生产模式必须同时设置 "
        "ZHENGWU_PAYMENT_GATEWAY_SECRET）"
    )

NINJA_PAGINATION_PER_PAGE = 50
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
