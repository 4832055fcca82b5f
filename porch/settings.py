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
# `porch serve`: web server processes sharing the port (one a CPU core serves the most pages).
WEB_PROCESSES = config.env_int("PORCH_WEB_PROCESSES", 1, 1, 64)
PUBLIC_URL = config.env_url("PORCH_PUBLIC_URL", "")
# Where Porch's pages are, for links in emails and tracked links: PORCH_PUBLIC_URL, else
# this machine at PORCH_PORT (`porch serve --port` sets it for its own process).
BASE_URL = PUBLIC_URL or f"http://localhost:{PORT}"

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
# Content-Security-Policy (django-csp): scripts only from Porch itself (its static files,
# htmx included), no inline script or handler, no eval; <style> only from static files.
# Style attributes stay allowed: the report's inline SVG charts carry theirs, and an
# attribute can load nothing that img-src and default-src do not allow.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

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
    "porch.listening",
    "porch.people",
    "porch.offers",
    "porch.publishing",
    "porch.triage",
    "porch.insights",
    "porch.plans",
    "porch.dashboard",
    "porch.api",
    "ninja",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "porch.core.middleware.RefuseNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "porch.insights.activity.ActiveTimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "porch.urls"
WSGI_APPLICATION = "porch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's own loaders, and each installed network's templates/ folder.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                        "porch.networks.loader.Loader",
                    ],
                )
            ],
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
# Sign-in limits (django-axes, every sign-in form and the admin's; porch/workspaces/signin.py):
# this many wrong passwords for one account from one address, or
# LOGIN_MAX_FAILURES_PER_ADDRESS for any accounts from one address (an IPv6 /64 is one
# address), within the window pause sign-in there for the window. LOGIN_MAX_FAILURES_PER_ACCOUNT
# from all addresses together pause the account everywhere: a generous backstop against
# guessing from many addresses (its trade-off: that many tries by strangers lock the owner out
# too). Behind a reverse proxy, name it in PORCH_TRUSTED_PROXIES so the client's address is
# read from X-Forwarded-For (from nobody else).
LOGIN_MAX_FAILURES = config.env_int("PORCH_LOGIN_MAX_FAILURES", 5, 1, 1000)
LOGIN_MAX_FAILURES_PER_ADDRESS = config.env_int(
    "PORCH_LOGIN_MAX_FAILURES_PER_ADDRESS", 30, 1, 10000
)
LOGIN_MAX_FAILURES_PER_ACCOUNT = config.env_int(
    "PORCH_LOGIN_MAX_FAILURES_PER_ACCOUNT", 100, 1, 1000000
)
LOGIN_FAILURE_WINDOW = config.env_int("PORCH_LOGIN_FAILURE_WINDOW", 900, 10, 86400)
TRUSTED_PROXIES = config.env_networks("PORCH_TRUSTED_PROXIES")
# Offer codes at the counter (porch/offers/guesses.py): unknown codes one till or member may
# try from one address within LOGIN_FAILURE_WINDOW, and all of a workspace's staff links
# together (that pause stops staff links only; signed-in members keep working).
OFFER_MAX_WRONG_CODES = config.env_int("PORCH_OFFER_MAX_WRONG_CODES", 10, 1, 10000)
OFFER_MAX_WRONG_CODES_PER_WORKSPACE = config.env_int(
    "PORCH_OFFER_MAX_WRONG_CODES_PER_WORKSPACE", 200, 1, 1000000
)
# The HTTP API (porch/api/auth.py): calls per minute per token (a burst of a whole minute's
# calls at once is allowed), and unknown tokens one address, or one token prefix, may send
# within LOGIN_FAILURE_WINDOW before it is paused for the window.
API_RATE = config.env_int("PORCH_API_RATE", 600, 1, 100000)
API_MAX_FAILED_AUTH = config.env_int("PORCH_API_MAX_FAILED_AUTH", 20, 1, 100000)
API_MAX_FAILED_AUTH_PER_TOKEN = config.env_int("PORCH_API_MAX_FAILED_AUTH_PER_TOKEN", 10, 1, 100000)
AUTHENTICATION_BACKENDS = [
    "porch.workspaces.signin.SignInLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "porch.workspaces.signin.SignInLimits"
AXES_FAILURE_LIMIT = "porch.workspaces.signin.failure_limit"  # LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = "porch.workspaces.signin.cool_off"  # LOGIN_FAILURE_WINDOW
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "porch.workspaces.signin.client_ip"
AXES_USERNAME_CALLABLE = "porch.workspaces.signin.attempted_username"
AXES_LOCKOUT_CALLABLE = "porch.workspaces.signin.locked_out"
AXES_DISABLE_ACCESS_LOG = True
AXES_RESET_ON_SUCCESS = False  # SignInLimits gives back only the account's own count
# Who may make an account: the first person on a new install always may (and runs it);
# after that "closed" (only `porch createuser`), "invite" (with an invitation) or "open".
SIGNUP = config.env_choice("PORCH_SIGNUP", "invite", ("closed", "invite", "open"))
INVITATION_DAYS = config.env_int("PORCH_INVITATION_DAYS", 7, 1, 365)

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
# the web app manifest's own type, whatever the host's /etc/mime.types says
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}

