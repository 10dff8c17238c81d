"""mesh-platform: the composition root.

Reads and validates the stack's configuration once, then builds the platform top to
bottom: cluster -> Istio mesh -> routes -> observability -> edge. Each step is one
component; nothing below this file reads `pulumi.Config`.
"""

from datetime import date

import pulumi

from components.cluster.component import Cluster, ClusterArgs
from components.config.loader import PulumiConfigSource, load_stack_config
from components.config.version_rules import version_warnings
from components.mesh.component import IstioMesh, IstioMeshArgs
from components.mesh.model import gateway_service_type
from components.observability.component import Observability, ObservabilityArgs
from components.routes.component import MeshRoutes, MeshRoutesArgs

config = load_stack_config(PulumiConfigSource())  # raises ConfigError listing every problem
for warning in [*version_warnings(config, date.today()), *(config.avi.transport_warnings() if config.avi else [])]:
    pulumi.log.warn(warning)

cluster = Cluster(
    "cluster",
    ClusterArgs(config=config.cluster, kubeconfig=config.kubeconfig, tags={"environment": config.environment}),
)

pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("clusterApiEndpoint", cluster.api_endpoint)
if config.cluster.kind == "eks":
    pulumi.export("vpcId", cluster.vpc_id)
    pulumi.export("oidcProviderArn", cluster.oidc_provider_arn)
if config.cluster.kind == "aks":
    pulumi.export("nodeResourceGroup", cluster.node_resource_group)

# The Azure edge's static IP must exist before the gateway Service that takes it.
azure_edge = None
if config.edge.kind == "azure-ip":
    from components.edges.azure_ip.component import AzureIpEdge, AzureIpEdgeArgs

    azure_edge = AzureIpEdge("azure-ip-edge", AzureIpEdgeArgs(
        config=config.edge.azure_ip,
        location=config.cluster.aks.location,
        cluster_name=config.cluster.name,
        cluster_principal_id=cluster.identity_principal_id,
        tags={"environment": config.environment},
    ))
    pulumi.export("ingressIp", azure_edge.ip_address)

# The pulumi-managed Avi edge reaches the gateway over mutual TLS: its key material comes first.
avi_edge_managed = config.edge.kind == "avi" and config.edge.avi.manager == "pulumi"
avi_mesh_tls = None
if avi_edge_managed:
    from components.edges.avi.mesh_tls import AviMeshTls

    gateway = config.istio.ingress_gateway
    avi_mesh_tls = AviMeshTls("avi-mesh-tls", config.cluster.name, [
        f"{gateway.name}.{gateway.namespace}.svc", f"{gateway.name}.{gateway.namespace}.svc.cluster.local"])

mesh = IstioMesh("mesh", IstioMeshArgs(
    istio=config.istio,
    app_namespaces=config.namespaces,
    provider=cluster.provider,
    gateway_service_type=gateway_service_type(config.edge.kind),
    service_annotations=azure_edge.service_annotations if azure_edge else {},
    environment=config.environment,
    namespace_policy=config.namespace_policy,
    metrics_server=config.cluster.metrics_server,
    gateway_node_local=avi_edge_managed,  # per-node health checks must see that node's gateway
))
routes = MeshRoutes("routes", MeshRoutesArgs(
    mesh=mesh,
    apps=config.apps,
    external_hosts=config.external_hosts,
    provider=cluster.provider,
    gateway_https=config.edge.kind == "alb",  # the ALB re-encrypts to the gateway's HTTPS port
    gateway_mutual_tls=avi_mesh_tls.gateway if avi_mesh_tls else None,
))
observability = Observability("observability", ObservabilityArgs(
    config=config.observability,
    istio=config.istio,
    provider=cluster.provider,
    mesh_ready=mesh.istiod,
))
pulumi.export("istioNamespace", mesh.istio_namespace)
pulumi.export("ingressGatewayService", f"{mesh.ingress_namespace}/{mesh.ingress_service_name}")
pulumi.export("ingressGateway", routes.gateway_name)

if config.edge.kind == "alb":
    from components.edges.alb.component import AlbEdge, AlbEdgeArgs

    alb_edge = AlbEdge("alb-edge", AlbEdgeArgs(
        config=config.edge.alb,
        cluster_name=cluster.cluster_name,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer_url=cluster.oidc_issuer_url,
        vpc_id=cluster.vpc_id,
        provider=cluster.provider,
        gateway_namespace=mesh.ingress_namespace,
        gateway_service=mesh.ingress_service_name,
        gateway=mesh.ingress_gateway,
        tags={"environment": config.environment, **config.cluster.tags},
    ))
    pulumi.export("albHostname", alb_edge.hostname)

