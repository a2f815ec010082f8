"""gunicorn reads this file from the working directory (`make run`, the README's production
command; elsewhere pass `--config`):

- access-log lines go through Linli's logger, which keeps secrets in URLs (calendar tokens,
  binding links, certificate codes) out of the log — backend/core/logredact.py;
- web requests get a PostgreSQL statement timeout (30 s unless DB_STATEMENT_TIMEOUT_MS is
  set), so a database that stops answering cannot hold a worker past gunicorn's own
  timeout; `migrate`, the Celery worker and beat are not started by gunicorn and keep none.
"""

import os

logger_class = "backend.core.logredact.GunicornLogger"

os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "30000")
