from celery import shared_task

from . import anonymise


@shared_task(name="accounts.retention_anonymise")
def retention_anonymise() -> dict:
    """Daily: anonymise accounts past retention (see anonymise.retention_run)."""
    return anonymise.retention_run()
