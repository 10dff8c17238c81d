"""The JSON Schema for stack files: generated from the models, fresh, and as strict as a schema can be.

A YAML syntax error and a duplicated key are not visible to a schema (the YAML language
server reports those itself; `tools.render` and the program report them with file:line:column).
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from tests.conftest import STACK_FILES
from tools import schema as schema_tool
from tools.stack_files import read_mapping

SCHEMA = json.loads(schema_tool.SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def errors(document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def test_committed_schema_is_what_the_models_generate():
    assert schema_tool.SCHEMA_PATH.read_text() == schema_tool.schema_text(), "stale: run `make schema`"


def test_config_reference_page_is_what_the_models_generate():
    page = schema_tool.REFERENCE_PAGE.read_text()
    assert page == schema_tool.page_with_reference(page), "stale: run `make schema`"


def test_a_stale_reference_is_reported_by_the_check():
    page = schema_tool.REFERENCE_PAGE.read_text()
    stale = page.replace("| `istio.mtls` | one of STRICT, PERMISSIVE |", "| `istio.mtls` | one of STRICT |")
    assert stale != page and schema_tool.page_with_reference(stale) == page


def test_config_reference_lists_every_key_with_its_default():
    reference = schema_tool.config_reference()
    rows = [line for line in reference.splitlines()[2:]]
    assert all(line.count(" | ") >= 2 and line.split(" | ")[-1].strip(" |") for line in rows)
    for key in (
        "cluster.eks.nodeGroup.diskSizeGiB",
        "istio.ingressGateway.nodePorts.http",
        "edge.kind",
        "apps[].namespaces[].hosts",
        "ako.vipNetworks[].cidr",
        "aviPassword",
    ):
        assert f"| `{key}` |" in reference
    assert '| `istio.mtls` | one of STRICT, PERMISSIVE | `"STRICT"` |' in reference


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_example_stack_validates_and_names_the_schema(path):
    assert path.read_text().splitlines()[0] == schema_tool.SCHEMA_COMMENT
    assert errors(read_mapping(path)) == []


def _dev() -> dict:
    return read_mapping(schema_tool.PROJECT_DIR / "Pulumi.dev.yaml")


def _with(change) -> dict:
    document = copy.deepcopy(_dev())
    change(document)
    return document


MISTAKES = {
    "misspelt top-level key": lambda d: d["config"].update({"mesh-platform:observabilty": {}}),
    "key in the wrong case": lambda d: d["config"].update({"mesh-platform:Istio": {}}),
    "misspelt namespace": lambda d: d["config"].update({"mesh-platfrom:istio": {"mtls": "STRICT"}}),
    "namespace in the wrong case": lambda d: d["config"].update({"Mesh-platform:istio": {}}),
    "misspelt nested key": lambda d: d["config"]["mesh-platform:istio"].update({"mtlsMode": "STRICT"}),
    "unknown edge kind": lambda d: d["config"]["mesh-platform:edge"].update({"kind": "albb"}),
    "port out of range": lambda d: d["config"]["mesh-platform:apps"][0].update({"port": 70000}),
    "host name with capitals": lambda d: d["config"]["mesh-platform:apps"][0]["namespaces"][0].update(
        {"hosts": ["App1.example.com"]}
    ),
    "secret as plain text": lambda d: d["config"].update({"mesh-platform:aviPassword": "hunter2"}),
    "cluster without kind": lambda d: d["config"]["mesh-platform:cluster"].pop("kind"),
    "misspelt top-level file key": lambda d: d.update({"confg": {}}),
    "misspelt project namespace": lambda d: d["config"].update({"mseh-platform:foo": 1}),
    "misspelt provider key": lambda d: d["config"].update({"aws:regin": "eu-west-1"}),
    "misspelt provider namespace": lambda d: d["config"].update({"kubernets:context": "kind"}),
    "misspelt secrets provider": lambda d: d.update({"secretsprovider": "pasphrase"}),
    "cut secure value": lambda d: d["config"].update({"mesh-platform:aviPassword": {"secure": "v1:abc"}}),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_schema_rejects_each_mistake_it_can_see(mistake):
    assert errors(_with(MISTAKES[mistake]))


def test_the_schema_rejects_a_file_or_config_that_is_a_list():
    assert errors([{"config": {}}])
    assert errors({"config": [{"mesh-platform:cluster": {"kind": "existing"}}]})


def test_other_namespaces_and_the_older_emissary_names_are_accepted():
    document = _with(
        lambda d: d["config"].update(
            {"aws:region": "eu-west-1", "kubernetes:context": "kind", "pulumi:disable-default-providers": ["*"]}
        )
    )
    assert errors(document) == []
    document["config"]["mesh-platform:edge"] = {"kind": "ambassador", "ambassador": {"replicas": 1}}
    assert errors(document) == []
