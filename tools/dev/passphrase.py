"""Pulumi's passphrase secrets provider, re-implemented with `cryptography`.

Pulumi derives a 256-bit key from the passphrase and an 8-byte random salt with
PBKDF2-HMAC-SHA256 (1,000,000 iterations) and encrypts each value with AES-256-GCM
under a fresh 12-byte nonce. A stack file stores:

    encryptionsalt: v1:<base64 salt>:v1:<base64 nonce>:<base64 ciphertext of "pulumi">
    <key>:
      secure: v1:<base64 nonce>:<base64 ciphertext+tag>

The encrypted word "pulumi" after the salt lets Pulumi tell a wrong passphrase
from a corrupt value. Used by the tests (every `secure:` value of Pulumi.dev.yaml
must decrypt with the documented dev passphrase) and by maintainers to encrypt a
new dev-only value:

    python -m tools.dev.passphrase encrypt Pulumi.dev.yaml 'the value'
    python -m tools.dev.passphrase check Pulumi.dev.yaml
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

DEV_PASSPHRASE = "mesh-platform-dev"
"""The dev stack's passphrase. It protects nothing: the dev stack talks to a local emulator."""

KDF_ITERATIONS = 1_000_000
SALT_BYTES = 8
NONCE_BYTES = 12
CHECK_WORD = "pulumi"


class PassphraseError(ValueError):
    """A value or salt that Pulumi's passphrase provider would refuse."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as error:
        raise PassphraseError(f"{what} is not base64: {error}") from None


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """The AES-256 key Pulumi derives from a passphrase and salt."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=KDF_ITERATIONS)
    return kdf.derive(passphrase.encode("utf-8"))


def encrypt(key: bytes, plaintext: str, nonce: bytes | None = None) -> str:
    """`v1:<nonce>:<ciphertext>` as Pulumi writes a `secure:` value."""
    nonce = nonce or os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"v1:{_b64(nonce)}:{_b64(ciphertext)}"


def decrypt(key: bytes, value: str) -> str:
    """The plaintext of a `secure:` value; PassphraseError for anything Pulumi would refuse."""
    parts = value.split(":")
    if len(parts) != 3:
        raise PassphraseError("expected v1:<nonce>:<ciphertext>")
    if parts[0] != "v1":
        raise PassphraseError(f"unknown value version {parts[0]!r}")
    nonce = _unb64(parts[1], "nonce")
    if len(nonce) != NONCE_BYTES:
        raise PassphraseError(f"nonce is {len(nonce)} bytes, expected {NONCE_BYTES}")
    try:
        plaintext = AESGCM(key).decrypt(nonce, _unb64(parts[2], "ciphertext"), None)
    except InvalidTag:
        raise PassphraseError("does not decrypt with this key (wrong passphrase or not ciphertext)") from None
    return plaintext.decode("utf-8")


def new_encryption_salt(passphrase: str) -> tuple[str, bytes]:
    """A fresh `encryptionsalt` value and the key it stands for."""
    salt = os.urandom(SALT_BYTES)
    key = derive_key(passphrase, salt)
    return f"v1:{_b64(salt)}:{encrypt(key, CHECK_WORD)}", key


def key_from_encryption_salt(passphrase: str, state: str) -> bytes:
    """The key for a stack file's `encryptionsalt`, after checking it the way Pulumi does."""
    parts = state.split(":", 2)
    if len(parts) != 3 or parts[0] != "v1":
        raise PassphraseError("encryptionsalt: expected v1:<salt>:<encrypted check word>")
    key = derive_key(passphrase, _unb64(parts[1], "encryptionsalt salt"))
    try:
        word = decrypt(key, parts[2])
    except PassphraseError as error:
        raise PassphraseError(f"encryptionsalt: incorrect passphrase ({error})") from None
    if word != CHECK_WORD:
        raise PassphraseError(f"encryptionsalt: check word is {word!r}, expected {CHECK_WORD!r}")
    return key


def secure_values(config: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, ciphertext) of every `secure:` value in a stack file's `config:` map."""
    if isinstance(config, dict):
        if set(config) == {"secure"}:
            yield path, config["secure"]
            return
        for key, value in config.items():
            yield from secure_values(value, f"{path}.{key}" if path else str(key))
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from secure_values(value, f"{path}[{index}]")


def decrypt_stack_file(path: Path, passphrase: str) -> dict[str, str]:
    """Every `secure:` value of a stack file, decrypted; PassphraseError names the first bad one."""
    document = yaml.safe_load(Path(path).read_text()) or {}
    state = document.get("encryptionsalt")
    if not state:
        raise PassphraseError(f"{path}: no encryptionsalt")
    key = key_from_encryption_salt(passphrase, state)
    plaintexts = {}
    for key_path, value in secure_values(document.get("config") or {}):
        if not isinstance(value, str):
            raise PassphraseError(f"{key_path}: secure value is not a string")
        try:
            plaintexts[key_path] = decrypt(key, value)
        except PassphraseError as error:
            raise PassphraseError(f"{key_path}: {error}") from None
    return plaintexts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.dev.passphrase", description="Encrypt or check passphrase secrets of a stack file."
    )
    parser.add_argument("--passphrase", default=os.environ.get("PULUMI_CONFIG_PASSPHRASE", DEV_PASSPHRASE))
    commands = parser.add_subparsers(dest="command", required=True)
    encrypt_cmd = commands.add_parser("encrypt", help="print the secure: value of VALUE for STACK_FILE's salt")
    encrypt_cmd.add_argument("stack_file", type=Path)
    encrypt_cmd.add_argument("value")
    check_cmd = commands.add_parser("check", help="decrypt every secure: value of STACK_FILE")
    check_cmd.add_argument("stack_file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "encrypt":
            state = (yaml.safe_load(args.stack_file.read_text()) or {}).get("encryptionsalt")
            if not state:
                raise PassphraseError(f"{args.stack_file}: no encryptionsalt")
            print(encrypt(key_from_encryption_salt(args.passphrase, state), args.value))
        else:
            for key_path in decrypt_stack_file(args.stack_file, args.passphrase):
                print(f"{key_path}: decrypts")
    except (PassphraseError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
