"""Stack-file mistakes: each ends with exit 2, one message naming where it is, and nothing written.

The same top-level rule holds under the real Pulumi CLI, where the program sees the
stack's config through the SDK's runtime config (every key of every namespace).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components.config.errors import ConfigError
from components.stack.loader import PulumiConfigSource, load_stack_config
from tests.conftest import write_stack
from tools import output_dir
from tools.mockrun import PROJECT_DIR, read_stack_file
from tools.stack_files import StackFileError

GOOD = """\
config:
  mesh-platform:cluster:
    kind: existing
  mesh-platform:edge:
    kind: emissary
"""


def render(path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.render", "--config", str(path), "--out", str(out)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=240,
    )


def stale_output(tmp_path: Path) -> Path:
    """An output directory a previous, successful render left behind (marked as tools.render's)."""

    def fill(staging: Path) -> None:
        (staging / "manifests").mkdir()
        (staging / "manifests" / "999-stale.yaml").write_text("stale: true\n")
        (staging / "resources.json").write_text("[]\n")

    out = tmp_path / "out"
    output_dir.write_dir(output_dir.inspect(out, "tools.render"), fill)
    return out


MISTAKES = {
    "misspelt top-level key": (
        GOOD + "  mesh-platform:observabilty:\n    grafana: {addon: false}\n",
        "mesh-platform:observabilty: unknown setting; expected one of environment, cluster,",
        "did you mean observability?",
    ),
    "misspelt namespace": (
        GOOD + "  mesh-platfrom:istio:\n    mtls: STRICT\n",
        'mesh-platfrom:istio: unknown namespace "mesh-platfrom"; did you mean mesh-platform:istio?',
        "",
    ),
    "namespace in the wrong case": (
        GOOD + "  Mesh-platform:istio:\n    mtls: STRICT\n",
        'Mesh-platform:istio: unknown namespace "Mesh-platform"; did you mean mesh-platform:istio?',
        "",
    ),
    "key in the wrong case": (
        GOOD + "  mesh-platform:Istio:\n    mtls: STRICT\n",
        "mesh-platform:Istio: unknown setting;",
        "did you mean istio?",
    ),
    "misspelt nested key": (
        GOOD + "  mesh-platform:istio:\n    mtlsMode: STRICT\n",
        "mesh-platform:istio.mtlsMode: unknown setting; expected one of version,",
        "did you mean mtls?",
    ),
    "singular of a list key": (
        GOOD + "  mesh-platform:externalHost:\n    - host: api.example.com\n",
        "mesh-platform:externalHost: unknown setting;",
        "did you mean externalHosts?",
    ),
    "YAML syntax error": (
        "config:\n  mesh-platform:cluster:\n    kind: [existing\n",
        "Pulumi.mistake.yaml:4:1: invalid YAML:",
        "",
    ),
    "duplicated key": (
        GOOD + "  mesh-platform:edge:\n    kind: avi\n",
        'Pulumi.mistake.yaml:6:3: key "mesh-platform:edge" is given twice (first on line 4); keep one',
        "",
    ),
    "duplicated nested key": (
        "config:\n  mesh-platform:cluster:\n    kind: existing\n    kind: eks\n",
        'Pulumi.mistake.yaml:4:5: key "kind" is given twice (first on line 3); keep one',
        "",
    ),
    "file is a list": (
        "- config:\n    mesh-platform:cluster: {kind: existing}\n",
        "Pulumi.mistake.yaml:1:1: expected a mapping of keys (such as `config:`); got a list",
        "",
    ),
    "config is a list": (
        "config:\n  - mesh-platform:cluster: {kind: existing}\n",
        "Pulumi.mistake.yaml:2:3: `config:` must be a mapping of keys to values; got a list",
        "",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_exits_2_naming_it_and_leaves_nothing(mistake, tmp_path):
    text, message, hint = MISTAKES[mistake]
    path = write_stack(tmp_path, "mistake", text)
    out = stale_output(tmp_path)
    result = render(path, out)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert hint in result.stderr
    assert "Traceback" not in result.stderr and "None" not in result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging left over


def test_file_mistakes_are_one_line(tmp_path):
    for mistake in ("YAML syntax error", "duplicated key", "file is a list", "config is a list"):
        path = write_stack(tmp_path, "mistake", MISTAKES[mistake][0])
        with pytest.raises(StackFileError) as error:
            read_stack_file(path)
        assert "\n" not in str(error.value) and str(error.value).startswith(str(path))


@pytest.mark.slow
def test_a_good_render_replaces_the_previous_output(tmp_path):
    path = write_stack(tmp_path, "good", GOOD)
    out = stale_output(tmp_path)
    assert (out / "manifests" / "999-stale.yaml").exists()
    result = render(path, out)
    assert result.returncode == 0, result.stderr
    assert not (out / "manifests" / "999-stale.yaml").exists()
    assert json.loads((out / "resources.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pulumi.good.yaml", "out"]


def test_missing_cluster_kind_reads_without_python_reprs():
    source = _EnvSource({"mesh-platform:cluster": {"name": "dev"}, "mesh-platform:edge": {"kind": "emissary"}})
    with pytest.raises(ConfigError) as error:
        load_stack_config(source)
    assert [str(p) for p in error.value.problems] == [
        "mesh-platform:cluster.kind: required; expected one of eks, aks, existing"
    ]


class _EnvSource:
    """A ConfigSource over a plain mapping of full keys (namespace:key) to values."""

    stack = "test"

    def __init__(self, values: dict):
        self.values = values

    def value(self, key):
        return self.values.get(f"mesh-platform:{key}")

    def secret(self, key):
        return None

    def keys(self):
        return list(self.values)

    def provider_setting(self, full_key):
        return self.values.get(full_key)


def test_under_the_pulumi_cli_every_namespace_is_checked(monkeypatch):
    """The CLI hands the program its config through the SDK runtime: here the PULUMI_CONFIG
    environment the language host sets, read through `PulumiConfigSource`."""
    config = {
        "mesh-platform:cluster": json.dumps({"kind": "existing"}),
        "mesh-platform:edge": json.dumps({"kind": "ambassador"}),
        "mesh-platform:observabilty": json.dumps({"grafana": {"addon": True}}),
        "mesh-platfrom:istio": json.dumps({"mtls": "STRICT"}),
        "aws:region": "eu-west-1",
    }
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    source = PulumiConfigSource()
    assert set(source.keys()) == set(config)
    with pytest.raises(ConfigError) as error:
        load_stack_config(source)
    found = [str(p) for p in error.value.problems]
    assert len(found) == 3, found
    assert found[0].startswith("mesh-platform:observabilty: unknown setting;")
    assert found[0].endswith("did you mean observability?")
    assert found[1].startswith('mesh-platfrom:istio: unknown namespace "mesh-platfrom"')
    # the misspelt key is read as the key it was meant as: its Grafana add-on still needs its password
    assert found[2].startswith("mesh-platform:grafanaPassword: required when observability.grafana.addon is true")


def test_under_the_mock_runtime_every_namespace_is_checked(run_stack):
    """The mocks set the runtime config map (as the language host does): the program refuses there too."""
    with pytest.raises(ConfigError) as error:
        run_stack("dev", overrides={"mesh-platform:observabilty": {}, "Mesh-platform:istio": {}})
    found = [str(p) for p in error.value.problems]
    assert any(p.startswith("mesh-platform:observabilty:") and "did you mean observability?" in p for p in found)
    assert any(p.startswith('Mesh-platform:istio: unknown namespace "Mesh-platform"') for p in found)


def test_other_namespaces_are_left_alone():
    source = _EnvSource(
        {
            "mesh-platform:cluster": {"kind": "existing"},
            "mesh-platform:edge": {"kind": "emissary"},
            "aws:region": "eu-west-1",
            "kubernetes:context": "kind",
            "azure-native:location": "x",
        }
    )
    assert load_stack_config(source).edge.kind == "emissary"


PLAIN_SECRET = (
    "mesh-platform:grafanaPassword: a secret stored as plain text; store it encrypted with "
    "`pulumi config set --secret grafanaPassword <value>` (it replaces the plain value)"
)


def test_a_secret_given_as_plain_text_is_refused_by_render(tmp_path):
    path = write_stack(tmp_path, "plain", GOOD + "  mesh-platform:grafanaPassword: hunter2\n")
    out = stale_output(tmp_path)
    result = render(path, out)
    assert result.returncode == 2, result.stdout + result.stderr
    assert PLAIN_SECRET in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_secret_given_as_plain_text_is_refused_under_the_pulumi_cli(monkeypatch):
    """The language host lists the stack's encrypted keys in PULUMI_CONFIG_SECRET_KEYS: a
    secret key missing from it was written without --secret."""
    config = {
        "mesh-platform:cluster": json.dumps({"kind": "existing"}),
        "mesh-platform:edge": json.dumps({"kind": "emissary"}),
        "mesh-platform:grafanaPassword": "hunter2",
        "mesh-platform:kialiPassword": "kept-secret",
    }
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["mesh-platform:kialiPassword"]))
    with pytest.raises(ConfigError) as error:
        load_stack_config(PulumiConfigSource())
    assert [str(p) for p in error.value.problems] == [PLAIN_SECRET]


def test_an_encrypted_secret_is_accepted(run_stack):
    run = run_stack("dev", overrides={"mesh-platform:grafanaPassword": {"secure": "v1:ciphertext"}})
    assert run.resources


EKS_BASE = """\
config:
  aws:region: eu-central-1
  mesh-platform:cluster:
    kind: eks
    eks:
      publicAccessCidrs: [203.0.113.0/24]
      vpc:
        availabilityZones: [eu-central-1a, eu-west-1b]
  mesh-platform:edge:
    kind: emissary
"""
AKS_BASE = """\
config:
  azure-native:location: northeurope
  mesh-platform:cluster:
    kind: aks
    aks:
      location: westeurope
  mesh-platform:edge:
    kind: emissary
"""
DEV = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
DEV_CIPHERTEXT = "v1:tWgIvuDND8ndZH2y:DMEb7SFohQ0hWRZx6rr+8PJ8O4LSrSvF69DyZMvaoMFV55q6OQ=="
SECURE_LINE = DEV.splitlines().index(f"    secure: {DEV_CIPHERTEXT}") + 1

SILENT_BEFORE = {
    "app namespace listed twice": (
        GOOD + "  mesh-platform:namespaces: [default, prod, prod]\n",
        'mesh-platform:namespaces[2]: "prod" is listed twice (first at namespaces[1]); list it once',
    ),
    "misspelt provider key": (
        GOOD + "  aws:regin: eu-west-1\n",
        "aws:regin: the aws provider has no setting regin; did you mean region?",
    ),
    "misspelt provider namespace": (
        GOOD + "  kubernets:context: kind\n",
        'kubernets:context: unknown namespace "kubernets"; did you mean kubernetes:context? '
        "(a setting of the kubernetes provider)",
    ),
    "misspelt project namespace": (
        GOOD + "  mseh-platform:istio: {}\n",
        'mseh-platform:istio: unknown namespace "mseh-platform"; did you mean mesh-platform:istio? '
        "(this project reads only mesh-platform:* keys)",
    ),
    "misspelt secretsprovider": (
        "secretsprovider: pasphrase\n" + GOOD,
        'Pulumi.mistake.yaml:1:1: secretsprovider: "pasphrase" is no secrets provider; expected passphrase, '
        "default (Pulumi Cloud), or a key URL awskms://..., azurekeyvault://..., gcpkms://..., hashivault://...",
    ),
    "corrupted secure value": (
        DEV.replace(DEV_CIPHERTEXT, DEV_CIPHERTEXT[:-6]),
        f"Pulumi.mistake.yaml:{SECURE_LINE}:13: mesh-platform:aviPassword: is not ciphertext of this stack's "
        "secrets provider (v1:<nonce>:<ciphertext>, both base64): it was cut or edited; set it again with "
        "`pulumi config set --secret`",
    ),
    "AKS location differs from azure-native:location": (
        AKS_BASE,
        'mesh-platform:cluster.aks.location: "westeurope" differs from azure-native:location "northeurope"; '
        "the cluster and the resources the provider creates must share one region: set both to the same one",
    ),
    "zone not in the region": (
        EKS_BASE,
        'mesh-platform:cluster.eks.vpc.availabilityZones[1]: "eu-west-1b" is not a zone of aws:region '
        '"eu-central-1"; its zones are named eu-central-1a, eu-central-1b, ... (or set aws:region to the zones\' '
        "region)",
    ),
}

CLEARER = {
    "kind missing beside another kind's settings": (
        "config:\n  mesh-platform:cluster:\n    existing: {}\n  mesh-platform:edge:\n    kind: emissary\n",
        "mesh-platform:cluster.kind: required; expected one of eks, aks, existing",
    ),
    "kind in capitals beside its settings": (
        "config:\n  mesh-platform:cluster:\n    kind: existing\n  mesh-platform:edge:\n    kind: ALB\n"
        "    alb:\n      certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/"
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789\n",
        'mesh-platform:edge.kind: expected one of alb, azure-ip, emissary, avi; got "ALB"; did you mean alb?',
    ),
    "unquoted version": (
        "config:\n  mesh-platform:cluster:\n    kind: existing\n    kubernetesVersion: 1.30\n"
        "  mesh-platform:edge:\n    kind: emissary\n",
        'mesh-platform:cluster.kubernetesVersion: expected a version such as "1.35"; got 1.3; YAML reads an '
        'unquoted version as a number; quote it: "1.30"',
    ),
    "CIDR with host bits set": (
        EKS_BASE.replace("[203.0.113.0/24]", "[203.0.113.9/24]").replace("eu-west-1b", "eu-central-1b"),
        'mesh-platform:cluster.eks.publicAccessCidrs[0]: expected a CIDR; got "203.0.113.9/24"; 203.0.113.9/24 has '
        "host bits set (the address goes past the /24 prefix); the network is 203.0.113.0/24",
    ),
    "mis-indented key": (
        "config:\n  mesh-platform:cluster:\n    kind: existing\n   mesh-platform:edge:\n    kind: emissary\n",
        "Pulumi.mistake.yaml:4:4: invalid YAML: this line is indented differently from the keys of the mapping "
        "on line 2; align them",
    ),
    "list item among keys": (
        GOOD + "  mesh-platform:namespaces:\n    - default\n    prod: x\n",
        "Pulumi.mistake.yaml:8:5: invalid YAML: a list item and a key mixed at one indentation: give each list "
        "item its `- ` and each key its own indentation (opened on line 7)",
    ),
    "dotted key written without --path": (
        GOOD + "  mesh-platform:istio.mtls: STRICT\n",
        "mesh-platform:istio.mtls: a dotted key is a key of its own to Pulumi, not istio's mtls; remove it "
        "(`pulumi config rm 'istio.mtls'`) and set it with --path: `pulumi config set --path 'istio.mtls' <value>`",
    ),
}


@pytest.mark.parametrize("mistake", [*SILENT_BEFORE, *CLEARER])
def test_each_formerly_silent_or_unclear_mistake_is_one_exact_message(mistake, tmp_path):
    text, message = {**SILENT_BEFORE, **CLEARER}[mistake]
    path = write_stack(tmp_path, "mistake", text)
    out = stale_output(tmp_path)
    result = render(path, out)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [
        line.removeprefix("  - ").removeprefix("error: ").replace(f"{tmp_path}/", "")
        for line in result.stderr.splitlines()
    ]
    assert message in lines, result.stderr
    problems = [line for line in lines if line.startswith(("mesh-platform:", "mseh-", "aws:", "kubernets:"))]
    assert len(problems) <= 1, problems  # one mistake, one problem
    assert "Traceback" not in result.stderr and "found '" not in result.stderr
    assert not out.exists()


def test_an_empty_app_list_is_a_warning(tmp_path):
    path = write_stack(tmp_path, "noapps", GOOD + "  mesh-platform:apps: []\n")
    result = render(path, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (
        "mesh-platform:apps lists no app, so the ingress gateway routes nothing; add apps (docs/configuration.md) "
        "unless this stack is meant to run the platform only"
    ) in result.stderr.splitlines()


def test_one_top_level_typo_is_one_problem():
    """`namespace` for `namespaces`: its value is read as the key meant, so the apps' namespaces
    are not reported as undeclared too (they were: one typo, several problems)."""
    source = _EnvSource(
        {
            "mesh-platform:cluster": {"kind": "existing"},
            "mesh-platform:edge": {"kind": "emissary"},
            "mesh-platform:namespace": ["default", "prod"],
            "mesh-platform:apps": [
                {
                    "virtualName": "a",
                    "name": "a",
                    "port": 80,
                    "namespaces": [{"name": "prod", "hosts": ["a.example.com"]}],
                }
            ],
        }
    )
    with pytest.raises(ConfigError) as error:
        load_stack_config(source)
    assert [p.path for p in error.value.problems] == ["mesh-platform:namespace"]
    assert str(error.value.problems[0]).endswith("did you mean namespaces?")


def test_a_misspelt_section_still_has_its_own_problems_checked():
    source = _EnvSource(
        {"mesh-platform:clustr": {"kind": "existing", "nmae": "x"}, "mesh-platform:edge": {"kind": "emissary"}}
    )
    with pytest.raises(ConfigError) as error:
        load_stack_config(source)
    assert [p.path for p in error.value.problems] == ["mesh-platform:clustr", "mesh-platform:clustr.nmae"]


def test_every_problem_is_reported_in_one_run():
    """A bad value outside any list (the version) no longer hides the cross-section rules."""
    source = _EnvSource(
        {
            "mesh-platform:cluster": {"kind": "existing", "kubernetesVersion": 1.3},
            "mesh-platform:edge": {"kind": "emissary"},
            "mesh-platform:namespaces": ["default", "kube-system", "default"],
        }
    )
    with pytest.raises(ConfigError) as error:
        load_stack_config(source)
    assert [p.path for p in error.value.problems] == [
        "mesh-platform:cluster.kubernetesVersion",
        "mesh-platform:namespaces[2]",
        "mesh-platform:namespaces[1]",
    ]


def test_zones_and_location_are_checked_under_the_pulumi_cli(monkeypatch):
    config = {
        "aws:region": "eu-central-1",
        "mesh-platform:cluster": json.dumps(
            {
                "kind": "eks",
                "eks": {
                    "publicAccessCidrs": ["203.0.113.0/24"],
                    "vpc": {"availabilityZones": ["eu-west-1a", "eu-central-1b"]},
                },
            }
        ),
        "mesh-platform:edge": json.dumps({"kind": "emissary"}),
    }
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    with pytest.raises(ConfigError) as error:
        load_stack_config(PulumiConfigSource())
    assert [p.path for p in error.value.problems] == ["mesh-platform:cluster.eks.vpc.availabilityZones[0]"]


def test_matching_region_and_zones_pass():
    source = _EnvSource(
        {
            "aws:region": "eu-central-1",
            "mesh-platform:cluster": {
                "kind": "eks",
                "eks": {
                    "publicAccessCidrs": ["203.0.113.0/24"],
                    "vpc": {"availabilityZones": ["eu-central-1a", "eu-central-1b"]},
                },
            },
            "mesh-platform:edge": {"kind": "emissary"},
        }
    )
    assert load_stack_config(source).cluster.kind == "eks"
