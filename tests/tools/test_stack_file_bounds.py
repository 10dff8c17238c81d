"""Bounds on stack input: each refusal names the file (line and column where known) or the key
path, and says what is wrong, for the stack-file reader, the offline render and the SDK-config
loader that `pulumi up` runs; never a traceback, never more than a few seconds."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from components.config import bounds
from components.config.errors import ConfigError
from components.stack.loader import PulumiConfigSource, load_stack_config
from tools import render
from tools.stack_files import StackFileError, read_mapping

GOOD = """\
config:
  mesh-platform:cluster:
    kind: existing
    name: dev
  mesh-platform:edge:
    kind: emissary
"""

GENEROUS_SECONDS = 10


def nested_list(levels: int) -> str:
    return "[" * levels + "]" * levels


def billion_laughs(levels: int = 9, fan_out: int = 10) -> str:
    """`a0` holds `fan_out` values, each next anchor `fan_out` aliases of the one before:
    fan_out ** levels values once expanded, in well under 1 KiB of text."""
    lines = ["config:", f"  a0: &a0 [{', '.join(['lol'] * fan_out)}]"]
    for level in range(1, levels):
        lines.append(f"  a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * fan_out)}]")
    return "\n".join(lines) + "\n"


def refusal(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "Pulumi.mistake.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    started = time.monotonic()
    with pytest.raises(StackFileError) as error:
        read_mapping(path)
    assert time.monotonic() - started < GENEROUS_SECONDS
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{path}")
    return message[len(str(path)) :]


# --------------------------------------------------------------------------------------
# The stack-file reader
# --------------------------------------------------------------------------------------


def test_nesting_up_to_the_bound_is_read(tmp_path):
    # The document and `config:` are two levels; the value adds the rest.
    path = tmp_path / "Pulumi.deep.yaml"
    path.write_text(f"config:\n  a: {nested_list(bounds.MAX_DEPTH - 2)}\n")
    assert read_mapping(path)["config"]["a"]


def test_nesting_one_level_beyond_the_bound_is_refused(tmp_path):
    message = refusal(tmp_path, f"config:\n  a: {nested_list(bounds.MAX_DEPTH - 1)}\n")
    column = len("  a: ") + bounds.MAX_DEPTH - 1  # the bracket that opens level 65
    assert message == f":2:{column}: nested more than 64 levels deep; no setting nests more than a few"


def test_nesting_ten_thousand_levels_deep_is_refused_quickly(tmp_path):
    """Such nesting made PyYAML's composer raise RecursionError."""
    assert refusal(tmp_path, "config:\n  a: " + "[" * 10_000 + "\n").endswith(
        "nested more than 64 levels deep; no setting nests more than a few"
    )


def test_block_nesting_is_refused_with_its_line(tmp_path):
    text = "config:\n" + "".join("  " * level + f"k{level}:\n" for level in range(1, 80))
    assert refusal(tmp_path, text).startswith(":65:")


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path):
    message = refusal(tmp_path, billion_laughs())
    assert message.startswith(":6:")  # a4, the first anchor whose expansion passes the bound
    assert message.endswith(
        "more than 100000 values, counting each use of an alias in full (a stack needs a few hundred)"
    )


def test_ordinary_aliases_and_merges_are_read(tmp_path):
    path = tmp_path / "Pulumi.aliases.yaml"
    path.write_text(
        "config:\n  base: &base {kind: existing, name: dev}\n  copy: *base\n  merged:\n    <<: *base\n    name: other\n"
    )
    config = read_mapping(path)["config"]
    assert config["copy"] == {"kind": "existing", "name": "dev"}
    assert config["merged"] == {"kind": "existing", "name": "other"}


def test_an_alias_inside_the_collection_it_names_is_refused(tmp_path):
    assert refusal(tmp_path, "config:\n  a: &a [x, *a]\n") == ":2:13: alias *a is used inside the collection it names"


def test_too_many_values_without_aliases_are_refused(tmp_path):
    message = refusal(tmp_path, "config:\n  a: [" + "1," * (bounds.MAX_VALUES + 1) + "]\n")
    assert "more than 100000 values" in message


