"""Directories the project's tools write, and the only conditions under which they replace or remove one.

Every directory a tool writes (`tools.render`'s `--out`, `tools.upstream`'s cache) carries a
marker file, `.mesh-platform-output`, naming the tool and listing every entry it wrote with the
SHA-256 of each file. A tool replaces or removes a directory only while that directory holds its
own marker and nothing but the entries listed there, unchanged; removal deletes exactly those
entries and removes a directory only once it is empty, so whatever someone else put there stays.

Before anything is written, `inspect` refuses a target that is `/`, a home directory or a parent of
one, the project root or a parent of it, a `.git` directory or anything inside one (after following
symlinks), a file, or an existing directory that is neither empty nor this tool's own output.
`write_dir` builds the new content in a staging directory next to the target and swaps it in only
once it is complete.

Standard library only: `make clean` runs it with the system Python, before any virtualenv exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
MARKER_NAME = ".mesh-platform-output"
DIRECTORY = "dir"
SYMLINK = "symlink:"


class Refused(Exception):
    """A directory a tool will not write, replace or remove; the message says which and why, in one line."""


@dataclass(frozen=True)
class Target:
    """A checked output directory: where it really is (symlinks followed) and whether it holds a
    previous output of the same tool, which may therefore be replaced."""

    requested: Path
    path: Path
    writer: str
    previous: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _entries(root: Path) -> dict[str, str | None]:
    """Every entry under `root` but the marker: relative path -> "dir", "sha256:..." for a regular
    file, "symlink:<where it points>", or None for anything else (socket, device, ...). Symlinks
    are listed, never followed."""
    found: dict[str, str | None] = {}
    for current, dirs, files in os.walk(root):
        base = Path(current)
        for name in [*dirs, *files]:
            path = base / name
            relative = path.relative_to(root).as_posix()
            if relative == MARKER_NAME:
                continue
            if path.is_symlink():
                found[relative] = SYMLINK + os.readlink(path)
            elif path.is_dir():
                found[relative] = DIRECTORY
            elif path.is_file():
                found[relative] = _sha256(path)
            else:
                found[relative] = None
    return found


class Marker(TypedDict):
    """What `read_marker` returns of a marker: its writer and the entries it wrote (relative
    path -> what `_entries` records for it)."""

    written_by: str
    entries: dict[str, str | None]


def write_marker(root: Path, writer: str) -> None:
    """Record that `writer` wrote everything now under `root`."""
    marker = {
        "written_by": writer,
        "note": f"Written by {writer} (mesh-platform). The project's tools replace or remove this directory "
        "only while it holds nothing but the entries below, unchanged.",
        "entries": dict(sorted(_entries(root).items())),
    }
    (root / MARKER_NAME).write_text(json.dumps(marker, indent=1) + "\n")


def read_marker(root: Path) -> Marker | None:
    """The marker of `root`, or None when there is none or it is not one of ours."""
    marker = root / MARKER_NAME
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("written_by"), str)
        or not isinstance(data.get("entries"), dict)
    ):
        return None
    return Marker(written_by=data["written_by"], entries=data["entries"])


def foreign_entry(root: Path, writer: str) -> str | None:
    """Why `root` is not entirely `writer`'s own output (naming one entry), or None when it is."""
    marker = read_marker(root)
    if marker is None:
        return f"it has no readable {MARKER_NAME} marker"
    if marker["written_by"] != writer:
        return f"it was written by {marker['written_by']}, not {writer}"
    listed = marker["entries"]
    for relative, kind in sorted(_entries(root).items()):
        if relative not in listed:
            return f"it holds {relative}, which {writer} did not write"
        if kind is None or kind != listed[relative]:  # a socket or device is never ours
            return f"{relative} changed since {writer} wrote it"
    return None


def _protected_dirs() -> list[tuple[Path, str]]:
    protected = [(PROJECT_DIR, "the project root"), (Path("/root").resolve(), "a home directory")]
    try:
        protected.append((Path.home().resolve(), "a home directory"))
    except (RuntimeError, KeyError, OSError):
        pass
    return protected


