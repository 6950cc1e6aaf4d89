"""gunicorn settings for `make serve` (production); each can be overridden on the command line."""

import os

from cccadmin import serving

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - behind the proxy
workers = serving.workers()
threads = serving.threads()
timeout = 30
# A client could spell X-Forwarded-User as X_Forwarded_User, which WSGI folds into the same
# variable; dropping headers with underscores keeps identity headers the proxy's alone.
header_map = "drop"
accesslog = "-"
# The default access log format names the Referer and User-Agent, never identity headers, so
# no assertion or token reaches the log.