def test_a_file_over_the_size_bound_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "Pulumi.big.yaml"
    path.write_bytes(b"config:\n" + b"#" * bounds.MAX_BYTES)
    monkeypatch.setattr(Path, "open", lambda *args, **kwargs: pytest.fail("the file was opened"))
    with pytest.raises(StackFileError) as error:
        read_mapping(path)
    assert str(error.value) == f"{path}: {bounds.MAX_BYTES + 8} bytes; a stack file may hold at most 1048576 (1 MiB)"


def test_a_file_at_the_size_bound_is_read(tmp_path):
    path = tmp_path / "Pulumi.full.yaml"
    path.write_bytes(GOOD.encode() + b"#" * (bounds.MAX_BYTES - len(GOOD)))
    assert read_mapping(path)["config"]["mesh-platform:edge"] == {"kind": "emissary"}


@pytest.mark.parametrize(
    "character, described",
    [
        ("\x00", "U+0000 (NUL, a control character)"),
        ("\x1b", "U+001B (ESC, a control character)"),
        ("\x7f", "U+007F (DEL, a control character)"),
        ("\x85", "U+0085 (a C1 control character)"),
        ("\x9b", "U+009B (a C1 control character)"),
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE, a bidirectional control character)"),
        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE, a bidirectional control character)"),
        ("\ufffe", "U+FFFE (a non-character)"),
    ],
)
def test_a_forbidden_character_is_refused_with_line_and_column(tmp_path, character, described):
    text = GOOD.replace("name: dev", f"name: de{character}v")
    assert refusal(tmp_path, text) == f":4:13: contains {described}; remove it"


def test_a_forbidden_character_in_a_comment_is_refused_too(tmp_path):
    assert refusal(tmp_path, "# note \u202e\n" + GOOD).startswith(":1:8: contains U+202E")


@pytest.mark.parametrize(
    "escape, described",
    [
        ("\\0", "U+0000 (NUL, a control character)"),
        ("\\x85", "U+0085 (a C1 control character)"),
        ("\\u202E", "U+202E (RIGHT-TO-LEFT OVERRIDE, a bidirectional control character)"),
        ("\\ud800", "U+D800 (half a character: bytes that are not UTF-8, or an escape for a lone surrogate)"),
    ],
)
def test_a_forbidden_character_written_as_an_escape_is_refused(tmp_path, escape, described):
    text = GOOD.replace("name: dev", f'name: "de{escape}v"')
    assert refusal(tmp_path, text) == f":4:11: this value holds an escape for {described} at character 3; remove it"


def test_tabs_and_windows_line_ends_are_read(tmp_path):
    path = tmp_path / "Pulumi.crlf.yaml"
    path.write_bytes(GOOD.replace("\n", "\r\n").replace("name: dev", 'name: "de\tv"').encode())
    assert read_mapping(path)["config"]["mesh-platform:cluster"]["name"] == "de\tv"


def test_invalid_utf8_is_refused_with_line_and_column(tmp_path):
    text = GOOD.encode().replace(b"name: dev", "name: dé\xff".encode("latin-1"))
    assert refusal(tmp_path, text) == ":4:12: not valid UTF-8 (byte 0xe9); save the file as UTF-8"


def test_utf16_is_refused(tmp_path):
    assert refusal(tmp_path, GOOD.encode("utf-16")) == ":1:1: not valid UTF-8 (byte 0xff); save the file as UTF-8"


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(StackFileError) as error:
        read_mapping(tmp_path)
    assert str(error.value) == f"{tmp_path}: not a regular file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    pipe = tmp_path / "Pulumi.yaml"
    os.mkfifo(pipe)
    with pytest.raises(StackFileError) as error:
        read_mapping(pipe)
    assert str(error.value) == f"{pipe}: not a regular file"


def test_an_unreadable_file_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "Pulumi.locked.yaml"
    path.write_text(GOOD)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(StackFileError) as error:
        read_mapping(path)
    assert str(error.value) == f"{path}: cannot read: Permission denied"


def test_a_key_that_is_a_list_is_refused(tmp_path):
    assert (
        refusal(tmp_path, "config:\n  ? [a, b]\n  : c\n") == ":2:5: a key must be a single value, not a list or mapping"
    )


def test_keys_and_dates_are_the_text_written(tmp_path):
    """The Pulumi CLI's YAML decoder hands both over as text; a date that is not one is just text."""
    path = tmp_path / "Pulumi.text.yaml"
    path.write_text("config:\n  1: one\n  true: yes-key\n  mesh-platform:environment: 2024-13-45\n  day: 2024-01-02\n")
    assert read_mapping(path)["config"] == {
        "1": "one",
        "true": "yes-key",
        "mesh-platform:environment": "2024-13-45",
        "day": "2024-01-02",
    }


