"""Settings shared by every environment; each value is read from the environment here.

With nothing configured the embedded defaults apply (see ARCHITECTURE.md): an SQLite file,
the in-process event transport and the database search backend. dev, test and production
import this module and change only what differs.
"""

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parents[2]
# Everything the project writes at run time (SQLite file, media, service data) goes here.
VAR_DIR = Path(env.str("NEWSROOM_VAR", default=str(BASE_DIR / "var")))

# SECRET_KEY, DEBUG and ALLOWED_HOSTS are set per environment (dev, test, production).
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    # First: its ready() sets the broker that the apps' dramatiq actors (`jobs` modules) bind
    # to when their handlers import them.
    "django_dramatiq",
    # Ours: content and people (cms), events and media (pipeline), search.
    "cms.core",
    "cms.accounts",
    "cms.news",
    "cms.videos",
    "cms.newsletter",
    "cms.api",
    "cms.operations",
    "pipeline",
    "search",
    # Wagtail, with wagtail-localize's locale admin in place of wagtail.locales.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail.api.v2",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",  # personal API tokens (accounts page)
    "modelcluster",
    "taggit",
    "django_filters",
    "django_guid",  # request ids (X-Request-ID) on log lines: pipeline/log_context.py
    "health_check",  # /readyz's page (cms/operations/health.py)
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First: every later line of the request's logs carries its id.
    "django_guid.middleware.guid_middleware",
    # HTTP metrics by view and status (/metrics), timing every later middleware.
    "cms.operations.http_metrics.ViewMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cms.core.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: picks the language from the URL prefix (/en/, /fr/).
    "cms.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # %00 in a query string is a 400 before any view passes it to the database.
    "cms.core.query_strings.RefuseNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Metrics for Prometheus (/metrics, cms/operations/metrics.py, and the HTTP middleware
# above); off, /metrics is a 404 and requests are not measured (bench/stack.py compares).
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
if not METRICS_ENABLED:
    MIDDLEWARE.remove("cms.operations.http_metrics.ViewMetricsMiddleware")

# Whole portal pages for visitors who are not signed in (cms/core/page_cache.py), emptied
# whenever content changes: seconds a page is kept at most; 0 turns the cache off. The cache
# must be shared by every web process: a folder on one machine, Redis or memcached on several
# (`PAGE_CACHE_URL`, e.g. redis://host:6379/1).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": env.cache_url("PAGE_CACHE_URL", default=f"filecache://{VAR_DIR / 'cache' / 'pages'}"),
}
CACHE_MIDDLEWARE_ALIAS = "pages"
CACHE_MIDDLEWARE_KEY_PREFIX = "portal"
CACHE_MIDDLEWARE_SECONDS = PAGE_CACHE_SECONDS
PAGE_CACHE_MIDDLEWARE = (
    "cms.core.page_cache.PageCacheUpdateMiddleware",  # first: stores on the way out
    "cms.core.page_cache.PageCacheFetchMiddleware",  # last: answers before the view
)


def with_page_cache(middleware: list[str], seconds: int) -> list[str]:
    """`middleware` with the page cache around it when it is on (whatever it had before)."""
    update, fetch = PAGE_CACHE_MIDDLEWARE
    plain = [name for name in middleware if name not in PAGE_CACHE_MIDDLEWARE]
    return [update, *plain, fetch] if seconds else plain


MIDDLEWARE = with_page_cache(MIDDLEWARE, PAGE_CACHE_SECONDS)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.core.context_processors.portal",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A request's changes and the outbox events they record commit together, or not at all.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves requests on threads while in-process jobs and events write
    # too, and SQLite has one writer at a time. A transaction that read before writing cannot
    # wait for the lock (it fails at once: "database is locked"), so every transaction takes
    # it when it begins (IMMEDIATE) and waits up to `timeout` seconds for it; with
    # ATOMIC_REQUESTS, requests take turns, which one machine's demo can afford. WAL lets
    # reads outside transactions go on during a write; synchronous=NORMAL is safe with WAL (a
    # power cut may lose the last commits, never corrupt the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=30),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A custom user model from the first migration: Django cannot switch to one later without
