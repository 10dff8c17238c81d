"""What the offline render writes reads true: whole numbers as integers, every value the mocks made
up marked "<mock: ...>", nothing marked that the configuration gave, and otherwise exactly what the
program declared (the recorded inputs, secrets hidden)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import STACK_NAMES
from tools import render
from tools.mockrun import PROJECT_DIR, PlatformMocks, ProgramRun, Secret, redact
from tools.render_values import RenderedValues
from tools.stack_files import StackFileError, read_mapping

MARKED = re.compile(r"<mock: (.*?)>", re.S)


def _leaves(value: Any) -> Iterator[Any]:
    """Every scalar of a document, dict keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _documents(out: Path) -> dict[str, Any]:
    """Every file the render wrote, parsed, by path relative to `out`."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.suffix == ".json":
            found[str(path.relative_to(out))] = json.loads(path.read_text())
        elif path.suffix == ".yaml":
            found[str(path.relative_to(out))] = yaml.safe_load(path.read_text())
    return found


def _unmarked(value: Any) -> Any:
    """`value` with every "<mock: X>" put back to X."""
    if isinstance(value, str):
        return MARKED.sub(lambda m: m.group(1), value)
    if isinstance(value, dict):
        return {_unmarked(k): _unmarked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value


def _whole_numbers_as_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _whole_numbers_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers_as_ints(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _occurs(made_up: str, text: str) -> bool:
    """Whether `made_up` is in `text`, not as part of a longer word or number."""
    for match in re.finditer(re.escape(made_up), text):
        start, end = match.span()
        glued_before = start > 0 and text[start - 1].isalnum() and made_up[0].isalnum()
        glued_after = end < len(text) and text[end].isalnum() and made_up[-1].isalnum()
        if not glued_before and not glued_after:
            return True
    return False


@pytest.fixture(scope="module")
def renders(run_stack, tmp_path_factory) -> dict[str, tuple[ProgramRun, dict[str, Any]]]:
    found = {}
    for stack in STACK_NAMES:
        out = tmp_path_factory.mktemp(f"render-{stack}") / "out"
        run = run_stack(stack)
        render.write_render(run, out)
        found[stack] = (run, _documents(out))
    return found


# --------------------------------------------------------------------------------------
# Integers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_no_whole_number_is_written_as_a_float(renders, stack):
    run, documents = renders[stack]
    recorded_floats = [v for r in run.resources for v in _leaves(r.inputs) if isinstance(v, float) and v.is_integer()]
    assert recorded_floats, "the wire turns every declared int into a float; nothing to check otherwise"
    for name, document in documents.items():
        floats = [v for v in _leaves(document) if isinstance(v, float) and v.is_integer()]
        assert not floats, f"{name}: {floats[:5]}"


def test_ports_read_as_integers_in_the_manifest_text(run_stack, tmp_path):
    render.write_render(run_stack("eks"), tmp_path / "out")
    text = "".join(p.read_text() for p in (tmp_path / "out" / "manifests").glob("*Gateway*.yaml"))
    assert "number: 443\n" in text and "443.0" not in text


def test_a_fraction_and_a_bool_are_left_alone():
    values = RenderedValues([])
    assert values.of({"weight": 0.5, "enabled": True, "count": 3.0, "big": 1e20}) == {
        "weight": 0.5,
        "enabled": True,
        "count": 3,
        "big": 10**20,
    }
    assert isinstance(values.of(True), bool)


# --------------------------------------------------------------------------------------
# Mock-only values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_made_up_value_is_marked_and_nothing_else(renders, stack):
    run, documents = renders[stack]
    assert run.mock_values
    looked_for = set(run.mock_values) | {v.split("://", 1)[1] for v in run.mock_values if "://" in v}
    for name, document in documents.items():
        for text in (v for v in _leaves(document) if isinstance(v, str)):
            for inside in MARKED.findall(text):
                assert inside in looked_for, f"{name}: {inside!r} is marked but the mocks did not make it up"
            rest = MARKED.sub("", text)
            for made_up in run.mock_values:
                if len(made_up) >= 6 or made_up == rest:
                    assert not _occurs(made_up, rest), f"{name}: {made_up!r} unmarked in {text[:120]!r}"


def test_eks_marks_ids_hostnames_and_the_oidc_issuer(renders):
    run, documents = renders["eks"]
    outputs = documents["outputs.json"]
    assert outputs["vpcId"] == "<mock: cluster-vpc-id>"
    assert outputs["albHostname"].startswith("<mock: k8s-") and outputs["albHostname"].endswith(".elb.amazonaws.com>")
    assert outputs["clusterName"] == "mesh-prod"  # from the stack file: not marked
    trust = next(
        e["inputs"]["assumeRolePolicy"]
        for e in documents["resources.json"]
        if e["type"] == "aws:iam/role:Role" and "Federated" in e["inputs"].get("assumeRolePolicy", "")
    )
    condition = json.loads(trust)["Statement"][0]["Condition"]["StringEquals"]
    # The program strips the issuer of https:// to build the condition key; still marked.
    assert any(key.startswith("<mock: oidc.eks.eu-west-1.amazonaws.com/id/") for key in condition)


def test_the_configured_account_is_not_taken_for_a_made_up_one(renders):
    _, documents = renders["eks"]
    written = json.dumps(documents["resources.json"])
    assert '"arn:aws:iam::123456789012:role/platform-deployer"' in written  # the stack file's role, unmarked
    assert "<mock: arn:aws:iam::123456789012:role/cluster-node-role>" in written  # the mock's role ARN


def test_an_allocated_vip_is_marked_inside_the_curl_command_and_a_configured_one_is_not(renders):
    allocated = renders["onprem"][1]["outputs.json"]  # vipNetwork only: the controller picks the address
    vip = allocated["aviVips"]["onprem--Shared-L7-0"]
    assert re.fullmatch(r"<mock: 10\.50\.0\.\d+>", vip)
    assert (
        "curl -k --resolve admin.corp.example.net:443:" + vip + " https://admin.corp.example.net/"
        in allocated["aviCurl"].values()
    )
    configured = renders["dev"][1]["outputs.json"]  # vipAddress: 10.10.10.50 in Pulumi.dev.yaml
    assert configured["aviVips"] == {"dev--Shared-L7-0": "10.10.10.50"}
    assert configured["aviVirtualServices"] == {"dev--Shared-L7-0": "<mock: virtualservice-avi-edge-vs-0>"}


def test_a_made_up_value_is_found_only_as_a_whole():
    values = RenderedValues(["10.0.0.5", "cluster-vpc-id", "https://oidc.example/id/ABC123"])
    assert values.text("10.0.0.53") == "10.0.0.53"
    assert values.text("110.0.0.5") == "110.0.0.5"
    assert values.text("10.0.0.5") == "<mock: 10.0.0.5>"
    assert values.text("host:80:10.0.0.5 http://x/") == "host:80:<mock: 10.0.0.5> http://x/"
    assert values.text("my-cluster-vpc-id") == "my-<mock: cluster-vpc-id>"
    assert values.text("cluster-vpc-idx") == "cluster-vpc-idx"
    assert values.text("oidc.example/id/ABC123:sub") == "<mock: oidc.example/id/ABC123>:sub"
    assert values.of({"cluster-vpc-id": [Secret("10.0.0.5")]}) == {"<mock: cluster-vpc-id>": ["[secret]"]}


def test_mocks_keep_what_they_make_up_and_not_what_they_echo():
    from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

    mocks = PlatformMocks({"aws:region": "cn-north-1"})
    _, outputs = mocks.new_resource(
        MockResourceArgs(
            typ="aws:iam/role:Role",
            name="node-role",
            inputs={"name": "node-role"},
            provider="",
            resource_id="",
            custom=True,
        )
    )
    assert outputs["arn"] in mocks.invented and "node-role-id" in mocks.invented
    assert "node-role" not in mocks.invented  # given as an input: the real name
    region, no_failures = mocks.call(MockCallArgs(token="aws:index/getRegion:getRegion", args={}, provider=""))
    partition, _ = mocks.call(MockCallArgs(token="aws:index/getPartition:getPartition", args={}, provider=""))
    assert no_failures == []
    assert region["region"] == "cn-north-1" and partition["partition"] == "aws-cn"
    assert "cn-north-1" not in mocks.invented and "aws-cn" not in mocks.invented


# --------------------------------------------------------------------------------------
# Otherwise unchanged: what the program declared
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_resources_json_is_the_recorded_inputs(renders, stack):
    run, documents = renders[stack]
    written = {(e["type"], _unmarked(e["name"])): e for e in documents["resources.json"]}
    assert len(written) == len(run.resources)
    for resource in run.resources:
        entry = written[(resource.type, resource.name)]
        assert _unmarked(entry["parent"]) == resource.parent
        assert _unmarked(entry["inputs"]) == _whole_numbers_as_ints(redact(resource.inputs)), resource.name


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_one_manifest_per_kubernetes_object_as_declared(renders, stack):
    run, documents = renders[stack]
    manifests = [doc for name, doc in documents.items() if name.startswith("manifests/")]
    expected = []
    for resource in filter(render.is_manifest, run.resources):
        inputs = _whole_numbers_as_ints(redact(resource.inputs))
        body = {k: v for k, v in inputs.items() if k not in ("apiVersion", "kind", "metadata") and v is not None}
        expected.append(
            {
                "apiVersion": inputs.get("apiVersion"),
                "kind": inputs.get("kind"),
                "metadata": inputs.get("metadata") or {},
                **body,
            }
        )

    def key(doc: dict) -> str:
        return json.dumps(doc, sort_keys=True)

    assert sorted(map(key, map(_unmarked, manifests))) == sorted(map(key, expected))


# --------------------------------------------------------------------------------------
# Stack files (read with libyaml; a syntax error is still worded by the pure-Python reader)
# --------------------------------------------------------------------------------------


def test_a_syntax_error_still_names_the_character(tmp_path):
    path = tmp_path / "Pulumi.tab.yaml"
    path.write_text("config:\n\tmesh-platform:environment: dev\n")
    with pytest.raises(StackFileError, match=r"Pulumi.tab.yaml:2:1: invalid YAML: a tab character; "):
        read_mapping(path)


def test_a_repeated_key_is_refused_by_the_fast_reader_too(tmp_path):
    path = tmp_path / "Pulumi.twice.yaml"
    path.write_text("config:\n  mesh-platform:environment: dev\n  mesh-platform:environment: prod\n")
    with pytest.raises(StackFileError, match='3:3: key "mesh-platform:environment" is given twice'):
        read_mapping(path)
    assert read_mapping(PROJECT_DIR / "Pulumi.dev.yaml")["config"]


# --------------------------------------------------------------------------------------
# The benchmark itself runs and compares like with like
# --------------------------------------------------------------------------------------


def test_render_bench_registers_the_same_resources_in_render_and_floor():
    result = subprocess.run(
        [sys.executable, "-m", "bench.render_bench", "--apps", "4", "--runs", "1"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    median = next(line for line in result.stdout.splitlines() if line.startswith("| median |"))
    cells = [c.strip() for c in median.strip("|").split("|")]
    assert len(cells) == 7 and all(float(c) > 0 for c in cells[1:])
