"""What the Pulumi CLI refuses in a stack file beyond YAML, found offline: the secrets provider and
the shape of each `secure:` value; and YAML syntax errors said in words, not parser tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STACK_FILES
from tools.stack_file_checks import stack_file_problems
from tools.stack_files import StackFileError, read_mapping

CIPHERTEXT = "v1:tWgIvuDND8ndZH2y:DMEb7SFohQ0hWRZx6rr+8PJ8O4LSrSvF69DyZMvaoMFV55q6OQ=="


def problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "Pulumi.check.yaml"
    path.write_text(text)
    return [line.replace(f"{path}", "F") for line in stack_file_problems(path, read_mapping(path), text)]


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_example_stack_passes(path):
    assert stack_file_problems(path, read_mapping(path), path.read_text()) == []


@pytest.mark.parametrize(
    "provider", ["passphrase", "default", "service", "awskms://alias/mesh", "azurekeyvault://v.vault.azure.net/keys/k"]
)
def test_each_secrets_provider_form_is_accepted(provider, tmp_path):
    assert (
        problems(
            f"secretsprovider: {provider}\nencryptedkey: abcd\nconfig:\n  a:b:\n    secure: {CIPHERTEXT}\n", tmp_path
        )
        == []
    )


def test_a_pulumi_cloud_value_is_base64(tmp_path):
    assert problems("config:\n  a:b:\n    secure: AAABAMZ3Ng==\n", tmp_path) == []
    assert problems("config:\n  a:b:\n    secure: not base64!\n", tmp_path) == [
        "F:3:13: a:b: is not base64 ciphertext; set it again with `pulumi config set --secret`"
    ]


@pytest.mark.parametrize(
    "value",
    [CIPHERTEXT[:-6], CIPHERTEXT.replace("v1:", "v2:"), "v1:tWgIvuDND8nd:AAAA", "v1:tWgIvuDND8ndZH2y:AAAA", "v1:x"],
    ids=["cut", "other version", "short nonce", "no room for the tag", "one part"],
)
def test_a_corrupted_passphrase_value_is_refused_without_showing_it(value, tmp_path):
    found = problems(f"encryptionsalt: v1:x\nconfig:\n  mesh-platform:aviPassword:\n    secure: {value}\n", tmp_path)
    assert found == [
        "F:4:13: mesh-platform:aviPassword: is not ciphertext of this stack's secrets provider "
        "(v1:<nonce>:<ciphertext>, both base64): it was cut or edited; set it again with `pulumi config set --secret`"
    ]


def test_a_nested_secure_value_is_named_by_its_path(tmp_path):
    found = problems("encryptionsalt: v1:x\nconfig:\n  mesh-platform:avi:\n    token:\n      secure: 12\n", tmp_path)
    assert found == [
        "F: mesh-platform:avi.token: a secure: value must be the ciphertext text `pulumi config set --secret` wrote"
    ]


YAML_MISTAKES = {
    "tab": (
        "config:\n\tmesh-platform:cluster: {}\n",
        "2:1: invalid YAML: a tab character; YAML indents with spaces only",
    ),
    "unclosed list": (
        "config:\n  mesh-platform:namespaces: [a\n",
        "3:1: invalid YAML: a list in [ ] is not closed (opened on line 2); add the ]",
    ),
    "unclosed quote": (
        'config:\n  mesh-platform:environment: "dev\n',
        "3:1: invalid YAML: a quoted value is not closed (opened on line 2); add the closing quote",
    ),
    "value with a colon": (
        "config:\n  mesh-platform:environment: a: b\n",
        "2:31: invalid YAML: a `: ` where no key can start: quote the value if it holds `: `, or indent this key "
        "like the keys above it",
    ),
    "unknown alias": (
        "config:\n  mesh-platform:cluster: *base\n",
        "2:26: invalid YAML: the alias *base names no anchor &base above it; define the anchor or write the value",
    ),
    "value starting with @": (
        "config:\n  mesh-platform:environment: @dev\n",
        '2:30: invalid YAML: a value cannot start with @; quote it ("@...")',
    ),
}


@pytest.mark.parametrize("mistake", YAML_MISTAKES)
def test_yaml_syntax_errors_say_what_to_change(mistake, tmp_path):
    text, message = YAML_MISTAKES[mistake]
    path = tmp_path / "Pulumi.yamlmistake.yaml"
    path.write_text(text)
    with pytest.raises(StackFileError) as error:
        read_mapping(path)
    assert str(error.value) == f"{path}:{message}"
