"""The preflight the provider runs on its first create or update in a process (preflight.py).

What it checks comes from the stack config the engine hands the provider: the ``avi`` section
(tenant, user) and, when the stack has an Avi edge, ``edge.avi`` (cloud, SE group, VRF, VIP
network, which kinds the program writes). The section's shape and defaults are the program's
model's (``components/edges/avi/config.py``, which validated it before any resource was
declared; a test holds the defaults here to it). A provider run without an edge section checks
the tenant and its own kind.

One preflight per process and needs: the report is kept and every later create or update is
judged against it (no further reads), so it costs one round of GETs per ``up``. An operation
that the report's problems block fails with the whole list, before anything is written. A read
that fails in transit is not kept, so the next operation tries again. ``AVI_PREFLIGHT=off``
skips it (for a controller whose reads are known to be refused; the writes still tell).
"""

from __future__ import annotations

import ipaddress
import json
import os
import threading
from typing import Any, Protocol

from project import PROJECT

from . import preflight
from .settings import ControllerSettings

SWITCH = "AVI_PREFLIGHT"
EDGE_DEFAULTS = {"manager": "pulumi", "cloud": "Default-Cloud", "vrf": "global", "serviceEngineGroup": "Default-Group"}
"""The defaults of `edge.avi` that preflight reads (the model's, tests/providers/avi/test_preflight.py)."""
PULUMI_WRITES = (
    "healthmonitor",
    "pkiprofile",
    "sslkeyandcertificate",
    "pool",
    "httppolicyset",
    "vsvip",
    "virtualservice",
)
"""What the `pulumi` manager's edge writes (components/edges/avi/component.py); AKO's manager
leaves all of them to AKO. Either writes `vrfcontext` when it has static routes."""


class ConfigSource(Protocol):
    def get(self, key: str) -> Any: ...


class PreflightFailed(Exception):
    """The controller lacks something the stack needs; the message lists every problem."""


def switched_off() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no")


def _value(config: ConfigSource | None, key: str) -> Any:
    if config is None:
        return None
    for candidate in (f"{PROJECT}:{key}", key):
        raw = config.get(candidate)
        if raw not in (None, ""):
            try:
                return json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                return None
    return None


def _has_routes(avi: dict[str, Any]) -> bool:
    routes = avi.get("staticRoutes", False)
    if isinstance(routes, list):
        return bool(routes)
    return routes is True and any(isinstance(n, dict) and n.get("podCidr") for n in avi.get("nodes") or [])


def edge_needs(
    avi: dict[str, Any], tenant: str, user: str, vip_names: tuple[str, ...] | None = None
) -> preflight.Needs:
    """The needs of an `edge.avi` section (camelCase keys, as the stack file spells them)."""
    section = {**EDGE_DEFAULTS, **avi}
    writes = PULUMI_WRITES if section["manager"] == "pulumi" else ()
    if _has_routes(section):
        writes = (*writes, "vrfcontext")
    allocated = not section.get("vipAddress") and section.get("vipNetworkName")
    subnet = section.get("vipNetwork")
    if subnet:
        try:
            subnet = str(ipaddress.ip_network(subnet, strict=False))
        except ValueError:
            subnet = None
    return preflight.Needs(
        tenant=tenant,
        user=user,
        cloud=section["cloud"],
        se_group=section["serviceEngineGroup"],
        vrf=section["vrf"],
        vip_network=section["vipNetworkName"] if allocated else None,
        vip_subnet=subnet if allocated else None,
        vip_names=vip_names if allocated else None,
        writes=writes,
    )


def needs_from_config(config: ConfigSource | None, settings: ControllerSettings) -> preflight.Needs:
    """What this stack needs, from the config the engine hands the provider."""
    edge = _value(config, "edge")
    if isinstance(edge, dict) and edge.get("kind") == "avi" and isinstance(edge.get("avi"), dict):
        return edge_needs(edge["avi"], settings.tenant, settings.username)
    return preflight.Needs(tenant=settings.tenant, user=settings.username)


class FirstContact:
    """The process's preflight reports, one per settings and needs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[tuple[ControllerSettings, preflight.Needs], preflight.Report] = {}

    def ensure(
        self, reader: preflight.Reader, settings: ControllerSettings, needs: preflight.Needs, kind: str, creating: bool
    ) -> None:
        """Raise PreflightFailed when the controller lacks what writing ``kind`` needs."""
        if switched_off():
            return
        if kind not in needs.writes:
            needs = preflight.Needs(**{**needs.__dict__, "writes": (*needs.writes, kind)})
        key = (settings, needs)
        with self._lock:  # one preflight at a time; the others wait for its report
            report = self._reports.get(key)
            if report is None:
                report = self._reports[key] = preflight.run(reader, needs)
        blocking = report.blocking(kind, creating)
        if blocking:
            raise PreflightFailed(describe(report, settings, kind))

    def forget(self) -> None:
        """Drop the kept reports (tests; a new process starts empty anyway)."""
        with self._lock:
            self._reports.clear()


def describe(report: preflight.Report, settings: ControllerSettings, kind: str) -> str:
    from .urls import controller_host

    count = len(report.problems)
    lines = [
        f"Avi preflight: the controller {controller_host(settings.controller)} lacks what this stack needs "
        f"({count} problem{'s' if count != 1 else ''}; nothing was written for this {kind}):"
    ]
    lines += [f"  - {p.line()}" for p in report.problems]
    lines += [f"  - not checked: {p.line()}" for p in report.unchecked]
    lines.append(
        f"Fix them and run `pulumi up` again; `make preflight STACK=<stack>` checks without deploying "
        f"({SWITCH}=off skips this check)"
    )
    return "\n".join(lines)


FIRST_CONTACT = FirstContact()
