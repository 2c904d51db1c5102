"""Settings for pyros.

Everything a deployment changes comes from the environment:

- ``DJANGO_SECRET_KEY``: required when ``DJANGO_DEBUG`` is off.
- ``DJANGO_DEBUG``: ``1``/``true`` for development (``make run`` sets it).
- ``DJANGO_ALLOWED_HOSTS``: comma-separated, default ``127.0.0.1,localhost``.
- ``DATABASE_URL``: PostgreSQL (or any dj-database-url URL); SQLite at the project root by default.
- ``REDIS_URL``: channels_redis channel layer; the in-memory layer by default (one process).
- ``PYROS_AGENT_CONFIG``: path of the agents' ini file (default ``pyros_agent_config.ini``).
- ``PYROS_AGENTS_AUTOSTART``: ``0`` keeps the agents from starting with the server.
- ``DJANGO_SECURE``: ``1`` for production behind a TLS-terminating proxy that sets
  ``X-Forwarded-Proto``: HTTPS only (redirect, HSTS, secure cookies); requires ``DJANGO_SECRET_KEY``
  and ``DJANGO_DEBUG`` off; ``manage.py check --deploy`` is then clean. ``DJANGO_CSRF_TRUSTED_ORIGINS``
  (comma-separated ``https://host``) and ``DJANGO_HSTS_SECONDS`` (default one year) go with it.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


DEBUG = env_bool("DJANGO_DEBUG", False)
# The development key is fine on loopback; a deployment sets its own.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-pyros-development-key-change-me"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]

# Production behind a TLS proxy: DJANGO_SECURE=1 (see the module docstring and README).
SECURE = env_bool("DJANGO_SECURE", False)
if SECURE:
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_SECURE=1 needs DJANGO_DEBUG off")
    if not os.environ.get("DJANGO_SECRET_KEY"):
        raise ImproperlyConfigured("DJANGO_SECURE=1 needs DJANGO_SECRET_KEY (50+ random characters)")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    CSRF_TRUSTED_ORIGINS = [
        o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
    ]

INSTALLED_APPS = [
    "pyros",  # first: its runserver (daphne's, announcing pyros) wins
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "common",
    "alert_manager",
    "scheduler",
    "simulators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files with DEBUG off, in this process (daphne/uvicorn alone serve a working console).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pyros.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "pyros.wsgi.application"
ASGI_APPLICATION = "pyros.asgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Agent threads and the web server write concurrently: wait for the lock rather than fail.
    # WAL lets readers and the writer work at once, and synchronous=NORMAL skips an fsync per commit
    # (still durable across application crashes; the last transactions may be lost on power loss).
    # IMMEDIATE: a transaction takes the write lock when it begins (waiting up to the timeout), so a
    # read-then-write transaction (update_or_create) never fails at once with "database is locked"
    # when another process wrote in between (SQLite cannot upgrade a stale read snapshot).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        transaction_mode="IMMEDIATE",
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    # Throttle histories (common.throttling) shared by every process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `manage.py collectstatic` (run by `make setup`) writes hashed, compressed copies here; WhiteNoise serves
# them with far-future cache headers. Before collectstatic, the same files are served from the apps.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "run" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "common.staticstorage.ConsoleStaticStorage"},
}
WHITENOISE_USE_FINDERS = True
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # (WhiteNoise warns about a missing one)
except OSError:
    pass  # a read-only checkout: collectstatic says so, if it is ever run
# Dates and times on the pages and in the admin: one format, with seconds (pyros/formats/en/formats.py).
FORMAT_MODULE_PATH = ["pyros.formats"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/admin/login/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "pyros": {"handlers": ["console"], "level": os.environ.get("PYROS_LOG_LEVEL", "INFO"), "propagate": False},
    },
}

# --- pyros agents -------------------------------------------------------------------------------
# Path of the agents' network configuration; the environment variable of the same name wins.
PYROS_AGENT_CONFIG = os.environ.get("PYROS_AGENT_CONFIG", str(BASE_DIR / "pyros_agent_config.ini"))
# Start the agents with the serving process (runserver's child, an ASGI server, runagents).
PYROS_AGENTS_AUTOSTART = env_bool("PYROS_AGENTS_AUTOSTART", True)
# Largest native frame (payload bytes) an agent accepts; larger ones get an error frame.
PYROS_MAX_FRAME_SIZE = 1024 * 1024
# A client that stops in the middle of a frame for this long is disconnected (seconds).
PYROS_FRAME_TIMEOUT = 10.0
# Native endpoint limits (common/transport/native.py; the connection cap also bounds the threads of
# the threaded servers in common/transport/tcp.py): connections served at once (more get an error
# frame), seconds a connection may stay silent, bytes of unread replies per connection (past it the
# connection is no longer read, and cut if it does not read back under within 0.5 s).
PYROS_MAX_CONNECTIONS = 256
PYROS_IDLE_TIMEOUT = 300.0
PYROS_MAX_OUTPUT = 16 * 1024 * 1024
# Sender.send_to's default timeout (seconds).
PYROS_SEND_TIMEOUT = 5.0
# Supervision: a crashed agent thread is restarted after 1, 2, 4 ... seconds, at most this many times.
PYROS_RESTART_BACKOFF_MAX = 30.0
PYROS_RESTART_LIMIT = 5
# Test runs: ``manage.py test`` runs the pytest suite.
TEST_RUNNER = "pyros.test_runner.PytestTestRunner"
# Where pid/state files of long-running commands go (runsimulators --status/--stop).
PYROS_RUN_DIR = Path(os.environ.get("PYROS_RUN_DIR") or BASE_DIR / "run")

# --- REST API, websocket, dashboard ---------------------------------------------------------------
# Reading needs a signed-in user; injecting needs common.inject_message (staff have it). Token first, so
# that an anonymous request gets 401 with "WWW-Authenticate: Token"; get a token with POST /api/token/
# {"username", "password"} or `manage.py drf_create_token <username>`.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.throttling.ThrottledTokenAuthentication",  # wrong tokens count toward auth_failure
        "rest_framework.authentication.SessionAuthentication",
    ],
    # orjson: malformed or too deeply nested JSON is a 400, never a RecursionError (500)
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # 429 with Retry-After past these (common.throttling): token = POST /api/token/ per address,
    # auth_failure = wrong tokens/passwords per address, inject = injections per user (REST + websocket)
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("PYROS_TOKEN_RATE", "20/min"),
        "auth_failure": os.environ.get("PYROS_AUTH_FAILURE_RATE", "10/min"),
        "inject": os.environ.get("PYROS_INJECT_RATE", "600/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "pyros API",
    "DESCRIPTION": (
        "Status of the pyros agents, message injection and the message log. Sign in with a session, or "
        "send `Authorization: Token <key>`: get the key with POST /api/token/ {username, password} or "
        "`python manage.py drf_create_token <username>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One enum per state machine (alerts, observation requests, slots): named, not hashed.
    "ENUM_NAME_OVERRIDES": {
        "AlertStateEnum": "alert_manager.models.Alert.State",
        "RequestStateEnum": "scheduler.models.ObservationRequest.State",
        "SlotStateEnum": "scheduler.models.Slot.State",
    },
    "SWAGGER_UI_DIST": "SIDECAR",  # served from drf-spectacular-sidecar's static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Agents of every process persist their status this often (seconds); a heartbeat older than
# PYROS_HEARTBEAT_MAX_AGE shows the agent as unreachable.
PYROS_HEARTBEAT_INTERVAL = float(os.environ.get("PYROS_HEARTBEAT_INTERVAL", "1.0"))
PYROS_HEARTBEAT_MAX_AGE = float(os.environ.get("PYROS_HEARTBEAT_MAX_AGE", "5.0"))
# Status events of one agent on the channel layer: at most one per this many seconds (coalesced).
PYROS_STATUS_EVENT_INTERVAL = 0.05
# Largest timeout (seconds) a user may ask for when injecting a message.
PYROS_INJECT_MAX_TIMEOUT = 60.0
# Message log retention (common.retention): rows older than this many days, and all but the newest
# PYROS_MESSAGE_LOG_MAX_ROWS, are deleted at most once per PYROS_MESSAGE_LOG_PRUNE_INTERVAL seconds
# by the process that injects, and by `manage.py prunemessages`.
PYROS_MESSAGE_LOG_MAX_AGE_DAYS = float(os.environ.get("PYROS_MESSAGE_LOG_MAX_AGE_DAYS", "30"))
PYROS_MESSAGE_LOG_MAX_ROWS = int(os.environ.get("PYROS_MESSAGE_LOG_MAX_ROWS", "100000"))
PYROS_MESSAGE_LOG_PRUNE_INTERVAL = 60.0
# Largest REST request body (bytes): 413 above.
PYROS_MAX_BODY_SIZE = 4 * 1024 * 1024
LOGIN_REDIRECT_URL = "/"
# The console shows times in this zone (an IANA name such as "America/Santiago"); the database, the REST
# API and the websocket stay in UTC (ISO 8601).
PYROS_TIME_ZONE = os.environ.get("PYROS_TIME_ZONE", "UTC")


# --- Ivy bus ----------------------------------------------------------------------------------------
# Messages queued for one slow Ivy peer before it is disconnected (ERROR + BYE, counted in status).
PYROS_IVY_MAX_QUEUE = int(os.environ.get("PYROS_IVY_MAX_QUEUE", "100000"))


# --- pymasep ----------------------------------------------------------------------------------------
# Discovery (common.communication: Server.wait_announcement / Client.search_server): where UDP
# requests go and servers listen. Default: loopback broadcast, nothing leaves the host. pymasep's own
# multicast group (224.3.29.71, port 10000) is a deployment's explicit choice.
PYMASEP_DISCOVERY_ADDRESS = os.environ.get("PYMASEP_DISCOVERY_ADDRESS", "127.255.255.255")
PYMASEP_DISCOVERY_PORT = int(os.environ.get("PYMASEP_DISCOVERY_PORT", "10000"))
# How long Client.search_server waits for an answer (seconds).
PYMASEP_DISCOVERY_TIMEOUT = 1.0
# A peer must say hello within this time, or its connection is closed (seconds).
PYMASEP_HANDSHAKE_TIMEOUT = 5.0
# A peer stalled mid-frame, or not reading what we write, for this long is disconnected (seconds).
PYMASEP_IO_TIMEOUT = 10.0
# Clients an agent's pymasep endpoint (pymasep_port in its config section) accepts at once; a
# section's pymasep_max_connection overrides it.
PYMASEP_MAX_CONNECTION = 16


# --- Net_Node ---------------------------------------------------------------------------------------
# autopilot-compatible ZMQ Net_Node/Station (common.networking). An agent attaches a Net_Node with
# netnode_upstream = ID@host:port (its Station) and/or netnode_port (a ROUTER for direct peers).
# Unconfirmed repeat=True messages are resent this often (seconds), ttl times, then counted as failed.
NETNODE_REPEAT_INTERVAL = 5.0
# A stream sends its pending items after this long (seconds) even when fewer than min_size wait.
NETNODE_STREAM_LINGER = 0.05
NETNODE_STREAM_MAX_BATCH = 1000
# Listen methods run on this many worker threads per node/Station. The I/O thread hands them one
# batch per poll cycle (up to 1000 messages); at most this many batches wait, then it waits too.
NETNODE_WORKERS = 4
NETNODE_WORKER_BACKLOG = 100
# Unconfirmed messages kept per node; send(repeat=True) waits this long (s) for room, then raises.
NETNODE_OUTBOX_SIZE = 10000
NETNODE_OUTBOX_TIMEOUT = 10.0
# Message ids remembered per node to drop repeated copies (a handler runs once per message).
NETNODE_SEEN_IDS = 10000
# Peer identities a router/Station remembers (to route replies directly): at most this many, each
# for this long after it was last heard from (common/transport/zmq_senders.py).
NETNODE_MAX_SENDERS = 10000
NETNODE_SENDER_TTL = 3600.0
# ZMQ high-water marks (messages queued per socket); a peer sending a larger frame is disconnected.
NETNODE_HWM = 100000
NETNODE_MAX_MESSAGE_SIZE = 64 * 1024 * 1024
# Accept blosc2-packed numpy arrays. Unpacking them may unpickle wire data: trusted peers only.
NETNODE_ALLOW_BLOSC = False
# Where Stations and Net_Node routers bind (binding elsewhere is an explicit choice).
NETNODE_BIND_HOST = "127.0.0.1"


# --- alert_manager -----------------------------------------------------------------------------------
# Sources are endpoints of the alert_manager agent, from its section of pyros_agent_config.ini:
# vtp_broker = host:port (a VOEvent broker), kafka_bootstrap + kafka_topics (NASA GCN: kafka_client_id,
# kafka_client_secret); see alert_manager/endpoints.py.
# Largest VOEvent packet accepted (bytes); larger ones are rejected and recorded.
PYROS_ALERT_MAX_PACKET_SIZE = 256 * 1024
# role="test" alerts are stored and shown; with this on they are also sent to the scheduler.
PYROS_ALERT_SCHEDULE_TEST = env_bool("PYROS_ALERT_SCHEDULE_TEST", False)
# Follow-up filters, one dict per observatory: name, latitude, longitude (degrees, east positive),
# optional min_altitude (20), max_sun_altitude (-12), fov_radius (degrees: larger error circles are not
# followed up), notice_types (list; None: all), horizon_hours (24). An alert that passes one
# observatory's filters is sent to the scheduler; an empty list sends every alert.
PYROS_ALERT_OBSERVATORIES: list[dict[str, object]] = []
# NEW_ALERT to the scheduler: how long to wait for its reply (seconds).
PYROS_ALERT_SEND_TIMEOUT = 5.0
# "alert link down" after this many seconds without a packet or heartbeat (a section's link_timeout
# overrides it); links are checked this often.
PYROS_ALERT_LINK_TIMEOUT = float(os.environ.get("PYROS_ALERT_LINK_TIMEOUT", "300"))
PYROS_ALERT_LINK_CHECK_INTERVAL = 1.0
# A lost broker connection is reopened after MIN, 2*MIN ... up to MAX seconds.
PYROS_ALERT_RECONNECT_MIN = 0.5
PYROS_ALERT_RECONNECT_MAX = 60.0
# Our IVORN in VTP answers (Response of authenticate, iamalive, ack).
PYROS_ALERT_LOCAL_IVO = "ivo://pyros.local/alert_manager"


# --- simulators -------------------------------------------------------------------------------------


# --- scheduler ----------------------------------------------------------------------------------------
# The observatory (geodetic, degrees east positive, metres), the Sun altitude under which it is night
# (deg), the mount's slew rate (deg/s) and settle time (s) between two targets, the planner's grid (s).
PYROS_SITE = {"name": "La Silla", "latitude": -29.2563, "longitude": -70.7380, "elevation": 2400.0}
PYROS_TWILIGHT = -12.0
PYROS_SLEW_RATE = 2.0
PYROS_SETTLE_TIME = 10.0
PYROS_PLANNER_STEP = 60.0
# Target-of-opportunity interrupt policy (RTS2's executor): an alert aborts the running slot only when
# it outranks it and lies more than PYROS_TOO_INTERRUPT_SEPARATION (deg) away from its target; an
# update that moves the position by less than PYROS_TOO_MIN_UPDATE_SEPARATION (deg) is ignored.
PYROS_TOO_INTERRUPT_SEPARATION = 1.0
PYROS_TOO_MIN_UPDATE_SEPARATION = 0.05
PYROS_TOO_DURATION = 1800.0
PYROS_TOO_MIN_ALTITUDE = 20.0
# Alerts of role "test" make no request unless this is True.
PYROS_TOO_ACCEPT_TEST_ALERTS = False
# Seconds between the scheduler's checks for changed requests (API, admin) and the end of the night.
PYROS_SCHEDULER_POLL = 5.0
