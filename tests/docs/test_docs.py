"""The documentation holds together: README.md and docs/*.md link only to files and headings that
exist, every docs page can be reached from the README or the docs index, and the README stays short.

Anchors follow GitHub's heading slugs: the heading's text without Markdown, lower-cased, every
character that is not a letter, digit, '_', '-' or space dropped, spaces turned into '-', and a
repeated slug numbered `-1`, `-2`, ... in order.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

import pytest

from tools.mockrun import PROJECT_DIR

README = PROJECT_DIR / "README.md"
DOCS_DIR = PROJECT_DIR / "docs"
DOCS_INDEX = DOCS_DIR / "README.md"
DOC_FILES = [README, *sorted(DOCS_DIR.glob("*.md"))]
README_LINE_BUDGET = 220

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_TAG = re.compile(r"<[^>]+>")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # https:, mailto:, ...


class Link(NamedTuple):
    """One Markdown link in a document: where it is and what it points at."""

    source: Path
    line: int
    target: str


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def links_in(path: Path, text: str | None = None) -> list[Link]:
    """Every link of a Markdown file, code spans and code blocks left out."""
    text = path.read_text() if text is None else text
    found = []
    for number, line in prose_lines(text):
        # A code span may sit inside a link's text (`[`x/`](x/)`), so spans become placeholders.
        line = INLINE_CODE.sub("code", line)
        found += [Link(path, number, match.group(2)) for match in LINK.finditer(line)]
    return found


def heading_text(markdown: str) -> str:
    """A heading as GitHub renders its text: code spans, links, tags and emphasis marks removed."""
    text = INLINE_CODE.sub(lambda m: m.group(2), markdown)
    text = LINK.sub(lambda m: m.group(1), text)
    text = HTML_TAG.sub("", text)
    return re.sub(r"\*+", "", text)


def slug(text: str) -> str:
    """GitHub's anchor for a heading whose rendered text is `text`."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors_in(text: str) -> set[str]:
    """Every heading anchor of a Markdown document, repeated slugs numbered as GitHub does."""
    seen: dict[str, int] = {}
    anchors = set()
    for _, line in prose_lines(text):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(heading_text(match.group(1)))
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.add(base if count == 0 else f"{base}-{count}")
    return anchors


@lru_cache(maxsize=1)
def repository_paths() -> frozenset[Path] | None:
    """Files git tracks or would track (ignored ones left out); None outside a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    files = {PROJECT_DIR / name for name in listed.stdout.split("\0") if name}
    return frozenset(files | {parent for path in files for parent in path.parents})


def link_problem(link: Link, known: frozenset[Path] | None) -> str | None:
    """Why a relative link does not resolve, or None when it does (external links are not followed)."""
    if EXTERNAL.match(link.target):
        return None
    path_part, _, anchor = link.target.partition("#")
    if path_part.startswith("/"):
        return "absolute path; use one relative to the page"
    target = (link.source.parent / unquote(path_part)).resolve() if path_part else link.source
    if target != PROJECT_DIR and PROJECT_DIR not in target.parents:
        return "points outside the repository"
    if not target.exists() or (known is not None and target not in known):
        return "no such file in the repository"
    if anchor and target.suffix == ".md" and anchor not in anchors_in(target.read_text()):
        return f"no heading with anchor #{anchor} in {target.relative_to(PROJECT_DIR)}"
    return None


def where(link: Link) -> str:
    return f"{link.source.relative_to(PROJECT_DIR)}:{link.line}: ({link.target})"


@pytest.mark.parametrize("page", DOC_FILES, ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(page):
    known = repository_paths()
    problems = [
        f"{where(link)} {problem}" for link in links_in(page) if (problem := link_problem(link, known)) is not None
    ]
    assert not problems, "\n".join(problems)


def test_every_docs_page_is_reachable_from_the_readme_or_the_docs_index():
    linked = {
        (link.source.parent / unquote(link.target.partition("#")[0])).resolve()
        for source in (README, DOCS_INDEX)
        for link in links_in(source)
        if not EXTERNAL.match(link.target) and link.target.partition("#")[0]
    }
    assert DOCS_INDEX in linked, "README.md does not link docs/README.md"
    orphans = [page.name for page in DOC_FILES[1:] if page != DOCS_INDEX and page not in linked]
    assert not orphans, f"docs pages linked from neither README.md nor docs/README.md: {orphans}"


def test_the_readme_stays_within_its_line_budget():
    lines = len(README.read_text().splitlines())
    assert lines <= README_LINE_BUDGET, (
        f"README.md has {lines} lines; move detail into docs/ (budget {README_LINE_BUDGET})"
    )


# -- the checks themselves ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading, anchor",
    [
        (
            "What changed from the older Ambassador-with-Istio recipe, and why",
            "what-changed-from-the-older-ambassador-with-istio-recipe-and-why",
        ),
        ("Istio integration (Istio >= 1.10)", "istio-integration-istio--110"),
        ("Avi edge (`components/edges/avi/`: `component.py`)", "avi-edge-componentsedgesavi-componentpy"),
        (
            "AKO inside the mesh (after the [AKO docs](https://example.com/x.md))",
            "ako-inside-the-mesh-after-the-ako-docs",
        ),
        ("**Identity** of `edge_avi`", "identity-of-edge_avi"),
    ],
)
def test_anchors_follow_githubs_slugs(heading, anchor):
    assert anchors_in(f"# {heading}\n") == {anchor}


def test_repeated_headings_are_numbered_and_code_blocks_hold_no_headings():
    text = "## Tests\n\n```sh\n# not a heading\n```\n\n### Tests\n\n## Tests\n"
    assert anchors_in(text) == {"tests", "tests-1", "tests-2"}


def test_a_broken_link_a_missing_anchor_and_an_escape_are_each_reported():
    page = DOCS_DIR / "probe.md"
    text = (
        "[ok](../README.md#read-on) [file](nosuch.md) [anchor](../README.md#nosuch)\n"
        "[out](../../elsewhere.md) [abs](/README.md) `[code](nosuch.md)` [web](https://example.com/nosuch)\n"
        "```\n[fenced](nosuch.md)\n```\n"
    )
    problems = [link_problem(link, None) for link in links_in(page, text)]
    assert problems == [
        None,
        "no such file in the repository",
        "no heading with anchor #nosuch in README.md",
        "points outside the repository",
        "absolute path; use one relative to the page",
        None,
    ]