# rewriting history, and media-professional accounts need their own fields.
AUTH_USER_MODEL = "accounts.User"

# Applied at sign-up, password change and reset: the portal's policy (12 to 128 characters,
# no spaces, upper and lower case, digits, symbols), and Django's similarity check and
# common-password list, both also under decoration (`Password123!`, `Ana.Silva@2026`).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "cms.accounts.validators.DecoratedUserAttributeSimilarityValidator"},
    {"NAME": "cms.accounts.validators.PasswordPolicyValidator"},
    {"NAME": "cms.accounts.validators.DecoratedCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Journalists sign in with their email address; editors may still use their user name.
AUTHENTICATION_BACKENDS = ["cms.accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "accounts:profile"
# Password reset by emailed code: its lifetime (seconds), wrong tries allowed per code, the
# wait before another code can be sent, and the codes one address may be sent per hour.
PASSWORD_RESET_CODE_MAX_AGE = env.int("PASSWORD_RESET_CODE_MAX_AGE", default=15 * 60)
PASSWORD_RESET_CODE_ATTEMPTS = env.int("PASSWORD_RESET_CODE_ATTEMPTS", default=5)
PASSWORD_RESET_RESEND_COOLDOWN = env.int("PASSWORD_RESET_RESEND_COOLDOWN", default=60)
PASSWORD_RESET_HOURLY_CAP = env.int("PASSWORD_RESET_HOURLY_CAP", default=5)
# Failed sign-ins allowed per account and per client address within 15 minutes.
SIGN_IN_ATTEMPTS_PER_ACCOUNT = env.int("SIGN_IN_ATTEMPTS_PER_ACCOUNT", default=5)
SIGN_IN_ATTEMPTS_PER_ADDRESS = env.int("SIGN_IN_ATTEMPTS_PER_ADDRESS", default=30)
# Wrong passwords of a password-protected page (or document collection) allowed within 15
# minutes: per page (its one password is shared by many visitors) and per client address.
PAGE_PASSWORD_ATTEMPTS_PER_PAGE = env.int("PAGE_PASSWORD_ATTEMPTS_PER_PAGE", default=30)
PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS = env.int("PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS", default=5)


def _networks(setting: str, values: list[str]) -> list[str]:
    """The networks as given, each checked here: a typo fails at start-up, not per request."""
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{setting}: {error}") from None
    return values


# The reverse proxies in front of the site (comma-separated networks in CIDR, e.g.
# `10.0.0.0/8,2001:db8::/32`): behind them the client's address, which the throttles count
# by, is read from their X-Forwarded-For (cms/accounts/throttling.py). Empty: trust no
# proxy, the peer's address is the client's.
TRUSTED_PROXIES = _networks("TRUSTED_PROXIES", env.list("TRUSTED_PROXIES", default=[]))
# How long the link that verifies a new account's address stays valid (seconds).
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE", default=3 * 24 * 3600)

# The API takes the site's session (with its CSRF check) or a personal token sent as
# `Authorization: Token <key>`, created on the account page.
REST_FRAMEWORK = {
    # Token first: a bad or revoked token is then a 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON nested past a sane depth is a 400, not a RecursionError (cms/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "cms.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Every API error, DRF's, Django's and our services', as `{"message", "errors"?}`.
    "EXCEPTION_HANDLER": "cms.api.exceptions.api_exception_handler",
}
# The API answers a CSRF refusal in JSON; the portal keeps Django's page.
CSRF_FAILURE_VIEW = "cms.api.error_views.csrf_failure"

# --- Services (empty URL = embedded default) ---------------------------------------------

# amqp://user:password@host:port/vhost, or the URLs of a cluster's nodes separated by `;`
# (pipeline/broker.py). Empty: events go through the in-process transport.
RABBITMQ_URL = env.str("RABBITMQ_URL", default="")
EVENT_TRANSPORT = "rabbitmq" if RABBITMQ_URL else "inprocess"
# Video uploads (cms/videos, pipeline/media/probe.py): what is accepted.
VIDEO_UPLOAD_MAX_BYTES = env.int("VIDEO_UPLOAD_MAX_BYTES", default=20 * 1024**3)
VIDEO_MIN_DIMENSION = env.int("VIDEO_MIN_DIMENSION", default=16)
VIDEO_MAX_DIMENSION = env.int("VIDEO_MAX_DIMENSION", default=8192)
VIDEO_MAX_DURATION = env.int("VIDEO_MAX_DURATION", default=6 * 3600)  # seconds
# The media tools (pipeline/media/tools.py). Empty: ffmpeg on PATH, else imageio-ffmpeg's
# binary; ffprobe on PATH, else probing through PyAV. moviepy reads FFMPEG_BINARY too.
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="")
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="")
# Partial downloads: the longest clip, and how long an unrequested clip is kept.
CLIP_MAX_SECONDS = env.int("CLIP_MAX_SECONDS", default=600)
CLIP_RETENTION_DAYS = env.int("CLIP_RETENTION_DAYS", default=7)

