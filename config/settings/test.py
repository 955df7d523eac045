"""Settings for the pytest suite (`make test`); services come from the environment."""

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-only-insecure-key")
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Hashing with MD5 keeps user-creating tests fast; never outside tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Uploaded files of one run never mix with the demo's media or another run's.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="newsroom-test-media-"))
# The test node is a single node: replicas could never be allocated.
SEARCH_INDEX_REPLICAS = 0
