"""Property-based fuzzing of stack files: the example stacks, mutated at random (bytes flipped,
deleted or inserted, control characters, deep nesting, alias bombs, duplicated, swapped or
truncated lines, odd values), always render (exit 0) or are refused (exit 2) with a message
naming the file: never a traceback, never more than a generous time per file.

Reproducible: examples are derived from the test itself (`derandomize`), no example database
is read or written, and every loop is bounded by `max_examples`. Hypothesis's own caches go to
the system's temporary directory, not into the checkout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from components.config import bounds
from components.config.errors import ConfigError
from components.stack.loader import PulumiConfigSource, load_stack_config
from tools import render
from tools.mockrun import PROJECT_DIR
from tools.stack_files import StackFileError, read_mapping

# Set on import: Hypothesis caches what it learns about the source (and Unicode tables) from
# the moment tests are collected.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "mesh-platform-hypothesis-cache")

STACKS = {path.name: path.read_bytes() for path in sorted(PROJECT_DIR.glob("Pulumi.*.yaml"))}
FILES = {**STACKS, "Pulumi.yaml": (PROJECT_DIR / "Pulumi.yaml").read_bytes()}  # the project file is read too
SECONDS_PER_FILE = 20  # a render takes about a second; a stalled parse took minutes


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=timedelta(seconds=SECONDS_PER_FILE),
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# --------------------------------------------------------------------------------------
# Mutations: each a small record (so a failure prints what was done), applied to bytes
# --------------------------------------------------------------------------------------

CONTROL = [
    b"\x00",
    b"\x01",
    b"\x08",
    b"\x0b",
    b"\x0c",
    b"\x1b",
    b"\x7f",
    "\x85".encode(),
    "\x9b".encode(),
    "\u202e".encode(),
    "\u2066".encode(),
    "\ufffe".encode(),
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\r",
    b"\t",
    "\ufeff".encode(),
]
SYNTAX = [
    b":",
    b": ",
    b"- ",
    b"[",
    b"]",
    b"{",
    b"}",
    b"&a ",
    b"*a",
    b"*nosuch",
    b"!!binary ",
    b"!!set ",
    b"!!python/object:os.system ",
    b"<<: ",
    b"? ",
    b"|",
    b">",
    b"'",
    b'"',
    b"#",
    b",",
    b"%YAML 1.1\n",
    b"---\n",
    b"...\n",
    b"~",
    b"\\",
    b"\n",
    b"  ",
]
VALUES = [
    b"9" * 5000,
    b"2024-13-45",
    b"!!binary aGk=",
    b"!!set {a}",
    b"!!timestamp x",
    b"*a",
    b"&a [*a]",
    b"null",
    b"[",
    b"{a: b}",
    b'"\\0"',
    b'"\\ud800"',
    b'"\\u202e"',
    b'"\\x85"',
    b'"' + b"x" * 100_000 + b'"',
    b".nan",
    b"-.inf",
    b"0x" + b"f" * 2000,
    b"1:2:3:4:5",
    b"? [a]\n: b",
    b"{? {a: b}: c}",
    b"''",
    b"-",
    b"true",
    b"[1, [2, [3, [4]]]]",
    b"!!int 1.5",
    b"!!float x",
    b"!!str",
    b"!!map [a]",
    b"!!seq {a: b}",
    b"!!bool maybe",
    b"!!float ''",
    b"!!int ''",
    b"!!int 0x",
    b"!!float .",
    b"!!null x",
    b"!!int [1]",
    b"!!merge x",
    b"!!value x",
    b"!<tag:yaml.org,2002:int> x",
    b"!local x",
    b"!!str &a [*a]",
]


def _position(data: bytes, at: int) -> int:
    return at % (len(data) + 1)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _indent(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(b" "))]


def apply(data: bytes, mutation: tuple) -> bytes:
    """`data` with one mutation applied (positions wrap around the current length)."""
    kind, *args = mutation
    if kind == "flip":
        if not data:
            return data
        at, bit = _position(data, args[0]) % len(data), args[1]
        return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1 :]
    if kind == "delete":
        at = _position(data, args[0])
        return data[:at] + data[at + args[1] :]
    if kind == "insert":
        at = _position(data, args[0])
        return data[:at] + args[1] + data[at:]
    if kind == "truncate":
        return data[: _position(data, args[0])]
    lines = _lines(data)
    line = args[0] % len(lines)
    if kind == "duplicate_line":
        lines.insert(line, lines[line])
    elif kind == "swap_lines":
        other = args[1] % len(lines)
        lines[line], lines[other] = lines[other], lines[line]
    elif kind == "value":
        head, colon, _ = lines[line].partition(b": ")
        lines[line] = head + (colon or b": ") + args[1]
    elif kind == "flow_nesting":
        depth = args[1]
        lines.insert(line + 1, _indent(lines[line]) + b"nested: " + b"[" * depth + b"x" + b"]" * depth)
    elif kind == "block_nesting":
        indent = _indent(lines[line])
        lines[line + 1 : line + 1] = [indent + b"  " * level + f"k{level}:".encode() for level in range(args[1])]
    elif kind == "alias_bomb":
        levels, fan_out = args[1], args[2]
        indent = _indent(lines[line])
        bomb = [indent + b"b0: &b0 [" + b", ".join([b"lol"] * fan_out) + b"]"]
        bomb += [
            indent + f"b{n}: &b{n} [".encode() + b", ".join([f"*b{n - 1}".encode()] * fan_out) + b"]"
            for n in range(1, levels)
        ]
        lines[line + 1 : line + 1] = bomb
    return b"\n".join(lines)


POSITIONS = st.integers(min_value=0, max_value=10_000)
MUTATION = st.one_of(
    st.tuples(st.just("flip"), POSITIONS, st.integers(0, 7)),
    st.tuples(st.just("delete"), POSITIONS, st.integers(1, 200)),
    st.tuples(st.just("insert"), POSITIONS, st.sampled_from(CONTROL)),
    st.tuples(st.just("insert"), POSITIONS, st.sampled_from(SYNTAX)),
    st.tuples(st.just("insert"), POSITIONS, st.text(max_size=8).map(lambda text: text.encode())),
    st.tuples(st.just("insert"), POSITIONS, st.binary(max_size=8)),
    st.tuples(st.just("truncate"), POSITIONS),
    st.tuples(st.just("duplicate_line"), POSITIONS),
    st.tuples(st.just("swap_lines"), POSITIONS, POSITIONS),
    st.tuples(st.just("value"), POSITIONS, st.sampled_from(VALUES)),
    st.tuples(st.just("flow_nesting"), POSITIONS, st.integers(1, 5000)),
    st.tuples(st.just("block_nesting"), POSITIONS, st.integers(1, 200)),
    st.tuples(st.just("alias_bomb"), POSITIONS, st.integers(2, 12), st.integers(2, 12)),
)
MUTANTS = st.tuples(st.sampled_from(sorted(FILES)), st.lists(MUTATION, min_size=1, max_size=4))


def mutant(name: str, mutations: list[tuple]) -> bytes:
    data = FILES[name]
    for mutation in mutations:
        data = apply(data, mutation)
    return data


def write_mutant(directory: Path, name: str, mutations: list[tuple]) -> tuple[Path, Path]:
    """The stack file to render and the mutated file (the same, or a `Pulumi.yaml` beside it)."""
    mutated = directory / name
    mutated.write_bytes(mutant(name, mutations))
    if name != "Pulumi.yaml":
        return mutated, mutated
    stack = directory / "Pulumi.dev.yaml"
    stack.write_bytes(STACKS["Pulumi.dev.yaml"])
    return stack, mutated


def check_outcome(status: int, stdout: str, stderr: str, files: tuple[Path, Path], out: Path) -> None:
    assert status in (0, 2), stderr
    assert "Traceback" not in stdout + stderr, stderr
    if status == 0:
        assert (out / "resources.json").is_file()
    else:
        assert any(file.name in stderr for file in files), stderr  # the stack file, or the project file
        assert not out.exists()  # the output directory did not exist, and still does not


# --------------------------------------------------------------------------------------
# The render, in-process (fast) and as the command a user runs
# --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(240)
@fuzz_settings(examples=250)
@given(MUTANTS)
@example(("Pulumi.aks.yaml", [("alias_bomb", 30, 12, 12)]))
@example(("Pulumi.dev.yaml", [("flow_nesting", 12, 100_000)]))
def test_a_mutated_example_stack_renders_or_exits_2(tmp_path_factory, capfd, case):
    name, mutations = case
    directory = tmp_path_factory.mktemp("fuzz")
    path, mutated = write_mutant(directory, name, mutations)
    out = directory / "render"  # does not exist yet
    capfd.readouterr()
    started = time.monotonic()
    status = render.main(["--config", str(path), "--out", str(out)])
    elapsed = time.monotonic() - started
    captured = capfd.readouterr()
    event(f"exit {status}")  # shown by --hypothesis-show-statistics
    check_outcome(status, captured.out, captured.err, (path, mutated), out)
    assert elapsed < SECONDS_PER_FILE


@pytest.mark.slow
@pytest.mark.timeout(240)
@fuzz_settings(examples=4)
@given(MUTANTS)
@example(("Pulumi.dev.yaml", [("insert", 0, b"# unchanged but for this comment\n")]))  # renders: exit 0
@example(("Pulumi.onprem.yaml", [("alias_bomb", 12, 12, 12)]))  # 12**12 values once expanded
@example(("Pulumi.eks.yaml", [("insert", 200, b"\x00")]))
def test_a_mutated_example_stack_through_the_command_line(tmp_path_factory, case):
    name, mutations = case
    directory = tmp_path_factory.mktemp("fuzz-cli")
    path, mutated = write_mutant(directory, name, mutations)
    out = directory / "render"
    result = subprocess.run(
        [sys.executable, "-m", "tools.render", "--config", str(path), "--out", str(out)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_FILE * 3,
    )
    check_outcome(result.returncode, result.stdout, result.stderr, (path, mutated), out)


@fuzz_settings(examples=300)
@given(MUTANTS)
def test_a_mutated_example_stack_reads_as_json_data_or_is_refused(tmp_path_factory, case):
    """What the reader returns is what the CLI would hand over: JSON data, text keys."""
    name, mutations = case
    path = tmp_path_factory.mktemp("read") / name
    path.write_bytes(mutant(name, mutations))
    try:
        document = read_mapping(path)
    except StackFileError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)
        return
    assert json.loads(json.dumps(document)) is not None
    assert all(isinstance(key, str) for key in (document.get("config") or {}))


# --------------------------------------------------------------------------------------
# The reader's bounds, exactly: accepted up to each bound, refused beyond it, quickly
# --------------------------------------------------------------------------------------


@fuzz_settings(examples=40)
@given(levels=st.integers(1, 12), fan_out=st.integers(1, 40))
def test_alias_expansion_is_bounded_exactly(tmp_path_factory, levels, fan_out):
    path = tmp_path_factory.mktemp("bomb") / "Pulumi.bomb.yaml"
    path.write_bytes(apply(b"config:\n  a: 1", ("alias_bomb", 1, levels, fan_out)))
    # Every value counted once per use: the document, config, both keys' scalars and "a: 1",
    # then per level a key, a list and fan_out copies of the level below.
    expanded, size = 5, fan_out + 1
    for _level in range(levels):
        expanded += 1 + size
        size = fan_out * size + 1
    started = time.monotonic()
    if expanded <= bounds.MAX_VALUES:
        assert read_mapping(path)["config"]["b0"] == ["lol"] * fan_out
    else:
        with pytest.raises(StackFileError, match="more than 100000 values"):
            read_mapping(path)
    assert time.monotonic() - started < SECONDS_PER_FILE


@fuzz_settings(examples=40)
@given(depth=st.integers(1, 300), style=st.sampled_from(["flow", "block"]))
def test_nesting_is_bounded_exactly(tmp_path_factory, depth, style):
    path = tmp_path_factory.mktemp("deep") / "Pulumi.deep.yaml"
    path.write_bytes(apply(b"config:\n  a: 1", (f"{style}_nesting", 1, depth)))
    # The document, config, and one level per bracket (flow) or per key with a value below (block).
    levels = 2 + (depth if style == "flow" else depth - 1)
    if levels <= bounds.MAX_DEPTH:
        assert read_mapping(path)["config"]
    else:
        with pytest.raises(StackFileError, match="nested more than 64 levels deep"):
            read_mapping(path)


# --------------------------------------------------------------------------------------
# The SDK-config loader: any JSON the CLI could hand over is loaded or refused, no traceback
# --------------------------------------------------------------------------------------

TEXT = st.text(max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=30,
)
TOP_LEVEL = st.sampled_from(
    [
        "cluster",
        "edge",
        "istio",
        "apps",
        "namespaces",
        "environment",
        "externalHosts",
        "observability",
        "avi",
        "ako",
        "nosuch",
    ]
)


@fuzz_settings(examples=150)
@given(
    values=st.dictionaries(TOP_LEVEL, JSON_VALUES | st.integers(0, 300).map(lambda n: "[" * n + "]" * n), max_size=5)
)
def test_any_sdk_config_loads_or_raises_config_error(monkeypatch, values):
    raw = {
        key: value if isinstance(value, str) and value.startswith("[") else json.dumps(value)
        for key, value in values.items()
    }
    raw.setdefault("cluster", json.dumps({"kind": "existing"}))
    raw.setdefault("edge", json.dumps({"kind": "emissary"}))
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({f"mesh-platform:{key}": value for key, value in raw.items()}))
    try:
        load_stack_config(PulumiConfigSource())
    except ConfigError as error:
        assert error.problems and all(str(p).startswith("mesh-platform:") for p in error.problems)