# Jobs (long work handed off by consumers) run on dramatiq workers: `manage.py rundramatiq`
# with RabbitMQ; in the embedded default, on a worker thread of the process (pipeline/jobs.py).
DRAMATIQ_BROKER = {
    "BROKER": (
        "pipeline.job_broker.QuorumRabbitmqBroker"
        if RABBITMQ_URL
        else "dramatiq.brokers.stub.StubBroker"
    ),
    "OPTIONS": {"url": RABBITMQ_URL, "confirm_delivery": True} if RABBITMQ_URL else {},
    "MIDDLEWARE": [
        # First: its `after_` hooks run last, so every line of a job carries the job's ids.
        "pipeline.log_context.JobLogContext",
        # Before Retries: sees whether a failed job will be retried (pipeline/job_metrics.py).
        "pipeline.job_metrics.JobMetrics",
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
    ],
}
DRAMATIQ_AUTODISCOVER_MODULES = ["jobs"]

# Sent outbox events are kept this long, for `replay_events`.
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=14)
# What consumer groups remember of the events they processed is kept this long, except the
# latest of each subject, which tells a group that an older event came too late.
PROCESSED_EVENT_RETENTION_DAYS = env.int(
    "PROCESSED_EVENT_RETENTION_DAYS", default=EVENT_RETENTION_DAYS
)
# Deliveries of one message to a consumer group (crashes included) before the broker
# dead-letters it; handler errors are retried by the consumer itself (pipeline/topology.py).
EVENT_DELIVERY_LIMIT = env.int("EVENT_DELIVERY_LIMIT", default=10)
# Nodes each quorum queue (the consumer groups' and dramatiq's jobs') is replicated on when
# it is created (RabbitMQ's own default, said explicitly; a queue survives the loss of a
# minority of them).
RABBITMQ_QUEUE_REPLICAS = env.int("RABBITMQ_QUEUE_REPLICAS", default=3)

# http(s)://host:port of an Elasticsearch 8 cluster, or of several of its nodes separated by
# commas (the client spreads requests over them and retries on another one). Empty: the
# database search backend.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
# Our indices are named <prefix>-<locale>-v<generation>, behind the alias <prefix>-<locale>.
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", default="newsroom")
# Replicas of each index: at least 1 on a production cluster; a single dev node has none.
SEARCH_INDEX_REPLICAS = env.int("SEARCH_INDEX_REPLICAS", default=1)
# One bulk request carries at most this many bytes of documents.
SEARCH_BULK_MAX_BYTES = env.int("SEARCH_BULK_MAX_BYTES", default=5 * 1024 * 1024)
# Seconds one Elasticsearch request may take before it counts as failed.
SEARCH_REQUEST_TIMEOUT = env.float("SEARCH_REQUEST_TIMEOUT", default=10.0)

