"""`make clean`: remove the renders under `out/` and pytest's cache, and nothing else.

    python -m tools.clean

A render goes only when it carries `tools.render`'s marker and holds nothing but what that
render wrote (tools/output_dir.py); `.pytest_cache` only when it is pytest's (its CACHEDIR.TAG
and .gitignore as pytest writes them, nothing else at the top). Whatever is kept is named, one
line each; directories left empty by the removals go too. Standard library only: `make clean`
runs it with the system Python.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from tools import output_dir

RENDER_WRITER = "tools.render"
RENDERS = "out"
PYTEST_CACHE = ".pytest_cache"
PYTEST_CACHE_FILES = {"CACHEDIR.TAG", "README.md", ".gitignore", "v"}
PYTEST_CACHEDIR_TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by pytest."
)
PYTEST_GITIGNORE = b"# Created by pytest automatically.\n*\n"


def _relative(path: Path, project: Path) -> str:
    return str(path.relative_to(project))


def clean_renders(renders: Path, project: Path, say: Callable[[str], None] = print) -> None:
    """Remove every render marked as `tools.render`'s under `renders` (itself included), then the
    directories that left empty; name everything kept."""
    if renders.is_symlink() or not renders.is_dir():
        if os.path.lexists(renders):
            say(f"kept {_relative(renders, project)}: not a directory")
        return
    removed: list[Path] = []
    for current, dirs, files in os.walk(renders, topdown=True):
        here = Path(current)
        if output_dir.read_marker(here) is not None:
            dirs[:] = []  # a render's inside is handled with the render
            try:
                output_dir.remove_own(here, RENDER_WRITER)
                removed.append(here)
                say(f"removed {_relative(here, project)}")
            except output_dir.Refused as refused:
                say(f"kept {_relative(here, project)}: {refused}")
            continue
        for name in files + [d for d in dirs if (here / d).is_symlink()]:
            say(f"kept {_relative(here / name, project)}: not written by {RENDER_WRITER}")
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


def is_pytest_cache(path: Path) -> bool:
    """True when `path` is a cache directory exactly as pytest creates it."""
    if path.is_symlink() or not path.is_dir():
        return False
    names = {p.name for p in path.iterdir()}
    if not names <= PYTEST_CACHE_FILES or "CACHEDIR.TAG" not in names:
        return False
    tag, ignore = path / "CACHEDIR.TAG", path / ".gitignore"
    return (
        tag.is_file()
        and not tag.is_symlink()
        and tag.read_bytes().startswith(PYTEST_CACHEDIR_TAG)
        and (not os.path.lexists(ignore) or (ignore.is_file() and ignore.read_bytes() == PYTEST_GITIGNORE))
    )


def clean_pytest_cache(cache: Path, project: Path, say: Callable[[str], None] = print) -> None:
    if not os.path.lexists(cache):
        return
    if is_pytest_cache(cache):
        shutil.rmtree(cache)
        say(f"removed {_relative(cache, project)}")
    else:
        say(f"kept {_relative(cache, project)}: not pytest's cache as pytest writes it")


def main(argv: list[str] | None = None) -> int:
    if argv if argv is not None else sys.argv[1:]:
        print("usage: python -m tools.clean (no arguments)", file=sys.stderr)
        return 2
    project = output_dir.PROJECT_DIR
    try:
        clean_renders(project / RENDERS, project)
        clean_pytest_cache(project / PYTEST_CACHE, project)
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
