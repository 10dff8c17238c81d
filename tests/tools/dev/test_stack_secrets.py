"""Example stack secrets: real passphrase ciphertext in Pulumi.dev.yaml, none in the others."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
import yaml

from tests.conftest import STACK_NAMES
from tools.dev.passphrase import (
    DEV_PASSPHRASE,
    PassphraseError,
    decrypt,
    decrypt_stack_file,
    derive_key,
    encrypt,
    key_from_encryption_salt,
    new_encryption_salt,
    secure_values,
)
from tools.mockrun import PROJECT_DIR, declared_secrets, read_stack_file, run_program

DEV_FILE = PROJECT_DIR / "Pulumi.dev.yaml"
EXAMPLES = [name for name in STACK_NAMES if name != "dev"]

# An encryptionsalt written by the Pulumi CLI itself for the passphrase "password"
# (pulumi/pulumi, pkg/secrets/passphrase tests): our key derivation must accept it.
PULUMI_WRITTEN_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="


def test_dev_file_has_a_salt_that_checks_with_the_dev_passphrase():
    state = yaml.safe_load(DEV_FILE.read_text())["encryptionsalt"]
    key_from_encryption_salt(DEV_PASSPHRASE, state)
    with pytest.raises(PassphraseError, match="incorrect passphrase"):
        key_from_encryption_salt("not-the-dev-passphrase", state)


def test_every_secure_value_of_the_dev_file_decrypts_as_pulumi_would():
    document = yaml.safe_load(DEV_FILE.read_text())
    found = dict(secure_values(document["config"]))
    assert found, "Pulumi.dev.yaml should carry at least the emulator password"
    plaintexts = decrypt_stack_file(DEV_FILE, DEV_PASSPHRASE)
    assert set(plaintexts) == set(found)
    assert plaintexts["mesh-platform:aviPassword"] == "dev-emulator-password"


def test_key_derivation_agrees_with_a_salt_pulumi_wrote():
    key_from_encryption_salt("password", PULUMI_WRITTEN_SALT)
    with pytest.raises(PassphraseError):
        key_from_encryption_salt("password123", PULUMI_WRITTEN_SALT)


@pytest.mark.parametrize(
    "value",
    [
        "v1:" + base64.b64encode(b"dev-emulator-password").decode(),  # base64 of the plaintext
        "v1:AAAAAAAAAAAAAAAA:" + base64.b64encode(b"x" * 32).decode(),  # right shape, not ciphertext
        "v2:AAAAAAAAAAAAAAAA:AAAA",
        "v1:AAAA:AAAA",  # short nonce
    ],
)
def test_anything_but_ciphertext_is_refused(value):
    key = derive_key(DEV_PASSPHRASE, b"\x00" * 8)
    with pytest.raises(PassphraseError):
        decrypt(key, value)


def test_a_dev_file_with_fake_ciphertext_fails_the_check(tmp_path):
    document = yaml.safe_load(DEV_FILE.read_text())
    document["config"]["mesh-platform:aviPassword"] = {"secure": "v1:" + base64.b64encode(b"pw").decode()}
    bad = tmp_path / "Pulumi.dev.yaml"
    bad.write_text(yaml.safe_dump(document))
    with pytest.raises(PassphraseError, match="mesh-platform:aviPassword"):
        decrypt_stack_file(bad, DEV_PASSPHRASE)


def test_round_trip_with_a_fresh_salt():
    state, key = new_encryption_salt("s3cret")
    assert state.startswith("v1:") and len(base64.b64decode(state.split(":")[1])) == 8
    assert key_from_encryption_salt("s3cret", state) == key
    value = encrypt(key, "hello")
    assert decrypt(key, value) == "hello" and value != encrypt(key, "hello")  # fresh nonce each time


def test_the_check_command_reports_each_value():
    result = subprocess.run(
        [sys.executable, "-m", "tools.dev.passphrase", "check", str(DEV_FILE)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "mesh-platform:aviPassword: decrypts" in result.stdout


@pytest.mark.parametrize("stack", EXAMPLES)
def test_examples_carry_no_ciphertext_and_list_their_secrets(stack):
    path = PROJECT_DIR / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    document = yaml.safe_load(text)
    assert "encryptionsalt" not in document
    assert not list(secure_values(document.get("config") or {})), f"{path.name} carries a secure: value"
    for key in declared_secrets(text):
        assert f"pulumi config set --secret --stack {stack} {key.split(':', 1)[1]}" in text


def test_secrets_the_examples_need_are_declared():
    assert set(declared_secrets((PROJECT_DIR / "Pulumi.aks.yaml").read_text())) == {
        "mesh-platform:grafanaPassword",
        "mesh-platform:kialiPassword",
    }
    assert set(declared_secrets((PROJECT_DIR / "Pulumi.onprem.yaml").read_text())) == {
        "mesh-platform:kubeconfig",
        "mesh-platform:aviPassword",
        "mesh-platform:edgeCertificates",
    }
    assert declared_secrets((PROJECT_DIR / "Pulumi.eks.yaml").read_text()) == []


@pytest.mark.parametrize("stack", ["aks", "ambassador"])
def test_without_stand_ins_the_program_names_the_missing_secret(stack):
    stack_file = read_stack_file(PROJECT_DIR / f"Pulumi.{stack}.yaml", stand_in_secrets=False)
    assert stack_file.stood_in == ()
    with pytest.raises(Exception, match="grafanaPassword"):
        run_program(stack_file, preview=True)


def test_overrides_replace_the_stand_in():
    stack_file = read_stack_file(
        PROJECT_DIR / "Pulumi.aks.yaml", overrides={"mesh-platform:grafanaPassword": {"secure": "given"}}
    )
    assert stack_file.stood_in == ("mesh-platform:kialiPassword",)
    assert "mesh-platform:grafanaPassword" in stack_file.secret_keys
