from celery import shared_task


@shared_task(name="core.ping")
def ping(value: int) -> dict:
    """A health probe through the broker: the worker answers with what it can see."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    return {"echo": value, "users": get_user_model().objects.count(),
            "database": connection.vendor}
