"""Example stack secrets: real passphrase ciphertext in Pulumi.dev.yaml, none in the others; which
keys are secret comes from Pulumi.yaml, and the render's stand-ins from the stacks' settings."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
import yaml

from components.stack.model import SECRET_KEYS
from project import PROJECT
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
from tools.mockrun import PROJECT_DIR, declared_secrets, read_stack_file, run_program, secrets_in_use

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


PROJECT_FILE = PROJECT_DIR / "Pulumi.yaml"
SECRETS_CALLED_FOR = {
    "aks": {"grafanaPassword", "kialiPassword"},
    "ambassador": {"grafanaPassword"},
    "dev": {"aviPassword"},  # carried by the file itself, so not stood in
    "eks": set(),
    "onprem": {"kubeconfig", "aviPassword", "edgeCertificates"},
    "onprem-ako": {"kubeconfig", "aviPassword", "edgeCertificates"},
}


def without_comments(text: str) -> str:
    """The stack file with every comment removed: whole comment lines and trailing ` # ...`."""
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        lines.append(line.split(" # ", 1)[0].rstrip())
    return "\n".join(lines) + "\n"


def test_pulumi_yaml_declares_every_secret_key_of_the_program():
    assert sorted(declared_secrets(PROJECT_FILE)) == sorted(f"{PROJECT}:{key}" for key in SECRET_KEYS)


def test_no_secret_key_is_a_project_config_declaration():
    # Under `config:` the CLI would require the key in every stack (no default), or refuse its
    # plain default as not encrypted: the secrets live in `template.config` (see Pulumi.yaml).
    project = yaml.safe_load(PROJECT_FILE.read_text())
    declared = {key.split(":", 1)[-1] for key in project.get("config") or {}}
    assert not declared & set(SECRET_KEYS)


def test_the_declarations_are_what_pulumi_accepts():
    """`template:` has only the attributes Pulumi's project schema gives it, and each entry of its
    `config:` only description, default (a string) and secret (a boolean)."""
    template = yaml.safe_load(PROJECT_FILE.read_text())["template"]
    assert set(template) <= {"displayName", "description", "quickstart", "important", "config", "metadata"}
    for key, entry in template["config"].items():
        assert set(entry) <= {"description", "default", "secret"}, key
        assert isinstance(entry.get("default", ""), str), key
        assert isinstance(entry.get("secret", False), bool), key


def test_a_file_without_the_declaration_gets_no_stand_in(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: mesh-platform\nruntime: python\n")
    stack = tmp_path / "Pulumi.aks.yaml"
    stack.write_text((PROJECT_DIR / "Pulumi.aks.yaml").read_text())
    assert declared_secrets(tmp_path / "Pulumi.yaml") == []
    assert read_stack_file(stack).stood_in == ()


@pytest.mark.parametrize("stack", sorted(SECRETS_CALLED_FOR))
def test_secrets_called_for_follow_the_settings(stack):
    settings = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    used = secrets_in_use(declared_secrets(PROJECT_FILE), settings)
    assert {key.split(":", 1)[1] for key in used} == SECRETS_CALLED_FOR[stack]


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_stand_ins_do_not_depend_on_comments(stack, tmp_path):
    original = PROJECT_DIR / f"Pulumi.{stack}.yaml"
    stripped = tmp_path / original.name
    stripped.write_text(without_comments(original.read_text()))
    assert "#" not in stripped.read_text()
    assert read_stack_file(stripped).stood_in == read_stack_file(original).stood_in
    expected = {f"{PROJECT}:{key}" for key in SECRETS_CALLED_FOR[stack]}
    carried = set(yaml.safe_load(original.read_text())["config"])
    assert set(read_stack_file(stripped).stood_in) == expected - carried


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_render_without_comments_stands_in_every_secret_it_needs(stack, tmp_path):
    """Done-when of issue 22: with every comment stripped, each example still renders, with a
    placeholder for each declared secret it calls for and does not carry."""
    stripped = tmp_path / f"Pulumi.{stack}.yaml"
    stripped.write_text(without_comments((PROJECT_DIR / stripped.name).read_text()))
    result = subprocess.run(
        [sys.executable, "-m", "tools.render", "--config", str(stripped), "--out", str(tmp_path / "out")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    for key in read_stack_file(stripped).stood_in:
        assert f"{key} is not in the file; rendering with a placeholder secret" in result.stderr


@pytest.mark.parametrize("stack", EXAMPLES)
def test_examples_carry_no_ciphertext_and_their_comments_match_the_declarations(stack):
    path = PROJECT_DIR / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    document = yaml.safe_load(text)
    assert "encryptionsalt" not in document
    assert not list(secure_values(document.get("config") or {})), f"{path.name} carries a secure: value"
    # The comments are help: they list exactly the secrets the stack calls for.
    for key in SECRET_KEYS:
        listed = f"pulumi config set --secret --stack {stack} {key} " in text
        assert listed == (key in SECRETS_CALLED_FOR[stack]), key


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
