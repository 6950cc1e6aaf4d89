"""gunicorn settings for `make serve` (production); each can be overridden on the command line."""

import os

from cccadmin import serving

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - behind the proxy
workers = serving.workers()
threads = serving.threads()
# A kept-alive connection keeps its requests on the worker that accepted it: with the proxy's 32
# connections held open and CCC 100 ms away, one worker sat at 0.13 of a core while another ran
# 0.61. Closed after each response, the next request goes to whichever worker accepts first, most
# often the least busy; the proxy's new connection costs little beside CCC's round trip.
keepalive = 0
timeout = 30
# A client could spell X-Forwarded-User as X_Forwarded_User, which WSGI folds into the same
# variable; dropping headers with underscores keeps identity headers the proxy's alone.
header_map = "drop"
accesslog = "-"
# The default access log format names the Referer and User-Agent, never identity headers, so
# no assertion or token reaches the log.
