"""Upstream as the judge: the pinned charts render with exactly the values the program passes, read
every key it sets and reflect the values that matter; every custom resource the program declares
is valid against the pinned CRDs' OpenAPI schemas.

The material comes from the upstream cache (`tools/upstream.py`: $MESH_PLATFORM_UPSTREAM or
`.upstream-cache/`, filled by `make upstream`). Unless its completeness record lists Helm and every
chart the stacks pin, these tests skip and say what is missing.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.config.types import HelmChartConfig
from tests.conftest import STACK_NAMES
from tools.mockrun import reveal
from tools.upstream import (
    ALB_CHART,
    CHART_TYPES,
    ENV_VAR,
    alb_policy_file,
    app_version,
    cache_dir,
    chart_dir,
    helm_binary,
    missing_from,
    pinned_chart,
)

CACHE = cache_dir()
BUILTIN_GROUPS = ("core", "apps", "policy", "batch", "autoscaling", "helm.sh")


def _incomplete(missing: list[str]) -> str:
    what = f"no upstream cache at {CACHE}" if not CACHE.is_dir() else f"the upstream cache {CACHE} lacks "
    return (
        f"{what}{', '.join(missing) if CACHE.is_dir() else ''}: run `make upstream` on a machine that reaches "
        f"npm and the chart repositories, or point ${ENV_VAR} at a cache it filled"
    )


# Without a finished cache (no marker or no completeness record) every test here skips at
# collection; with one, `complete_cache` below also checks it holds every chart the stacks pin.
_UNFINISHED = missing_from(CACHE, [])
pytestmark = pytest.mark.skipif(bool(_UNFINISHED), reason=_incomplete(_UNFINISHED) if _UNFINISHED else "complete")


@pytest.fixture(scope="module")
def pins(run_stack) -> set[HelmChartConfig]:
    """Every chart the example stacks pin."""
    return {pinned_chart(r) for stack in STACK_NAMES for r in run_stack(stack).resources if r.type in CHART_TYPES}


@pytest.fixture(autouse=True)
def complete_cache(pins) -> None:
    missing = missing_from(CACHE, pins)
    if missing:
        pytest.skip(_incomplete(missing))


def _numbers_as_written(value: Any) -> Any:
    """The engine hands integers back as floats; the program wrote integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers_as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_as_written(v) for v in value]
    return value


