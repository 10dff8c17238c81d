"""The Azure static-IP edge: a Standard static IP in the node resource group, on the gateway."""

from __future__ import annotations

import pytest

NODE_RG = "MC_mesh-staging-rg_mesh-staging_westeurope"


@pytest.fixture(scope="module")
def aks(run_stack):
    return run_stack("aks")


def test_static_public_ip_in_the_node_resource_group(aks):
    (ip,) = aks.of_type("azure-native:network:PublicIPAddress")
    assert ip.inputs["resourceGroupName"] == NODE_RG
    assert ip.inputs["location"] == "westeurope"
    assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
    assert ip.inputs["publicIPAllocationMethod"] == "Static"
    assert ip.inputs["publicIPAddressVersion"] == "IPv4"
    assert ip.inputs["dnsSettings"] == {"domainNameLabel": "mesh-staging"}
    assert ip.parent == "azure-ip-edge"


def test_gateway_service_takes_the_static_ip(aks):
    gateway = aks.named("mesh-ingress-gateway")
    service = gateway.inputs["values"]["service"]
    assert service["type"] == "LoadBalancer"
    assert service["annotations"] == {
        "service.beta.kubernetes.io/azure-load-balancer-ipv4": "20.50.60.70",
        "service.beta.kubernetes.io/azure-load-balancer-resource-group": NODE_RG,
    }
    assert all("nodePort" not in port for port in service["ports"])
    assert "azure-ip-edge-ip" in gateway.dependencies


def test_ingress_ip_is_exported(aks):
    assert aks.outputs["ingressIp"] == "20.50.60.70"


def test_without_dns_label(run_stack):
    run = run_stack("aks", overrides={"mesh-platform:edge": {"kind": "azure-ip"}})
    (ip,) = run.of_type("azure-native:network:PublicIPAddress")
    assert "dnsSettings" not in ip.inputs


def test_no_alb_pieces_on_aks(aks):
    assert aks.of_type("kubernetes:networking.k8s.io/v1:Ingress") == []
    assert "albHostname" not in aks.outputs
