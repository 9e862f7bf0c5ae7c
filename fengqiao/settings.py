"""All settings, read from the environment with safe production defaults.

Variables: DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, FENGQIAO_DATA,
CSRF_TRUSTED_ORIGINS, SECURE_SSL and the few below (all listed in the README).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("FENGQIAO_DATA", Path.cwd() / "var")).resolve()


def _persistent_secret(filename: str) -> str:
    """A random secret kept under DATA_DIR, so an install without SECRET_KEY set still
    keeps sessions across restarts and never runs on a well-known key."""
    path = DATA_DIR / filename
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _persistent_secret("secret_key")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # serves the API docs' own static files: no CDN on an offline network
    "fengqiao.regions",
    "fengqiao.accounts",
    "fengqiao.people",
    "fengqiao.workdays",
    "fengqiao.cases",
    "fengqiao.notices",
    "fengqiao.triage",
    "fengqiao.mediation",
    "fengqiao.petitions",
    "fengqiao.grid",
    "fengqiao.meetings",
    "fengqiao.open311",
    "fengqiao.supervision",
    "fengqiao.evaluation",
    "fengqiao.analytics",
    "fengqiao.ledgers",
    "fengqiao.portal",
    "fengqiao.basedata",
    "fengqiao.services",
    "fengqiao.emergencies",
    "fengqiao.web",
    "fengqiao.demo",
    "fengqiao.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fengqiao.web.middleware.RefuseNulCharacters",
    "fengqiao.web.middleware.DatabaseUnavailable",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fengqiao.accounts.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "fengqiao.urls"
WSGI_APPLICATION = "fengqiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fengqiao.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fengqiao.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory: tests of concurrent writers need SQLite's real locking (WAL, busy timeout).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Lock-out against password guessing (django-axes): after AXES_FAILURE_LIMIT failures for one
# username from one address, that pair is refused for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fengqiao.accounts.lockout.lockout_response"
AXES_VERBOSE = False
LOGIN_URL = "login"
# Two-factor login (TOTP, django-otp): any user may turn it on; the roles listed here must
# (e.g. "admin,leader"; "admin" covers superusers too). Production should list at least admin.
TWO_FACTOR_REQUIRED_ROLES = envlist("TWO_FACTOR_REQUIRED_ROLES", "")
OTP_TOTP_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "枫桥社会治理平台")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_BODY_BYTES", 2 * 1024 * 1024)

SESSION_COOKIE_AGE = envint("SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("SECURE_SSL", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Submitting a domain to the browsers' HSTS preload list is a one-way commitment for the whole
# domain, so it is the operator's decision (HSTS_PRELOAD=true), not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 30)
# Maps draw the region polygons themselves; a tile server is optional (offline networks).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# The address citizens reach the platform at (e.g. https://fq.example.gov.cn), for links in text messages.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "")

# Text messages of notices (fengqiao.notices.sms; every message is kept in the outbox table):
# "database" only records and logs them (demo, tests), "http" posts each to a gateway, or the
# dotted path of a backend class. SMS_HTTP_TEMPLATE is a JSON object of the fields to send, with
# {phone} (E.164), {phone_national}, {text} and {id} replaced; SMS_HTTP_FORMAT json or form;
# SMS_HTTP_AUTH is the header sent when SMS_HTTP_TOKEN is set ({token} replaced).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "database")
SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE", "【枫桥】")
SMS_MAX_ATTEMPTS = envint("SMS_MAX_ATTEMPTS", 3)
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_FORMAT = os.environ.get("SMS_HTTP_FORMAT", "json").strip().lower()
SMS_HTTP_TEMPLATE = os.environ.get(
    "SMS_HTTP_TEMPLATE", '{"phone": "{phone}", "text": "{text}", "id": "{id}"}'
)
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_AUTH = os.environ.get("SMS_HTTP_AUTH", "Authorization: Bearer {token}")
SMS_HTTP_TIMEOUT = envint("SMS_HTTP_TIMEOUT", 5)

# Content-Security-Policy (django-csp): scripts only from this site, no inline script anywhere.
_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # Leaflet and ECharts position elements inline
        "img-src": ["'self'", "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Personal data: Fernet keys encrypting ID and phone numbers (newest first) and the HMAC key of their
# lookup hashes; unset, each is kept under DATA_DIR. Rotation is `fengqiao rotatekeys`.
FENGQIAO_DATA_KEYS = envlist("FENGQIAO_DATA_KEYS", "")
FENGQIAO_HASH_KEY = os.environ.get("FENGQIAO_HASH_KEY", "")
# Retention (fengqiao.people.retention, run daily by the sweep and by `fengqiao retention`), in
# days, 0 = keep for ever: people's names and numbers are anonymised once their cases are long
# finished; the personal-data access log (at least 180), login records and sent text messages
# are purged.
RETENTION_PERSONAL_DATA_DAYS = envint("RETENTION_PERSONAL_DATA_DAYS", 5 * 365)
RETENTION_ACCESS_LOG_DAYS = envint("RETENTION_ACCESS_LOG_DAYS", 3 * 365)
RETENTION_LOGIN_LOG_DAYS = envint("RETENTION_LOGIN_LOG_DAYS", 180)
RETENTION_SMS_DAYS = envint("RETENTION_SMS_DAYS", 180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"fengqiao": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}
