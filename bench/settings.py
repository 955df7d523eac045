"""Settings of the server `bench/site.py` measures: production's, on plain-HTTP loopback.

Only what must differ for the benchmark differs: the URL conf adds the trivial baseline view.
Everything else (DEBUG off, middleware, templates, hashed static files, database and search
settings) is `config.settings.production` as the environment configures it; the benchmark
sets SECURE_SSL_REDIRECT=false there, since no TLS proxy stands in front of gunicorn here.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
