"""A picture of what a stack declares: a program run (tools/mockrun.py) turned into a graph of the
platform's components and, for an Avi edge, the Avi objects behind it.

    diagram = build(run)          # pure: a ProgramRun in, a Diagram out
    diagram_text.markdown(diagram)   # Mermaid in Markdown (tools/diagram_text.py)
    diagram_svg.svg(diagram)         # SVG from a layered layout (tools/diagram_svg.py)

What it shows:

- every ComponentResource (cluster, mesh, routes, observability, the edge, AKO, nested ones such
  as a Helm v4 chart), with its own resources counted by type and the hosts its Istio
  VirtualServices route; a link `A -> B` when something of B uses something of A (a dependency
  or A's Kubernetes provider), which gives cluster -> mesh -> routes -> edge;
- every Avi object the program declares (the `pulumi-python:dynamic/avi:*` resources), in the
  direction traffic takes: shard -> SNI children -> HTTP policies -> pools -> nodes (the pools'
  servers and the static routes' next hops), with the shards' VIPs and hosts, each object named
  both by its Avi name and its Pulumi name.

Every value goes through `RenderedValues`, as in the rest of the render: a secret is "[secret]"
and a value the mocks made up (an allocated VIP) is "<mock: VALUE>".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.mockrun import ProgramRun, RecordedResource
from tools.render_values import RenderedValues

AVI_PREFIX = "pulumi-python:dynamic/avi:"
DYNAMIC_PREFIX = "pulumi-python:dynamic"
COMPONENT, AVI, NODE = "component", "avi", "node"
KIND_ORDER = (COMPONENT, AVI, NODE)
ISTIO_VIRTUAL_SERVICE = ("kubernetes:networking.istio.io/", ":VirtualService")
VH_CHILD, VH_PARENT = "VS_TYPE_VH_CHILD", "VS_TYPE_VH_PARENT"

LINK_LABELS = {
    "VsVip": "VIP",
    "HttpPolicySet": "policy",
    "Pool": "pool",
    "HealthMonitor": "monitor",
    "SslKeyAndCertificate": "certificate",
    "PkiProfile": "PKI",
    "StaticRoute": "route",
}
"""How an Avi object that uses another names the link, by the used object's kind."""


@dataclass(frozen=True)
class Node:
    """One box of the picture: `title` is its first line, `details` the lines below it."""

    key: str
    kind: str
    title: str
    details: tuple[str, ...] = ()
    group: str | None = None
    """The component whose Avi objects these are (drawn together), or None."""


@dataclass(frozen=True)
class Link:
    """An arrow from `source` to `target` (node keys), with an optional label."""

    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Diagram:
    """What a stack declares, as nodes and links, sorted (components, Avi objects, nodes; by name)."""

    stack: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]

    def node(self, key: str) -> Node:
        return next(n for n in self.nodes if n.key == key)


def is_component(resource: RecordedResource) -> bool:
    return not resource.custom


def is_avi_object(resource: RecordedResource) -> bool:
    """A resource of the Avi dynamic provider (every `pulumi-python:dynamic` resource the program declares)."""
    return resource.type.startswith(DYNAMIC_PREFIX)


def short_type(type_token: str) -> str:
    """A type as the picture counts it: `kubernetes:networking.istio.io/v1:Gateway` ->
    `networking.istio.io/v1:Gateway`, `tls:index/privateKey:PrivateKey` -> `tls:PrivateKey`,
    `pulumi:providers:kubernetes` -> `provider:kubernetes`."""
    package, _, rest = type_token.partition(":")
    module, _, name = rest.rpartition(":")
    if package == "pulumi" and module == "providers":
        return f"provider:{name}"
    if package == "kubernetes":
        return rest
    return f"{package}:{name}" if module else type_token


def build(run: ProgramRun) -> Diagram:
    """The diagram of a program run."""
    return _Builder(run).diagram()


