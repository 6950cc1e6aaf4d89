"""gunicorn settings for `make serve` (production); each can be overridden on the command line."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - behind the proxy
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Requests mostly wait on CCC, tens to hundreds of milliseconds away: enough threads that waiting
# requests do not hold back the others (8 in all held throughput at a third under 100 ms).
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = 30
# A client could spell X-Forwarded-User as X_Forwarded_User, which WSGI folds into the same
# variable; dropping headers with underscores keeps identity headers the proxy's alone.
header_map = "drop"
accesslog = "-"
# The default access log format names the Referer and User-Agent, never identity headers, so
# no assertion or token reaches the log.