# /metrics (cms/operations/metrics.py) answers the client addresses in these networks (CIDR,
# comma-separated; as TRUSTED_PROXIES reveals them), and any client that sends
# `Authorization: Bearer <METRICS_TOKEN>` when a token is set. Behind a proxy on this machine,
# list it in TRUSTED_PROXIES, or every visitor would come from loopback.
METRICS_ALLOWED_NETWORKS = _networks(
    "METRICS_ALLOWED_NETWORKS",
    env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"]),
)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# e.g. smtp://user:password@host:587 or smtp+tls://…; the default prints mail to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="newsroom@localhost")

# --- Languages ----------------------------------------------------------------------------


def _languages(codes: list[str]) -> list[tuple[str, str]]:
    """(code, name in that language) for each configured code, as Django expects."""
    unknown = [code for code in codes if code not in LANG_INFO]
    if unknown:
        raise ImproperlyConfigured(f"LANGUAGES lists unknown language codes: {unknown}")
    return [(code, LANG_INFO[code]["name_local"]) for code in codes]


# Comma-separated language codes; the first is the default locale. Adding one here (and its
# translations) is all it takes to open a new locale in the admin and on the site.
LANGUAGES = _languages(env.list("LANGUAGES", default=["en", "fr"]))
LANGUAGE_CODE = LANGUAGES[0][0]
WAGTAIL_I18N_ENABLED = True
# "Translate" starts a draft; it goes live when a translator publishes it, not before.
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "static"))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploaded media: any Django storage by settings alone (e.g. django-storages' S3 backend with
# its options as JSON); the code reads and writes only through the storage API.
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Folders of MEDIA_ROOT that only Django's views serve (downloads to verified accounts, the
# streaming of published videos): the web server must not publish them under MEDIA_URL.
PROTECTED_MEDIA_PREFIXES = [
    "videos/originals/",
    "videos/renditions/",
    "videos/clips/",
    "videos/hls/",
]
# Behind nginx, `django_sendfile.backends.nginx` hands stored files to it with X-Accel-Redirect
# to SENDFILE_URL, an internal location over MEDIA_ROOT (docker/nginx.conf.template), and
# nginx answers ranges and HEAD. Left undefined, Django streams them itself: Wagtail's
# document view, too, checks whether the setting exists at all.
if env.str("SENDFILE_BACKEND", default=""):
    SENDFILE_BACKEND = env.str("SENDFILE_BACKEND")
    SENDFILE_ROOT = str(MEDIA_ROOT)
    SENDFILE_URL = env.str("SENDFILE_URL", default="/_protected")
# Wagtail's page editor posts many fields for rich StreamField pages.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Security headers ---------------------------------------------------------------------

# The portal's pages load nothing inline and nothing from another site, so their policy is
# strict; media may come from MEDIA_URL's own host when it names one (a bucket or a CDN).
_MEDIA_HOST = urlsplit(MEDIA_URL)
_MEDIA_ORIGIN = (
    [f"{_MEDIA_HOST.scheme}://{_MEDIA_HOST.netloc}" if _MEDIA_HOST.scheme else _MEDIA_HOST.netloc]
    if _MEDIA_HOST.netloc
    else []
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_MEDIA_ORIGIN],
        "media-src": [SELF, *_MEDIA_ORIGIN],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],  # clickjacking; the embed player lifts it for itself
    },
}
# Wagtail's admin still writes some scripts and styles inline (inline panels, date pickers)
# and previews uploads from blob: URLs; it gets its own policy (cms/core/middleware.py).
ADMIN_URL_PREFIX = "/admin/"
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_MEDIA_ORIGIN],
        "media-src": [SELF, "blob:", *_MEDIA_ORIGIN],
    },
}
# No page uses sensors, the camera, payments…: browsers refuse them to any script we might
# have missed. The players may go full screen and picture-in-picture.
PERMISSIONS_POLICY: dict[str, str | list[str]] = {
    **{
        feature: []
        for feature in (
            "accelerometer",
            "camera",
            "geolocation",
            "gyroscope",
            "magnetometer",
            "microphone",
            "payment",
            "usb",
            "browsing-topics",
        )
    },
    "fullscreen": "self",
    "picture-in-picture": "self",
}

