"""The Azure static-IP edge: a Standard static IP in a resource group of its own (it outlives the
cluster), Network Contributor for the cluster's identity there, and the gateway Service naming it."""

from __future__ import annotations

import pytest

from components.edges.azure_ip.component import NETWORK_CONTRIBUTOR_ROLE

IP_RG = "mesh-staging-ingress-rg"
CLUSTER_PRINCIPAL = "00000000-0000-0000-0000-00000000c1a5"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000005b5"


@pytest.fixture(scope="module")
def aks(run_stack):
    return run_stack("aks")


def test_static_public_ip_in_a_resource_group_of_its_own(aks):
    (ip,) = aks.of_type("azure-native:network:PublicIPAddress")
    assert ip.inputs["resourceGroupName"] == IP_RG
    assert not ip.inputs["resourceGroupName"].startswith("MC_")
    assert ip.inputs["location"] == "westeurope"
    assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
    assert ip.inputs["publicIPAllocationMethod"] == "Static"
    assert ip.inputs["publicIPAddressVersion"] == "IPv4"
    assert ip.inputs["dnsSettings"] == {"domainNameLabel": "mesh-staging"}
    group = aks.named("azure-ip-edge-rg")
    assert group.inputs["resourceGroupName"] == IP_RG and group.parent == "azure-ip-edge"
    # Not a child of the cluster or its group: deleting or replacing the cluster leaves it alone.
    assert "cluster" not in group.dependencies and ip.parent == "azure-ip-edge-rg"


def test_ip_resource_group_defaults_from_the_cluster_name(run_stack):
    run = run_stack("aks", overrides={"mesh-platform:edge": {"kind": "azure-ip"}})
    assert run.named("azure-ip-edge-rg").inputs["resourceGroupName"] == "mesh-staging-ingress-rg"


def test_cluster_identity_is_network_contributor_on_the_ip_group(aks):
    (role,) = aks.of_type("azure-native:authorization:RoleAssignment")
    assert role.inputs["principalId"] == CLUSTER_PRINCIPAL
    assert role.inputs["principalType"] == "ServicePrincipal"
    assert role.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR_ROLE}"
    )
    assert role.inputs["scope"] == "azure-ip-edge-rg-id"


def test_gateway_service_names_the_ip_and_its_group(aks):
    gateway = aks.named("mesh-ingress-gateway")
    service = gateway.inputs["values"]["service"]
    assert service["type"] == "LoadBalancer"
    assert service["annotations"] == {
        "service.beta.kubernetes.io/azure-pip-name": "mesh-staging-ingress",
        "service.beta.kubernetes.io/azure-load-balancer-resource-group": IP_RG,
    }
    assert "loadBalancerIP" not in service  # deprecated field
    assert all("nodePort" not in port for port in service["ports"])
    # The Service comes only after the role is granted (the cloud provider needs it to take the IP).
    assert "azure-ip-edge-network-contributor" in gateway.dependencies


def test_ingress_ip_is_exported(aks):
    assert aks.outputs["ingressIp"] == "20.50.60.70"
