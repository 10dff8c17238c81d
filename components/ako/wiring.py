"""AKO's inputs from the stack and the mesh it runs in, and the stack outputs it adds.

The composition root hands over the stack's sections, the mesh and, under the `ako`
manager, the edge AKO builds; everything AKO must know about them (which namespaces it
serves, where the egress gateway is, which Ingresses to declare and what they wait for) is
worked out here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

from components.ako.ako_manager import AkoManagedEdge
from components.ako.component import Ako, AkoArgs, AkoMesh
from components.ako.effective import resolve
from components.ako.ingresses import ako_ingresses, served_namespaces
from components.mesh.component import IstioMesh
from components.mesh.revisions import namespace_injection_labels
from components.routes.model import GatewayRef

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.stack.model import StackConfig


def _egress(mesh: IstioMesh) -> GatewayRef | None:
    if not (mesh.egress_namespace and mesh.egress_service_name and mesh.egress_selector):
        return None
    return GatewayRef(mesh.egress_service_name, mesh.egress_namespace, mesh.egress_selector, mesh.egress_service_name)


def ako_args(
    config: StackConfig,
    mesh: IstioMesh,
    kubeconfig: pulumi.Input[str | None],
    edge: pulumi.ComponentResource | None = None,
) -> AkoArgs:
    """Everything `Ako` takes; `edge` is the stack's edge component (only the `ako` manager's is used)."""
    if config.avi is None:
        raise ValueError("ako.enabled needs the avi section (the controller AKO talks to)")
    settings = resolve(config.cluster.name, config.ako, config.avi, config.edge.avi)
    ingresses: list[dict[str, Any]] = []
    ingress_depends_on: list[pulumi.Resource] = []
    if settings.manager == "ako":
        if not isinstance(edge, AkoManagedEdge):
            raise ValueError("edge.avi.manager ako: the edge AKO builds must be declared before AKO")
        ingresses = ako_ingresses(config.apps)
        ingress_depends_on = [*edge.tls_secrets, *edge.routes]
    istio = config.istio
    return AkoArgs(
        settings=settings,
        ako=config.ako,
        avi=config.avi,
        mesh=AkoMesh(
            istiod=mesh.istiod,
            injector=mesh.injector,
            injection_labels=namespace_injection_labels(istio),
            mtls=istio.mtls,
            served_namespaces=(
                served_namespaces(config.apps) if settings.manager == "ako" else tuple(config.namespaces)
            ),
            mesh_namespaces=(istio.namespace, istio.ingress_gateway.namespace, *config.namespaces),
            namespace_resources=dict(mesh.namespaces),
            egress=_egress(mesh),
            egress_gateway=mesh.egress_gateway,
        ),
        kubeconfig=kubeconfig,
        context=config.cluster.existing.context if config.cluster.existing else None,
        ingresses=ingresses,
        ingress_depends_on=ingress_depends_on,
    )


def ako_outputs(ako: Ako, args: AkoArgs) -> dict[str, Any]:
    """The stack outputs AKO adds: its mesh identity, its cluster name and the Ingresses it serves."""
    outputs: dict[str, Any] = {"akoMeshPrincipal": ako.mesh_principal, "akoClusterName": ako.cluster_name}
    if args.ingresses:
        outputs["akoIngresses"] = [f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in args.ingresses]
    return outputs
