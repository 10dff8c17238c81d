"""Rules that span more than one config section, checked before anything is declared."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from components.config.reader import Problems

if TYPE_CHECKING:
    from components.config.sections import StackConfig

PROJECT = "mesh-platform"

# Which clusters each edge can run on: the ALB needs AWS, the static IP needs Azure.
EDGE_CLUSTERS = {
    "alb": ("eks",),
    "azure-ip": ("aks",),
    "ambassador": ("eks", "aks", "existing"),
    "avi": ("eks", "aks", "existing"),
}


def check_stack(config: "StackConfig", problems: Problems) -> None:
    """Add every cross-section problem of `config` to `problems`."""
    _check_edge_fits_cluster(config, problems)
    _check_app_namespaces(config, problems)
    _check_routes_are_unambiguous(config, problems)
    _check_services_have_one_port(config, problems)
    _check_virtual_service_names_unique(config, problems)
    _check_emissary_namespace(config, problems)
    _check_avi_connection(config, problems)
    _check_existing_cluster_source(config, problems)


def _check_edge_fits_cluster(config: "StackConfig", problems: Problems) -> None:
    edge, cluster = config.edge.kind, config.cluster.kind
    if edge in EDGE_CLUSTERS and cluster is not None and cluster not in EDGE_CLUSTERS[edge]:
        allowed = ", ".join(EDGE_CLUSTERS[edge])
        problems.add(f"{PROJECT}:edge.kind",
                     f'the "{edge}" edge needs cluster.kind {allowed}; the cluster is "{cluster}"')


def _check_app_namespaces(config: "StackConfig", problems: Problems) -> None:
    declared = set(config.namespaces)
    for a, app in enumerate(config.apps):
        for n, ns in enumerate(app.namespaces):
            if ns.name and ns.name not in declared:
                problems.add(
                    f"{PROJECT}:apps[{a}].namespaces[{n}].name",
                    f'namespace "{ns.name}" is not declared in {PROJECT}:namespaces '
                    f"({', '.join(sorted(declared)) or 'none declared'}); add it there so it is created "
                    "and labelled for sidecar injection",
                )
    if config.istio.namespace in declared:
        problems.add(f"{PROJECT}:namespaces", f'"{config.istio.namespace}" is the Istio namespace, not an app namespace')


def _check_routes_are_unambiguous(config: "StackConfig", problems: Problems) -> None:
    """A host+prefix routed by two apps would make Istio silently pick one of them."""
    claimed: dict[tuple[str, str], str] = {}
    for a, app in enumerate(config.apps):
        for n, ns in enumerate(app.namespaces):
            for host in ns.hosts:
                for prefix in app.prefixes:
                    key = (host, prefix)
                    where = f"{PROJECT}:apps[{a}].namespaces[{n}].hosts"
                    owner = f"{app.virtual_name} in {ns.name}"
                    if key in claimed and claimed[key] != owner:
                        problems.add(where, f'host "{host}" with prefix "{prefix}" is already routed by '
                                            f"{claimed[key]}; each host+prefix must belong to one app")
                    else:
                        claimed.setdefault(key, owner)


def _check_services_have_one_port(config: "StackConfig", problems: Problems) -> None:
    ports: dict[tuple[str, str], int] = {}
    for a, app in enumerate(config.apps):
        for ns in app.namespaces:
            key = (ns.name, app.service)
            if key in ports and ports[key] != app.port:
                problems.add(f"{PROJECT}:apps[{a}].port",
                             f'service "{app.service}" in namespace "{ns.name}" is already declared with port '
                             f"{ports[key]}; one service has one port here")
            ports.setdefault(key, app.port)


def _check_virtual_service_names_unique(config: "StackConfig", problems: Problems) -> None:
    """Each app+namespace becomes a VirtualService named after `virtualName`."""
    seen: dict[tuple[str, str], int] = {}
    for a, app in enumerate(config.apps):
        for ns in app.namespaces:
            key = (ns.name, app.virtual_name)
            if key in seen and seen[key] != a:
                problems.add(f"{PROJECT}:apps[{a}].virtualName",
                             f'"{app.virtual_name}" is already used by apps[{seen[key]}] in namespace "{ns.name}"; '
                             "virtual service names must be unique per namespace")
            seen.setdefault(key, a)


def _check_emissary_namespace(config: "StackConfig", problems: Problems) -> None:
    ambassador = config.edge.ambassador
    taken = (config.istio.namespace, config.istio.ingress_gateway.namespace, *config.namespaces)
    if ambassador and ambassador.namespace in taken:
        problems.add(f"{PROJECT}:edge.ambassador.namespace",
                     f'"{ambassador.namespace}" is already used by Istio or the apps; Emissary gets a namespace '
                     "of its own (its pods carry a sidecar that intercepts nothing)")


def _check_avi_connection(config: "StackConfig", problems: Problems) -> None:
    users = [what for what, used in (("the avi edge", config.edge.kind == "avi"), ("AKO", config.ako.enabled))
             if used]
    if not users:
        return
    needed_by = " and ".join(users)
    if config.avi is None:
        problems.add(f"{PROJECT}:avi", f"required for {needed_by}; expected {{controller, username, tenant, version}}")
    elif config.avi.password is None:
        problems.add(f"{PROJECT}:aviPassword",
                     f"required for {needed_by}; set it with `pulumi config set --secret aviPassword ...`")
    if config.ako.enabled and config.ako.namespace in (config.istio.namespace, *config.namespaces):
        problems.add(f"{PROJECT}:ako.namespace", f'"{config.ako.namespace}" is already used; AKO gets a namespace '
                                                 "of its own")


def _check_existing_cluster_source(config: "StackConfig", problems: Problems) -> None:
    existing = config.cluster.existing
    if existing and existing.kubeconfig_path and not Path(existing.kubeconfig_path).expanduser().is_file():
        problems.add(f"{PROJECT}:cluster.existing.kubeconfigPath",
                     f'no kubeconfig file at "{existing.kubeconfig_path}"; expected a readable file, or set '
                     f"{PROJECT}:kubeconfig as a secret instead")
    if existing and existing.kubeconfig_path and config.kubeconfig is not None:
        problems.add(f"{PROJECT}:cluster.existing.kubeconfigPath",
                     f"give either {PROJECT}:kubeconfig (secret) or cluster.existing.kubeconfigPath, not both")
