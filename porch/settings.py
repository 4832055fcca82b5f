"""Django settings: every value comes from the environment (PORCH_*), parsed strictly.

See porch/config.py for the helpers and README.md for the list of variables.
"""

from pathlib import Path

from porch import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("PORCH_DEBUG", False)
ALLOWED_HOSTS = config.env_list("PORCH_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.env_list("PORCH_CSRF_TRUSTED_ORIGINS", [])
PORT = config.env_int("PORCH_PORT", 8000, 1, 65535)
PUBLIC_URL = config.env_str("PORCH_PUBLIC_URL", "").rstrip("/")

# Served over HTTPS (behind a proxy that sets X-Forwarded-Proto): secure cookies and HSTS.
HTTPS = config.env_bool("PORCH_HTTPS", PUBLIC_URL.startswith("https://"))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "porch.core",
    "porch.workspaces",
    "porch.networks",
    "porch.inbox",
    "porch.publishing",
    "porch.triage",
    "porch.insights",
    "porch.plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "porch.insights.activity.ActiveTimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "porch.urls"
WSGI_APPLICATION = "porch.wsgi.application"

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
                "porch.workspaces.context.workspaces",
            ],
        },
    },
]

DATABASES = {"default": config.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": config.env_str("PORCH_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Login throttling: this many failures for one username or address within the window
# lock further attempts for that window.
LOGIN_MAX_FAILURES = config.env_int("PORCH_LOGIN_MAX_FAILURES", 5, 1, 1000)
LOGIN_FAILURE_WINDOW = config.env_int("PORCH_LOGIN_FAILURE_WINDOW", 900, 10, 86400)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# porch/static (porch.css, publishing.js) is not inside an app: the finders need it named.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_HOST = config.env_str("PORCH_SMTP_HOST", "localhost")
EMAIL_PORT = config.env_int("PORCH_SMTP_PORT", 25, 1, 65535)
EMAIL_HOST_USER = config.env_str("PORCH_SMTP_USER", "")
EMAIL_HOST_PASSWORD = config.env_secret("PORCH_SMTP_PASSWORD") or ""
EMAIL_USE_TLS = config.env_bool("PORCH_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = config.env_str("PORCH_EMAIL_FROM", "porch@localhost")
EMAIL_BACKEND = config.env_str("PORCH_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# How often the in-process scheduler looks for periodic work, in seconds.
SCHEDULER_TICK = config.env_int("PORCH_SCHEDULER_TICK", 1, 1, 3600)
# Seconds between syncs of one account: the interval adapts between these (X: 8x longer).
# A complaint should stand flagged within 5 s (issue 5; `make bench`: inbox_flag_p95), so a
# quiet account is still read every 3 s: one request each time, 100 per 5 minutes, well
# under Bluesky's 3,000 per 5 minutes per address and Mastodon's 300 per account.
SYNC_MIN_INTERVAL = config.env_int("PORCH_SYNC_MIN_INTERVAL", 2, 1, 86400)
SYNC_MAX_INTERVAL = config.env_int("PORCH_SYNC_MAX_INTERVAL", 3, 1, 86400)
# Publishing: a worker's claim on a post lasts this many seconds before another worker
# takes it over (after asking the network whether it went out); posts that go out more
# than PORCH_PUBLISH_LATE_NOTICE seconds late open a notice; tracked links use this host.
PUBLISH_LEASE = config.env_int("PORCH_PUBLISH_LEASE", 300, 1, 86400)
PUBLISH_LATE_NOTICE = config.env_int("PORCH_PUBLISH_LATE_NOTICE", 900, 0, 604800)
LINK_HOST = config.env_str("PORCH_LINK_HOST", PUBLIC_URL or "http://localhost:8000").rstrip("/")

# The X app's OAuth 2.0 client (developer.x.com) and its bearer token for search.
X_CLIENT_ID = config.env_str("PORCH_X_CLIENT_ID", "")
X_CLIENT_SECRET = config.env_secret("PORCH_X_CLIENT_SECRET") or ""
X_BEARER_TOKEN = config.env_secret("PORCH_X_BEARER_TOKEN") or ""
# Where the network APIs are: the real ones by default; a test server or a proxy otherwise.
X_API_URL = config.env_url("PORCH_X_API_URL", "https://api.x.com")
FACEBOOK_GRAPH_URL = config.env_url("PORCH_FACEBOOK_GRAPH_URL", "https://graph.facebook.com/v21.0")
# Workers listen to Mastodon's streaming API and sync an account as soon as it is notified.
MASTODON_STREAMING = config.env_bool("PORCH_MASTODON_STREAMING", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.env_str("PORCH_LOG_LEVEL", "INFO")},
    "loggers": {"django_tasks_db": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}
