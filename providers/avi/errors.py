"""The one error type the provider raises for controller failures.

Its text never carries key material: a controller (or a proxy) may echo what it was sent, so
PEM blocks are replaced by their type wherever they appear, and the provider removes the
values of secret fields it sent (``without``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,40})-----.*?(?:-----END \1-----|$)", re.S)
_SHORTEST_REDACTED = 4  # a shorter "secret" would blank out ordinary words


def redact(text: str, secrets: Iterable[tuple[str, str]] = ()) -> str:
    """``text`` with every PEM block and each ``(path, value)`` secret value replaced by a
    placeholder naming what was there."""
    text = _PEM_BLOCK.sub(lambda m: f"<{m.group(1).lower()} PEM redacted>", text)
    for path, value in secrets:
        if isinstance(value, str) and len(value) >= _SHORTEST_REDACTED:
            text = text.replace(value, f"<secret {path} redacted>")
    return text


_HINTS = {
    401: "check the controller username/password (stack config mesh-platform:avi and the secret "
    "mesh-platform:aviPassword, or AVI_USERNAME/AVI_PASSWORD)",
    403: "the controller refused the change; if other objects refer to this one, remove or re-point them first",
    404: "the object no longer exists on the controller; run `pulumi refresh` to update the state",
    409: "an object with this name already exists and is not owned by this stack; "
    "`pulumi import` it or choose another name",
    412: "another writer changed the object at the same time; run `pulumi up` again",
}


@dataclass
class AviApiError(Exception):
    """A controller call failed: which object, the HTTP status, the controller's words, and a hint.

    ``status`` is 0 when the controller could not be reached at all.
    """

    kind: str
    name: str | None
    status: int
    message: str
    hint: str = ""
    method: str = ""
    path: str = ""

    def __post_init__(self) -> None:
        if not self.hint:
            if self.status == 0:
                self.hint = "check that the controller URL is reachable and TLS settings are right"
            elif self.status >= 500:
                self.hint = "the controller had an internal error; retry `pulumi up`"
            else:
                self.hint = _HINTS.get(self.status, "fix the resource's inputs and retry")
        self.message = redact(self.message)
        super().__init__(str(self))

    def without(self, secrets: Iterable[tuple[str, str]]) -> AviApiError:
        """A copy whose message no longer contains the given ``(path, value)`` secrets."""
        return replace(self, message=redact(self.message, secrets))

    def __str__(self) -> str:
        target = f"Avi {self.kind} {self.name!r}" if self.name else f"Avi {self.kind}"
        where = f" ({self.method} {self.path})" if self.method else ""
        status = f"HTTP {self.status}" if self.status else "no response"
        return f"{target}: {status}{where}: {self.message}. Next: {self.hint}."
