"""Settings of the benchmark's gunicorn: Linli's own, plus the bench-only reference
endpoints (bench/urls.py). Production never loads this module."""

from backend.settings import *  # noqa: F403 - the real settings, unchanged but for the URLs

ROOT_URLCONF = "bench.urls"
