"""What the Pulumi CLI refuses in a stack file beyond its YAML, found offline: an unknown
`secretsprovider:`, and a `secure:` value that is not ciphertext of that provider.

Only the shape is checked (nothing is decrypted, no value is shown): the passphrase and cloud-KMS
managers write `v1:<base64 nonce>:<base64 ciphertext>`, Pulumi Cloud writes base64.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from components.config.bounds import line_and_column
from tools.stack_files import StackFileError, mark_at, shown

SECRETS_PROVIDERS = ("passphrase", "default", "service")
SECRETS_PROVIDER_SCHEMES = ("awskms://", "azurekeyvault://", "gcpkms://", "hashivault://")
"""The forms `secretsprovider:` takes (`pulumi stack init --secrets-provider`): a word, or a key's URL."""

_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_NONCE_BYTES = 12  # AES-256-GCM, as the passphrase and cloud-KMS secrets managers use it
_TAG_BYTES = 16


def _line_of(text: str, needle: str, after: str = "") -> Any:
    """Where `needle` is first written (after `after`, when given), as a mark."""
    index = text.find(after + needle)
    return mark_at(*(n - 1 for n in line_and_column(text, index + len(after)))) if index >= 0 else None


def _base64_bytes(text: str) -> int | None:
    if not _BASE64.match(text) or len(text) % 4:
        return None
    return len(base64.b64decode(text))


def _secure_values(value: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return [(path, value["secure"])]
        return [found for key, item in value.items() for found in _secure_values(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _secure_values(item, f"{path}[{index}]")]
    return []


def _ciphertext_problem(value: Any, symmetric: bool) -> str | None:
    """Why a `secure:` value cannot be ciphertext of the stack's secrets provider (None when it can be).

    The passphrase and cloud-KMS managers write `v1:<base64 12-byte nonce>:<base64 ciphertext and
    16-byte tag>`; the Pulumi Cloud manager writes the service's ciphertext as base64."""
    if not isinstance(value, str) or not value:
        return "a secure: value must be the ciphertext text `pulumi config set --secret` wrote"
    if not symmetric:
        return (
            None if _base64_bytes(value) else "is not base64 ciphertext; set it again with `pulumi config set --secret`"
        )
    parts = value.split(":")
    nonce = _base64_bytes(parts[1]) if len(parts) == 3 and parts[0] == "v1" else None
    sealed = _base64_bytes(parts[2]) if nonce == _NONCE_BYTES else None
    if sealed is None or sealed < _TAG_BYTES:
        return (
            "is not ciphertext of this stack's secrets provider (v1:<nonce>:<ciphertext>, both base64): "
            "it was cut or edited; set it again with `pulumi config set --secret`"
        )
    return None


def stack_file_problems(path: Path, document: dict[str, Any], text: str) -> list[str]:
    """What the Pulumi CLI would refuse in a stack file beyond its YAML: an unknown
    `secretsprovider:`, or a `secure:` value that is not ciphertext of that provider. Each line is
    `<file>:<line>:<column>: <what is wrong>`; nothing is decrypted and no value is shown."""
    problems: list[str] = []
    provider = document.get("secretsprovider")
    if provider is not None and not (
        isinstance(provider, str) and (provider in SECRETS_PROVIDERS or provider.startswith(SECRETS_PROVIDER_SCHEMES))
    ):
        written = shown(provider) if isinstance(provider, str) else "a non-text value"
        problems.append(
            str(
                StackFileError(
                    path,
                    _line_of(text, "secretsprovider:"),
                    f"secretsprovider: {written} is no secrets provider; expected passphrase, default (Pulumi Cloud), "
                    f"or a key URL {', '.join(scheme + '...' for scheme in SECRETS_PROVIDER_SCHEMES)}",
                )
            )
        )
    # The service writes neither a salt nor an encrypted data key; the others write one of them.
    symmetric = bool(document.get("encryptionsalt") or document.get("encryptedkey")) or provider not in (
        None,
        "default",
        "service",
    )
    config = document.get("config")
    for key_path, value in _secure_values(config if isinstance(config, dict) else {}, "config"):
        problem = _ciphertext_problem(value, symmetric)
        if problem:
            where = _line_of(text, value, after="secure: ") if isinstance(value, str) and value else None
            problems.append(str(StackFileError(path, where, f"{key_path.removeprefix('config.')}: {problem}")))
    return problems
