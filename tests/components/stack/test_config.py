"""Config validation: one test per rule, asserting the key path and the message."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from components.cluster.vm_sizes import azure_vm_memory_gib
from components.config.errors import ConfigError
from components.config.types import is_hostname
from components.stack.loader import load_stack_config


class DictSource:
    """A ConfigSource over plain dicts; secrets are returned as tagged strings."""

    def __init__(self, values: dict[str, Any], secrets: dict[str, str] | None = None, stack: str = "test"):
        self.values, self.secrets, self.stack = values, secrets or {}, stack

    def value(self, key: str) -> Any:
        return copy.deepcopy(self.values.get(key))

    def secret(self, key: str):
        return f"secret:{self.secrets[key]}" if key in self.secrets else None

    def keys(self) -> list[str]:
        return [k if ":" in k else f"mesh-platform:{k}" for k in (*self.values, *self.secrets)]

    def provider_setting(self, full_key: str) -> str | None:
        return self.values.get(full_key)

    def is_stored_secret(self, key: str) -> bool:
        return True


BASE = {
    "cluster": {"kind": "existing", "name": "dev"},
    "namespaces": ["default", "prod"],
    "edge": {"kind": "ambassador"},
    "apps": [
        {
            "virtualName": "app1",
            "name": "app1-service",
            "port": 8000,
            "namespaces": [{"name": "prod", "hosts": ["app1.example.com"]}],
        }
    ],
}


def load(changes: dict[str, Any], secrets: dict[str, str] | None = None, drop: tuple[str, ...] = ()):
    values = {**copy.deepcopy(BASE), **changes}
    for key in drop:
        values.pop(key, None)
    return load_stack_config(DictSource(values, secrets))


def problems_of(changes: dict[str, Any], **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(changes, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_valid_minimal_stack_loads_with_defaults():
    config = load({})
    assert config.cluster.kind == "existing"
    assert config.istio.mtls_mode == "STRICT"
    assert config.istio.outbound_traffic_policy == "ALLOW_ANY"
    assert config.istio.egress_gateway_enabled is False
    assert config.apps[0].prefixes == ("/",)
    assert config.environment == "test"


def test_registry_only_turns_the_egress_gateway_on_by_default():
    config = load({"istio": {"outboundTrafficPolicy": "REGISTRY_ONLY"}})
    assert config.istio.egress_gateway_enabled is True


def test_missing_cluster_and_edge_are_reported_together():
    found = problems_of({}, drop=("cluster", "edge"))
    assert "mesh-platform:cluster: required; expected an object with kind: eks, aks, existing" in found
    assert "mesh-platform:edge: required; expected an object with kind: alb, azure-ip, emissary, avi" in found


def test_unknown_edge_kind_names_valid_choices():
    found = problems_of({"edge": {"kind": "albb"}})
    assert found == [
        'mesh-platform:edge.kind: expected one of alb, azure-ip, emissary, avi; got "albb"; did you mean alb?'
    ]


def test_unknown_setting_is_a_typo_not_silence():
    found = problems_of({"istio": {"mtlsMode": "STRICT"}})
    assert found[0].startswith("mesh-platform:istio.mtlsMode: unknown setting; expected one of version,")


def test_enum_is_case_sensitive():
    assert problems_of({"istio": {"mtls": "strict"}}) == [
        'mesh-platform:istio.mtls: expected one of STRICT, PERMISSIVE; got "strict"; did you mean STRICT?'
    ]


def test_cluster_name_must_be_a_dns_label():
    found = problems_of({"cluster": {"kind": "existing", "name": "Dev_Cluster"}})
    assert found == [
        "mesh-platform:cluster.name: expected a DNS label (lower-case letters, digits, '-'); got \"Dev_Cluster\""
    ]


def test_kubernetes_version_format():
    found = problems_of({"cluster": {"kind": "existing", "kubernetesVersion": "v1.32.1"}})
    assert found == ['mesh-platform:cluster.kubernetesVersion: expected a version such as "1.35"; got "v1.32.1"']


def test_settings_for_another_cluster_kind_are_rejected():
    found = problems_of({"cluster": {"kind": "existing", "eks": {}}})
    assert found == [
        'mesh-platform:cluster.eks: settings for "eks" given but cluster.kind is "existing"; '
        "remove them or set kind: eks"
    ]


EKS = {
    "kind": "eks",
    "eks": {"publicAccessCidrs": ["203.0.113.0/24"], "vpc": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}},
}


def test_eks_new_vpc_needs_two_zones():
    cluster = copy.deepcopy(EKS)
    cluster["eks"]["vpc"]["availabilityZones"] = ["eu-west-1a"]
    found = problems_of({"cluster": cluster, "edge": {"kind": "alb", "alb": {"certificateArn": ARN}}})
    assert found == [
        "mesh-platform:cluster.eks.vpc.availabilityZones: expected at least two zones (EKS needs subnets in two)"
    ]


def test_eks_node_group_sizes_must_be_ordered():
    cluster = copy.deepcopy(EKS)
    cluster["eks"]["nodeGroup"] = {"minSize": 4, "desiredSize": 2, "maxSize": 3}
    found = problems_of({"cluster": cluster, "edge": {"kind": "alb", "alb": {"certificateArn": ARN}}})
    assert found == ["mesh-platform:cluster.eks.nodeGroup: expected minSize <= desiredSize <= maxSize; got 4, 2, 3"]


def test_eks_existing_vpc_needs_two_private_subnets_and_no_cidr():
    cluster = {
        "kind": "eks",
        "eks": {"vpc": {"vpcId": "vpc-0abc", "privateSubnetIds": ["subnet-1"], "cidr": "10.0.0.0/16"}},
    }
    found = problems_of({"cluster": cluster, "edge": {"kind": "alb", "alb": {"certificateArn": ARN}}})
    assert "mesh-platform:cluster.eks.vpc.cidr: only for a new VPC; remove it or remove vpcId" in found
    assert (
        "mesh-platform:cluster.eks.vpc.privateSubnetIds: EKS needs at least two private subnets in different zones"
    ) in found


def test_eks_subnet_ids_are_checked_one_by_one():
    cluster = {"kind": "eks", "eks": {"vpc": {"vpcId": "vpc-0abc", "privateSubnetIds": ["subnet-1", "sn-2"]}}}
    found = problems_of({"cluster": cluster, "edge": {"kind": "alb", "alb": {"certificateArn": ARN}}})
    assert 'mesh-platform:cluster.eks.vpc.privateSubnetIds[1]: expected a subnet id "subnet-..."; got "sn-2"' in found


def test_aks_rejects_nodes_with_four_gib_or_less():
    cluster = {"kind": "aks", "aks": {"location": "westeurope", "nodePool": {"vmSize": "Standard_B2s"}}}
    found = problems_of({"cluster": cluster, "edge": {"kind": "azure-ip"}})
    assert found == [
        "mesh-platform:cluster.aks.nodePool.vmSize: Standard_B2s has 4 GiB of memory; Istio needs "
        "nodes with more than 4 GiB (AKS reserves part of it for the system), e.g. Standard_D4s_v5"
    ]


def test_aks_accepts_eight_gib_nodes():
    cluster = {"kind": "aks", "aks": {"location": "westeurope", "nodePool": {"vmSize": "Standard_D2s_v5"}}}
    assert load({"cluster": cluster, "edge": {"kind": "azure-ip"}}).cluster.aks.node_pool.vm_size == "Standard_D2s_v5"


def test_aks_location_is_required():
    found = problems_of({"cluster": {"kind": "aks"}, "edge": {"kind": "azure-ip"}})
    assert found == ['mesh-platform:cluster.aks.location: required; expected an Azure region such as "westeurope"']


@pytest.mark.parametrize(
    "size, gib",
    [
        ("Standard_B2s", 4),
        ("Standard_B2ms", 8),
        ("Standard_D2s_v3", 8),
        ("Standard_D4s_v5", 16),
        ("Standard_D2ls_v5", 4),
        ("Standard_E2s_v5", 16),
        ("Standard_F2s_v2", 4),
        ("Standard_DS2_v2", 7),
        ("Standard_A2_v2", 4),
        ("Standard_NC6", None),
    ],
)
def test_azure_vm_memory_table(size, gib):
    assert azure_vm_memory_gib(size) == gib


def test_existing_kubeconfig_path_must_exist(tmp_path):
    found = problems_of({"cluster": {"kind": "existing", "existing": {"kubeconfigPath": str(tmp_path / "nope")}}})
    assert found == [
        f'mesh-platform:cluster.existing.kubeconfigPath: no kubeconfig file at "{tmp_path / "nope"}"; '
        "expected a readable file, or set mesh-platform:kubeconfig as a secret instead"
    ]


def test_existing_kubeconfig_secret_and_path_are_exclusive(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text("apiVersion: v1\n")
    found = problems_of(
        {"cluster": {"kind": "existing", "existing": {"kubeconfigPath": str(path)}}}, secrets={"kubeconfig": "x"}
    )
    assert found == [
        "mesh-platform:cluster.existing.kubeconfigPath: give either mesh-platform:kubeconfig (secret) "
        "or cluster.existing.kubeconfigPath, not both"
    ]


ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def test_alb_edge_needs_eks():
    found = problems_of({"edge": {"kind": "alb", "alb": {"certificateArn": ARN}}})
    assert found == ['mesh-platform:edge.kind: the "alb" edge needs cluster.kind eks; the cluster is "existing"']


def test_alb_certificate_arn_is_required_and_checked():
    found = problems_of({"cluster": EKS, "edge": {"kind": "alb", "alb": {"certificateArn": "arn:aws:acm:bad"}}})
    assert found == [
        "mesh-platform:edge.alb.certificateArn: expected an ACM certificate ARN "
        '"arn:aws:acm:<region>:<account>:certificate/<id>"; got "arn:aws:acm:bad"'
    ]


def test_settings_for_another_edge_are_rejected():
    found = problems_of({"edge": {"kind": "ambassador", "alb": {"certificateArn": ARN}}})
    assert found == ['mesh-platform:edge.alb: settings for the "alb" edge given but edge.kind is "ambassador"']


AVI_EDGE = {
    "vipNetwork": "10.10.10.0/24",
    "vipNetworkName": "vip-net",
    "nodes": [{"name": "n1", "address": "10.0.0.11"}],
}


def test_avi_edge_needs_controller_and_password():
    found = problems_of({"edge": {"kind": "avi", "avi": AVI_EDGE}})
    assert found == [
        "mesh-platform:avi: required for the avi edge; expected an object with controller, username, tenant, version"
    ]
    found = problems_of({"edge": {"kind": "avi", "avi": AVI_EDGE}, "avi": {"controller": "https://avi.example.com"}})
    assert found == [
        "mesh-platform:aviPassword: required for the avi edge; set it with `pulumi config set --secret aviPassword ...`"
    ]


def test_avi_edge_needs_a_vip_source_and_nodes():
    found = problems_of(
        {"edge": {"kind": "avi", "avi": {}}, "avi": {"controller": "https://avi.example.com"}},
        secrets={"aviPassword": "pw"},
    )
    assert found == [
        "mesh-platform:edge.avi: expected vipAddress or vipNetwork (where the controller allocates VIPs)",
        "mesh-platform:edge.avi.nodes: expected at least one node {name, address}: the pools send traffic to the "
        "ingress gateway's node ports there",
    ]


def test_avi_fixed_vip_needs_a_single_shard():
    edge = {"kind": "avi", "avi": {**AVI_EDGE, "vipAddress": "10.10.10.5", "shardSize": "LARGE"}}
    found = problems_of({"edge": edge, "avi": {"controller": "https://avi.example.com"}}, secrets={"aviPassword": "pw"})
    assert found == [
        "mesh-platform:edge.avi.vipAddress: one fixed VIP serves one shard; use shardSize SMALL, or "
        "leave vipAddress out and let the controller allocate VIPs from vipNetwork"
    ]


def test_avi_static_routes_are_validated():
    edge = {"kind": "avi", "avi": {**AVI_EDGE, "staticRoutes": [{"prefix": "10.0.0.0/33", "nextHop": "10.0.0.11"}]}}
    found = problems_of({"edge": edge, "avi": {"controller": "https://avi.example.com"}}, secrets={"aviPassword": "pw"})
    assert found == [
        'mesh-platform:edge.avi.staticRoutes[0].prefix: expected a CIDR such as 10.244.1.0/24; got "10.0.0.0/33"'
    ]


def test_grafana_addon_needs_a_password():
    found = problems_of({"observability": {"grafana": {"addon": True}}})
    assert found == [
        "mesh-platform:grafanaPassword: required when observability.grafana.addon is true; set it "
        "with `pulumi config set --secret grafanaPassword ...`"
    ]


def test_ingress_node_ports_range():
    found = problems_of({"istio": {"ingressGateway": {"nodePorts": {"http": 80}}}})
    assert found == [
        "mesh-platform:istio.ingressGateway.nodePorts.http: expected an integer from 30000 to 32767; got 80"
    ]


def test_ingress_node_ports_must_differ():
    found = problems_of({"istio": {"ingressGateway": {"nodePorts": {"https": 30443, "status": 30443}}}})
    assert found == [
        "mesh-platform:istio.ingressGateway.nodePorts: node ports must differ; got http=30080, "
        "https=30443, status=30443"
    ]


def test_app_port_out_of_range_and_bad_prefix():
    app = {
        "virtualName": "app1",
        "name": "app1-service",
        "port": 70000,
        "prefixes": ["api"],
        "namespaces": [{"name": "prod", "hosts": ["app1.example.com"]}],
    }
    found = problems_of({"apps": [app]})
    assert "mesh-platform:apps[0].port: expected an integer from 1 to 65535; got 70000" in found
    assert 'mesh-platform:apps[0].prefixes[0]: expected a path prefix such as "/api"; got "api"' in found


def test_three_route_mistakes_are_reported_together():
    apps = [
        {"virtualName": "a", "name": "a", "port": 80, "namespaces": [{"name": "prod", "hosts": ["x.example.com"]}]},
        {"virtualName": "b", "name": "b", "port": 80, "namespaces": [{"name": "prod", "hosts": ["x.example.com"]}]},
        {
            "virtualName": "c",
            "name": "c",
            "port": 80,
            "namespaces": [{"name": "staging", "hosts": ["Bad_Host.example.com"]}],
        },
    ]
    found = problems_of({"apps": apps})
    assert len(found) == 3, found
    assert any(
        "apps[1].namespaces[0].hosts" in p and '"x.example.com"' in p and "already routed by a in prod" in p
        for p in found
    )
    assert 'mesh-platform:apps[2].namespaces[0].hosts[0]: expected a DNS host name; got "Bad_Host.example.com"' in found
    assert any(
        p.startswith('mesh-platform:apps[2].namespaces[0].name: namespace "staging" is not declared') for p in found
    )


def test_one_service_one_port_per_namespace():
    apps = [
        {"virtualName": "a", "name": "svc", "port": 80, "namespaces": [{"name": "prod", "hosts": ["a.example.com"]}]},
        {"virtualName": "b", "name": "svc", "port": 81, "namespaces": [{"name": "prod", "hosts": ["b.example.com"]}]},
    ]
    assert problems_of({"apps": apps}) == [
        'mesh-platform:apps[1].port: service "svc" in namespace "prod" is already declared with port 80; '
        "one service has one port here"
    ]


@pytest.mark.parametrize(
    "host, ok",
    [
        ("app1.public.domain", True),
        ("*.example.com", True),
        ("a", True),
        ("example.com.", False),
        ("UPPER.example.com", False),
        ("a..b", False),
        ("*", False),
        ("x.*.example.com", False),
        ("-a.example.com", False),
    ],
)
def test_hostname_rule(host, ok):
    assert is_hostname(host) is ok


def test_virtual_service_names_are_unique_per_namespace():
    apps = [
        {"virtualName": "web", "name": "a", "port": 80, "namespaces": [{"name": "prod", "hosts": ["a.example.com"]}]},
        {"virtualName": "web", "name": "b", "port": 80, "namespaces": [{"name": "prod", "hosts": ["b.example.com"]}]},
    ]
    assert problems_of({"apps": apps}) == [
        'mesh-platform:apps[1].virtualName: "web" is already used by apps[0] in namespace "prod"; '
        "virtual service names must be unique per namespace"
    ]


def test_emissary_needs_a_namespace_of_its_own():
    found = problems_of({"edge": {"kind": "ambassador", "ambassador": {"namespace": "prod"}}})
    assert found == [
        'mesh-platform:edge.ambassador.namespace: "prod" is already used by Istio or the apps; '
        "Emissary gets a namespace of its own (its pods carry a sidecar that intercepts nothing)"
    ]


def test_ako_needs_a_namespace_of_its_own():
    found = problems_of(
        {
            "ako": {"enabled": True, "namespace": "istio-system"},
            "cluster": {"kind": "existing", "kubernetesVersion": "1.34"},
            "avi": {"controller": "https://avi.example.com"},
        },
        secrets={"aviPassword": "pw"},
    )
    assert found == ['mesh-platform:ako.namespace: "istio-system" is already used; AKO gets a namespace of its own']


def test_passwords_come_only_from_the_secret_keys():
    found = problems_of({"observability": {"grafana": {"password": "hunter2"}}})
    assert found == [
        "mesh-platform:observability.grafana.password: unknown setting; expected one of username, addon, "
        "chartVersion, externalUrl, istioDashboards"
    ]
    config = load({"observability": {"grafana": {"addon": True}}}, secrets={"grafanaPassword": "pw"})
    assert config.observability.grafana.password == "secret:pw"
    assert config.observability.kiali.password is None


def test_emissary_edge_under_its_name_and_its_older_name():
    new = load({"edge": {"kind": "emissary", "emissary": {"replicas": 1}}}).edge
    old = load({"edge": {"kind": "ambassador", "ambassador": {"replicas": 1}}}).edge
    assert new == old and new.kind == "emissary" and new.emissary.replicas == 1
    assert problems_of({"edge": {"kind": "emissary", "emissary": {}, "ambassador": {}}}) == [
        "mesh-platform:edge.ambassador: give either emissary or its older name ambassador, not both"
    ]


def test_models_are_frozen():
    config = load({})
    with pytest.raises(ValidationError):
        config.istio.mtls = "PERMISSIVE"


def test_wrong_types_read_as_written_never_as_python_reprs():
    found = problems_of({"cluster": "existing", "namespaces": "prod", "istio": {"accessLogging": "yes"}})
    assert found == [
        'mesh-platform:cluster: expected an object; got "existing"',
        'mesh-platform:istio.accessLogging: expected true or false; got "yes"',
        'mesh-platform:namespaces: expected a list; got "prod"',
    ]


def test_a_bad_entry_under_the_older_emissary_name_is_reported_where_it_was_written():
    found = problems_of({"edge": {"kind": "ambassador", "ambassador": {"hostnames": ["Bad_Host"]}}})
    assert found == ['mesh-platform:edge.ambassador.hostnames[0]: expected a DNS host name; got "Bad_Host"']