class _Builder:
    def __init__(self, run: ProgramRun):
        self.run = run
        self.values = RenderedValues(run.mock_values)
        self.by_urn = {r.urn: r for r in run.resources}
        self.by_name: dict[str, list[RecordedResource]] = {}
        for resource in run.resources:
            self.by_name.setdefault(resource.name, []).append(resource)
        self.nodes: dict[str, Node] = {}
        self.links: dict[tuple[str, str], Link] = {}

    def diagram(self) -> Diagram:
        for component in filter(is_component, self.run.resources):
            self._component(component)
        self._component_links()
        avi = [r for r in self.run.resources if is_avi_object(r)]
        for resource in avi:
            self._avi_object(resource)
        self._avi_links(avi)
        # The engine registers resources in whatever order their inputs resolve: sort, so one
        # stack always gives one picture.
        nodes = sorted(self.nodes.values(), key=lambda n: (KIND_ORDER.index(n.kind), n.group or "", n.title, n.key))
        order = {node.key: index for index, node in enumerate(nodes)}
        links = sorted(self.links.values(), key=lambda link: (order[link.source], order[link.target]))
        return Diagram(self.run.stack, tuple(nodes), tuple(links))

    # -- components --------------------------------------------------------------------------

    def owner(self, resource: RecordedResource) -> RecordedResource | None:
        """The nearest component above `resource` (itself when it is one)."""
        current: RecordedResource | None = resource
        for _ in range(len(self.by_urn) + 1):  # parents form a tree; the bound guards a malformed run
            if current is None or is_component(current):
                return current
            current = self.by_urn.get(current.parent_urn)
        return None

    def parent_component(self, resource: RecordedResource) -> RecordedResource | None:
        parent = self.by_urn.get(resource.parent_urn)
        return self.owner(parent) if parent is not None else None

    def _component(self, component: RecordedResource) -> None:
        own = [
            r for r in self.run.resources if r.custom and not is_avi_object(r) and self.parent_component(r) is component
        ]
        counts: dict[str, int] = {}
        for resource in own:
            counts[short_type(resource.type)] = counts.get(short_type(resource.type), 0) + 1
        details = [f"{count} x {kind}" for kind, count in sorted(counts.items())]
        hosts = sorted({self.values.text(h) for r in own if _is_istio_virtual_service(r) for h in _hosts_of(r)})
        details += [f"hosts: {line}" for line in _chunks(hosts, 3)]
        self.nodes[component.urn] = Node(
            component.urn,
            COMPONENT,
            f"{component.name} ({short_type(component.type)})",
            tuple(details),
        )
        parent = self.parent_component(component)
        if parent is not None:
            self._link(parent.urn, component.urn, "contains")

    def _component_links(self) -> None:
        for resource in self.run.resources:
            user = self.owner(resource)
            if user is None:
                continue
            used_names = [*resource.dependencies, *([resource.provider] if resource.provider else [])]
            for name in used_names:
                for used in self.by_name.get(name, []):
                    provider = self.owner(used)
                    if provider is not None and provider is not user and not self._nested(provider, user):
                        self._link(provider.urn, user.urn)

    def _nested(self, one: RecordedResource, other: RecordedResource) -> bool:
        """Whether one component sits inside the other (that link is drawn as "contains")."""
        return self.parent_component(one) is other or self.parent_component(other) is one

    # -- Avi objects ---------------------------------------------------------------------------

    def _avi_object(self, resource: RecordedResource) -> None:
        inputs = self.values.of({k: v for k, v in resource.inputs.items() if k != "__provider"})
        kind = resource.type.rsplit(":", 1)[-1]
        avi_name = inputs.get("name") if isinstance(inputs.get("name"), str) else None
        details = [f"pulumi: {self.values.text(resource.name)}", *_avi_details(kind, inputs, self._outputs(avi_name))]
        owner = self.owner(resource)
        self.nodes[resource.urn] = Node(
            resource.urn,
            AVI,
            f"{_avi_title(kind, inputs)} {avi_name}" if avi_name else _avi_title(kind, inputs),
            tuple(details),
            group=owner.name if owner is not None else None,
        )
        for address, label in _node_addresses(kind, inputs):
            key = f"node:{address}"
            if key not in self.nodes:
                self.nodes[key] = Node(key, NODE, f"node {address}")
            self._link(resource.urn, key, label)

    def _outputs(self, avi_name: str | None) -> dict[str, list[str]]:
        """What the stack outputs say of the object with this Avi name (its VIP, its hosts)."""
        found: dict[str, list[str]] = {}
        for output, label in (("aviVips", "VIP"), ("aviHosts", "hosts")):
            table = self.run.outputs.get(output)
            value = table.get(avi_name) if isinstance(table, dict) and avi_name else None
            if isinstance(value, str):
                found[label] = [self.values.text(value)]
            elif isinstance(value, list):
                found[label] = [self.values.text(v) for v in value if isinstance(v, str)]
        return found

    def _avi_links(self, avi: list[RecordedResource]) -> None:
        for resource in avi:
            for name in resource.dependencies:
                for used in self.by_name.get(name, []):
                    if not is_avi_object(used) or used is resource:
                        continue
                    used_kind = used.type.rsplit(":", 1)[-1]
                    if resource.inputs.get("type") == VH_CHILD and used.inputs.get("type") == VH_PARENT:
                        self._link(used.urn, resource.urn, "SNI child")  # drawn the way traffic flows
                    else:
                        self._link(resource.urn, used.urn, LINK_LABELS.get(used_kind, ""))
        targets = {link.target for link in self.links.values()}
        for resource in avi:
            owner = self.owner(resource)
            if resource.urn not in targets and owner is not None:
                self._link(owner.urn, resource.urn, "declares")

    def _link(self, source: str, target: str, label: str = "") -> None:
        self.links.setdefault((source, target), Link(source, target, label))


