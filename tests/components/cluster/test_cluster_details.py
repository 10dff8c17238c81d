"""EKS and AKS details a first `pulumi up` trips on, the gateways' availability, and Azure VM sizes."""

from __future__ import annotations

import json

import pytest

from components.cluster.eks import kubeconfig_document
from components.cluster.vm_sizes import azure_vm_memory_gib
from components.mesh import model as mesh_model
from tests.components.stack.test_config import load, problems_of

RELEASE = "kubernetes:helm.sh/v3:Release"


def release(run, name):
    (found,) = [r for r in run.of_type(RELEASE) if r.inputs["name"] == name]
    return found


# -- EKS -----------------------------------------------------------------------------------


def test_eks_authentication_mode_api_with_access_entries_for_admin_roles(run_stack):
    run = run_stack("eks")
    assert run.named("cluster-eks").inputs["accessConfig"]["authenticationMode"] == "API"
    entries = {e.inputs["principalArn"] for e in run.of_type("aws:eks/accessEntry:AccessEntry")}
    assert entries == {
        "arn:aws:iam::123456789012:role/platform-admins",
        "arn:aws:iam::123456789012:role/platform-deployer",
    }  # admins + the kubeconfig's role
    policies = run.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert {p.inputs["policyArn"] for p in policies} == {
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    }
    assert all(p.inputs["accessScope"] == {"type": "cluster"} for p in policies)


def test_eks_endpoint_cidrs_from_config_with_private_access(run_stack):
    vpc_config = run_stack("eks").named("cluster-eks").inputs["vpcConfig"]
    assert vpc_config["endpointPrivateAccess"] is True and vpc_config["endpointPublicAccess"] is True
    assert vpc_config["publicAccessCidrs"] == ["203.0.113.0/24", "198.51.100.10/32"]


def test_eks_public_endpoint_needs_cidrs():
    found = problems_of(
        {
            "cluster": {"kind": "eks", "eks": {"vpc": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}}},
            "edge": {"kind": "emissary"},
        }
    )
    assert found[0].startswith("mesh-platform:cluster.eks.publicAccessCidrs: required while endpointPublicAccess")


def test_eks_kubeconfig_token_command_uses_the_configured_role(run_stack):
    kubeconfig = run_stack("eks").outputs["kubeconfig"]
    document = json.loads(kubeconfig.value if hasattr(kubeconfig, "value") else kubeconfig)
    args = document["users"][0]["user"]["exec"]["args"]
    assert args[-2:] == ["--role-arn", "arn:aws:iam::123456789012:role/platform-deployer"]


def test_eks_kubeconfig_profile_goes_into_the_exec_environment(run_stack):
    kubeconfig = run_stack("ambassador").outputs["kubeconfig"]
    document = json.loads(kubeconfig.value if hasattr(kubeconfig, "value") else kubeconfig)
    assert document["users"][0]["user"]["exec"]["env"] == [{"name": "AWS_PROFILE", "value": "platform"}]
    plain = kubeconfig_document("c", "https://x", "ca", "eu-west-1")
    exec_config = plain["users"][0]["user"]["exec"]
    assert "env" not in exec_config and "--role-arn" not in exec_config["args"]


def test_eks_one_nat_gateway_per_zone_unless_single(run_stack):
    nats = run_stack("eks").of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 3
    cluster = {
        "kind": "eks",
        "name": "mesh-prod",
        "eks": {
            "publicAccessCidrs": ["203.0.113.0/24"],
            "vpc": {"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"], "natGateways": "single"},
        },
    }
    run = run_stack("eks", overrides={"mesh-platform:cluster": cluster})
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 1
    associations = run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    private = [a for a in associations if "-private-" in a.name]
    assert len(private) == 3 and {a.inputs["routeTableId"] for a in private} == {"cluster-private-rt-id"}


def test_eks_installs_the_metrics_server_add_on(run_stack):
    run = run_stack("eks")
    (addon,) = run.of_type("aws:eks/addon:Addon")
    assert addon.inputs["addonName"] == "metrics-server"
    # The mesh (and its autoscalers) come after it: the provider waits for the add-on.
    assert "cluster-metrics-server" in run.named("cluster-k8s").dependencies


# -- AKS -----------------------------------------------------------------------------------


def test_aks_network_plugin_mode_is_explicit_overlay_with_pod_cidr(run_stack):
    profile = run_stack("aks").named("cluster-aks").inputs["networkProfile"]
    assert profile["networkPlugin"] == "azure" and profile["networkPluginMode"] == "overlay"
    assert profile["podCidr"] == "10.244.0.0/16"


def test_aks_vnet_mode_has_no_pod_cidr(run_stack):
    aks = {"kind": "aks", "name": "mesh-staging", "aks": {"location": "westeurope", "networkPluginMode": "vnet"}}
    profile = run_stack("aks", overrides={"mesh-platform:cluster": aks}).named("cluster-aks").inputs["networkProfile"]
    assert "podCidr" not in profile and "networkPluginMode" not in profile
    found = problems_of(
        {
            "cluster": {
                "kind": "aks",
                "aks": {"location": "westeurope", "networkPluginMode": "vnet", "podCidr": "10.244.0.0/16"},
            },
            "edge": {"kind": "azure-ip"},
        }
    )
    assert found == [
        "mesh-platform:cluster.aks.podCidr: only with networkPluginMode: overlay (vnet mode gives pods "
        "node-subnet addresses)"
    ]