EMAIL_HOST = config.env_str("PORCH_SMTP_HOST", "localhost")
EMAIL_PORT = config.env_int("PORCH_SMTP_PORT", 25, 1, 65535)
EMAIL_HOST_USER = config.env_str("PORCH_SMTP_USER", "")
EMAIL_HOST_PASSWORD = config.env_secret("PORCH_SMTP_PASSWORD") or ""
EMAIL_USE_TLS = config.env_bool("PORCH_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = config.env_str("PORCH_EMAIL_FROM", "porch@localhost")
EMAIL_BACKEND = config.email_backend("PORCH_EMAIL_BACKEND", "smtp")

# How often the in-process scheduler looks for periodic work, in seconds.
SCHEDULER_TICK = config.env_int("PORCH_SCHEDULER_TICK", 1, 1, 3600)
# A worker whose heartbeat is older than this is taken for dead: its running tasks are
# taken back (run again, or failed after PORCH_TASK_ATTEMPTS tries).
WORKER_STALE_AFTER = config.env_int("PORCH_WORKER_STALE_AFTER", 60, 5, 86400)
TASK_ATTEMPTS = config.env_int("PORCH_TASK_ATTEMPTS", 3, 1, 100)
# History imports: the largest upload, and the most history data read out of one file
# (a zip's expanded members included), in MB. Uploads over 2.5 MB go to disk, not memory.
IMPORT_MAX_MB = config.env_int("PORCH_IMPORT_MAX_MB", 1024, 1, 65536)
# Till CSV imports (offers): the largest sales file, in MB; it is read into memory whole.
TILL_IMPORT_MAX_MB = config.env_int("PORCH_TILL_IMPORT_MAX_MB", 50, 1, 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
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
LINK_HOST = config.env_url("PORCH_LINK_HOST", BASE_URL)

# The X app's OAuth 2.0 client (developer.x.com) and its bearer token for search.
X_CLIENT_ID = config.env_str("PORCH_X_CLIENT_ID", "")
X_CLIENT_SECRET = config.env_secret("PORCH_X_CLIENT_SECRET") or ""
X_BEARER_TOKEN = config.env_secret("PORCH_X_BEARER_TOKEN") or ""
# The networks Porch can connect: each is one package exporting NETWORK (a NetworkDescriptor).
# Adding a network is adding its folder under porch/networks/ and a line here.
NETWORKS = [
    "porch.networks.bluesky",
    "porch.networks.mastodon",
    "porch.networks.x",
    "porch.networks.facebook",
    "porch.networks.fake",
]
# The fake network's world (porch/networks/fake/store.py): one SQLite file that the web
# process and the workers share. The demo's made-up accounts run on DEMO_NETWORK.
FAKE_NETWORK_DB = config.env_str("PORCH_FAKE_NETWORK_DB", str(DATA_DIR / "fake-network.sqlite3"))
DEMO_NETWORK = "fake"
# The demo network's made-up customer (a periodic job) runs only where this is on, or
# where `porch demo` started the server: an install without the demo has no use for it.
DEMO_CUSTOMER = config.env_bool("PORCH_DEMO_CUSTOMER", DEBUG)

# Where the network APIs are: the real ones by default; a test server or a proxy otherwise.
X_API_URL = config.env_url("PORCH_X_API_URL", "https://api.x.com")
FACEBOOK_GRAPH_URL = config.env_url("PORCH_FACEBOOK_GRAPH_URL", "https://graph.facebook.com/v21.0")
# Workers listen to Mastodon's streaming API and sync an account as soon as it is notified.
MASTODON_STREAMING = config.env_bool("PORCH_MASTODON_STREAMING", True)

# Whole-network listening: one consumer per install reads a network's firehose
# (porch/networks/firehose.py; `porch stream`). PORCH_FIREHOSE has `porch serve` and
# `porch worker` run it too (one of them holds the lease and reads; the others wait).
FIREHOSE = config.env_bool("PORCH_FIREHOSE", False)
BLUESKY_FIREHOSE_URL = config.env_str(
    "PORCH_BLUESKY_FIREHOSE_URL",
    "wss://jetstream2.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post",
)
# Where the firehose's authors' handles are looked up (Bluesky's public AppView).
BLUESKY_APPVIEW_URL = config.env_url("PORCH_BLUESKY_APPVIEW_URL", "https://public.api.bsky.app")
# Addresses users give (feeds, newsletters, Mastodon and Bluesky servers) are fetched only on
# public networks (porch/core/fetch.py); true lets private ones through, for a self-hosted
# blog or server on the same network, and for tests with local servers.
FETCH_ALLOW_PRIVATE = config.env_bool("PORCH_FETCH_ALLOW_PRIVATE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": config.env_choice("PORCH_LOG_LEVEL", "info", config.LOG_LEVELS).upper(),
    },
    "loggers": {
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # httpx logs every fetched address at INFO; private feed and webhook addresses can
        # carry tokens in their query, so only its warnings are written.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # charts and PDF reports: matplotlib and fontTools (font subsetting) chatter at INFO
        "matplotlib": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
