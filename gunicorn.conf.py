"""gunicorn settings for `make serve` (production); each can be overridden on the command line."""

import os

from gunicorn.http.errors import InvalidHeader

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


class IdentityHeaderRepeated(InvalidHeader):
    """An identity header sent twice: gunicorn answers 400 and logs it, as a malformed header,
    naming the headers only (a value may be an assertion)."""

    def __str__(self) -> str:
        return f"identity header sent more than once: {self.hdr}"


def pre_request(worker, req):
    # The header lines are still apart here; WSGI joins a repeated one with commas, which would
    # make "cc-support" and a second "cc-admins" both groups. The worker has loaded the app, and
    # so its settings, before its first request; the master never does, hence the late import.
    from portal.auth import identity_headers_repeated

    if repeated := identity_headers_repeated(name for name, _ in req.headers):
        raise IdentityHeaderRepeated(", ".join(repeated), req)
