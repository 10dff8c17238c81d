"""mesh-platform: the composition root.

Reads and validates the stack's configuration once, then builds the platform top to
bottom as docs/design.md draws it: cluster -> Istio mesh -> routes -> observability ->
edge -> AKO. Each step is one component; nothing below this file reads `pulumi.Config`.
The cluster's Kubernetes provider reaches every Kubernetes resource through the
components' resource options (`k8s` below), never through their arguments.
"""

from datetime import date

import pulumi

from components.ako.component import Ako
from components.ako.wiring import ako_args, ako_outputs
from components.cluster.component import Cluster, ClusterArgs
from components.edges.factory import build_edge, edge_before_mesh
from components.mesh.component import IstioMesh, IstioMeshArgs
from components.mesh.label_policy import MeshLabelPolicy, MeshLabelPolicyArgs
from components.observability.component import Observability, ObservabilityArgs
from components.routes.component import MeshRoutes, MeshRoutesArgs
from components.stack.loader import PulumiConfigSource, load_stack_config
from components.stack.rules import stack_warnings
from components.stack.version_rules import version_warnings

config = load_stack_config(PulumiConfigSource())  # raises ConfigError listing every problem
warnings = [*version_warnings(config, date.today()), *(config.avi.transport_warnings() if config.avi else [])]
for warning in [*warnings, *stack_warnings(config)]:
    pulumi.log.warn(warning)

cluster = Cluster(
    "cluster",
    ClusterArgs(config=config.cluster, kubeconfig=config.kubeconfig, tags={"environment": config.environment_name}),
)
k8s = pulumi.ResourceOptions(providers=[cluster.provider])
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("clusterApiEndpoint", cluster.api_endpoint)
if config.cluster.kind == "eks":
    pulumi.export("vpcId", cluster.vpc_id)
    pulumi.export("oidcProviderArn", cluster.oidc_provider_arn)
if config.cluster.kind == "aks":
    pulumi.export("nodeResourceGroup", cluster.node_resource_group)

# The Azure static IP and the Avi edge's mutual-TLS material shape the gateway: they come first.
before_mesh = edge_before_mesh(config, cluster)
gateway = before_mesh.gateway

mesh = IstioMesh(
    "mesh",
    IstioMeshArgs(
        istio=config.istio,
        app_namespaces=config.namespaces,
        gateway_service_type=gateway.service_type,
        service_annotations=gateway.service_annotations,
        environment=config.environment_name,
        namespace_policy=config.namespace_policy,
        metrics_server=config.cluster.metrics_server,
        gateway_node_local=gateway.node_local,
    ),
    opts=k8s,
)
MeshLabelPolicy(
    "label-policy",
    MeshLabelPolicyArgs(mode=config.namespace_policy.label_policy, namespaces=config.namespaces),
    opts=k8s,
)
routes = MeshRoutes(
    "routes",
    MeshRoutesArgs(
        mesh=mesh,
        apps=config.apps,
        external_hosts=config.external_hosts,
        gateway_https=gateway.https,
        gateway_mutual_tls=gateway.mutual_tls,
    ),
    opts=k8s,
)
observability = Observability(
    "observability",
    ObservabilityArgs(
        config=config.observability,
        istio=config.istio,
    ),
    opts=pulumi.ResourceOptions.merge(k8s, pulumi.ResourceOptions(depends_on=[mesh.istiod])),
)
pulumi.export("istioNamespace", mesh.istio_namespace)
pulumi.export("ingressGatewayService", f"{mesh.ingress_namespace}/{mesh.ingress_service_name}")
pulumi.export("ingressGateway", routes.gateway_name)

edge = build_edge(config, cluster, mesh, routes, before_mesh, k8s)
for key, value in edge.outputs.items():
    pulumi.export(key, value)

if config.ako.enabled:
    ako_inputs = ako_args(config, mesh, cluster.kubeconfig, edge.component)
    ako = Ako("ako", ako_inputs, opts=k8s)
    for key, value in ako_outputs(ako, ako_inputs).items():
        pulumi.export(key, value)