def charts_of(run) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(recorded chart resource, values exactly as the program passed them)."""
    for resource in run.resources:
        if resource.type in CHART_TYPES:
            yield resource, _numbers_as_written(reveal(resource.inputs.get("values") or {}))


def source_of(resource) -> Path:
    pinned = pinned_chart(resource)
    path = chart_dir(CACHE, pinned.chart, pinned.version)
    if not path.is_dir():
        pytest.skip(f"chart {pinned.chart} {pinned.version} is not in the upstream cache ({path}); run `make upstream`")
    return path


def render(resource, values: dict[str, Any], kube_version: str, tmp_path: Path) -> list[dict[str, Any]]:
    """`helm template` of the pinned chart with the program's values; fails on schema or template errors."""
    values_file = tmp_path / f"{resource.name}.values.json"
    values_file.write_text(json.dumps(values))
    name = resource.inputs.get("name") or resource.name
    command = [
        str(helm_binary(CACHE)),
        "template",
        name,
        str(source_of(resource)),
        "--namespace",
        resource.inputs.get("namespace") or "default",
        "--kube-version",
        kube_version,
        "-f",
        str(values_file),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{resource.name}: helm template refused the program's values:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@cache
def chart_defaults(path: Path) -> dict[str, Any]:
    """The chart's values.yaml, with Istio's `_internal_defaults_do_not_set` (its real defaults) merged in."""
    defaults = yaml.safe_load((path / "values.yaml").read_text()) or {}
    internal = defaults.pop("_internal_defaults_do_not_set", None) or {}
    return {**internal, **defaults}


PASSED_WHOLE = {"istiod": ("meshConfig",)}
"""Values a chart copies through whole (istiod writes meshConfig into the `istio` ConfigMap);
the chart's effects check below proves each key arrives."""


@cache
def templates_text(path: Path) -> str:
    """All of a chart's templates, for keys it reads without declaring them in values.yaml."""
    return "\n".join(t.read_text(errors="replace") for t in sorted(path.glob("templates/**/*")) if t.is_file())


LABEL_MAPS = ("labels", "annotations", "podLabels", "podAnnotations")
"""Maps of Kubernetes labels/annotations: any key is valid, a default entry is an example, not a schema."""


def unread_keys(values: Any, defaults: Any, path: str = "", passed_whole: tuple[str, ...] = ()) -> list[str]:
    """Keys the program sets that the chart's values do not have (free-form maps and lists take anything)."""
    here = path.rstrip(".")
    if not isinstance(values, dict) or here in passed_whole or here.rsplit(".", 1)[-1] in LABEL_MAPS:
        return []
    if not isinstance(defaults, dict) or not defaults:
        return []  # a free-form map ({} or null), or a value replaced wholesale
    unread = []
    for key, value in values.items():
        if key not in defaults:
            unread.append(f"{path}{key}")
        else:
            unread += unread_keys(value, defaults[key], f"{path}{key}.", passed_whole)
    return unread


def objects(rendered: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in rendered if doc.get("kind") == kind]


# -- what each value must change in the rendered objects --------------------------------


def _gateway_effects(values: dict, rendered: list[dict]) -> None:
    (deployment,) = objects(rendered, "Deployment")
    (service,) = objects(rendered, "Service")
    autoscaling = values.get("autoscaling", {})
    if autoscaling.get("enabled"):
        (hpa,) = objects(rendered, "HorizontalPodAutoscaler")
        assert hpa["spec"]["minReplicas"] == autoscaling["minReplicas"]
        assert hpa["spec"]["maxReplicas"] == autoscaling["maxReplicas"]
    else:
        assert not objects(rendered, "HorizontalPodAutoscaler")
        assert deployment["spec"]["replicas"] == values["replicaCount"]
    budgets = objects(rendered, "PodDisruptionBudget")
    if values.get("podDisruptionBudget"):
        (budget,) = budgets
        assert budget["spec"]["minAvailable"] == values["podDisruptionBudget"]["minAvailable"]
    else:
        assert not budgets
    assert service["spec"]["type"] == values["service"]["type"]
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    for port in values["service"]["ports"]:
        assert ports[port["name"]]["port"] == port["port"]
        if "nodePort" in port:
            assert ports[port["name"]]["nodePort"] == port["nodePort"]
    for key, value in values["service"].get("annotations", {}).items():
        assert service["metadata"]["annotations"][key] == value
    for key, value in values["labels"].items():
        assert deployment["spec"]["template"]["metadata"]["labels"][key] == value


def _istiod_effects(values: dict, rendered: list[dict]) -> None:
    (mesh_config,) = [c for c in objects(rendered, "ConfigMap") if c["metadata"]["name"] == "istio"]
    mesh = yaml.safe_load(mesh_config["data"]["mesh"])
    for key, value in values["meshConfig"].items():
        assert mesh[key] == value, key


def _prometheus_effects(values: dict, rendered: list[dict]) -> None:
    server = values["server"]
    (service,) = objects(rendered, "Service")
    assert service["metadata"]["name"] == server["fullnameOverride"]
    assert [p["port"] for p in service["spec"]["ports"]] == [server["service"]["servicePort"]]
    (deployment,) = objects(rendered, "Deployment")  # alertmanager, exporters and pushgateway stay off
    assert deployment["spec"]["template"]["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
    (config,) = [c for c in objects(rendered, "ConfigMap") if c["metadata"]["name"] == server["fullnameOverride"]]
    scrape = yaml.safe_load(config["data"]["prometheus.yml"])
    assert scrape["global"]["scrape_interval"] == server["global"]["scrape_interval"]
    # The pod-annotation job Istio's metrics merging relies on.
    assert "kubernetes-pods" in {job["job_name"] for job in scrape["scrape_configs"]}
    volume = server["persistentVolume"]
    claims = objects(rendered, "PersistentVolumeClaim")
    if volume["enabled"]:
        (claim,) = claims
        assert claim["spec"]["resources"]["requests"]["storage"] == volume["size"]
        assert claim["spec"].get("storageClassName") == volume.get("storageClass")
    else:
        assert not claims


def _jaeger_effects(values: dict, rendered: list[dict]) -> None:
    (service,) = objects(rendered, "Service")
    assert service["metadata"]["name"] == values["fullnameOverride"]
    assert {9411, 16685, 16686} <= {p["port"] for p in service["spec"]["ports"]}
    (deployment,) = objects(rendered, "Deployment")
    assert deployment["spec"]["template"]["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"


def _grafana_effects(values: dict, rendered: list[dict]) -> None:
    (service,) = objects(rendered, "Service")
    assert service["metadata"]["name"] == values["fullnameOverride"] and service["spec"]["ports"][0]["port"] == 80
    (deployment,) = objects(rendered, "Deployment")
    env = {e["name"]: e for c in deployment["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
    admin = values["admin"]
    assert env["GF_SECURITY_ADMIN_USER"]["valueFrom"]["secretKeyRef"] == {
        "name": admin["existingSecret"],
        "key": admin["userKey"],
    }
    assert env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": admin["existingSecret"],
        "key": admin["passwordKey"],
    }
    assert env["LABEL"]["value"] == values["sidecar"]["dashboards"]["label"]
    sources = json.dumps([c["data"] for c in objects(rendered, "ConfigMap")])
    for source in values["datasources"]["datasources.yaml"]["datasources"]:
        assert source["url"] in sources
    pod = deployment["spec"]["template"]["metadata"]
    for key, value in values["podAnnotations"].items():  # the credentials checksum rolls the pod
        assert pod["annotations"][key] == value, key
    _grafana_dashboard_effects(values, deployment, objects(rendered, "ConfigMap"))


def _grafana_dashboard_effects(values: dict, deployment: dict, config_maps: list[dict]) -> None:
    """Each dashboard is downloaded by the chart's init container from grafana.com by ID and revision
    into its provider's folder, and the provider is configured to load that folder."""
    init = [c["name"] for c in deployment["spec"]["template"]["spec"].get("initContainers", [])]
    dashboards = values.get("dashboards") or {}
    assert ("download-dashboards" in init) == bool(dashboards)
    if not dashboards:
        return
    data = {k: v for c in config_maps for k, v in (c.get("data") or {}).items()}
    script, providers = data["download_dashboards.sh"], yaml.safe_load(data["dashboardproviders.yaml"])
    paths = {p["name"]: p["options"]["path"] for p in providers["providers"]}
    for provider, entries in dashboards.items():
        for name, entry in entries.items():
            url = f"https://grafana.com/api/dashboards/{entry['gnetId']}/revisions/{entry['revision']}/download"
            assert url in script, name
            assert f"{paths[provider]}/{name}.json" in script, name


def _kiali_operator_effects(values: dict, rendered: list[dict]) -> None:
    assert not [d for d in rendered if d.get("kind") == "Kiali"]  # cr.create: false, the program declares it
    (deployment,) = objects(rendered, "Deployment")
    env = {
        e["name"]: e.get("value")
        for c in deployment["spec"]["template"]["spec"]["containers"]
        for e in c.get("env", [])
    }
    assert env["WATCH_NAMESPACE"] == values["watchNamespace"]


def _alb_effects(values: dict, rendered: list[dict]) -> None:
    (deployment,) = objects(rendered, "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--cluster-name={values['clusterName']}" in args
    if "region" in values:
        assert f"--aws-region={values['region']}" in args
    if "vpcId" in values:
        assert f"--aws-vpc-id={values['vpcId']}" in args
    accounts = {a["metadata"]["name"]: a for a in objects(rendered, "ServiceAccount")}
    account = values["serviceAccount"]
    for key, value in account.get("annotations", {}).items():
        assert accounts[account["name"]]["metadata"]["annotations"][key] == value


EFFECTS = {
    "gateway": _gateway_effects,
    "istiod": _istiod_effects,
    "prometheus": _prometheus_effects,
    "jaeger": _jaeger_effects,
    "grafana": _grafana_effects,
    "kiali-operator": _kiali_operator_effects,
    "aws-load-balancer-controller": _alb_effects,
}


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_pinned_charts_accept_read_and_apply_the_programs_values(run_stack, stack, tmp_path):
    _check_charts(run_stack(stack), _stack_kube_version(stack), tmp_path)


def test_observability_options_render_in_the_pinned_charts(run_stack, tmp_path):
    """Options no example stack sets: Prometheus on a disk, pinned dashboard revisions, Kiali's links."""
    from tools.mockrun import Secret

    options = {
        "grafana": {
            "addon": True,
            "externalUrl": "https://grafana.example.com",
            "istioDashboards": {"revisions": {"mesh": 300, "service": 300}},
        },
        "kiali": {"addon": True},
        "prometheus": {"persistence": {"enabled": True, "size": "20Gi", "storageClass": "managed-csi"}},
        "tracing": {"externalUrl": "https://jaeger.example.com"},
    }
    run = run_stack(
        "aks",
        overrides={
            "mesh-platform:observability": options,
            "mesh-platform:istio": {"tracing": {"enabled": True}},
            "mesh-platform:grafanaPassword": Secret("pw"),
        },
    )
    _check_charts(run, _stack_kube_version("aks"), tmp_path)


def _check_charts(run, kube_version: str, tmp_path: Path) -> None:
    for resource, values in charts_of(run):
        rendered = render(resource, values, kube_version, tmp_path)
        chart = pinned_chart(resource).chart
        assert rendered, f"{resource.name}: {chart} rendered nothing"
        unread = [
            key
            for key in unread_keys(
                values, chart_defaults(source_of(resource)), passed_whole=PASSED_WHOLE.get(chart, ())
            )
            if f".Values.{key}" not in templates_text(source_of(resource))
        ]
        assert not unread, f"{resource.name}: {chart} has no values {unread}: they would be ignored"
        if chart in EFFECTS:
            EFFECTS[chart](values, rendered)


def _stack_kube_version(stack: str) -> str:
    from components.cluster.config import KUBERNETES_VERSION
    from tools.mockrun import PROJECT_DIR

    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    return str((config.get("mesh-platform:cluster") or {}).get("kubernetesVersion", KUBERNETES_VERSION))


# -- custom resources against the pinned CRDs ---------------------------------------------


def _crd_files(cache: Path) -> Iterator[Path]:
    for chart in sorted((cache / "charts").iterdir()):
        yield from sorted(chart.glob("files/crd-all.gen.yaml"))  # Istio's base chart
        yield from sorted(chart.glob("crds/*.yaml"))


@cache
def pinned_crds() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> that version's openAPIV3Schema, from every chart in the cache."""
    documents = []
    for path in _crd_files(CACHE):
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for chart in (CACHE / "charts").glob("emissary-crds-chart-*"):
        done = subprocess.run(
            [str(helm_binary(CACHE)), "template", "crds", str(chart)], capture_output=True, text=True, check=True
        )
        documents += [d for d in yaml.safe_load_all(done.stdout) if d]
    schemas = {}
    for crd in documents:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = (version.get("schema") or spec.get("validation") or {}).get("openAPIV3Schema")
            if schema and version.get("served", True):
                schemas[(spec["group"], version["name"], spec["names"]["kind"])] = schema
    return schemas


def resource_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The CRD's schema for the whole object: strict below the root, which also has apiVersion, kind, metadata."""
    root = strict(copy.deepcopy(schema))
    root["properties"] = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        **root.get("properties", {}),
    }
    return root


def strict(schema: Any) -> Any:
    """A CRD schema that refuses unknown fields, as the API server's strict field validation does."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    result = {k: strict(v) for k, v in schema.items()}
    if (
        "properties" in result
        and "additionalProperties" not in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


def custom_resources(run) -> Iterator[tuple[Any, str, str, str]]:
    for resource in run.resources:
        if not resource.type.startswith("kubernetes:") or resource.type in CHART_TYPES:
            continue
        api, kind = resource.type.split(":", 1)[1].rsplit(":", 1)
        group, _, version = api.rpartition("/")
        if "." in group and not group.endswith(".k8s.io") and group not in BUILTIN_GROUPS:
            yield resource, group, version, kind


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_custom_resource_is_valid_against_the_pinned_crd(run_stack, stack):
    checked = 0
    for resource, group, version, kind in custom_resources(run_stack(stack)):
        schema = pinned_crds().get((group, version, kind))
        assert schema is not None, f"{resource.name}: no pinned CRD serves {group}/{version} {kind}"
        body = _numbers_as_written(
            reveal({k: v for k, v in resource.inputs.items() if k in ("apiVersion", "kind", "metadata", "spec")})
        )
        body.setdefault("apiVersion", f"{group}/{version}")
        body.setdefault("kind", kind)
        errors = sorted(jsonschema.Draft7Validator(resource_schema(schema)).iter_errors(body), key=str)
        assert not errors, f"{resource.name} ({kind}): " + "; ".join(
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )
        checked += 1
    if stack != "dev" or checked:
        assert checked, f"{stack} declares no custom resource to check"


def test_a_wrong_field_is_caught():
    schema = pinned_crds()[("networking.istio.io", "v1", "VirtualService")]
    body = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "x"},
        "spec": {"hosts": ["a"], "htpp": []},
    }
    (error,) = jsonschema.Draft7Validator(resource_schema(schema)).iter_errors(body)
    assert "htpp" in error.message


def test_an_unknown_chart_value_is_caught():
    defaults = chart_defaults(chart_dir(CACHE, "gateway", _istio_version()))
    assert unread_keys({"replicaCount": 2, "podDisruptionBudget": {"minAvailable": 1}}, defaults) == []
    assert unread_keys({"replicas": 2}, defaults) == ["replicas"]


def _istio_version() -> str:
    from components.mesh.config import ISTIO_VERSION

    return ISTIO_VERSION


def _statements(policy: dict[str, Any]) -> list[str]:
    """A policy's statements, order- and list-order-insensitive."""

    def norm(statement: dict[str, Any]) -> str:
        statement = dict(statement)
        for key in ("Action", "Resource"):
            if isinstance(statement.get(key), str):
                statement[key] = [statement[key]]
            if key in statement:
                statement[key] = sorted(statement[key])
        return json.dumps(statement, sort_keys=True)

    return sorted(norm(s) for s in policy["Statement"])


def test_alb_controller_policy_is_the_one_published_with_the_pinned_chart():
    from components.edges.alb.config import CONTROLLER_CHART
    from components.edges.alb.iam_policies import load_balancer_controller_policy

    chart = chart_dir(CACHE, ALB_CHART, CONTROLLER_CHART.version)
    if not chart.is_dir():
        pytest.skip(f"chart {ALB_CHART} {CONTROLLER_CHART.version} is not in the upstream cache; run `make upstream`")
    published = alb_policy_file(CACHE, app_version(chart))
    if not published.is_file():
        pytest.skip(f"{published.name} is not in the upstream cache; run `make upstream`")
    assert _statements(load_balancer_controller_policy("aws")) == _statements(json.loads(published.read_text()))


def test_helm_refuses_a_value_the_chart_schema_forbids(tmp_path):
    from components.mesh.config import ISTIO_VERSION

    chart = chart_dir(CACHE, "gateway", ISTIO_VERSION)
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"replicaCount": "two"}))
    done = subprocess.run(
        [str(helm_binary(CACHE)), "template", "g", str(chart), "-f", str(values)], capture_output=True, text=True
    )
    assert done.returncode != 0 and "replicaCount" in done.stderr
