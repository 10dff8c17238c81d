"""Login sessions, cookies and CSRF checks as the controller enforces them."""

from __future__ import annotations

import base64
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Mapping

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

    def authenticate(self, method: str, headers: Mapping[str, str] | Message[str, str],
                     users: dict[str, str],
                     basic_allowed: bool) -> Session | None:
        """Return the caller's session, ``None`` for accepted Basic auth, or raise AuthFailure."""
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic ") and basic_allowed:
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user, password = "", ""
            if users.get(user) == password:
                return None
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
                    raise AuthFailure(self._expired_status,
                                      '{"detail": "Session expired. Please log in again."}')
                raise AuthFailure(401, '{"detail": "Authentication credentials were not provided."}')
            if method in UNSAFE and headers.get("X-CSRFToken") != session.csrftoken:
                raise AuthFailure(401, "CSRF token missing or incorrect.", is_json=False)
            session.last_used = now
        return session


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
