"""Nothing destroyed that is not ours: `tools.render`, `make clean`, `tools.upstream` and `tools.schema`
replace or remove only what they wrote themselves, and refuse, touching nothing, everything else.

The commands that could do damage run in a copy of the project (its own `.git` included), with
HOME pointing into the test's directory, so that a regression costs a temporary directory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import output_dir
from tools.mockrun import PROJECT_DIR
from tools.output_dir import MARKER_NAME, Refused

NOT_COPIED = {
    ".venv",
    "out",
    ".upstream-cache",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "__pycache__",
    ".tools",
    ".dev",
    "node_modules",
    ".pulumi-state",
    "render-out",
}


def tree_state(root: Path) -> dict[str, tuple]:
    """Every entry under `root` (root itself included) with its kind, mode and content."""
    state: dict[str, tuple] = {}
    for current, dirs, files in os.walk(root):
        for name in ["", *dirs, *files]:
            path = Path(current) / name if name else Path(current)
            info = path.lstat()
            if path.is_symlink():
                state[str(path)] = ("link", os.readlink(path))
            elif path.is_dir():
                state[str(path)] = ("dir", info.st_mode)
            else:
                state[str(path)] = ("file", info.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return state


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project, `.git` included, to run the tools in."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, copy, symlinks=True, ignore=lambda _, names: [n for n in names if n in NOT_COPIED])
    return copy


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home" / "someone"
    home.mkdir(parents=True)
    (home / ".profile").write_text("# someone's\n")
    temporary = tmp_path / "tmp"  # `make clean` also clears the Hypothesis home there: never the machine's
    temporary.mkdir()
    return {**os.environ, "HOME": str(home), "TMPDIR": str(temporary), "PYTHONDONTWRITEBYTECODE": "1"}


def tool(module: str, *args: str, cwd: Path, env: dict[str, str], timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_refused(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0]


def someones_files(path: Path) -> Path:
    (path / "notes").mkdir(parents=True)
    (path / "notes" / "plan.txt").write_text("not yours\n")
    (path / "resources.json").write_text("[]\n")
    return path


# -- tools.render -------------------------------------------------------------------------------


def test_unknown_stack_with_out_dot_leaves_the_checkout_as_it_was(project, env):
    before = tree_state(project)
    result = tool("tools.render", "--stack", "nosuch", "--out", ".", cwd=project, env=env)
    assert_refused(result, "no stack file at", "Pulumi.nosuch.yaml", "stacks in the project: aks,")
    assert tree_state(project) == before


@pytest.mark.parametrize(
    "out, reason",
    [
        (".", "is the project root"),
        ("..", "contains the project root"),
        (".git", "is a .git directory or inside one"),
        (".git/objects", "is a .git directory or inside one"),
        (".git/new-dir", "is a .git directory or inside one"),
        ("tools", "is not empty and was not written by tools.render (no .mesh-platform-output marker)"),
        ("HOME", "is a home directory"),
        ("HOME/..", "contains a home directory"),
        ("/", "is the filesystem root"),
    ],
)
def test_a_valid_stack_never_writes_where_it_must_not(project, env, tmp_path, out, reason):
    out = out.replace("HOME", env["HOME"])
    before = tree_state(tmp_path)
    result = tool("tools.render", "--stack", "dev", "--out", out, cwd=project, env=env)
    assert_refused(result, f"refusing --out {out}: {reason}")
    assert tree_state(tmp_path) == before


def test_someones_directory_is_refused_and_left_byte_identical(project, env, tmp_path):
    theirs = someones_files(tmp_path / "theirs")
    before = tree_state(tmp_path)
    result = tool("tools.render", "--stack", "dev", "--out", str(theirs), cwd=project, env=env)
    assert_refused(result, "is not empty and was not written by tools.render", "choose a new or empty directory")
    broken = project / "Pulumi.broken.yaml"
    broken.write_text("config:\n  mesh-platform:edge: {kind: albb}\n")
    before = tree_state(tmp_path)
    result = tool("tools.render", "--config", str(broken), "--out", str(theirs), cwd=project, env=env)
    assert_refused(result, "is not empty and was not written by tools.render")
    assert tree_state(tmp_path) == before


def test_a_symlink_to_someones_directory_is_refused(project, env, tmp_path):
    theirs = someones_files(tmp_path / "theirs")
    (tmp_path / "link").symlink_to(theirs)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "to-the-project").symlink_to(project)
    before = tree_state(tmp_path)
    for link, reason in [
        ("link", "is not empty and was not written by tools.render"),
        ("dangling", "is a symlink to"),
        ("to-the-project", "is the project root"),
    ]:
        result = tool("tools.render", "--stack", "dev", "--out", str(tmp_path / link), cwd=project, env=env)
        assert_refused(result, reason, "it leads to" if link != "dangling" else "which does not exist")
    assert tree_state(tmp_path) == before


def test_a_file_is_not_an_output_directory(project, env, tmp_path):
    (tmp_path / "a-file").write_text("keep me\n")
    before = tree_state(tmp_path)
    for out, reason in [("a-file", "is a file, not a directory"), ("a-file/x", "cannot be created")]:
        result = tool("tools.render", "--stack", "dev", "--out", str(tmp_path / out), cwd=project, env=env)
        assert_refused(result, reason)
    assert tree_state(tmp_path) == before


@pytest.mark.slow
def test_rerender_replaces_its_own_output_and_only_that(env, tmp_path):
    out = tmp_path / "renders" / "x"
    first = tool("tools.render", "--stack", "ambassador", "--out", str(out), cwd=PROJECT_DIR, env=env)
    assert first.returncode == 0, first.stderr
    assert (out / "examples").is_dir()
    marker = json.loads((out / MARKER_NAME).read_text())
    assert marker["written_by"] == "tools.render" and marker["entries"]["resources.json"].startswith("sha256:")
    (tmp_path / "link").symlink_to(out)
    second = tool("tools.render", "--stack", "dev", "--out", str(tmp_path / "link"), cwd=PROJECT_DIR, env=env)
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "link").is_symlink() and not (out / "examples").exists()  # the ambassador render is gone
    assert sorted(p.name for p in (tmp_path / "renders").iterdir()) == ["x"]  # no staging left behind
    written = {p.relative_to(out).as_posix() for p in out.rglob("*")} - {MARKER_NAME}
    assert written == set(json.loads((out / MARKER_NAME).read_text())["entries"])

    # Someone's file inside, or an edited file: the render is no longer only ours, so it stays.
    (out / "manifests" / "mine.yaml").write_text("kind: Mine\n")
    before = tree_state(tmp_path)
    third = tool("tools.render", "--stack", "dev", "--out", str(out), cwd=PROJECT_DIR, env=env)
    assert_refused(
        third, "is not only tools.render's output", "it holds manifests/mine.yaml, which tools.render did not write"
    )
    assert tree_state(tmp_path) == before
    (out / "manifests" / "mine.yaml").unlink()
    (out / "outputs.json").write_text("{}\n")
    before = tree_state(tmp_path)
    fourth = tool("tools.render", "--stack", "dev", "--out", str(out), cwd=PROJECT_DIR, env=env)
    assert_refused(fourth, "outputs.json changed since tools.render wrote it")
    assert tree_state(tmp_path) == before


@pytest.mark.slow
def test_failed_render_removes_only_its_own_previous_output(env, tmp_path):
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  mesh-platform:edge: {kind: albb}\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = tool("tools.render", "--config", str(broken), "--out", str(empty), cwd=PROJECT_DIR, env=env)
    assert result.returncode == 2 and empty.is_dir()  # not ours: left alone, even empty

    out = tmp_path / "out"
    assert tool("tools.render", "--stack", "dev", "--out", str(out), cwd=PROJECT_DIR, env=env).returncode == 0
    result = tool("tools.render", "--config", str(broken), "--out", str(out), cwd=PROJECT_DIR, env=env)
    assert result.returncode == 2 and "edge.kind" in result.stderr
    assert f"removed the previous render in {out}" in result.stderr
    assert not out.exists()


def test_write_render_into_an_empty_directory(run_stack, tmp_path):
    from tools.render import write_render

    write_render(run_stack("dev"), tmp_path / "empty")
    (tmp_path / "empty2").mkdir()
    write_render(run_stack("dev"), tmp_path / "empty2")
    assert (tmp_path / "empty2" / "resources.json").is_file() and (tmp_path / "empty2" / MARKER_NAME).is_file()
    with pytest.raises(Refused, match="is not empty and was not written by tools.render"):
        write_render(run_stack("dev"), someones_files(tmp_path / "theirs"))


@pytest.mark.parametrize(
    "path, reason",
    [
        (Path("/"), "is the filesystem root"),
        (Path("/root"), "is a home directory"),
        (Path("/home/anybody"), "is a home directory"),
        (Path("/home"), "holds the home directories"),
        (Path.home(), "is a home directory"),
        (PROJECT_DIR, "is the project root"),
        (PROJECT_DIR.parent, "contains the project root"),
        (PROJECT_DIR / ".git" / "refs", "is a .git directory or inside one"),
    ],
)
def test_protected_directories_are_refused_by_the_check_itself(path, reason):
    with pytest.raises(Refused, match=reason.replace(".", r"\.")):
        output_dir.inspect(path, "tools.render")


def test_a_failing_fill_leaves_the_previous_output_and_no_staging(tmp_path):
    target = output_dir.inspect(tmp_path / "out", "tools.test")
    output_dir.write_dir(target, lambda staging: (staging / "a.txt").write_text("first\n"))
    before = tree_state(tmp_path)

    def half_then_fail(staging: Path) -> None:
        (staging / "a.txt").write_text("half\n")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        output_dir.write_dir(output_dir.inspect(tmp_path / "out", "tools.test"), half_then_fail)
    assert tree_state(tmp_path) == before
    with pytest.raises(Refused, match="it was written by tools.test, not tools.render"):
        output_dir.inspect(tmp_path / "out", "tools.render")


def _ready_venv(tmp_path: Path) -> Path:
    """A virtualenv `make` takes as installed: this interpreter, stamps newer than the lock files."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "bin" / "python").chmod(0o755)
    for stamp in (".installed-runtime", ".installed-dev"):
        (venv / stamp).touch()
    return venv


