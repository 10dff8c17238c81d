"""AviSession: the provider's HTTP client for the Avi Controller REST API, on ``requests``."""

from __future__ import annotations

import atexit
import email.utils
import http.cookiejar
import json
import math
import os
import random
import tempfile
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from .errors import AviApiError
from .settings import ControllerSettings, SettingsError
from .urls import scrub_userinfo, without_userinfo

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})  # retried on idempotent calls only
THROTTLED = 429  # refused before any processing (RFC 6585 section 4): retried for every method
SESSION_GONE = frozenset({401, 419})
MAX_RELOGINS = 3  # fresh logins per request before a repeatedly expiring session is an error
MAX_BACKOFF = 2.0  # seconds: the longest wait between two attempts without Retry-After
RETRY_AFTER_CAP = 10.0  # seconds: a longer Retry-After is waited this long, then retried
TIMEOUT_VARIABLE = "AVI_REQUEST_TIMEOUT"  # seconds each controller call may take (default 60)
DEFAULT_READ_TIMEOUT = 60.0


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A ``Retry-After`` header in seconds from ``now`` (epoch seconds): delta-seconds or an
    HTTP-date (RFC 9110 section 10.2.3); ``None`` when absent or unreadable. Never negative."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:  # RFC 9110 dates are always GMT
        return None
    return max(0.0, when.timestamp() - now)