# -- gateways ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["eks", "aks"])
def test_gateways_run_two_replicas_with_a_disruption_budget_outside_dev(run_stack, stack):
    run = run_stack(stack)
    for name in ("istio-ingressgateway", "istio-egressgateway"):
        values = release(run, name).inputs["values"]
        assert values["replicaCount"] >= 2
        assert values["podDisruptionBudget"] == {"minAvailable": 1}
        # metrics-server runs (EKS add-on, AKS managed): the autoscaler keeps at least the replicas.
        assert values["autoscaling"]["enabled"] is True
        assert values["autoscaling"]["minReplicas"] >= 2


def test_dev_gateway_single_replica_no_budget_no_autoscaler(run_stack):
    values = release(run_stack("dev"), "istio-ingressgateway").inputs["values"]
    assert values["replicaCount"] == 1 and values["podDisruptionBudget"] == {}
    assert values["autoscaling"] == {"enabled": False}  # no metrics-server on an existing cluster by default


def test_existing_cluster_with_metrics_server_gets_the_autoscaler(run_stack):
    run = run_stack(
        "dev",
        overrides={"mesh-platform:cluster": {"kind": "existing", "name": "dev", "existing": {"metricsServer": True}}},
    )
    assert release(run, "istio-ingressgateway").inputs["values"]["autoscaling"]["enabled"] is True


def test_single_gateway_replica_refused_on_cloud_clusters():
    found = problems_of(
        {
            "cluster": {"kind": "aks", "aks": {"location": "westeurope"}},
            "edge": {"kind": "azure-ip"},
            "istio": {
                "outboundTrafficPolicy": "REGISTRY_ONLY",
                "ingressGateway": {"replicas": 1},
                "egressGateway": {"replicas": 1},
            },
        }
    )
    assert [f.split(":", 2)[1] for f in found] == ["istio.ingressGateway.replicas", "istio.egressGateway.replicas"]
    assert "PodDisruptionBudget" in found[0]


def test_availability_values():
    assert mesh_model.availability_values(3, False, 5) == {
        "replicaCount": 3,
        "autoscaling": {"enabled": False},
        "podDisruptionBudget": {"minAvailable": 1},
    }
    assert mesh_model.availability_values(2, True, 5)["autoscaling"] == {
        "enabled": True,
        "minReplicas": 2,
        "maxReplicas": 5,
    }


# -- VM sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size,gib",
    [
        ("Standard_F2as_v6", 8),
        ("Standard_F2ams_v6", 16),
        ("Standard_F2als_v6", 4),
        ("Standard_F64as_v6", 256),
        ("Standard_F4ams_v6", 32),
        ("Standard_F8as_v7", 32),
        ("Standard_F2s_v2", 4),
        ("Standard_F16s_v2", 32),
        ("Standard_B2s_v2", 8),
        ("Standard_B2ls_v2", 4),
        ("Standard_B2ts_v2", 1),
        ("Standard_B4ls_v2", 8),
        ("Standard_B2as_v2", 8),
        ("Standard_B2als_v2", 4),
        ("Standard_B2ats_v2", 1),
        ("Standard_B2ps_v2", 8),
        ("Standard_B2pls_v2", 4),
        ("Standard_B2pts_v2", 1),
        ("Standard_B16ps_v2", 64),
        ("Standard_D4s_v5", 16),
        ("Standard_D2ls_v5", 4),
        ("Standard_D2ps_v6", 8),
        ("Standard_D2pls_v6", 4),
        ("Standard_D2plds_v6", 4),
        ("Standard_E4as_v5", 32),
        ("Standard_E8-4ds_v5", 64),
        ("Standard_B2s", 4),
        ("Standard_D2_v2", 7),
        ("Standard_DC4as_v5", 16),
        ("Standard_EC8ads_v5", 64),
    ],
)
def test_vm_sizes_decode_every_current_family(size, gib):
    assert azure_vm_memory_gib(size) == gib


@pytest.mark.parametrize("size", ["Standard_F2as_v6", "Standard_F2ams_v6"])
def test_f_v6_sizes_with_enough_memory_are_accepted(size):
    cluster = {"kind": "aks", "aks": {"location": "westeurope", "nodePool": {"vmSize": size}}}
    assert load({"cluster": cluster, "edge": {"kind": "azure-ip"}}).cluster.aks.node_pool.vm_size == size


def test_small_b_v2_and_bp_sizes_are_refused():
    for size in ("Standard_B2pls_v2", "Standard_B2ls_v2", "Standard_B2pts_v2"):
        cluster = {"kind": "aks", "aks": {"location": "westeurope", "nodePool": {"vmSize": size}}}
        (found,) = problems_of({"cluster": cluster, "edge": {"kind": "azure-ip"}})
        assert "GiB of memory; Istio needs nodes with more than 4 GiB" in found


@pytest.mark.parametrize(
    "size",
    [
        "Standard_L8s_v3",
        "Standard_M32ms_v2",
        "Standard_D11_v2",
        "Standard_NC6s_v3",
        "Standard_FC2_v6",
        "Standard_B2ms_v2",
    ],
)
def test_sizes_no_rule_covers_are_unknown(size):
    assert azure_vm_memory_gib(size) is None


def test_unknown_size_is_an_error_that_says_how_to_state_its_memory():
    cluster = {"kind": "aks", "aks": {"location": "westeurope", "nodePool": {"vmSize": "Standard_L8s_v3"}}}
    (found,) = problems_of({"cluster": cluster, "edge": {"kind": "azure-ip"}})
    assert found == (
        "mesh-platform:cluster.aks.nodePool.vmSize: Standard_L8s_v3 is not in the project's size "
        "table, so the 4 GiB memory floor cannot be checked; state its memory from the Azure size page "
        "as nodePool.memoryGiB (e.g. memoryGiB: 16)"
    )
    cluster["aks"]["nodePool"]["memoryGiB"] = 64
    assert load({"cluster": cluster, "edge": {"kind": "azure-ip"}}).cluster.aks.node_pool.memory_gib == 64