# --- Wagtail ------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "Newsroom"
# The admin's sign-in says when the throttle refuses (the backend enforces it for every form).
WAGTAILADMIN_USER_LOGIN_FORM = "cms.accounts.forms.AdminSignInForm"
# Nothing from third parties in the admin either: no Gravatar lookups of editors' addresses,
# no call to wagtail.io for new releases (operators upgrade through requirements.lock).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# One way to reset a password, throttled and silent about which addresses have an account:
# the portal's reset by code (/<lang>/accounts/password-reset/), for editors too. Wagtail's
# own reset link would mail any address without a limit.
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
# Editors' own search in the admin; the portal's search service is separate (search/).
# Wagtail's database backend, with SQLite's full-text quoting fixed (search/wagtail_backend.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.wagtail_backend"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# --- Headless API (/api/v2/) -----------------------------------------------------------------
# Absolute links in API responses (detail_url…) start with this address.
WAGTAILAPI_BASE_URL = env.str("WAGTAILAPI_BASE_URL", default=WAGTAILADMIN_BASE_URL)
# Front ends get display HTML (links resolved), not Wagtail's database HTML.
WAGTAILAPI_RICH_TEXT_FORMAT = "html"
WAGTAILAPI_LIMIT_MAX = env.int("WAGTAILAPI_LIMIT_MAX", default=100)
# Draft previews for headless front ends (cms/api/preview.py): how long a token opens a draft,
# and the front end's preview address, e.g. https://www.example.org/preview?token={token}.
PREVIEW_TOKEN_MAX_AGE = env.int("PREVIEW_TOKEN_MAX_AGE", default=3600)
HEADLESS_PREVIEW_URL = env.str("HEADLESS_PREVIEW_URL", default="")

# --- Newsletter (cms/newsletter) -----------------------------------------------------------
# How long a confirmation link works (seconds); unsubscribe links never expire.
NEWSLETTER_CONFIRMATION_MAX_AGE = env.int("NEWSLETTER_CONFIRMATION_MAX_AGE", default=7 * 86400)
# `immediate`: one email per new article; `digest`: articles wait for
# `manage.py send_newsletter_digest` (run it from cron), which sends one email listing them.
NEWSLETTER_MODE = env.str("NEWSLETTER_MODE", default="immediate")
if NEWSLETTER_MODE not in ("immediate", "digest"):
    raise ImproperlyConfigured("NEWSLETTER_MODE must be 'immediate' or 'digest'")
# Links in newsletter emails (confirm, unsubscribe) start with this address.
NEWSLETTER_BASE_URL = env.str("NEWSLETTER_BASE_URL", default=WAGTAILADMIN_BASE_URL)
NEWSLETTER_FROM_EMAIL = env.str("NEWSLETTER_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Logging ------------------------------------------------------------------------------

# The request, event and job ids of each line let one upload be followed across processes.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",  # a proxy's id is kept if it is a valid UUID
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
}
# `plain` (one readable line each, ids as key=value) or `json` (one JSON object a line).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "log_context": {"()": "pipeline.log_context.LogContextFilter"},
        "quiet_probes": {"()": "cms.operations.log_filters.QuietProbes"},
    },
    "formatters": {
        "plain": {
            "()": "pipeline.log_context.LogfmtFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id", "event_id", "job_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["log_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # These narrate every connection, background task or redirect at INFO; only their
    # problems are worth a line.
    "loggers": {
        **{
            name: {"level": "WARNING"}
            for name in (
                "django_tasks",
                "wagtail.contrib.redirects",
                "elastic_transport",
                "django_guid",
            )
        },
        # pika logs each failed connection attempt at ERROR, a dozen lines each; the relay
        # and the consumers log one warning per attempt themselves.
        "pika": {"level": "CRITICAL"},
        # Load balancers' and Prometheus's requests are not news (cms/operations/log_filters.py).
        "django.request": {"filters": ["quiet_probes"]},
    },
}