def test_a_number_too_long_to_convert_is_refused(tmp_path):
    assert (
        refusal(tmp_path, "config:\n  a: " + "7" * 5000 + "\n")
        == ":2:6: a number too long to read; quote it if it is text"
    )


@pytest.mark.parametrize(
    "value, tag",
    [
        ("!!float x", "!!float"),
        ("!!bool maybe", "!!bool"),
        ("!!int 1.5", "!!int"),
        ("!!float ''", "!!float"),
        ("!!int ''", "!!int"),
    ],
)
def test_a_value_its_tag_cannot_convert_is_refused(tmp_path, value, tag):
    assert (
        refusal(tmp_path, f"config:\n  a: {value}\n")
        == f":2:6: this value cannot be read as {tag}; quote it if it is text"
    )


@pytest.mark.parametrize("tag", ["binary", "set", "omap", "pairs"])
def test_tags_without_a_json_equivalent_are_refused(tmp_path, tag):
    value = {"binary": "aGk=", "set": "{a, b}", "omap": "[a: 1]", "pairs": "[a: 1]"}[tag]
    assert (
        refusal(tmp_path, f"config:\n  a: !!{tag} {value}\n")
        == f":2:6: the tag !!{tag} is not accepted in a stack file; write text, numbers, lists and mappings"
    )


# --------------------------------------------------------------------------------------
# The offline render: exit 2, one line naming the file, nothing written
# --------------------------------------------------------------------------------------

RENDER_REFUSALS = {
    "depth": (f"config:\n  a: {nested_list(500)}\n", ":2:68: nested more than 64 levels deep"),
    "aliases": (billion_laughs(), ":6:47: more than 100000 values"),
    "size": ("config:\n" + "#" * bounds.MAX_BYTES, ": 1048584 bytes; a stack file may hold at most 1048576"),
    "NUL": (GOOD.replace("dev", "d\x00ev"), ":4:12: contains U+0000 (NUL, a control character); remove it"),
    "C1 control": (GOOD.replace("dev", "d\x85ev"), ":4:12: contains U+0085 (a C1 control character); remove it"),
    "invalid UTF-8": (GOOD.encode().replace(b"dev", b"d\xc3("), ":4:12: not valid UTF-8 (byte 0xc3)"),
    "list key": ("config:\n  ? [a]\n  : b\n", ":2:5: a key must be a single value"),
}


@pytest.mark.parametrize("case", RENDER_REFUSALS)
def test_the_render_refuses_with_exit_2_naming_file_and_line(case, tmp_path, capsys):
    content, expected = RENDER_REFUSALS[case]
    path = tmp_path / "Pulumi.mistake.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out"
    started = time.monotonic()
    assert render.main(["--config", str(path), "--out", str(out)]) == 2
    assert time.monotonic() - started < GENEROUS_SECONDS
    stderr = capsys.readouterr().err
    assert stderr.startswith(f"error: {path}{expected}"), stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert not out.exists()