def read_timeout_from_environment() -> float:
    """The read timeout per call: ``AVI_REQUEST_TIMEOUT`` seconds (0.1 to 600), default 60."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_READ_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0.1 <= seconds <= 600:  # also refuses nan
        raise SettingsError(f"{TIMEOUT_VARIABLE} must be a number of seconds from 0.1 to 600, got {raw[:20]!r}")
    return seconds


@dataclass(frozen=True)
class Reply:
    """A finished call: status and decoded JSON body (``None`` when empty or not JSON)."""

    status: int
    body: Any
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def message(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("error") or self.body.get("detail") or self.body)
        return self.text.strip() or "(empty body)"


@dataclass(frozen=True)
class _Login:
    csrftoken: str
    sid: str
    generation: int


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep requests' cookie jar empty: the session cookies are sent explicitly."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:  # noqa: D102
        return False


def _remove_if_present(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def _verify(settings: ControllerSettings) -> bool | str:
    if settings.insecure:
        return False
    bundle = settings.ca_bundle
    if not bundle:
        return True
    if "-----BEGIN" in bundle:
        fd, path = tempfile.mkstemp(prefix="avi-ca-", suffix=".pem")
        with os.fdopen(fd, "w") as fh:
            fh.write(bundle)
        atexit.register(_remove_if_present, path)
        return path
    return bundle


class AviSession:
    """A logged-in session shared by all threads of the provider process.

    Thread model: one login (CSRF token + session id) is shared and replaced under a lock; each
    thread uses its own ``requests.Session`` (kept in a ``threading.local``) because a
    ``requests.Session`` is not documented as thread-safe, and per-thread sessions still reuse
    keep-alive connections (one per thread, so there is no shared pool to size). At most
    ``settings.max_concurrent_requests`` requests are in flight at once across all threads, the
    number the provider server runs operations at (concurrency.py). A 401/419 triggers a
    re-login (only by the first thread that sees
    the stale login) and a retry, at most MAX_RELOGINS times per request; a session that keeps
    expiring right after a successful login is reported as such, while refused credentials
    fail at /login with their own message.

    Retries, at most ``attempts`` sends per call: a 429 is retried for every method, POST
    included, because the controller refused it before doing anything; it waits what
    ``Retry-After`` says (capped at RETRY_AFTER_CAP). Idempotent calls (GET/PUT/DELETE, and a
    PATCH the caller declares idempotent) are also retried on connection errors and timeouts
    and on 500/502/503/504. The waits grow exponentially from ``backoff`` up to MAX_BACKOFF
    with jitter (0.5x to 1.5x), so threads that failed together do not return together. POST
    is never replayed after a 5xx or a lost answer, because the controller may already have
    applied it: the provider's create looks for its own object first (crud.py). ``sleep``,
    ``clock`` and ``jitter`` are injectable so tests need not wait.
    """

    def __init__(
        self,
        settings: ControllerSettings,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        attempts: int = 5,
        backoff: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ):
        self.settings = settings
        self._timeout = (connect_timeout, read_timeout)
        self._attempts = attempts
        self._backoff = backoff
        self.sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self.waits: deque[float] = deque(maxlen=1000)  # the latest waits, in seconds
        self._verify = _verify(settings)
        self._local = threading.local()
        self._login_lock = threading.Lock()
        self._login: _Login | None = None
        self._generation = 0
        self._count_lock = threading.Lock()
        # at most this many requests in flight, whatever number of threads the server runs
        self._in_flight = threading.BoundedSemaphore(settings.max_concurrent_requests)
        self.requests_sent = 0
        self.logins = 0

    @property
    def _shown_controller(self) -> str:
        """The controller URL as messages show it."""
        return without_userinfo(self.settings.controller)

    # ----- plumbing ----------------------------------------------------------------------
    def _http(self) -> requests.Session:
        http = getattr(self._local, "http", None)
        if http is None:
            http = requests.Session()
            http.cookies.set_policy(_NoCookies())
            self._local.http = http
        return http

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        with self._count_lock:
            self.requests_sent += 1
        # verify per call: a session-level setting loses against REQUESTS_CA_BUNDLE
        with self._in_flight:
            return self._http().request(method, url, timeout=self._timeout, verify=self._verify, **kwargs)

    def _ensure_login(self, stale: _Login | None = None) -> _Login:
        with self._login_lock:
            if self._login is not None and self._login is not stale:
                return self._login
            self._login = self._do_login()
            return self._login

    def _do_login(self) -> _Login:
        url = f"{self.settings.controller}/login"
        body = {"username": self.settings.username, "password": self.settings.password}
        last: Exception | None = None
        for attempt in range(self._attempts):
            try:
                resp = self._send("POST", url, json=body)
            except requests.exceptions.SSLError as exc:
                raise AviApiError(
                    "controller",
                    self._shown_controller,
                    0,
                    f"TLS verification failed: {_described(exc)}",
                    hint="set caBundle (or AVI_CA_BUNDLE) to the controller's CA; use insecure only for throwaway labs",
                ) from None
            except requests.exceptions.RequestException as exc:
                last = exc
                self.pause(attempt)
                continue
            # a login only opens a session, so repeating one after a 5xx is harmless
            if resp.status_code in RETRY_STATUSES or resp.status_code == THROTTLED:
                last = None
                self.pause(attempt, resp.headers.get("Retry-After"))
                continue
            if resp.status_code != 200:
                reply = _reply(resp)
                hint = (
                    "the controller refused these credentials: check the username and the "
                    "secret mesh-platform:aviPassword (or AVI_USERNAME/AVI_PASSWORD)"
                    if resp.status_code in (401, 403)
                    else ""
                )
                raise AviApiError(
                    "login",
                    self.settings.username,
                    resp.status_code,
                    reply.message(),
                    method="POST",
                    path="/login",
                    hint=hint,
                )
            with self._count_lock:
                self.logins += 1
            cookies = resp.cookies
            sid = cookies.get("avi-sessionid") or cookies.get("sessionid")
            csrf = cookies.get("csrftoken")
            if not sid or not csrf:
                raise AviApiError(
                    "login",
                    self.settings.username,
                    200,
                    "the controller did not return session cookies",
                    hint="check that the URL points at an Avi Controller",
                )
            self._generation += 1
            return _Login(csrf, sid, self._generation)
        raise AviApiError(
            "controller",
            self._shown_controller,
            0,
            f"login failed after {self._attempts} attempts: {_described(last) if last else 'HTTP 5xx'}",
            method="POST",
            path="/login",
        )

    def pause(self, attempt: int, retry_after: str | None = None) -> None:
        """Wait before attempt ``attempt + 1``: what ``retry_after`` (a Retry-After header)
        asks for when it can be read, capped, else jittered exponential backoff."""
        asked = retry_after_seconds(retry_after, self._clock())
        if asked is not None:
            # a little jitter on top, so every throttled thread does not return at once
            delay = min(RETRY_AFTER_CAP, asked) + self._backoff * self._jitter()
        else:
            delay = min(MAX_BACKOFF, self._backoff * (2**attempt)) * (0.5 + self._jitter())
        self.waits.append(delay)
        self.sleep(delay)

    def _headers(self, login: _Login, tenant: str | None) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Referer": self.settings.controller,
            "X-Avi-Version": self.settings.version,
            "X-Avi-Tenant": tenant or self.settings.tenant,
            "X-CSRFToken": login.csrftoken,
            "Cookie": f"csrftoken={login.csrftoken}; sessionid={login.sid}; avi-sessionid={login.sid}",
        }

    # ----- public ------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        name: str | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
        tenant: str | None = None,
        idempotent: bool | None = None,
    ) -> Reply:
        """Send one API call; returns any HTTP answer, raises AviApiError only for transport
        failures that survive the retries and for a session that keeps expiring. ``path``
        starts with ``/api/``."""
        url = f"{self.settings.controller}{path}"
        data = json.dumps(body) if body is not None else None
        login = self._ensure_login()
        relogins = 0
        repeatable = method in IDEMPOTENT if idempotent is None else idempotent
        attempts = self._attempts
        attempt = 0
        while True:
            try:
                resp = self._send(method, url, params=params, data=data, headers=self._headers(login, tenant))
            except requests.exceptions.SSLError as exc:
                raise AviApiError(
                    kind,
                    name,
                    0,
                    f"TLS verification failed: {_described(exc)}",
                    method=method,
                    path=path,
                    hint="set caBundle (or AVI_CA_BUNDLE) to the controller's CA",
                ) from None
            except requests.exceptions.RequestException as exc:
                attempt += 1
                if not repeatable or attempt >= attempts:
                    raise AviApiError(
                        kind, name, 0, f"connection failed: {_described(exc)}", method=method, path=path
                    ) from None
                self.pause(attempt)
                continue
            if resp.status_code in SESSION_GONE:
                if relogins >= MAX_RELOGINS:
                    raise AviApiError(
                        kind,
                        name,
                        resp.status_code,
                        f"the session expired again after {relogins} fresh logins within one "
                        f"request ({_reply(resp).message()})",
                        method=method,
                        path=path,
                        hint="the credentials are accepted (each login succeeded) but the "
                        "controller drops the session at once: check its "
                        "api_idle_timeout, its clock, and that a load balancer in front "
                        "of a controller cluster keeps a client on one node",
                    )
                relogins += 1
                login = self._ensure_login(stale=login)
                continue
            if resp.status_code == THROTTLED or (resp.status_code in RETRY_STATUSES and repeatable):
                attempt += 1
                if attempt < attempts:
                    self.pause(attempt, resp.headers.get("Retry-After"))
                    continue
            return _reply(resp)

    def expect(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        name: str | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
        **kwargs: Any,
    ) -> Reply:
        """Like ``call`` but raises AviApiError unless the status is in ``ok``."""
        reply = self.call(method, path, kind=kind, name=name, **kwargs)
        if reply.status not in ok:
            raise AviApiError(kind, name, reply.status, reply.message(), method=method, path=path)
        return reply


def _described(exc: BaseException) -> str:
    """An HTTP library error for a message: any URL in it without its userinfo. The errors
    raised with it are not chained (``from None``): the engine shows a provider's whole
    traceback, and the library's own text may hold the URL as it was written."""
    return scrub_userinfo(str(exc))


def _reply(resp: requests.Response) -> Reply:
    text = resp.text
    try:
        body = resp.json() if text else None
    except ValueError:
        body = None
    return Reply(resp.status_code, body, text)


_SHARED: dict[ControllerSettings, AviSession] = {}
_SHARED_LOCK = threading.Lock()


def shared_session(settings: ControllerSettings) -> AviSession:
    """One session per distinct settings per process, built on first use."""
    with _SHARED_LOCK:
        session = _SHARED.get(settings)
        if session is None:
            session = _SHARED[settings] = AviSession(settings, read_timeout=read_timeout_from_environment())
        return session
