"""Preflight: read-only checks that the controller holds everything a stack needs.

``run(reader, needs)`` sends GETs only and returns a ``Report``: every problem found, each with
its fix, and what could not be checked (and why). What is checked, in the controller's model
(alb-sdk swagger Tenant, Cloud, ServiceEngineGroup, VrfContext, IpamDnsProviderProfile,
Network, NetworkRuntime, User, Role):

- the tenant exists (a request in a missing tenant is 403 "Tenant '<name>' does not exist!");
- the cloud, and the SE group and VRF within that cloud;
- for allocated VIPs: the cloud has an IPAM profile (``ipam_provider_ref``) that lists the VIP
  network as usable, the network has the VIP subnet with a static range for VIPs, and the range
  has as many free addresses as the stack's new VsVips need (``networkruntime``);
- the user's role, in the tenant each kind is written in, grants WRITE_ACCESS on each kind's
  permission (``user.access[].role_ref``, ``role.privileges[]``). A VRF's static routes are
  written in the VRF's owner tenant (``tenant_ref``), as the provider writes them.

A controller only lets users with read access to users and roles read them; where a read is
refused, the check is listed as not checked instead of guessed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Protocol

ADMIN_TENANT = "admin"
VIP_RANGE_TYPES = ("STATIC_IPS_FOR_VIP", "STATIC_IPS_FOR_VIP_AND_SE")
WRITE = "WRITE_ACCESS"
# The permission a kind is checked under, where it is not PERMISSION_<KIND>: a VsVip is part of
# a virtual service's configuration (tools/avi_emulator/roles.py follows the same table).
_PERMISSION_OF = {"vsvip": "PERMISSION_VIRTUALSERVICE"}


def permission(kind: str) -> str:
    """The role privilege (``resource``) that governs writes of ``kind``."""
    return _PERMISSION_OF.get(kind, f"PERMISSION_{kind.upper()}")


class Answer(Protocol):
    """What a GET answered (``providers.avi.client.Reply``)."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> Any: ...

    def message(self) -> str: ...


class Reader(Protocol):
    """The provider's session (``AviSession.call``); preflight sends GETs only."""

    def call(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        name: str | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
        tenant: str | None = None,
        idempotent: bool | None = None,
    ) -> Answer: ...


@dataclass(frozen=True)
class Needs:
    """What one stack needs on the controller."""

    tenant: str
    user: str
    cloud: str | None = None
    se_group: str | None = None
    vrf: str | None = None
    vip_network: str | None = None
    """The network VIPs are allocated from (None: fixed addresses, no IPAM needed)."""
    vip_subnet: str | None = None
    """The VIP subnet as a CIDR, within ``vip_network``."""
    vip_names: tuple[str, ...] | None = None
    """The VsVips the stack declares: those that do not exist yet each need a free address.
    None when unknown: then one free address is needed."""
    writes: tuple[str, ...] = ()
    """The kinds the program writes (``vrfcontext`` for static routes)."""


@dataclass(frozen=True)
class Problem:
    """One missing prerequisite and how to provide it."""

    what: str
    fix: str
    create_of: str | None = None
    """Set when only creating this kind needs the prerequisite (a free VIP address)."""

    def line(self) -> str:
        return f"{self.what}. Fix: {self.fix}"


@dataclass
class Report:
    """The outcome of one preflight: problems (each with its fix) and checks that could not run."""

    problems: list[Problem] = field(default_factory=list)
    unchecked: list[Problem] = field(default_factory=list)
    checks: int = 0

    def blocking(self, kind: str, creating: bool) -> list[Problem]:
        """The problems that stop an operation on ``kind`` (create or update)."""
        return [p for p in self.problems if p.create_of is None or (creating and p.create_of == kind)]


