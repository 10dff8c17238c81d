"""A canary upgrade by revision, rendered step by step: one revision; the canary installed beside it
(tag still on the old one); the tag switched to the canary; the old revision removed. At every step
each mesh namespace carries the tag, the tag serves an installed control plane and the gateways are
pinned to it; mid-move both control planes run; each step only adds, updates or removes what the
move says."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tools.mockrun import PROJECT_DIR, ProgramRun

RELEASE = "kubernetes:helm.sh/v3:Release"
TAG_WEBHOOK = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration"
NAMESPACE_TYPES = ("kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch")
GATEWAY_RELEASES = ("istio-ingressgateway", "istio-egressgateway")

OLD = {"revision": "1-29", "version": "1.29.6"}
NEW = {"revision": "1-30", "version": "1.30.3"}


def move(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, dict[str, Any], set[str]]]:
    """The documented move as stack changes: (step, `istio` keys, revisions installed)."""
    canary = {"canary": {"version": new["version"], "revision": new["revision"]}}
    return [
        ("one revision", {"version": old["version"], "revision": old["revision"]}, {old["revision"]}),
        (
            "canary installed",
            {"version": old["version"], "revision": old["revision"], **canary},
            {old["revision"], new["revision"]},
        ),
        (
            "tag switched",
            {"version": old["version"], "revision": old["revision"], **canary, "tagRevision": new["revision"]},
            {old["revision"], new["revision"]},
        ),
        ("old removed", {"version": new["version"], "revision": new["revision"]}, {new["revision"]}),
    ]


def stack_istio(stack: str) -> dict[str, Any]:
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    return dict(config.get("mesh-platform:istio") or {})


def run_step(run_stack, stack: str, istio: dict[str, Any]) -> ProgramRun:
    return run_stack(stack, overrides={"mesh-platform:istio": {**stack_istio(stack), **istio}})


def istio_releases(run: ProgramRun) -> dict[str, Any]:
    return {
        r.inputs["name"]: r
        for r in run.of_type(RELEASE)
        if (r.inputs.get("repositoryOpts") or {}).get("repo", "").startswith("https://istio")
    }


def control_planes(run: ProgramRun) -> dict[str, Any]:
    """istiod releases by the revision they run ("default" for the non-revisioned one)."""
    return {
        (r.inputs["values"].get("revision") or "default"): r
        for r in istio_releases(run).values()
        if r.inputs["chart"] == "istiod"
    }


def mesh_namespaces(run: ProgramRun) -> dict[str, Any]:
    """Every namespace whose pods join the mesh by injection: apps, Emissary's, AKO's."""
    system = {"istio-system", "istio-ingress"}
    return {
        r.inputs["metadata"]["name"]: r
        for r in run.resources
        if r.type in NAMESPACE_TYPES and r.inputs["metadata"]["name"] not in system
    }


def check_step(run: ProgramRun, installed: set[str], tagged: str) -> None:
    planes = control_planes(run)
    assert set(planes) == installed
    (tag,) = run.of_type(TAG_WEBHOOK)
    assert tag.inputs["metadata"]["name"] == "istio-revision-tag-prod-stable"
    assert tag.inputs["metadata"]["labels"]["istio.io/rev"] == tagged
    services = {hook["clientConfig"]["service"]["name"] for hook in tag.inputs["webhooks"]}
    # The tag sends pods to a control plane that is installed at this step.
    assert services == {planes[tagged].inputs["name"]}
    assert set(tag.dependencies) >= {plane.name for plane in planes.values()}

    namespaces = mesh_namespaces(run)
    assert namespaces
    for name, namespace in namespaces.items():
        labels = namespace.inputs["metadata"]["labels"]
        assert labels.get("istio.io/rev") == "prod-stable" and "istio-injection" not in labels, name
        assert tag.name in namespace.dependencies or any(
            tag.name in run.named(dep).dependencies for dep in namespace.dependencies
        ), name

    releases = istio_releases(run)
    gateways = [releases[name] for name in GATEWAY_RELEASES if name in releases]
    assert gateways
    for gateway in gateways:
        assert gateway.inputs["values"].get("revision", "default") == tagged
        assert gateway.inputs["version"] == planes[tagged].inputs["version"]
        assert planes[tagged].name in gateway.dependencies

    base = releases["istio-base"]
    assert base.inputs["version"] == max(
        (p.inputs["version"] for p in planes.values()), key=lambda v: tuple(int(x) for x in v.split("."))
    )
    assert base.inputs["values"]["defaultRevision"] in installed


def names(run: ProgramRun) -> set[str]:
    return {r.name for r in run.resources}


@pytest.mark.parametrize("stack", ["eks", "ambassador", "onprem-ako"])
def test_a_canary_move_step_by_step(run_stack, stack):
    steps = move(OLD, NEW)
    runs = [run_step(run_stack, stack, istio) for _, istio, _ in steps]
    tagged = [OLD["revision"], OLD["revision"], NEW["revision"], NEW["revision"]]
    for (step, _, installed), run, tag_on in zip(steps, runs, tagged, strict=True):
        try:
            check_step(run, installed, tag_on)
        except AssertionError as failure:
            raise AssertionError(f"{stack}, step {step!r}: {failure}") from failure

    # Mid-move both control planes run, each its own release.
    assert {r.inputs["name"] for r in control_planes(runs[1]).values()} == {"istiod-1-29", "istiod-1-30"}
    # Each step is what the move says: the canary added, nothing added or removed by the switch,
    # the old one removed; the kept resources keep their names (so their URNs).
    assert names(runs[1]) - names(runs[0]) == {"mesh-istiod-1-30"}
    assert names(runs[0]) - names(runs[1]) == set()
    assert names(runs[2]) == names(runs[1])
    assert names(runs[2]) - names(runs[3]) == {"mesh-istiod-1-29"}
    assert names(runs[3]) - names(runs[2]) == set()
    assert runs[1].named("mesh-istiod-1-29").inputs == runs[0].named("mesh-istiod-1-29").inputs
    assert runs[3].named("mesh-istiod-1-30").inputs == runs[2].named("mesh-istiod-1-30").inputs
    # The default revision (base's validator) moves only with istio.revision, in the last step.
    defaults = [istio_releases(run)["istio-base"].inputs["values"]["defaultRevision"] for run in runs]
    assert defaults == ["1-29", "1-29", "1-29", "1-30"]


def test_the_move_off_the_non_revisioned_control_plane(run_stack):
    """Today's install (one non-revisioned istiod) moves to a revision the same way, and keeps its
    resource until the last step."""
    default = {"revision": "default", "version": NEW["version"]}
    steps = move(default, NEW)
    runs = [run_step(run_stack, "eks", istio) for _, istio, _ in steps]
    for (_, _, installed), run, tag_on in zip(steps, runs, ["default", "default", "1-30", "1-30"], strict=True):
        check_step(run, installed, tag_on)
    assert control_planes(runs[0])["default"].name == "mesh-istiod"
    assert control_planes(runs[0])["default"].inputs["name"] == "istiod"
    assert "revision" not in control_planes(runs[0])["default"].inputs["values"]
    assert names(runs[2]) - names(runs[3]) == {"mesh-istiod"}


def test_without_a_canary_the_stack_renders_as_before(run_stack):
    run = run_stack("eks")
    planes = control_planes(run)
    assert list(planes) == ["default"] and planes["default"].name == "mesh-istiod"
    check_step(run, {"default"}, "default")


def test_dev_upgrades_in_place_with_the_legacy_label(run_stack):
    run = run_stack("dev")
    assert run.of_type(TAG_WEBHOOK) == []
    assert list(control_planes(run)) == ["default"]
    for name, namespace in mesh_namespaces(run).items():
        labels = namespace.inputs["metadata"]["labels"]
        assert labels["istio-injection"] == "enabled" and "istio.io/rev" not in labels, name


def test_a_renamed_tag_relabels_every_namespace(run_stack):
    run = run_step(run_stack, "ambassador", {"tag": "prod-blue"})
    (tag,) = run.of_type(TAG_WEBHOOK)
    assert tag.inputs["metadata"]["name"] == "istio-revision-tag-prod-blue"
    selectors = [hook["namespaceSelector"]["matchExpressions"][0] for hook in tag.inputs["webhooks"]]
    assert selectors[0] == {"key": "istio.io/rev", "operator": "In", "values": ["prod-blue"]}
    assert {ns.inputs["metadata"]["labels"]["istio.io/rev"] for ns in mesh_namespaces(run).values()} == {"prod-blue"}
