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

if config.edge.kind == "avi":
    from components.edges.avi import AviEdge, AviEdgeArgs

    avi_edge = AviEdge("avi-edge", AviEdgeArgs(
        cluster_name=config.cluster.name,
        edge=config.edge.avi,
        apps=config.apps,
        gateway_http_node_port=config.istio.ingress_gateway.node_ports.http,
    ))
    pulumi.export("aviVirtualServices", avi_edge.virtual_services)
    pulumi.export("aviHosts", avi_edge.hosts)

if config.edge.kind == "ambassador":
    from components.edges.ambassador import AmbassadorEdge, AmbassadorEdgeArgs

    ambassador_edge = AmbassadorEdge("ambassador-edge", AmbassadorEdgeArgs(
        edge=config.edge.ambassador,
        istio=config.istio,
        apps=config.apps,
        provider=cluster.provider,
        grafana_enabled=config.observability.grafana_addon,
    ))
    pulumi.export("emissaryAddress", ambassador_edge.address)
    pulumi.export("emissaryHostnames", ambassador_edge.hostnames)
    pulumi.export("emissarySpiffeId", ambassador_edge.spiffe_id)
    pulumi.export("emissaryAuthorizationPolicies", ambassador_edge.authorization_policies)

if config.ako.enabled:
    from components.ako import Ako, AkoArgs

    ako = Ako("ako", AkoArgs(
        cluster_name=config.cluster.name,
        ako=config.ako,
        avi=config.avi,
        edge=config.edge.avi,
        provider=cluster.provider,
    ))
    pulumi.export("akoMeshPrincipal", ako.mesh_principal)
