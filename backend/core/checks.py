"""Configuration problems surface as system checks with ids."""

from django.conf import settings
from django.core import checks

# Caches that live inside one process: a second process never sees what the first stored.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.caches)
def shared_cache_check(app_configs, **kwargs):
    """linli.W001: with a real broker there is at least a web process and a worker, and
    WeChat's replay nonces, token lock and reply cache must be visible to both."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    several_processes = bool(settings.CELERY_BROKER_URL) and not getattr(
        settings, "CELERY_TASK_ALWAYS_EAGER", False)
    if backend in PROCESS_LOCAL_CACHES and several_processes:
        return [checks.Warning(
            "The default cache lives in one process's memory, but a Celery broker is "
            "configured, so web and worker processes would each keep their own: WeChat "
            "replay nonces, the access-token lock and rate-limit counters would not be shared.",
            hint="Set REDIS_URL, or unset LINLI_CACHE to use the database cache "
                 "(then run `manage.py createcachetable`).",
            id="linli.W001",
        )]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def production_shared_cache_check(app_configs, **kwargs):
    """linli.E001 (deploy): in production WeChat's replay cache and access-token lock, and
    the sign-in limiter, must live in a cache every process shares; a process-local cache
    would let a replayed callback through a second process and refresh tokens twice."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not settings.DEBUG and backend in PROCESS_LOCAL_CACHES:
        return [checks.Error(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) lives in one process: WeChat "
            "replay protection, the access-token lock and sign-in limits would not be shared "
            "between web processes and workers.",
            hint="Set REDIS_URL (recommended), or leave LINLI_CACHE unset to use the "
                 "database cache table.",
            id="linli.E001",
        )]
    return []
