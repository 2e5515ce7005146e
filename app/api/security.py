"""Nothing for strangers: what keeps other web pages and unknown host names out (pure ASGI).

- ``HostCheck``: a request whose ``Host`` is not one of ``allowed_hosts`` (or the host the
  server is bound to) gets 400. A page on a stranger's domain that resolves to this machine
  (DNS rebinding) is thus not answered as if it were ours.
- ``OriginCheck``: a WebSocket handshake from a web page of another origin is refused with
  403 (1008 where the server cannot answer in HTTP). A browser always sends ``Origin`` on a
  WebSocket handshake and pages cannot forge it, so the check stops other web pages; a
  handshake without one comes from a program (a script, ``examples/stream_client.py``),
  which could send any header it liked, so it is let through.
- ``JsonBodiesOnly``: a state-changing request with a body must say it is JSON. The content
  types a page of another site may send without asking first (text/plain, form encodings)
  get 415 before any route sees them; a request without a body needs no type.
- ``SecurityHeaders``: every response says that only this server's own scripts, styles and
  connections may run in its pages, that content types are not to be guessed, and that
  addresses are not told to other sites. A route may set its own policy (``/docs``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPE = re.compile(r"application/([\w.+-]+\+)?json\s*(;|$)", re.IGNORECASE)
# Hosts that mean "every interface" are not names a client uses.
ANY_INTERFACE = frozenset({"", "0.0.0.0", "::", "[::]"})
DEFAULT_PORTS = {"http": "80", "https": "443"}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
MAX_ECHO_CHARS = 100


def content_security_policy(
    settings: Settings, script_hashes: Iterable[str] = (), inline_styles: bool = False
) -> str:
    """The page's policy: nothing inline, nothing from elsewhere; WebSockets are covered by
    ``connect-src 'self'``, the network diagram's worker by ``worker-src``."""
    scripts = " ".join(("'self'", *(f"'sha256-{digest}'" for digest in script_hashes)))
    directives = {
        "default-src": "'self'",
        "script-src": scripts,
        "style-src": "'self' 'unsafe-inline'" if inline_styles else "'self'",
        "img-src": "'self' data: blob:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": settings.frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def inline_script_hashes(html: str) -> list[str]:
    """The base64 SHA-256 of each inline ``<script>`` in ``html``, as CSP names them."""
    return [
        base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for body in INLINE_SCRIPT.findall(html)
    ]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _echo(value: str | None) -> str:
    return "none" if value is None else repr(value[:MAX_ECHO_CHARS])


async def refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    """Answer ``status`` with ``{"detail": …}``; on a WebSocket handshake, as the handshake's
    HTTP response where the server allows it, else by closing with 1008 and the reason."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    elif "websocket.http.response" in scope.get("extensions", {}):
        start = {"type": "websocket.http.response.start", "status": status, "headers": headers}
        await send(start)
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})


def host_name(host: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``[::1]``."""
    if host.startswith("["):
        return host.partition("]")[0].lower() + "]"
    return host.rpartition(":")[0].lower() if ":" in host else host.lower()


def allowed_host_names(settings: Settings) -> list[str]:
    bound = settings.host.lower()
    if ":" in bound and not bound.startswith("["):
        bound = f"[{bound}]"  # an IPv6 address, as a Host header writes it
    extra = [] if bound in ANY_INTERFACE else [bound]
    return [name.lower() for name in settings.allowed_hosts] + extra


class Gate:
    """A check in front of the app: ``refusal`` is a status and a reason, or None to pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self.refusal(scope) if scope["type"] in ("http", "websocket") else None
        if refused is None:
            await self.app(scope, receive, send)
        else:
            await refuse(scope, send, *refused)


class HostCheck(Gate):
    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        super().__init__(app)
        self.allowed = list(dict.fromkeys(allowed))
        self.any = "*" in self.allowed

    def matches(self, name: str) -> bool:
        return self.any or any(
            name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:]))
            for pattern in self.allowed
        )

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        host = _header(scope, b"host")
        if self.any or (host is not None and self.matches(host_name(host))):
            return None
        return 400, (
            f"Host: expected one of {', '.join(self.allowed)} (the server's allowed_hosts, "
            f"NNP_ALLOWED_HOSTS), got {_echo(host)}"
        )


def _origin(scheme: str, authority: str) -> str:
    """``scheme://host[:port]`` in lower case, a scheme's default port left out."""
    authority = authority.lower()
    default = DEFAULT_PORTS.get(scheme)
    if default is not None and authority.endswith(f":{default}"):
        authority = authority.removesuffix(f":{default}")
    return f"{scheme}://{authority}"


def parse_origin(origin: str) -> str:
    scheme, separator, authority = origin.strip().partition("://")
    return _origin(scheme.lower(), authority.rstrip("/")) if separator else origin.lower()


class OriginCheck(Gate):
    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        super().__init__(app)
        self.allowed = {parse_origin(origin) for origin in allowed}

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        origin = _header(scope, b"origin") if scope["type"] == "websocket" else None
        if origin is None:  # plain HTTP, or a program's handshake: see the module's docstring
            return None
        scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
        own = _origin(scheme, _header(scope, b"host") or "")
        if parse_origin(origin) in self.allowed or parse_origin(origin) == own:
            return None
        return 403, (
            f"Origin: expected {own} or one of the server's allowed_origins "
            f"(NNP_ALLOWED_ORIGINS), got {_echo(origin)}"
        )


class JsonBodiesOnly:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type")
        if content_type is not None and JSON_TYPE.match(content_type.strip()):
            await self.app(scope, receive, send)
            return
        # Not JSON: refused if a body comes. BodySizeLimit (outside) has read it already.
        first = await receive()
        if first["type"] == "http.request" and (first.get("body") or first.get("more_body")):
            detail = f"Content-Type: expected application/json, got {_echo(content_type)}"
            await refuse(scope, send, 415, detail)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", ())}
                extra = [(key, value) for key, value in self.headers if key not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