@pytest.mark.parametrize("out", [".", "tools", "HOME"])
def test_make_render_refuses_what_render_refuses(project, env, tmp_path, out):
    venv = _ready_venv(tmp_path)
    out = out.replace("HOME", env["HOME"])
    before = tree_state(tmp_path)
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), "render", "STACK=dev", f"OUT={out}", f"VENV={venv}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"error: refusing --out {out}: " in result.stderr and "Traceback" not in result.stderr
    assert tree_state(tmp_path) == before


# -- make clean ---------------------------------------------------------------------------------


def _pytest_cache(project: Path, scratch: Path) -> None:
    """A cache as pytest itself makes it (a run of a one-test suite in `scratch`), moved into `project`."""
    scratch.mkdir()
    (scratch / "pytest.ini").write_text("[pytest]\n")
    (scratch / "test_one.py").write_text("def test_one():\n    pass\n")
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "test_one.py"],
        cwd=scratch,
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    shutil.move(str(scratch / ".pytest_cache"), str(project / ".pytest_cache"))


@pytest.mark.slow
def test_make_clean_removes_only_marked_renders_and_pytests_cache(project, env, tmp_path):
    out = project / "out"
    for stack, where in [("dev", "dev"), ("eks", "nested/eks"), ("aks", "tampered")]:
        result = tool("tools.render", "--stack", stack, "--out", str(out / where), cwd=PROJECT_DIR, env=env)
        assert result.returncode == 0, result.stderr
    (out / "notes.txt").write_text("someone's\n")
    someones_files(out / "theirs")
    (out / "tampered" / "extra.txt").write_text("added later\n")
    _pytest_cache(project, tmp_path / "scratch")
    kept = {
        k: v
        for k, v in tree_state(project).items()
        if not k.startswith((str(out / "dev"), str(out / "nested"), str(project / ".pytest_cache")))
    }

    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), "clean"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert tree_state(project) == kept
    assert "removed out/dev" in result.stdout and "removed out/nested/eks" in result.stdout
    assert "kept out/notes.txt: not written by tools.render" in result.stdout
    assert "kept out/tampered: it holds extra.txt, which tools.render did not write" in result.stdout


