"""The dev stack's picture in docs/deploying.md is the one `make render STACK=dev` draws today."""

from __future__ import annotations

import re

from tools import diagram, diagram_text
from tools.mockrun import PROJECT_DIR

PAGE = PROJECT_DIR / "docs" / "deploying.md"
BLOCK = re.compile(
    r"<!-- diagram of the dev stack: begin -->\n```mermaid\n(.*?)```\n<!-- diagram of the dev stack: end -->", re.S
)


def test_the_dev_stacks_picture_in_the_docs_is_current(run_stack):
    (documented,) = BLOCK.findall(PAGE.read_text())
    current = diagram_text.mermaid(diagram.build(run_stack("dev")))
    assert documented == current, (
        "docs/deploying.md shows an old picture of the dev stack: run `make render STACK=dev` and put the "
        "mermaid block of out/dev/diagram.md between the 'diagram of the dev stack' markers"
    )
