"""Login sessions, cookies and CSRF checks as the controller enforces them.

The controller is a Django application and answers a CSRF failure with 401 and the bare reason
as text (recorded: ``CSRF token missing or incorrect.``, test_retry_unauth_api). Over HTTPS,
Django's CSRF check (1.x-3.x, the releases whose token reason reads as recorded) first wants a
``Referer`` of the same origin (https, the request's Host) and only then the token; both SDKs
send ``Referer: https://<controller>`` on every call (avisdk avi_api.py:620, Go avisession.go
746-748). The Referer reasons below are Django's; that the controller answers them with 401
like the token reason is inferred, not recorded. Basic auth is not session auth, so neither
check applies to it (the recorded Basic POST carried no CSRF token).
"""

from __future__ import annotations

import base64
import secrets
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit

_ALPHABET = string.ascii_letters + string.digits
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _token(length: int = 32) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass
class Session:
    """One logged-in client: its session id, its CSRF token and when it was last used."""

    sid: str
    csrftoken: str
    username: str
    last_used: float = field(default_factory=time.monotonic)
    basic: bool = False  # a Basic-auth request, not a login session: no cookies to set


class AuthFailure(Exception):
    """The request is not authenticated; ``text`` is the body the controller sends."""

    def __init__(self, status: int, text: str, is_json: bool = True):
        super().__init__(text)
        self.status = status
        self.text = text
        self.is_json = is_json


def parse_cookies(header: str | None) -> dict[str, list[str]]:
    """All values per cookie name, in order (clients sometimes send a name twice)."""
    out: dict[str, list[str]] = {}
    for part in (header or "").split(";"):
        if "=" in part:
            name, value = part.split("=", 1)
            out.setdefault(name.strip(), []).append(value.strip())
    return out


class SessionTable:
    """Issued sessions; a session idle for longer than ``ttl`` seconds is gone."""

    def __init__(self, ttl: float, expired_status: int = 401):
        self._ttl = ttl
        self._expired_status = expired_status
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.logins = 0

    def login(self, username: str) -> Session:
        session = Session(_token(), _token(), username)
        with self._lock:
            self._sessions[session.sid] = session
            self.logins += 1
        return session

    def logout(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)

    def expire_all(self) -> None:
        """Drop every session (tests use this to force a re-login)."""
        with self._lock:
            self._sessions.clear()

    def authenticate(
        self,
        method: str,
        headers: Mapping[str, str] | Message[str, str],
        users: dict[str, str],
        basic_allowed: bool,
        secure_host: str | None = None,
    ) -> Session:
        """Return the caller's session (``basic`` set for accepted Basic auth) or raise
        AuthFailure. ``secure_host`` is the request's Host when it came over HTTPS."""
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic ") and basic_allowed:
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user, password = "", ""
            if user in users and users.get(user) == password:
                return Session("", "", user, basic=True)
            raise AuthFailure(401, '{"error": "Invalid credentials"}')
        cookies = parse_cookies(headers.get("Cookie"))
        sids = cookies.get("avi-sessionid", []) + cookies.get("sessionid", [])
        now = time.monotonic()
        session = None
        stale = False
        with self._lock:
            for sid in reversed(sids):
                found = self._sessions.get(sid)
                if found and self._ttl and now - found.last_used > self._ttl:
                    del self._sessions[sid]
                    stale = True
                    continue
                if found:
                    session = found
                    break
            if session is None:
                if stale:
                    raise AuthFailure(self._expired_status, '{"detail": "Session expired. Please log in again."}')
                raise AuthFailure(401, '{"detail": "Authentication credentials were not provided."}')
            if method in UNSAFE:
                if secure_host is not None:
                    _check_referer(headers.get("Referer"), secure_host)
                if headers.get("X-CSRFToken") != session.csrftoken:
                    raise AuthFailure(401, "CSRF token missing or incorrect.", is_json=False)
            session.last_used = now
        return session


def _check_referer(referer: str | None, host: str) -> None:
    """Django's Referer check of a secure request, with its reasons."""
    if not referer:
        raise AuthFailure(401, "Referer checking failed - no Referer.", is_json=False)
    parts = urlsplit(referer)
    if not parts.scheme or not parts.netloc:
        raise AuthFailure(401, "Referer checking failed - Referer is malformed.", is_json=False)
    if parts.scheme != "https":
        raise AuthFailure(401, "Referer checking failed - Referer is insecure while host is secure.", is_json=False)
    if _origin(parts.netloc) != _origin(host):
        raise AuthFailure(
            401, f"Referer checking failed - {referer} does not match any trusted origins.", is_json=False
        )


def _origin(netloc: str) -> str:
    """host[:port] in lower case, without userinfo and without the default https port."""
    netloc = netloc.rpartition("@")[2].lower()
    return netloc[:-4] if netloc.endswith(":443") else netloc


def session_cookies(session: Session, with_csrf: bool, secure: bool = True) -> list[str]:
    """``Set-Cookie`` values: the CSRF token (1 year) on login, the session id (24 h) always.

    Over HTTPS the cookies are marked ``Secure`` as a real controller marks them; in the
    plain-http mode for local use they are not, or an ordinary HTTP client (a browser,
    ``requests.Session``, curl's cookie jar) would drop its session right after login.
    """
    attrs = "; Path=/; Secure" if secure else "; Path=/"
    values = []
    if with_csrf:
        values.append(f"csrftoken={session.csrftoken}; Max-Age=31449600{attrs}")
    for name in ("avi-sessionid", "sessionid"):
        values.append(f"{name}={session.sid}; HttpOnly; Max-Age=86400{attrs}")
    return values