def test_make_clean_keeps_a_directory_that_only_looks_like_pytests_cache(project, env):
    fake = project / ".pytest_cache"
    fake.mkdir()
    (fake / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    (fake / "thesis.tex").write_text("months of work\n")
    before = tree_state(project)
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), "clean"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "kept .pytest_cache: not pytest's cache" in result.stdout
    assert tree_state(project) == before


# -- make upstream ------------------------------------------------------------------------------


def test_upstream_refuses_a_foreign_cache_before_fetching_anything(project, env, tmp_path):
    theirs = someones_files(tmp_path / "theirs")
    before = tree_state(tmp_path)
    result = tool("tools.upstream", "--cache", str(theirs), cwd=project, env=env, timeout=60)
    assert_refused(result, f"refusing the upstream cache {theirs}: is not empty and was not written by tools.upstream")
    result = tool("tools.upstream", cwd=project, env={**env, "MESH_PLATFORM_UPSTREAM": str(project)}, timeout=60)
    assert_refused(result, "is the project root")
    result = tool("tools.upstream", cwd=project, env={**env, "MESH_PLATFORM_UPSTREAM": "~"}, timeout=60)
    assert_refused(result, "is a home directory")
    assert tree_state(tmp_path) == before


@pytest.fixture(scope="module")
def pins():
    from tools.upstream import pinned_charts

    return pinned_charts()


