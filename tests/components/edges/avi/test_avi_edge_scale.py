"""A generated stack with 1,000 apps behind the Avi edge evaluates under mocks (several thousand
Avi objects, past where the SDK's serialize_provider defect used to stop a program); its
timing lives in bench/avi_edge_bench.py."""

from __future__ import annotations

import pickle

import pulumi.dynamic.dynamic as sdk_dynamic
import pytest

from bench.generated_stack import write
from tools.mockrun import run_stack_file

AVI = "pulumi-python:dynamic/avi:"


@pytest.mark.slow
def test_a_thousand_app_stack_evaluates(tmp_path):
    batch_setitems = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    run = run_stack_file(write(tmp_path / "Pulumi.scale.yaml", 1000))
    avi = [r for r in run.resources if r.type.startswith(AVI)]
    assert len(avi) > 2500
    assert getattr(sdk_dynamic.serialize_provider, "__avi_workaround__", False)
    assert pickle._Pickler._batch_setitems is batch_setitems  # type: ignore[attr-defined] - no wrapper chain left

    names = {r.inputs["name"] for r in avi if r.type == AVI + "VirtualService"}
    assert {f"scale--Shared-L7-{i}" for i in range(8)} <= names
    assert {f"scale--Shared-Passthrough-{i}" for i in range(4)} <= names
    assert len([n for n in names if n.startswith("scale--app-")]) == 250  # one SNI child per secure host
    pools = [r for r in avi if r.type == AVI + "Pool"]
    assert len(pools) == 2 * 650 + 250 * 2 + 4  # insecure and secure host/prefix pools, one per passthrough shard
    assert len(run.outputs["aviVips"]) == 12 and len(run.outputs["aviCurl"]) == 1000
