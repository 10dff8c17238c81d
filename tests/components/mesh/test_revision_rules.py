"""The revision rules, checked at preview: the canary differs from the revision, the tag points at
an installed revision and is not named like one, legacy injection stays in place."""

from __future__ import annotations

from tests.components.stack.test_config import load, problems_of

CANARY = {"version": "1.30.3", "revision": "1-30"}
# Istio 1.29 supports Kubernetes up to 1.35, one below the project's default
ON_135 = {"cluster": {"kind": "existing", "name": "dev", "kubernetesVersion": "1.35"}}


def test_a_canary_must_differ_from_the_revision():
    found = problems_of({"istio": {"revision": "1-30", "canary": CANARY}})
    assert found == [
        'mesh-platform:istio.canary.revision: must differ from istio.revision ("1-30"): the canary is a second '
        "control plane installed beside it"
    ]


def test_the_tag_must_point_at_an_installed_revision():
    found = problems_of({**ON_135, "istio": {"revision": "1-29", "version": "1.29.6", "tagRevision": "1-30"}})
    assert found == [
        'mesh-platform:istio.tagRevision: "1-30" is not an installed revision, so the namespaces labelled with '
        'the tag would have no control plane; expected "1-29"'
    ]
    # Removing the canary while the tag still points at it is the same mistake.
    assert load({"istio": {"canary": CANARY, "tagRevision": "1-30"}}).istio.tag_revision == "1-30"
    assert problems_of({"istio": {"tagRevision": "1-30"}})[0].startswith('mesh-platform:istio.tagRevision: "1-30"')


def test_the_tag_is_not_named_like_a_revision():
    found = problems_of({"istio": {"canary": CANARY, "tag": "1-30"}})
    assert found == ['mesh-platform:istio.tag: "1-30" is the name of an installed revision; name the tag differently']
    assert problems_of({"istio": {"tag": "default"}}) == [
        'mesh-platform:istio.tag: "default" is the name of an installed revision; name the tag differently'
    ]
    assert problems_of({"istio": {"revision": "1-30", "tag": "default"}})[0].startswith(
        'mesh-platform:istio.tag: "default" is Istio\'s tag for istio-injection=enabled namespaces'
    )


def test_legacy_injection_is_in_place_only():
    found = problems_of(
        {"istio": {"injection": "legacy", "revision": "1-30", "canary": {**CANARY, "revision": "1-31"}}}
    )
    assert [problem.split(":")[1] for problem in found] == ["istio.injection", "istio.canary"]
    assert problems_of({"istio": {"injection": "legacy", "tagRevision": "default"}}) == [
        "mesh-platform:istio.tagRevision: legacy injection has no revision tag; remove it or use injection: revision"
    ]
    assert load({"istio": {"injection": "legacy"}}).istio.injection == "legacy"


def test_revision_and_injection_values_are_checked():
    assert problems_of({"istio": {"revision": "1.30"}})[0].startswith(
        "mesh-platform:istio.revision: expected a revision"
    )
    assert problems_of({"istio": {"revision": "r" * 47}})[0].startswith("mesh-platform:istio.revision: expected")
    assert problems_of({"istio": {"injection": "auto"}})[0].startswith("mesh-platform:istio.injection: expected")
    assert problems_of({"istio": {"canary": {"revision": "1-30"}}})[0].startswith("mesh-platform:istio.canary.version")


def test_a_valid_move_loads():
    istio = load(
        {**ON_135, "istio": {"revision": "1-29", "version": "1.29.6", "canary": CANARY, "tagRevision": "1-30"}}
    ).istio
    assert (istio.revision, istio.canary.revision, istio.tag_revision, istio.tag) == (
        "1-29",
        "1-30",
        "1-30",
        "prod-stable",
    )