def _is_istio_virtual_service(resource: RecordedResource) -> bool:
    return resource.type.startswith(ISTIO_VIRTUAL_SERVICE[0]) and resource.type.endswith(ISTIO_VIRTUAL_SERVICE[1])


def _hosts_of(resource: RecordedResource) -> Iterator[str]:
    spec = resource.inputs.get("spec")
    hosts = spec.get("hosts") if isinstance(spec, dict) else None
    if isinstance(hosts, list):
        yield from (h for h in hosts if isinstance(h, str))


def _chunks(items: list[str], size: int) -> Iterator[str]:
    for start in range(0, len(items), size):
        yield ", ".join(items[start : start + size])


def _avi_title(kind: str, inputs: dict[str, Any]) -> str:
    if kind == "VirtualService":
        return {VH_PARENT: "shard VirtualService", VH_CHILD: "SNI child VirtualService"}.get(
            str(inputs.get("type")), "VirtualService"
        )
    return kind


def _avi_details(kind: str, inputs: dict[str, Any], outputs: dict[str, list[str]]) -> list[str]:
    """The lines that say what an Avi object does (its VIP, hosts, ports, rules, check)."""
    details: list[str] = []
    if kind == "VirtualService":
        ports = [f"{s.get('port')}{'/tls' if s.get('enable_ssl') else ''}" for s in _dicts(inputs.get("services"))]
        if ports:
            details.append("ports: " + ", ".join(ports))
        details += [f"VIP {vip}" for vip in outputs.get("VIP", [])]
        hosts = sorted({*_strings(inputs.get("vh_domain_name")), *outputs.get("hosts", [])})
        details += [f"hosts: {line}" for line in _chunks(hosts, 2)]
    elif kind == "VsVip":
        for vip in _dicts(inputs.get("vip")):
            details.append(_vip_text(vip))
    elif kind == "HttpPolicySet":
        for rule in _dicts((inputs.get("http_request_policy") or {}).get("rules")):
            details.append(_rule_text(rule))
    elif kind == "HealthMonitor":
        details.append(f"{inputs.get('type')} port {inputs.get('monitor_port')}")
    elif kind == "StaticRoute":
        prefix = inputs.get("prefix") or {}
        address = (prefix.get("ip_addr") or {}).get("addr")
        details.append(f"{address}/{prefix.get('mask')} via {(inputs.get('next_hop') or {}).get('addr')}")
    elif kind == "AkoCleanup":
        details.append(f"AKO cluster {inputs.get('cluster_name')}, on destroy")
    return details


def _vip_text(vip: dict[str, Any]) -> str:
    address = (vip.get("ip_address") or {}).get("addr")
    if address:
        return f"VIP {address}"
    subnet = (vip.get("ipam_network_subnet") or {}).get("subnet") or {}
    network = (subnet.get("ip_addr") or {}).get("addr")
    return f"VIP allocated from {network}/{subnet.get('mask')}" if network else "VIP allocated by the controller"


def _rule_text(rule: dict[str, Any]) -> str:
    match = rule.get("match") or {}
    hosts = ",".join(_strings((match.get("host_hdr") or {}).get("value"))) or "any host"
    paths = ",".join(_strings((match.get("path") or {}).get("match_str")))
    ports = ",".join(str(p) for p in (match.get("vs_port") or {}).get("ports") or [])
    where = hosts + (paths if paths else "") + (f" on :{ports}" if ports else "")
    if "redirect_action" in rule:
        redirect = rule["redirect_action"] or {}
        return f"{where} -> redirect {redirect.get('protocol')}:{redirect.get('port')}"
    if "switching_action" in rule:
        return f"{where} -> pool"
    return where


def _node_addresses(kind: str, inputs: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The cluster nodes an object sends traffic to: (address, link label)."""
    if kind == "Pool":
        for server in _dicts(inputs.get("servers")):
            address = (server.get("ip") or {}).get("addr")
            if isinstance(address, str):
                yield address, f"server :{server.get('port') or inputs.get('default_server_port')}"
    elif kind == "StaticRoute":
        address = (inputs.get("next_hop") or {}).get("addr")
        if isinstance(address, str):
            yield address, "next hop"


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