def _refuse_protected(path: Path) -> None:
    if path == Path(path.anchor):
        raise Refused("is the filesystem root")
    if ".git" in path.parts:
        raise Refused("is a .git directory or inside one")
    homes = Path("/home").resolve()
    if path == homes or path.parent == homes:
        raise Refused("is a home directory" if path != homes else "holds the home directories")
    for protected, what in _protected_dirs():
        if path == protected:
            raise Refused(f"is {what}")
        if path in protected.parents:
            raise Refused(f"contains {what} ({protected})")


def inspect(requested: Path, writer: str) -> Target:
    """Check, touching nothing, that `writer` may write `requested`; raises Refused with the reason."""
    absolute = Path(os.path.abspath(requested))
    try:
        path = Path(requested).resolve()  # not absolute.resolve(): "link/.." is where the link leads, then up
    except (OSError, RuntimeError):
        raise Refused("is a symlink loop") from None
    if os.path.lexists(requested) and not path.exists():
        raise Refused(f"is a symlink to {path}, which does not exist")
    try:
        try:
            return _inspect(requested, path, writer)
        except OSError as error:
            raise Refused(f"cannot be read: {error.strerror or error}") from None
    except Refused as refused:
        if path != absolute:
            raise Refused(f"{refused} (it leads to {path})") from None
        raise


def _inspect(requested: Path, path: Path, writer: str) -> Target:
    _refuse_protected(path)
    if path.exists() and not path.is_dir():
        raise Refused("is a file, not a directory")
    existing = path if path.exists() else next(p for p in path.parents if p.exists())
    if not existing.is_dir():
        raise Refused(f"cannot be created: {existing} is a file")
    writable = existing if existing != path else path.parent
    if not os.access(writable, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.X_OK)):
        raise Refused(f"cannot be written: no permission in {writable}")
    if not path.exists():
        return Target(requested, path, writer, previous=False)
    if not any(path.iterdir()):
        return Target(requested, path, writer, previous=False)
    reason = foreign_entry(path, writer)
    if reason is None:
        return Target(requested, path, writer, previous=True)
    if (path / MARKER_NAME).exists():
        raise Refused(f"is not only {writer}'s output ({reason}); move that away or choose another directory")
    raise Refused(
        f"is not empty and was not written by {writer} (no {MARKER_NAME} marker); choose a new or empty directory"
    )


def remove_own(root: Path, writer: str) -> None:
    """Delete exactly the entries `writer` listed in the marker of `root`, then `root` itself.
    Raises Refused, deleting nothing, when `root` is not entirely `writer`'s output."""
    reason = foreign_entry(root, writer)
    marker = read_marker(root)
    if reason is not None or marker is None:
        raise Refused(reason or f"it has no readable {MARKER_NAME} marker")
    listed = marker["entries"]
    # Deepest first; a directory goes only with rmdir, which fails rather than lose anything
    # that appeared in it since the check.
    for relative in sorted(listed, key=lambda r: r.count("/"), reverse=True):
        entry = root / relative
        if listed[relative] == DIRECTORY:
            if entry.is_dir() and not entry.is_symlink():
                entry.rmdir()
        elif entry.is_symlink() or entry.is_file():
            entry.unlink()
    (root / MARKER_NAME).unlink()
    root.rmdir()


def write_dir(target: Target, fill: Callable[[Path], None]) -> None:
    """Let `fill` write the new content into an empty staging directory next to the target, mark it
    as `target.writer`'s, and swap it in for the target only once `fill` returned. A failure leaves
    the target as it was."""
    target.path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.path.name}.staging-", dir=target.path.parent))
    new, old = staging / "new", staging / "old"
    try:
        new.mkdir()
        fill(new)
        write_marker(new, target.writer)
        current = inspect(target.requested, target.writer)  # again: it may have changed meanwhile
        if current.path != target.path:
            raise Refused(f"now points to {current.path}")
        if current.previous:
            os.rename(target.path, old)
        elif target.path.exists():
            target.path.rmdir()  # empty and unmarked; rmdir fails if anything appeared in it
        try:
            os.rename(new, target.path)
        except OSError:
            if old.exists():
                os.rename(old, target.path)
            raise
        if old.exists():
            remove_own(old, target.writer)
    finally:
        if new.exists():
            shutil.rmtree(new)  # all of it written by this call
        if not old.exists():
            staging.rmdir()


def remove_previous(target: Target) -> bool:
    """Remove the target when it holds a previous output of the same tool; True when it did."""
    if not target.previous:
        return False
    remove_own(target.path, target.writer)
    return True
