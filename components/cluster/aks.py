"""AKS variant of the cluster: resource group, managed cluster, admin kubeconfig."""

from __future__ import annotations

import base64

import pulumi
from pulumi_azure_native import containerservice, resources

from components.cluster.outputs import ClusterOutputs
from components.cluster.config import ClusterConfig


def decode_kubeconfig(encoded: str) -> str:
    """AKS returns kubeconfigs base64-encoded."""
    return base64.b64decode(encoded).decode("utf-8")


def build_aks(name: str, config: ClusterConfig, tags: dict[str, str], opts: pulumi.ResourceOptions):
    """Declare the AKS cluster; returns `ClusterOutputs` with the admin kubeconfig."""

    aks = config.aks
    group = resources.ResourceGroup(
        f"{name}-rg",
        resource_group_name=aks.resource_group_name,
        location=aks.location,
        tags=tags,
        opts=opts,
    )
    pool = aks.node_pool
    cluster = containerservice.ManagedCluster(
        f"{name}-aks",
        resource_name_=config.name,
        resource_group_name=group.name,
        location=aks.location,
        dns_prefix=aks.dns_prefix,
        kubernetes_version=config.kubernetes_version,
        enable_rbac=True,
        identity=containerservice.ManagedClusterIdentityArgs(
            type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED),
        agent_pool_profiles=[containerservice.ManagedClusterAgentPoolProfileArgs(
            name="system",
            mode=containerservice.AgentPoolMode.SYSTEM,
            type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
            os_type=containerservice.OSType.LINUX,
            vm_size=pool.vm_size,
            count=pool.count,
            enable_auto_scaling=pool.autoscaling,
            min_count=pool.min_count if pool.autoscaling else None,
            max_count=pool.max_count if pool.autoscaling else None,
        )],
        network_profile=containerservice.ContainerServiceNetworkProfileArgs(
            network_plugin=containerservice.NetworkPlugin.AZURE,
            load_balancer_sku=containerservice.LoadBalancerSku.STANDARD,
        ),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=group),
    )
    # The admin credentials are meant for automation such as an explicit provider; the
    # user kubeconfig needs an interactive Entra ID login.
    credentials = containerservice.list_managed_cluster_admin_credentials_output(
        resource_group_name=group.name, resource_name=cluster.name)
    kubeconfig = credentials.kubeconfigs.apply(lambda kcs: decode_kubeconfig(kcs[0].value))
    return ClusterOutputs(
        kubeconfig=pulumi.Output.secret(kubeconfig),
        name=cluster.name,
        node_resource_group=cluster.node_resource_group,
    )
