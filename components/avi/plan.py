"""Where every public host goes on the Avi edge, as plain data (no Pulumi, no HTTP).

Hosts are placed on shards with AKO's hostname hash: insecure hosts become pools and
switching rules on their parent shard, terminated (secure) hosts become SNI children of
their parent shard, passthrough hosts go to a passthrough shard. Every parent shard of the
configured size exists whether or not a host lands on it, so a VIP never comes and goes
with the hosts; passthrough shards exist once any host asks for passthrough.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from components.avi import naming

if TYPE_CHECKING:  # the apps' model sits in a domain above; the plan only reads its fields
    from components.routes.config import AppConfig, AppNamespaceConfig, HostCertificate

AVI_SHARD_SIZES = {"SMALL": 1, "MEDIUM": 4, "LARGE": 8}
"""AKO's virtual-service shard sizes: how many shared virtual services hosts spread over."""

INTERNAL_SUFFIX = ".svc.cluster.local"


@dataclass(frozen=True)
class PoolPlan:
    """One Avi pool: a host+prefix of one app in one namespace."""

    name: str
    host: str
    prefix: str
    namespace: str
    app: str


@dataclass
class SniChildPlan:
    """A terminated host: an SNI child of its shard with its own certificate, pools and policy sets."""

    host: str
    name: str
    certificate: HostCertificate
    redirect: bool
    pools: list[PoolPlan] = field(default_factory=list)

    @property
    def namespaces(self) -> list[str]:
        return sorted({p.namespace for p in self.pools})

    def policy_name(self, cluster: str, namespace: str) -> str:
        return naming.sni_policy_name(cluster, self.host, namespace)


@dataclass
class ShardPlan:
    """One parent (`Shared-L7`) virtual service and everything that hangs off it."""

    index: int
    name: str
    pools: list[PoolPlan] = field(default_factory=list)
    children: list[SniChildPlan] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return sorted({p.host for p in self.pools} | {c.host for c in self.children})

    @property
    def redirect_hosts(self) -> list[str]:
        return sorted(c.host for c in self.children if c.redirect)


@dataclass
class PassthroughPlan:
    """One passthrough shard: TLS to the gateway untouched; `-insecure` on port 80 when a host redirects."""

    index: int
    name: str
    hosts: list[str] = field(default_factory=list)
    redirect_hosts: list[str] = field(default_factory=list)

    @property
    def insecure_name(self) -> str:
        return f"{self.name}{naming.PASSTHROUGH_INSECURE_SUFFIX}"


@dataclass
class EdgePlan:
    """The whole layout: parent shards (all of them) and passthrough shards."""

    shards: list[ShardPlan]
    passthrough: list[PassthroughPlan]

    @property
    def namespaces(self) -> list[str]:
        """Every namespace that has a pool (for the mesh's PKI objects, as AKO names them)."""
        pools = [p for s in self.shards for p in s.pools] + [
            p for s in self.shards for c in s.children for p in c.pools
        ]
        return sorted({p.namespace for p in pools})

    @property
    def hosts(self) -> dict[str, list[str]]:
        """Virtual-service name -> hosts it answers for."""
        found = {s.name: s.hosts for s in self.shards}
        found.update({p.name: sorted(p.hosts) for p in self.passthrough})
        return found


def public_hosts(app: AppConfig) -> Iterator[tuple[AppNamespaceConfig, str]]:
    """(namespace config, host) pairs an edge must serve: internal cluster names stay in the mesh."""
    for ns in app.namespaces:
        for host in ns.hosts:
            if not host.endswith(INTERNAL_SUFFIX):
                yield ns, host


def plan_edge(
    cluster: str, apps: tuple[AppConfig, ...], shard_size: str, passthrough_shard_size: str = "SMALL"
) -> EdgePlan:
    """Place every public host of the apps, in a stable order."""
    count, pt_count = AVI_SHARD_SIZES[shard_size], AVI_SHARD_SIZES[passthrough_shard_size]
    shards = [ShardPlan(i, naming.shard_vs_name(cluster, i)) for i in range(count)]
    children: dict[str, SniChildPlan] = {}
    passthrough: dict[int, PassthroughPlan] = {}
    for app in apps:
        for ns, host in public_hosts(app):
            tls = ns.tls
            if tls is not None and tls.mode == "passthrough":
                index = naming.shard_index(host, pt_count)
                plan = passthrough.setdefault(index, PassthroughPlan(index, naming.passthrough_vs_name(cluster, index)))
                if host not in plan.hosts:
                    plan.hosts.append(host)
                    if tls.redirect:
                        plan.redirect_hosts.append(host)
                continue
            shard = shards[naming.shard_index(host, count)]
            if tls is None or tls.certificate is None:  # insecure (HostTlsConfig certifies every terminated host)
                shard.pools.extend(
                    PoolPlan(
                        naming.pool_name(cluster, host, prefix, ns.name, app.virtual_name),
                        host,
                        prefix,
                        ns.name,
                        app.virtual_name,
                    )
                    for prefix in app.prefixes
                )
                continue
            child = children.get(host)
            if child is None:
                child = children[host] = SniChildPlan(
                    host, naming.sni_child_name(cluster, host), tls.certificate, tls.redirect
                )
                shard.children.append(child)
            child.pools.extend(
                PoolPlan(
                    naming.sni_pool_name(cluster, host, prefix, ns.name, app.virtual_name),
                    host,
                    prefix,
                    ns.name,
                    app.virtual_name,
                )
                for prefix in app.prefixes
            )
    pt_plans: list[PassthroughPlan] = []
    if passthrough:
        pt_plans = [
            passthrough.get(i) or PassthroughPlan(i, naming.passthrough_vs_name(cluster, i)) for i in range(pt_count)
        ]
    return EdgePlan(shards, pt_plans)


def find_child(plan: EdgePlan, host: str) -> SniChildPlan | None:
    """The SNI child of a host, if the host is terminated at the edge."""
    return next((c for s in plan.shards for c in s.children if c.host == host), None)
