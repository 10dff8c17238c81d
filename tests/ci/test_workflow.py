"""The CI workflow for the project's users, and the docs page (docs/ci.md) that documents it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tools.mockrun import PROJECT_DIR

WORKFLOWS = sorted((PROJECT_DIR / ".github" / "workflows").glob("*.yml"))
CI_PAGE = (PROJECT_DIR / "docs" / "ci.md").read_text()
DOCS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
ALLOWED_PERMISSIONS = {("contents", "read"), ("id-token", "write"), ("pull-requests", "write")}


def load(path: Path) -> dict:
    # PyYAML reads the bare key `on` as True.
    document = yaml.safe_load(path.read_text())
    document["on"] = document.pop(True, document.get("on"))
    return document


@pytest.fixture(params=WORKFLOWS, ids=lambda p: p.name)
def workflow(request) -> tuple[Path, dict]:
    return request.param, load(request.param)


def test_there_is_a_workflow():
    assert WORKFLOWS


def test_least_privilege_permissions(workflow):
    _, document = workflow
    assert document["permissions"] == {}, "nothing by default"
    for name, job in document["jobs"].items():
        granted = set((job.get("permissions") or {}).items())
        assert granted <= ALLOWED_PERMISSIONS, f"{name}: {granted - ALLOWED_PERMISSIONS}"


def _steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_cloud_sign_in_is_oidc_only(workflow):
    path, document = workflow
    text = path.read_text()
    for long_lived in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ARM_CLIENT_SECRET", "creds:"):
        assert long_lived not in text
    aws = [s for s in _steps(document) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    azure = [s for s in _steps(document) if s.get("uses", "").startswith("azure/login@")]
    assert aws and all("role-to-assume" in s["with"] for s in aws)
    assert azure and all({"client-id", "tenant-id", "subscription-id"} <= set(s["with"]) for s in azure)
    for name, job in document["jobs"].items():
        if any(s in job.get("steps", []) for s in aws + azure):
            assert job["permissions"].get("id-token") == "write", name


def test_one_secrets_provider_and_no_passphrase_in_ci(workflow):
    path, _ = workflow
    text = path.read_text()
    assert "PULUMI_CONFIG_PASSPHRASE" not in text and "secrets-provider" not in text


def test_pip_is_cached_and_installs_come_from_the_locks(workflow):
    _, document = workflow
    python = [s for s in _steps(document) if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and all(s["with"].get("cache") == "pip" for s in python)
    assert all(s["with"]["cache-dependency-path"].endswith(".lock") for s in python)
    runs = " ".join(s.get("run", "") for s in _steps(document))
    assert "pip install" not in runs, "installs go through make, from the lock files"


def test_private_network_stacks_run_on_a_self_hosted_runner(workflow):
    _, document = workflow
    jobs = document["jobs"]
    hosted = [m["stack"] for m in jobs["preview"]["strategy"]["matrix"]["include"]]
    assert "onprem" not in hosted and "dev" not in hosted
    onprem = jobs["preview-onprem"]
    assert "self-hosted" in onprem["runs-on"]
    assert "/onprem" in [s for s in onprem["steps"] if "pulumi/actions" in s.get("uses", "")][0]["with"]["stack-name"]


def test_every_variable_and_secret_read_is_documented(workflow):
    path, _ = workflow
    names = set(re.findall(r"\b(?:vars|secrets)\.([A-Z_][A-Z0-9_]*)", path.read_text()))
    for name in names:
        assert f"| `{name}` |" in CI_PAGE, f"{name} is read by {path.name} but not in docs/ci.md's table"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name if p.parent == PROJECT_DIR else f"docs/{p.name}")
def test_docs_name_no_seed_documents(page):
    # `--seed` is the emulator's fault-injection flag, not a document.
    mentions = [m.group(0) for m in re.finditer(r"(?<!--)\bseeds?\b[^\n]{0,20}", page.read_text(), re.IGNORECASE)]
    assert not mentions


@pytest.mark.parametrize("page", ["README.md", "docs/dev-stack.md"])
def test_walk_through_goes_from_up_to_curl_to_down(page):
    text = (PROJECT_DIR / page).read_text()
    walk = text[text.index("# Walk-through") :]
    order = [
        walk.index(step) for step in ("make up STACK=dev", "make outputs STACK=dev", "curl -H", "make down STACK=dev")
    ]
    assert order == sorted(order)


# A `uses:` line: owner/repo, an optional path inside it, a full commit SHA, and the release tag
# that SHA was read from, as a comment (what Dependabot updates along with the SHA).
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+)?)"
    r"@(?P<sha>[0-9a-f]{40})\s+#\s+(?P<tag>v\d+\.\d+\.\d+)\s*$"
)


def _uses_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if re.match(r"^\s*(?:-\s+)?uses:", line)]


def test_every_action_is_pinned_by_commit_sha_with_its_tag(workflow):
    path, document = workflow
    lines = _uses_lines(path)
    assert lines, "the workflow uses actions"
    for line in lines:
        assert PINNED_USES.match(line), f"{path.name}: not pinned by full SHA with a '# vX.Y.Z' tag: {line.strip()}"
    # Every step that uses an action is on one of those lines (no flow-style `uses` elsewhere).
    assert len([s for s in _steps(document) if "uses" in s]) == len(lines)


def test_one_action_is_pinned_to_one_commit_everywhere(workflow):
    path, _ = workflow
    pins: dict[str, set[tuple[str, str]]] = {}
    for line in _uses_lines(path):
        match = PINNED_USES.match(line)
        assert match, line
        pins.setdefault(match["action"], set()).add((match["sha"], match["tag"]))
    drifting = {action: pinned for action, pinned in pins.items() if len(pinned) > 1}
    assert not drifting, f"{path.name}: one action at several commits: {drifting}"


@pytest.mark.parametrize(
    "line",
    [
        "      - uses: actions/checkout@v7",
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
        "      - uses: actions/checkout@3d3c42e5 # v7.0.1",
        "      - uses: actions/checkout@main # v7.0.1",
        "        uses: azure/login@F5D393AE46F8FDE4BE8B75F32E3FC50E654AD0CA # v3.0.1",
        "        uses: azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # latest",
    ],
)
def test_the_pin_rule_refuses_tags_branches_and_short_shas(line):
    assert not PINNED_USES.match(line)


@pytest.mark.parametrize(
    "line",
    [
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        "        uses: github/codeql-action/init@3d3c42e5aac5ba805825da76410c181273ba90b1 # v4.1.0",
    ],
)
def test_the_pin_rule_accepts_a_sha_with_its_tag(line):
    assert PINNED_USES.match(line)
