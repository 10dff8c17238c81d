"""AKS variant of the cluster: resource group, managed cluster, admin kubeconfig."""

from __future__ import annotations

import base64

import pulumi
from pulumi_azure_native import containerservice, resources

from components.cluster.config import AksConfig, ClusterConfig
from components.cluster.outputs import ClusterOutputs


def decode_kubeconfig(encoded: str) -> str:
    """AKS returns kubeconfigs base64-encoded."""
    return base64.b64decode(encoded).decode("utf-8")


def network_profile(mode: str, pod_cidr: str) -> containerservice.ContainerServiceNetworkProfileArgsDict:
    """Azure CNI with an explicit mode: overlay (pods from `pod_cidr`) or vnet (no pod CIDR at all).

    Without a mode AKS picks node-subnet (vnet) mode, and a pod CIDR there is refused
    (https://learn.microsoft.com/azure/aks/azure-cni-overlay). A plain dict, because the
    SDK's `ContainerServiceNetworkProfileArgs` fills in a default pod CIDR on its own.
    """
    profile: containerservice.ContainerServiceNetworkProfileArgsDict = {
        "network_plugin": containerservice.NetworkPlugin.AZURE,
        "load_balancer_sku": containerservice.LoadBalancerSku.STANDARD,
    }
    if mode == "overlay":
        profile["network_plugin_mode"] = containerservice.NetworkPluginMode.OVERLAY
        profile["pod_cidr"] = pod_cidr
    return profile


SupportSettings = tuple[containerservice.KubernetesSupportPlan, containerservice.ManagedClusterSKUArgs | None]


def support_settings(extended_support: bool) -> SupportSettings:
    """The support plan and SKU: long-term support (Premium tier) only when the stack accepts paying for it."""
    if not extended_support:
        return containerservice.KubernetesSupportPlan.KUBERNETES_OFFICIAL, None
    return (
        containerservice.KubernetesSupportPlan.AKS_LONG_TERM_SUPPORT,
        containerservice.ManagedClusterSKUArgs(name="Base", tier="Premium"),
    )


def build_aks(
    name: str, config: ClusterConfig, aks: AksConfig, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> ClusterOutputs:
    """Declare the AKS cluster (`aks` is the section `config.aks`); returns the outputs with the admin kubeconfig."""
    support_plan, sku = support_settings(config.extended_support)
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
            type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED
        ),
        agent_pool_profiles=[
            containerservice.ManagedClusterAgentPoolProfileArgs(
                name="system",
                mode=containerservice.AgentPoolMode.SYSTEM,
                type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
                os_type=containerservice.OSType.LINUX,
                vm_size=pool.vm_size,
                count=pool.count,
                enable_auto_scaling=pool.autoscaling,
                min_count=pool.min_count if pool.autoscaling else None,
                max_count=pool.max_count if pool.autoscaling else None,
            )
        ],
        network_profile=network_profile(aks.network_plugin_mode, aks.pod_cidr),
        support_plan=support_plan,
        sku=sku,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=group),
    )
    # The admin credentials are meant for automation such as an explicit provider; the
    # user kubeconfig needs an interactive Entra ID login.
    credentials = containerservice.list_managed_cluster_admin_credentials_output(
        resource_group_name=group.name, resource_name=cluster.name
    )
    kubeconfig = credentials.kubeconfigs.apply(lambda kcs: decode_kubeconfig(kcs[0].value))
    return ClusterOutputs(
        kubeconfig=pulumi.Output.secret(kubeconfig),
        name=cluster.name,
        node_resource_group=cluster.node_resource_group,
        identity_principal_id=cluster.identity.apply(lambda identity: identity.principal_id if identity else None),
        api_endpoint=cluster.fqdn.apply(lambda fqdn: f"https://{fqdn}" if fqdn else None),
    )