def test_the_render_names_a_project_file_it_cannot_read(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").mkdir()
    path = tmp_path / "Pulumi.good.yaml"
    path.write_text(GOOD)
    assert render.main(["--config", str(path), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'Pulumi.yaml'}: not a regular file\n"


# --------------------------------------------------------------------------------------
# The SDK-config loader (`pulumi up`): values arrive as JSON text
# --------------------------------------------------------------------------------------

VALID = {"mesh-platform:cluster": {"kind": "existing", "name": "dev"}, "mesh-platform:edge": {"kind": "emissary"}}


def sdk_problems(monkeypatch, changes: dict) -> list[str]:
    """The problems `load_stack_config` reports for the config the language host hands over
    (PULUMI_CONFIG: every value JSON-encoded text, as the CLI sets it)."""
    config = {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in {**VALID, **changes}.items()
    }
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    started = time.monotonic()
    with pytest.raises(ConfigError) as error:
        load_stack_config(PulumiConfigSource())
    assert time.monotonic() - started < GENEROUS_SECONDS
    return [str(p) for p in error.value.problems]


def test_the_valid_sdk_config_loads(monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({k: json.dumps(v) for k, v in VALID.items()}))
    assert load_stack_config(PulumiConfigSource()).edge.kind == "emissary"


def test_sdk_nesting_beyond_the_bound_is_refused_before_decoding(monkeypatch):
    """json.loads of this much nesting raised RecursionError."""
    deep = "[" * 100_000 + "]" * 100_000
    assert sdk_problems(monkeypatch, {"mesh-platform:istio": deep}) == [
        "mesh-platform:istio: nested more than 64 levels deep; no setting nests more than a few"
    ]


def test_sdk_nesting_counts_brackets_outside_strings_only(monkeypatch):
    text = json.dumps({"version": "[" * 100})
    found = sdk_problems(monkeypatch, {"mesh-platform:istio": text})
    assert not any("levels deep" in p for p in found) and found  # the version itself is wrong


def test_sdk_value_over_the_size_bound_is_refused(monkeypatch):
    big = json.dumps(["x" * bounds.MAX_BYTES])
    assert sdk_problems(monkeypatch, {"mesh-platform:apps": big}) == [
        f"mesh-platform:apps: {len(big)} characters long; at most 1048576 are accepted"
    ]


def test_sdk_value_with_too_many_values_is_refused(monkeypatch):
    assert sdk_problems(monkeypatch, {"mesh-platform:namespaces": [0] * bounds.MAX_VALUES}) == [
        "mesh-platform:namespaces: holds more than 100000 values; a stack needs a few hundred"
    ]


@pytest.mark.parametrize(
    "character, described",
    [
        ("\x00", "U+0000 (NUL, a control character)"),
        ("\x85", "U+0085 (a C1 control character)"),
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE, a bidirectional control character)"),
        ("\udcff", "U+DCFF (half a character: bytes that are not UTF-8, or an escape for a lone surrogate)"),
    ],
)
def test_sdk_forbidden_characters_are_refused_by_key_path(monkeypatch, character, described):
    cluster = {"kind": "existing", "name": f"de{character}v"}
    assert sdk_problems(monkeypatch, {"mesh-platform:cluster": cluster}) == [
        f"mesh-platform:cluster.name: contains {described} at character 3; remove it"
    ]


def test_sdk_forbidden_character_in_a_nested_key_is_shown_as_its_code(monkeypatch):
    istio = {"mtls": "STRICT", "ingress\x00Gateway": {}}
    assert sdk_problems(monkeypatch, {"mesh-platform:istio": istio}) == [
        "mesh-platform:istio.ingress\\u0000Gateway: the key contains U+0000 (NUL, a control character) at "
        "character 8; remove it"
    ]


def test_sdk_forbidden_character_in_a_plain_text_value_is_refused(monkeypatch):
    assert sdk_problems(monkeypatch, {"mesh-platform:environment": "dev\x1b[31m"}) == [
        "mesh-platform:environment: contains U+001B (ESC, a control character) at character 4; remove it"
    ]


def test_sdk_unknown_key_with_a_control_character_is_shown_as_its_code(monkeypatch):
    found = sdk_problems(monkeypatch, {"mesh-platform:istio\x1b": {}})
    assert found[0].startswith("mesh-platform:istio\\u001b: unknown setting;")


def test_decoded_values_are_bounded_too():
    """Any ConfigSource (not only the SDK's) gets the same bounds on what it decoded."""

    class Decoded:
        stack = "test"

        def __init__(self, values):
            self.values = values

        def value(self, key):
            return self.values.get(key)

        def secret(self, key):
            return None

        def keys(self):
            return [f"mesh-platform:{key}" for key in self.values]

        def provider_setting(self, full_key):
            return None

        def is_stored_secret(self, key):
            return True

    deep: list = []
    for _ in range(bounds.MAX_DEPTH):
        deep = [deep]
    with pytest.raises(ConfigError) as error:
        load_stack_config(Decoded({"cluster": {"kind": "existing"}, "edge": {"kind": "emissary"}, "apps": deep}))
    assert [str(p) for p in error.value.problems] == [
        f"mesh-platform:apps{'[0]' * bounds.MAX_DEPTH}: nested more than 64 levels deep; "
        "no setting nests more than a few"
    ]


def test_a_repeated_key_with_a_line_break_is_shown_on_one_line(tmp_path):
    assert (
        refusal(tmp_path, 'config:\n  "a\\nb": 1\n  "a\\nb": 2\n')
        == ':3:3: key "a\\nb" is given twice (first on line 2); keep one'
    )