if avi_edge_managed:
    from components.edges.avi.component import AviEdge, AviEdgeArgs

    node_ports = config.istio.ingress_gateway.node_ports
    avi_edge = AviEdge("avi-edge", AviEdgeArgs(
        cluster_name=config.cluster.name,
        edge=config.edge.avi,
        apps=config.apps,
        gateway_https_node_port=node_ports.https,
        gateway_status_node_port=node_ports.status,
        gateway_namespace=config.istio.ingress_gateway.namespace,
        mesh_tls=avi_mesh_tls,
        certificates_secret=config.edge_certificates,
        depends_on=[mesh.ingress_gateway, *([routes.gateway] if routes.gateway else [])],
    ))
    pulumi.export("aviVirtualServices", avi_edge.virtual_services)
    pulumi.export("aviVips", avi_edge.vips)
    pulumi.export("aviHosts", avi_edge.hosts)
    pulumi.export("aviCurl", avi_edge.curl_commands)

if config.edge.kind == "emissary":
    from components.edges.emissary.component import EmissaryEdge, EmissaryEdgeArgs

    # The resource keeps the edge's former name so existing stacks keep their URNs.
    emissary_edge = EmissaryEdge("ambassador-edge", EmissaryEdgeArgs(
        edge=config.edge.emissary,
        istio=config.istio,
        apps=config.apps,
        provider=cluster.provider,
        grafana_enabled=config.observability.grafana_addon,
        dashboard_namespace=mesh.istio_namespace,
        depends_on=[mesh.istiod],
    ))
    pulumi.export("emissaryAddress", emissary_edge.address)
    pulumi.export("emissaryHostnames", emissary_edge.hostnames)
    pulumi.export("emissarySpiffeId", emissary_edge.spiffe_id)
    # The example AuthorizationPolicy bodies stay out of the outputs; `make render` writes them.
    pulumi.export("emissaryPrincipal", emissary_edge.principal)
    pulumi.export("emissaryAppNamespaces", sorted(emissary_edge.authorization_policies))

if config.ako.enabled:
    from components.ako.component import Ako, AkoArgs, AkoMesh
    from components.ako.effective import resolve as resolve_ako
    from components.ako.ingresses import ako_ingresses, served_namespaces
    from components.routes.model import GatewayRef

    ako_settings = resolve_ako(config.cluster.name, config.ako, config.avi, config.edge.avi)
    ako_ingress_manifests, ingress_depends_on = [], []
    if ako_settings.manager == "ako":
        from components.edges.avi.ako_manager import AkoManagedEdge, AkoManagedEdgeArgs

        # AKO builds the layout from these Ingresses; the program keeps the routes and host certificates.
        ako_edge = AkoManagedEdge("avi-edge", AkoManagedEdgeArgs(
            cluster_name=config.cluster.name,
            edge=config.edge.avi,
            apps=config.apps,
            provider=cluster.provider,
            certificates_secret=config.edge_certificates,
            namespaces=dict(mesh.namespaces),
        ))
        ako_ingress_manifests = ako_ingresses(config.apps)
        ingress_depends_on = [*ako_edge.tls_secrets, *ako_edge.routes]
    ako = Ako("ako", AkoArgs(
        settings=ako_settings,
        ako=config.ako,
        avi=config.avi,
        mesh=AkoMesh(
            istiod=mesh.istiod,
            mtls=config.istio.mtls,
            served_namespaces=(served_namespaces(config.apps) if ako_settings.manager == "ako"
                               else tuple(config.namespaces)),
            mesh_namespaces=(config.istio.namespace, config.istio.ingress_gateway.namespace, *config.namespaces),
            namespace_resources=dict(mesh.namespaces),
            egress=(GatewayRef(mesh.egress_service_name, mesh.egress_namespace, mesh.egress_selector,
                               mesh.egress_service_name) if mesh.egress_namespace else None),
            egress_gateway=mesh.egress_gateway,
        ),
        provider=cluster.provider,
        kubeconfig=cluster.kubeconfig,
        context=config.cluster.existing.context if config.cluster.existing else None,
        ingresses=ako_ingress_manifests,
        ingress_depends_on=ingress_depends_on,
    ))
    pulumi.export("akoMeshPrincipal", ako.mesh_principal)
    pulumi.export("akoClusterName", ako.cluster_name)
    if ako_ingress_manifests:
        pulumi.export("akoIngresses", [f"{m['metadata']['namespace']}/{m['metadata']['name']}"
                                       for m in ako_ingress_manifests])
