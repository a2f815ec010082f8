"""gunicorn reads this file from the working directory (`make run`, the README's production
command): access-log lines go through Linli's logger, which keeps secrets in URLs (calendar
tokens, binding links, certificate codes) out of the log — backend/core/logredact.py."""

logger_class = "backend.core.logredact.GunicornLogger"
