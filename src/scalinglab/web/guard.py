"""Who may talk to the explorer: a Host allow-list against DNS rebinding, an Origin check on writes.

A page on another site can make the browser send requests here in two ways. With DNS rebinding its own
name resolves to 127.0.0.1, so the request carries that site's name in ``Host``: only the loopback names
(``127.0.0.1``, ``localhost``, ``::1``) and the name ``serve --host`` binds are accepted (400 otherwise).
With a cross-site form or ``fetch`` the browser names the page's origin in ``Origin``: a state-changing
request (POST, PUT, PATCH, DELETE) is accepted only without ``Origin`` (curl, scripts) or from this
server's own origin (403 otherwise). A request body longer than the upload limit is refused (413) from
its ``Content-Length`` before any byte is read, or as soon as a chunked body passes the limit, so that
nothing large is spooled to disk by the form parser. All are checked before the app sees the request, in
a plain ASGI middleware (no per-request task or body buffering).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException

__all__ = ["LOOPBACK", "BodyTooLarge", "Guard", "allowed_hosts", "host_name"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(value: str) -> str | None:
    """The name in a ``Host`` value without its port: ``[::1]:8000`` -> ``::1``; None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1:]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return value[1:end]
    name, colon, port = value.partition(":")
    if colon and not port.isdigit():
        return None  # an unbracketed IPv6 address or a bad port
    return name or None


def allowed_hosts(bound: str | None = None) -> frozenset[str]:
    """The loopback names plus the address ``serve --host`` binds (brackets and case removed)."""
    names = set(LOOPBACK)
    if bound:
        names.add(bound.strip().strip("[]").lower())
    return frozenset(names)


def _refusal(status: int, message: str):
    body = json.dumps({"error": message}).encode()
    return ({"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]},
            {"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """A chunked request body went past the limit while the app was reading it: a 413 (an HTTP error, so
    that the body parser passes it on rather than calling it a parse error)."""

    def __init__(self, message: str):
        super().__init__(413, message)


class Guard:
    """Refuses a request whose ``Host`` is not allowed (400), a write from another origin (403), or a body
    longer than ``max_body`` bytes (413)."""

    def __init__(self, app, hosts: frozenset[str], max_body: int):
        self.app, self.hosts, self.max_body = app, hosts, max_body

    def too_large(self) -> str:
        return (f"the request body is larger than the explorer's limit of {self.max_body / 1e6:g} MB "
                f"(use the command line for larger tables)")

    def check(self, scope) -> tuple[int, str] | None:
        headers = dict(scope.get("headers") or ())
        host = headers.get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.hosts:
            shown = host[:80] or "(none)"
            return 400, (f"Host {shown!r} is not served here (allowed: {', '.join(sorted(self.hosts))}); "
                         f"start `scalinglab serve --host NAME` to serve another name")
        origin = headers.get(b"origin")
        if origin is not None and scope["method"] in _WRITES:
            text = origin.decode("latin-1")
            parts = urlsplit(text)
            own = scope.get("scheme", "http")
            if parts.scheme != own or parts.netloc.lower() != host.strip().lower():
                return 403, (f"a {scope['method']} from origin {text[:80]!r} is refused: only this server's own "
                             f"pages may change anything")
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body:
            return 413, self.too_large()
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            refused = self.check(scope)
            if refused is not None:
                for message in _refusal(*refused):
                    await send(message)
                return
            receive = self._counted(receive)
        await self.app(scope, receive, send)

    def _counted(self, receive):
        seen = [0]

        async def counted():
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > self.max_body:
                    raise BodyTooLarge(self.too_large())
            return message

        return counted