def _filled_cache(cache: Path, pins, helm: bool = True) -> None:
    from tools import upstream

    def fill(staging: Path) -> None:
        if helm:
            upstream.helm_binary(staging).parent.mkdir(parents=True)
            upstream.helm_binary(staging).write_text("#!/bin/sh\necho v3.0.0-standin\n")
            upstream.helm_binary(staging).chmod(0o755)
        for pin in pins:
            chart = upstream.chart_dir(staging, pin.chart, pin.version)
            chart.mkdir(parents=True)
            (chart / "Chart.yaml").write_text(f"name: {pin.chart}\nversion: {pin.version}\nappVersion: v9.9.9\n")
        upstream.alb_policy_file(staging, "v9.9.9").parent.mkdir(parents=True)
        upstream.alb_policy_file(staging, "v9.9.9").write_text("{}\n")
        (staging / "charts" / "retired-0.1.0").mkdir()

    output_dir.write_dir(output_dir.inspect(cache, upstream.WRITER), fill)


@pytest.mark.slow
def test_upstream_replaces_its_own_cache_keeping_what_it_held(project, env, tmp_path, pins):
    cache = tmp_path / "cache"
    _filled_cache(cache, pins)
    result = tool("tools.upstream", "--cache", str(cache), cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    assert "v3.0.0-standin" in result.stdout and f"upstream cache: {cache}" in result.stdout
    assert (cache / "charts" / "retired-0.1.0").is_dir() and (cache / "bin" / "helm").is_file()
    assert json.loads((cache / MARKER_NAME).read_text())["written_by"] == "tools.upstream"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".cache")) == []  # no staging left


@pytest.mark.slow
def test_failed_upstream_leaves_the_cache_and_no_half_installed_helm(project, env, tmp_path, pins):
    cache = tmp_path / "cache"
    _filled_cache(cache, pins, helm=False)
    no_npm = tmp_path / "no-npm"
    no_npm.mkdir()
    before = tree_state(tmp_path)
    result = tool("tools.upstream", "--cache", str(cache), cwd=project, env={**env, "PATH": str(no_npm)})
    assert result.returncode == 1, result.stderr
    assert f"error: filling the upstream cache failed, {cache} is as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_state(tmp_path) == before


# -- make schema --------------------------------------------------------------------------------


@pytest.mark.slow
def test_schema_writes_only_its_own_files(project, env):
    page, schema = project / "docs" / "configuration.md", project / "schema" / "stack-config.schema.json"
    result = tool("tools.schema", cwd=project, env=env, timeout=120)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr  # already fresh

    page.write_text(page.read_text().replace("<!-- config-reference:end -->", ""))
    before = tree_state(project)
    assert_refused(
        tool("tools.schema", cwd=project, env=env, timeout=120),
        "docs/configuration.md needs the line",
        "config-reference:end",
        "found 1 and 0",
    )
    assert tree_state(project) == before

    page.write_text((PROJECT_DIR / "docs" / "configuration.md").read_text())
    schema.write_text('{"title": "someone else\'s schema"}\n')
    before = tree_state(project)
    assert_refused(
        tool("tools.schema", cwd=project, env=env, timeout=120),
        "refusing to overwrite schema/stack-config.schema.json: it is not a schema this tool wrote",
    )
    assert tree_state(project) == before

    schema.write_text((PROJECT_DIR / "schema" / "stack-config.schema.json").read_text().replace("stack file", "x"))
    result = tool("tools.schema", cwd=project, env=env, timeout=120)
    assert result.returncode == 0 and "wrote schema/stack-config.schema.json" in result.stdout
    assert schema.read_text() == (PROJECT_DIR / "schema" / "stack-config.schema.json").read_text()
    assert sorted(p.name for p in schema.parent.iterdir()) == sorted(p.name for p in (PROJECT_DIR / "schema").iterdir())