def _uuid_of(ref: Any) -> str:
    """``https://host/api/cloud/cloud-1#Default-Cloud`` -> ``cloud-1``."""
    return str(ref or "").split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def _prefix(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    value = value or {}
    return _network(f"{(value.get('ip_addr') or {}).get('addr')}/{value.get('mask')}")


class _Refused(Exception):
    """A read the controller refused (or a reply that is not what the model says)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class _Run:
    """One preflight: the reads and the findings."""

    def __init__(self, reader: Reader, needs: Needs):
        self.reader, self.needs = reader, needs
        self.report = Report()
        self.scope = needs.tenant

    # ----- reads -----------------------------------------------------------------------
    def _get(self, path: str, kind: str, params: dict[str, Any] | None = None, tenant: str | None = None) -> Any:
        reply = self.reader.call("GET", path, kind=kind, params=params, tenant=tenant or self.scope)
        self.report.checks += 1
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise _Refused(reply.status, reply.message())
        return reply.body

    def _find(self, kind: str, name: str, **filters: str) -> dict[str, Any] | None:
        body = self._get(f"/api/{kind}", kind, {"name": name, "include_name": "true", **filters})
        found = [o for o in body.get("results") or [] if isinstance(o, dict) and o.get("name") == name]
        return found[0] if found else None

    def _names(self, kind: str, **filters: str) -> str:
        try:
            body = self._get(f"/api/{kind}", kind, {"fields": "name", "page_size": "200", **filters})
        except _Refused:
            return "(the list could not be read)"
        names = sorted(str(o.get("name")) for o in body.get("results") or [] if isinstance(o, dict))
        return ", ".join(names[:20]) + (", ..." if len(names) > 20 else "") if names else "none"

    def problem(self, what: str, fix: str, create_of: str | None = None) -> None:
        self.report.problems.append(Problem(what, fix, create_of))

    def unchecked(self, what: str, fix: str) -> None:
        self.report.unchecked.append(Problem(what, fix))

    # ----- checks ----------------------------------------------------------------------
    def run(self) -> Report:
        tenant = self.tenant()
        cloud = self.cloud()
        self.se_group(cloud)
        vrf = self.vrf(cloud)
        self.vip_network(cloud)
        self.role(tenant, vrf)
        return self.report

    def tenant(self) -> dict[str, Any] | None:
        name = self.needs.tenant
        try:
            found = self._find("tenant", name)
        except _Refused as refused:
            if "does not exist" in refused.message:
                self.problem(
                    f"tenant {name!r} does not exist on the controller",
                    f"an admin creates tenant {name!r}, or set avi.tenant to an existing tenant",
                )
                self.scope = ADMIN_TENANT  # the infrastructure lives there; read it from there
            else:
                self.unchecked(
                    f"tenant {name!r} (GET /api/tenant answered HTTP {refused.status}: {refused.message})",
                    "give the user read access to tenants",
                )
            return None
        if found is None:
            self.problem(
                f"tenant {name!r} does not exist on the controller",
                f"an admin creates tenant {name!r}, or set avi.tenant to an existing tenant",
            )
        return found

    def cloud(self) -> dict[str, Any] | None:
        name = self.needs.cloud
        if name is None:
            return None
        try:
            found = self._find("cloud", name)
        except _Refused as refused:
            self.unchecked(
                f"cloud {name!r} (HTTP {refused.status}: {refused.message})",
                "give the user read access to clouds (PERMISSION_CLOUD)",
            )
            return None
        if found is None:
            self.problem(
                f"cloud {name!r} does not exist (clouds: {self._names('cloud')})",
                "set edge.avi.cloud to one of those, or have an admin create the cloud",
            )
        return found

    def _in_cloud(
        self, kind: str, name: str | None, key: str, cloud: dict[str, Any] | None, label: str
    ) -> dict[str, Any] | None:
        if name is None:
            return None
        if cloud is None:
            if self.needs.cloud is not None:
                self.unchecked(f"{label} {name!r}", "fix the cloud first; it is looked up within the cloud")
            return None
        cloud_name, cloud_uuid = cloud.get("name"), str(cloud.get("uuid"))
        try:
            found = self._find(kind, name, **{"cloud_ref.uuid": cloud_uuid})
        except _Refused as refused:
            self.unchecked(
                f"{label} {name!r} (HTTP {refused.status}: {refused.message})",
                f"give the user read access to {permission(kind)}",
            )
            return None
        if found is None:
            self.problem(
                f"{label} {name!r} does not exist in cloud {cloud_name!r} "
                f"({label}s there: {self._names(kind, **{'cloud_ref.uuid': cloud_uuid})})",
                f"set edge.avi.{key} to one of those, or have an admin create it in cloud {cloud_name!r}",
            )
        return found

    def se_group(self, cloud: dict[str, Any] | None) -> dict[str, Any] | None:
        return self._in_cloud("serviceenginegroup", self.needs.se_group, "serviceEngineGroup", cloud, "SE group")

    def vrf(self, cloud: dict[str, Any] | None) -> dict[str, Any] | None:
        return self._in_cloud("vrfcontext", self.needs.vrf, "vrf", cloud, "VRF")

    def vip_network(self, cloud: dict[str, Any] | None) -> None:
        name = self.needs.vip_network
        if name is None or cloud is None:
            if name is not None and self.needs.cloud is not None:
                self.unchecked(f"VIP network {name!r}", "fix the cloud first; VIPs are allocated by its IPAM profile")
            return
        cloud_name = cloud.get("name")
        ipam_ref = cloud.get("ipam_provider_ref")
        if not ipam_ref:
            self.problem(
                f"cloud {cloud_name!r} has no IPAM profile, so the controller cannot allocate VIPs "
                '("No available free IPs")',
                f"an admin sets the cloud's IPAM profile (ipam_provider_ref) to an internal IPAM profile "
                f"listing network {name!r}, or give edge.avi.vipAddress a fixed address",
            )
            profile = None
        else:
            try:
                profile = self._get(f"/api/ipamdnsproviderprofile/{_uuid_of(ipam_ref)}", "ipamdnsproviderprofile")
            except _Refused as refused:
                self.unchecked(
                    f"IPAM profile of cloud {cloud_name!r} (HTTP {refused.status}: {refused.message})",
                    "give the user read access to PERMISSION_IPAMDNSPROVIDERPROFILE",
                )
                profile = None
        try:
            network = self._find("network", name, **{"cloud_ref.uuid": str(cloud.get("uuid"))})
        except _Refused as refused:
            self.unchecked(
                f"VIP network {name!r} (HTTP {refused.status}: {refused.message})",
                "give the user read access to networks (PERMISSION_NETWORK)",
            )
            return
        if network is None:
            self.problem(
                f"VIP network {name!r} does not exist in cloud {cloud_name!r} "
                f"(networks: {self._names('network', **{'cloud_ref.uuid': str(cloud.get('uuid'))})})",
                "set edge.avi.vipNetworkName to one of those, or have an admin create the network "
                f"with subnet {self.needs.vip_subnet or 'vipNetwork'} and a static VIP range",
            )
            return
        if profile is not None:
            internal = profile.get("internal_profile") or {}
            usable = {_uuid_of(u.get("nw_ref")) for u in internal.get("usable_networks") or [] if isinstance(u, dict)}
            usable |= {_uuid_of(r) for r in internal.get("usable_network_refs") or []}
            if str(network.get("uuid")) not in usable:
                self.problem(
                    f"VIP network {name!r} is not a usable network of IPAM profile "
                    f"{profile.get('name')!r} (cloud {cloud_name!r}), so no VIP is allocated from it",
                    f"an admin adds {name!r} to the profile's usable networks "
                    "(internal_profile.usable_networks[].nw_ref)",
                )
        self._vip_range(network)

    def _vip_range(self, network: dict[str, Any]) -> None:
        name = network.get("name")
        wanted = _network(self.needs.vip_subnet) if self.needs.vip_subnet else None
        subnets = [s for s in network.get("configured_subnets") or [] if isinstance(s, dict)]
        if wanted is not None:
            subnets = [s for s in subnets if _prefix(s.get("prefix")) == wanted]
            if not subnets:
                self.problem(
                    f"VIP network {name!r} has no configured subnet {wanted}",
                    f"an admin adds subnet {wanted} with a static range for VIPs to network {name!r}, "
                    "or set edge.avi.vipNetwork to a subnet it has",
                )
                return
        ranges = [
            r
            for s in subnets
            for r in s.get("static_ip_ranges") or []
            if isinstance(r, dict) and r.get("type", "STATIC_IPS_FOR_VIP_AND_SE") in VIP_RANGE_TYPES
        ]
        if not ranges:
            where = f" in subnet {wanted}" if wanted is not None else ""
            self.problem(
                f"VIP network {name!r} has no static range for VIPs{where}",
                "an admin adds a static IP range of type STATIC_IPS_FOR_VIP (or "
                f"STATIC_IPS_FOR_VIP_AND_SE) to network {name!r}",
            )
            return
        needed = self._new_vips()
        if needed == 0:
            return
        try:
            runtime = self._get(f"/api/networkruntime/{network.get('uuid')}", "networkruntime")
        except _Refused as refused:
            self.unchecked(
                f"free addresses of VIP network {name!r} (GET /api/networkruntime answered "
                f"HTTP {refused.status}: {refused.message})",
                "give the user read access to networks, or check the range's free addresses on the controller",
            )
            return
        free = 0
        for subnet in runtime.get("subnet_runtime") or []:
            if wanted is not None and _prefix(subnet.get("prefix")) != wanted:
                continue
            free += sum(
                int(r.get("free_ip_count") or 0)
                for r in subnet.get("ip_range_runtimes") or []
                if r.get("type", "STATIC_IPS_FOR_VIP_AND_SE") in VIP_RANGE_TYPES
            )
        if free < needed:
            self.problem(
                f"VIP network {name!r} has {free} free VIP address{'es' if free != 1 else ''} "
                f'in its static ranges and the stack needs {needed} more ("No available free IPs")',
                f"an admin widens the static VIP range of network {name!r} or frees addresses in it",
                create_of="vsvip",
            )

    def _new_vips(self) -> int:
        names = self.needs.vip_names
        if names is None:
            return 1
        if not names:
            return 0
        try:
            body = self._get("/api/vsvip", "vsvip", {"name.in": ",".join(names), "fields": "name", "page_size": "200"})
        except _Refused:
            return len(names)
        existing = {o.get("name") for o in body.get("results") or [] if isinstance(o, dict)}
        return sum(1 for n in names if n not in existing)

    def role(self, tenant: dict[str, Any] | None, vrf: dict[str, Any] | None) -> None:
        writes = self.needs.writes
        if not writes:
            return
        user = self.needs.user
        try:
            found = self._find("user", user)
        except _Refused as refused:
            self.unchecked(
                f"whether user {user!r} may write {', '.join(writes)} (GET /api/user answered "
                f"HTTP {refused.status}: {refused.message})",
                "run preflight as a user who may read users and roles (AVI_USERNAME, AVI_PASSWORD); "
                f"it still checks {user!r}",
            )
            return
        if found is None:
            self.unchecked(
                f"whether user {user!r} may write {', '.join(writes)} (no local user of that name; "
                "a remotely authenticated user's roles come from its auth profile)",
                "check the user's role on the controller",
            )
            return
        roles: dict[str, dict[str, Any] | None] = {}
        for kind in writes:
            where = self._tenant_of(kind, tenant, vrf)
            ref = self._role_ref(found, where)
            if ref is None:
                self.problem(
                    f"user {user!r} has no role in tenant {where[0]!r}, so it cannot write {kind}",
                    f"an admin gives {user!r} a role in tenant {where[0]!r} with WRITE_ACCESS on {permission(kind)}",
                )
                continue
            if ref not in roles:
                try:
                    roles[ref] = self._get(f"/api/role/{_uuid_of(ref)}", "role", tenant=where[0])
                except _Refused as refused:
                    self.unchecked(
                        f"role {ref.split('#')[-1]!r} of user {user!r} (HTTP {refused.status}: {refused.message})",
                        "run preflight as a user who may read roles",
                    )
                    roles[ref] = None
            role = roles[ref]
            if role is None:
                continue
            level = next(
                (
                    p.get("type")
                    for p in role.get("privileges") or []
                    if isinstance(p, dict) and p.get("resource") == permission(kind)
                ),
                "NO_ACCESS",
            )
            if level != WRITE:
                why = ""
                if kind == "vrfcontext":
                    why = (
                        f" (static routes are written to VRF {self.needs.vrf!r} in its owner tenant {where[0]!r})"
                        if vrf is not None
                        else " (static routes are written in the VRF's owner tenant)"
                    )
                self.problem(
                    f"user {user!r} may not write {kind} in tenant {where[0]!r}: role "
                    f"{role.get('name')!r} grants {permission(kind)} {level}{why}",
                    f"an admin grants role {role.get('name')!r} WRITE_ACCESS on {permission(kind)}, or "
                    "gives the user a role that has it (System-Admin writes everything)",
                )

    def _tenant_of(
        self, kind: str, tenant: dict[str, Any] | None, vrf: dict[str, Any] | None
    ) -> tuple[str, str | None]:
        """(name, uuid) of the tenant ``kind`` is written in."""
        if kind == "vrfcontext":
            # a missing VRF's owner is unknown: judged in admin, which owns the system VRFs
            owner = str((vrf or {}).get("tenant_ref") or f"/api/tenant/{ADMIN_TENANT}")
            name = owner.split("#", 1)[1] if "#" in owner else _uuid_of(owner)
            return name, _uuid_of(owner)
        return self.needs.tenant, str(tenant.get("uuid")) if tenant else None

    @staticmethod
    def _role_ref(user: dict[str, Any], where: tuple[str, str | None]) -> str | None:
        for entry in user.get("access") or []:
            if not isinstance(entry, dict) or not entry.get("role_ref"):
                continue
            if entry.get("all_tenants") or (where[1] and _uuid_of(entry.get("tenant_ref")) == where[1]):
                return str(entry["role_ref"])
        return None


def run(reader: Reader, needs: Needs) -> Report:
    """Check ``needs`` against the controller behind ``reader`` (GETs only). Transport failures
    (the controller cannot be reached) propagate as the reader raises them."""
    return _Run(reader, needs).run()
