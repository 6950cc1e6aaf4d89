"""Who is asking: identity from the SSO proxy in front of cccadmin, and what they may see.

Nothing is remembered between requests: the proxy's header (or signed assertion) is read on
every request, so no identity outlives it. Modes (CCCADMIN_AUTH_MODE):

- ``dev``: a fixed demo user for local work; only with DEBUG on and only from loopback.
- ``header``: identity headers set by a trusted proxy (oauth2-proxy, authentik, ...), accepted
  only from CCCADMIN_TRUSTED_PROXIES.
- ``jwt``: a signed assertion header (Pomerium, Cloudflare Access, Google IAP, ...) verified
  against the identity provider's JWKS.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import jwt
from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .alerts import render_alert
from .identity import Identity, Role

logger = logging.getLogger(__name__)

# Sent for every refused request with `request`, `reason` (for the log) and, where the request
# was for an instance outside the user's scope, `outside_instance`; apps that must record some
# refusals (a write outside the user's instances) listen, wherever the refusal happened.
access_denied = Signal()


@dataclass(frozen=True)
class Claims:
    """What an authenticator learnt about the requester, before roles are decided."""

    username: str
    email: str = ""
    groups: frozenset[str] = frozenset()


class Denied(Exception):
    """Refused: `reason` is for the log; `status` and the page say only what the user needs."""

    def __init__(self, status: int, reason: str, user: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.user = user


def _header(request: HttpRequest, name: str) -> str:
    # request.headers maps "X-Forwarded-User" from HTTP_X_FORWARDED_USER; the WSGI server must
    # drop client headers spelt with underscores (runserver and our gunicorn config do).
    return request.headers.get(name, "").strip()


def identity_headers() -> tuple[str, ...]:
    """The headers the mode takes identity from."""
    if settings.CCCADMIN_AUTH_MODE == "header":
        return (
            settings.CCCADMIN_AUTH_USER_HEADER,
            settings.CCCADMIN_AUTH_EMAIL_HEADER,
            settings.CCCADMIN_AUTH_GROUPS_HEADER,
        )
    if settings.CCCADMIN_AUTH_MODE == "jwt":
        return (settings.CCCADMIN_JWT_HEADER,)
    return ()


def identity_headers_repeated(names: Iterable[str]) -> list[str]:
    """The identity headers that come more than once among a request's header `names` (one per
    header line, in any case). A WSGI server joins a repeated header's values with commas, so
    "cc-support" and a second "cc-admins" would read as both groups: the server refuses such a
    request while the lines are still apart (gunicorn.conf.py's `pre_request`)."""
    sent = Counter(name.lower() for name in names)
    return [name for name in identity_headers() if sent[name.lower()] > 1]


def _peer(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def client_address(request: HttpRequest) -> str:
    """The address of whoever is behind the trusted proxies: X-Forwarded-For read from the
    right (each trusted proxy appends the peer it saw), skipping the trusted proxies, so the
    first untrusted address is the client's and what a client wrote itself is never taken."""
    trusted = _trusted_networks()
    address = _peer(request)
    if not _in_networks(address, trusted):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        address = hop
        if not _in_networks(hop, trusted):
            break
    return address[:45]


def _in_networks(address: str, networks: Iterable[ipaddress._BaseNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # A dual-stack server reports an IPv4 proxy as ::ffff:a.b.c.d.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


class DevAuthenticator:
    def __init__(self) -> None:
        self.user = settings.CCCADMIN_DEV_USER

    def authenticate(self, request: HttpRequest) -> Claims:
        try:
            loopback = ipaddress.ip_address(_peer(request)).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise Denied(403, "dev mode serves loopback only")
        return Claims(username=self.user, email=self.user, groups=frozenset({"dev"}))


def _trusted_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    # cccadmin/settings.py has refused to start on a value that is not a CIDR, or on none in
    # header mode: the authenticators' settings are validated there, once.
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.CCCADMIN_TRUSTED_PROXIES]


def _require_trusted_peer(request: HttpRequest, trusted: list, claimed: str) -> None:
    if not _in_networks(_peer(request), trusted):
        # The claimed name is unverified: logged in the reason, never shown as the user.
        raise Denied(
            403, "peer is not a trusted proxy" + (f" (claimed user {claimed!r})" if claimed else "")
        )


class HeaderAuthenticator:
    def __init__(self) -> None:
        self.trusted = _trusted_networks()

    def authenticate(self, request: HttpRequest) -> Claims:
        _require_trusted_peer(
            request, self.trusted, _header(request, settings.CCCADMIN_AUTH_USER_HEADER)
        )
        user = _header(request, settings.CCCADMIN_AUTH_USER_HEADER)
        email = _header(request, settings.CCCADMIN_AUTH_EMAIL_HEADER)
        if not (user or email):
            raise Denied(401, f"no {settings.CCCADMIN_AUTH_USER_HEADER} header")
        groups = _header(request, settings.CCCADMIN_AUTH_GROUPS_HEADER)
        separator = settings.CCCADMIN_AUTH_GROUPS_SEPARATOR
        return Claims(
            username=user or email,
            email=email,
            groups=frozenset(g.strip() for g in groups.split(separator) if g.strip()),
        )


class KeySetUnusable(Exception):
    """The IdP's key set was fetched but holds nothing usable (not JSON, no signing key)."""


class _KeySetClient(jwt.PyJWKClient):
    """PyJWT raises the same PyJWKClientError for a key set it cannot use as for a kid the set
    lacks: the first is the IdP's problem (503), the second the token's (401). Every fetch and
    check of the set goes through here, so its failures are told apart."""

    def get_signing_keys(self, refresh: bool = False) -> list[jwt.PyJWK]:
        try:
            return super().get_signing_keys(refresh)
        except jwt.PyJWKClientConnectionError:
            raise
        # ValueError: a body that is not JSON, or not even UTF-8.
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, ValueError) as error:
            raise KeySetUnusable(f"{type(error).__name__}: {error}") from None


class JwtAuthenticator:
    def __init__(self) -> None:
        # The key set URL, issuer, audience and algorithms were validated by the settings.
        # Optional here: when set, a leaked assertion cannot be replayed around the proxy.
        self.trusted = _trusted_networks()

    @cached_property
    def jwks(self) -> jwt.PyJWKClient:
        # The key set is cached for its lifespan and refetched on an unknown kid; a short timeout
        # bounds a slow IdP. No per-kid cache: it never expires, so a key the IdP revoked would
        # stay trusted.
        return _KeySetClient(
            settings.CCCADMIN_JWT_JWKS_URL,
            cache_keys=False,
            lifespan=settings.CCCADMIN_JWT_JWKS_CACHE_SECONDS,
            timeout=settings.CCCADMIN_JWT_JWKS_TIMEOUT,
        )

    def _signing_key(self, kid: str | None) -> jwt.PyJWK:
        """The IdP's key for `kid` (an unknown kid refetches the set once); a kid the set lacks
        raises PyJWKClientError, a set that cannot be fetched or used is answered 503."""
        try:
            return self.jwks.get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, OSError) as error:
            raise Denied(503, f"JWKS unreachable: {type(error).__name__}") from None
        except KeySetUnusable as error:
            raise Denied(503, f"JWKS unusable: {error}") from None

    def authenticate(self, request: HttpRequest) -> Claims:
        if self.trusted:
            _require_trusted_peer(request, self.trusted, "")
        token = _header(request, settings.CCCADMIN_JWT_HEADER)
        if not token:
            raise Denied(401, f"no {settings.CCCADMIN_JWT_HEADER} header")
        try:
            key = self._signing_key(jwt.get_unverified_header(token).get("kid"))
            claims = jwt.decode(
                token,
                key=key,
                algorithms=settings.CCCADMIN_JWT_ALGORITHMS,
                audience=settings.CCCADMIN_JWT_AUDIENCE,
                issuer=settings.CCCADMIN_JWT_ISSUER,
                leeway=settings.CCCADMIN_JWT_LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            # The exception names what failed (signature, audience, expiry, kid); never the token.
            raise Denied(401, f"invalid assertion: {type(error).__name__}: {error}") from None
        user = claims.get(settings.CCCADMIN_JWT_USER_CLAIM)
        if not isinstance(user, str) or not user:
            raise Denied(401, f"assertion lacks the {settings.CCCADMIN_JWT_USER_CLAIM} claim")
        groups = claims.get(settings.CCCADMIN_JWT_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise Denied(
                401, f"the {settings.CCCADMIN_JWT_GROUPS_CLAIM} claim is not a list of names"
            )
        email = claims.get("email")
        return Claims(
            username=user,
            email=email if isinstance(email, str) else "",
            groups=frozenset(groups),
        )


AUTHENTICATORS: dict[
    str, Callable[[], DevAuthenticator | HeaderAuthenticator | JwtAuthenticator]
] = {
    "dev": DevAuthenticator,
    "header": HeaderAuthenticator,
    "jwt": JwtAuthenticator,
}


def authorize(claims: Claims) -> Identity:
    """Decide the role and the visible instances from the groups."""
    dev = settings.CCCADMIN_AUTH_MODE == "dev"
    if dev or claims.groups & set(settings.CCCADMIN_EDITOR_GROUPS):
        role = Role.EDITOR
    elif claims.groups & set(settings.CCCADMIN_VIEWER_GROUPS):
        role = Role.VIEWER
    else:
        raise Denied(403, "in no viewer or editor group", user=claims.username)
    instances = None
    access = settings.CCCADMIN_INSTANCE_ACCESS
    if access is not None and not dev:
        allowed = {i for group in claims.groups for i in access.get(group, ())}
        instances = None if "*" in allowed else frozenset(allowed)
    return Identity(
        username=claims.username,
        email=claims.email,
        groups=claims.groups,
        role=role,
        instances=instances,
    )


class SsoMiddleware:
    """Authenticates every request (health probes are answered before it) and enforces
    instance scoping."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.authenticator = AUTHENTICATORS[settings.CCCADMIN_AUTH_MODE]()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            claims = self.authenticator.authenticate(request)
            request.identity = authorize(claims)
        except Denied as denied:
            return self.deny(request, denied)
        response = self.get_response(request)
        # Pages depend on who asked: no shared cache between the browser and us may keep them.
        patch_cache_control(response, private=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        identity = getattr(request, "identity", None)
        instance_id = view_kwargs.get("instance_id")
        if identity and instance_id and not identity.can_see(instance_id):
            return self.deny(
                request,
                Denied(
                    403, f"instance {instance_id} is outside the user's scope", identity.username
                ),
                instance_id=instance_id,
            )
        return None

    def deny(self, request: HttpRequest, denied: Denied, instance_id: str = "") -> HttpResponse:
        # %r: the reason and path may carry what a client sent, newlines included.
        logger.warning(
            "access denied: user=%r reason=%r peer=%s path=%r",
            denied.user,
            denied.reason,
            _peer(request),
            request.path,
        )
        access_denied.send(
            SsoMiddleware, request=request, reason=denied.reason, outside_instance=instance_id
        )
        if instance_id:
            message = _("You do not have access to instance “%(instance)s”.") % {
                "instance": instance_id
            }
        elif denied.status == 401:
            message = _("You are not signed in. Open cccadmin through the company portal.")
        elif denied.user:
            message = _(
                "You are signed in as %(user)s, but not in a group that may use cccadmin. "
                "Ask your administrator for access."
            ) % {"user": denied.user}
        elif denied.status == 503:
            message = _("Sign-in could not be checked right now. Try again in a moment.")
        else:
            message = _("Access denied.")
        title = _("Not signed in") if denied.status == 401 else _("Access denied")
        return render_alert(request, status=denied.status, title=title, detail=message)
