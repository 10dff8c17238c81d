"""mesh-platform: the composition root.

Reads and validates the stack's configuration once, then builds the platform top to
bottom: cluster -> Istio mesh -> routes -> observability -> edge. Each step is one
component; nothing below this file reads `pulumi.Config`.
"""

import pulumi

from components.cluster import Cluster, ClusterArgs
from components.config import PulumiConfigSource, load_stack_config

config = load_stack_config(PulumiConfigSource())  # raises ConfigError listing every problem

cluster = Cluster(
    "cluster",
    ClusterArgs(config=config.cluster, kubeconfig=config.kubeconfig, tags={"environment": config.environment}),
)

pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("clusterName", cluster.cluster_name)
if config.cluster.kind == "eks":
    pulumi.export("vpcId", cluster.vpc_id)
    pulumi.export("oidcProviderArn", cluster.oidc_provider_arn)
if config.cluster.kind == "aks":
    pulumi.export("nodeResourceGroup", cluster.node_resource_group)
