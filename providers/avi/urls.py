"""Controller URLs: the transport rules the stack config and the provider share, and how a URL
is shown in a message (never with the credentials a URL can carry)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_USERINFO = re.compile(r"""(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^\s'"@]*@""")
"""`scheme://user:password@` inside free text, e.g. in an exception from the HTTP library."""


def carries_credentials(url: str) -> bool:
    """True when the URL has an '@' in it: `user:password@host`, or a password holding a '/'
    (`https://user:pa/ss@host`), which a URL parser reads as a path. A controller URL has no
    reason to contain '@' anywhere else."""
    return "@" in url


def without_userinfo(url: str) -> str:
    """The URL with any `user:password@` removed, for messages."""
    if not carries_credentials(url):
        return url
    scheme, separator, rest = url.partition("://")
    if not separator:
        return "(a URL carrying credentials)"
    return f"{scheme}://{rest.rpartition('@')[2]}"


def scrub_userinfo(text: str) -> str:
    """Free text with the userinfo of every URL in it removed."""
    return _USERINFO.sub(lambda match: match.group("scheme"), text)


def controller_host(url: str) -> str:
    """`host` or `host:port` of a controller URL, for warnings (no scheme, no credentials)."""
    netloc = urlsplit(without_userinfo(url)).netloc
    return netloc or without_userinfo(url)


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_plain_http_off_loopback(url: str) -> bool:
    """True for `http://` to a host that is not on loopback: the password would travel in clear."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname)
