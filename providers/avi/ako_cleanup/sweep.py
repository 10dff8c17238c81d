"""Find the objects one AKO cluster owns on the controller and delete them in an order it accepts.

Ownership, as AKO marks it (AKO `internal/lib`, `internal/rest`):
- `created_by: ako-<cluster>` on virtual services, pools, pool groups, HTTP policy sets,
  datascript sets, L4 policy sets, certificates and PKI profiles (the Istio ones too);
- VsVips carry no `created_by`: AKO finds them by the `<cluster>--` name prefix alone; here
  the name must start with it (and not with `<cluster>---`, which is cluster `<cluster>-`'s
  prefix: no AKO name part after the prefix starts with "-"), and a VsVip whose
  `clustername` marker names another cluster is left alone;
- static routes in VRF contexts, and the service-engine group, carry the label
  `clustername=<cluster>`.
Nothing else is touched: other clusters' objects differ in all three, users' objects carry
no AKO `created_by`. The list calls ask the controller to filter (`created_by=`,
`name.contains=`), but the filter is not trusted: every object listed is checked again here
on what the controller returned, so a controller, proxy or version that ignores a filter
makes the sweep skip (and count) foreign objects instead of deleting them.

Order: an object is deleted only once no remaining owned object refers to it (child
virtual services before their parents, virtual services before what they use, pools
before the certificates and PKI profiles they use), so the controller never answers
"Cannot delete, object is referred by". An object a foreign object still uses is reported,
not forced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..client import AviSession
from ..errors import AviApiError
from ..model.refs import iter_refs

OWNED_BY_CREATED_BY = (
    "virtualservice",
    "httppolicyset",
    "vsdatascriptset",
    "l4policyset",
    "poolgroup",
    "pool",
    "sslkeyandcertificate",
    "pkiprofile",
)
"""Kinds AKO marks with `created_by`, roughly in the order they are removed."""
ALL_TENANTS = "*"
PAGE_SIZE = 200
MAX_VRF_ATTEMPTS = 5
_REF = re.compile(r"/api/(?P<type>[a-z0-9_-]+)/(?P<uuid>[^/?#]+)")


@dataclass(frozen=True)
class Owned:
    """One object AKO created, as the controller lists it."""

    kind: str
    obj: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.obj["uuid"]

    @property
    def name(self) -> str:
        return self.obj.get("name", self.obj["uuid"])

    @property
    def tenant(self) -> str | None:
        ref = self.obj.get("tenant_ref") or ""
        return ref.split("#", 1)[1] if "#" in ref else None

    def refers_to(self) -> set[tuple[str, str]]:
        # One reference at a time: joined, a uuid with no `#name` after it would run into the next one.
        return {(m["type"], m["uuid"]) for ref in iter_refs(self.obj) if (m := _REF.search(ref))}


@dataclass
class SweepReport:
    """What the sweep removed, and what it had to leave (with the reason)."""

    deleted: list[str] = field(default_factory=list)
    routes_removed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    not_ours: list[str] = field(default_factory=list)
    """`kind/name` of objects the filtered list calls returned that fail the ownership check."""


def _list(session: AviSession, kind: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of `kind` matching `params`, across pages; [] when the controller lacks the kind."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = session.call(
            "GET",
            f"/api/{kind}",
            kind=kind,
            tenant=ALL_TENANTS,
            params={**params, "include_name": "true", "page_size": PAGE_SIZE, "page": page},
        )
        if reply.status == 404:
            return found
        if not reply.ok:
            raise AviApiError(kind, None, reply.status, reply.message(), method="GET", path=f"/api/{kind}")
        found += reply.body.get("results", [])
        if not reply.body.get("next"):
            return found
        page += 1


def _marked_for_other_cluster(obj: dict[str, Any], cluster: str) -> bool:
    return any(
        m.get("key") == "clustername" and cluster not in (m.get("values") or []) for m in obj.get("markers") or []
    )


def _is_cluster_label(label: dict[str, Any], cluster: str) -> bool:
    return label.get("key") == "clustername" and label.get("value") == cluster


def owner_of(cluster: str) -> str:
    """The `created_by` value AKO with clusterName `cluster` writes (a primary AKO)."""
    return f"ako-{cluster}"


def is_owned(kind: str, obj: dict[str, Any], cluster: str) -> bool:
    """Whether `obj`, as the controller returned it, is the AKO cluster `cluster`'s."""
    if _marked_for_other_cluster(obj, cluster):
        return False
    if kind == "vsvip":
        prefix = f"{cluster}--"
        name = obj.get("name")
        return isinstance(name, str) and name.startswith(prefix) and not name.startswith(f"{prefix}-")
    return obj.get("created_by") == owner_of(cluster)


def find_owned(session: AviSession, cluster: str, report: SweepReport | None = None) -> list[Owned]:
    """Every object the AKO with clusterName `cluster` created, in every tenant.

    Whatever else the list calls return is left out, and named in `report.not_ours`.
    """
    listed = [
        Owned(kind, obj)
        for kind in OWNED_BY_CREATED_BY
        for obj in _list(session, kind, {"created_by": owner_of(cluster)})
    ]
    listed += [Owned("vsvip", obj) for obj in _list(session, "vsvip", {"name.contains": f"{cluster}--"})]
    owned: list[Owned] = []
    for item in listed:
        if is_owned(item.kind, item.obj, cluster):
            owned.append(item)
        elif report is not None:
            report.not_ours.append(f"{item.kind}/{item.name}")
    return owned


def deletion_order(owned: list[Owned]) -> list[Owned]:
    """`owned` ordered so each object comes after every owned object that refers to it."""
    rank = {kind: i for i, kind in enumerate((*OWNED_BY_CREATED_BY, "vsvip"))}
    remaining = {o.key: o for o in owned}
    ordered: list[Owned] = []
    while remaining:
        referenced = {ref for o in remaining.values() for ref in o.refers_to() if ref != o.key}
        ready = [o for key, o in remaining.items() if key not in referenced]
        if not ready:  # a reference cycle among owned objects: fall back to the kind order
            ready = list(remaining.values())
        ready.sort(key=lambda o: (rank.get(o.kind, len(rank)), o.name))
        for item in ready:
            ordered.append(item)
            del remaining[item.key]
    return ordered


def delete_owned(session: AviSession, owned: list[Owned], report: SweepReport) -> None:
    for item in deletion_order(owned):
        path = f"/api/{item.kind}/{item.obj['uuid']}"
        reply = session.call("DELETE", path, kind=item.kind, name=item.name, tenant=item.tenant or ALL_TENANTS)
        if reply.ok or reply.status == 404:
            report.deleted.append(f"{item.kind}/{item.name}")
        elif reply.status == 403 and "referred" in reply.message():
            report.left.append(f"{item.kind}/{item.name}: {reply.message()}")
        else:
            raise AviApiError(item.kind, item.name, reply.status, reply.message(), method="DELETE", path=path)


def remove_static_routes(session: AviSession, cluster: str, report: SweepReport) -> None:
    """Drop this cluster's labelled routes from every VRF context, keeping every other entry."""
    for vrf in _list(session, "vrfcontext", {}):
        for _ in range(MAX_VRF_ATTEMPTS):
            routes = vrf.get("static_routes") or []
            mine = [r for r in routes if any(_is_cluster_label(lb, cluster) for lb in r.get("labels") or [])]
            if not mine:
                break
            body = {**vrf, "static_routes": [r for r in routes if r not in mine]}
            path = f"/api/vrfcontext/{vrf['uuid']}"
            reply = session.call(
                "PUT",
                path,
                kind="vrfcontext",
                name=vrf.get("name"),
                body=body,
                tenant=Owned("vrfcontext", vrf).tenant or ALL_TENANTS,
            )
            if reply.ok:
                report.routes_removed += [f"{vrf.get('name')}/{r.get('route_id')}" for r in mine]
                break
            if reply.status != 412:  # 412: changed meanwhile (AKO PUTs whole VRFs); read again
                raise AviApiError("vrfcontext", vrf.get("name"), reply.status, reply.message(), method="PUT", path=path)
            vrf = session.expect(
                "GET", path, kind="vrfcontext", tenant=ALL_TENANTS, params={"include_name": "true"}
            ).body


def remove_se_group_label(session: AviSession, cluster: str) -> None:
    """Take AKO's `clustername` label off service-engine groups (AKO does this itself on deleteConfig)."""
    for group in _list(session, "serviceenginegroup", {}):
        labels = group.get("labels") or []
        kept = [lb for lb in labels if not _is_cluster_label(lb, cluster)]
        if kept != labels:
            session.expect(
                "PUT",
                f"/api/serviceenginegroup/{group['uuid']}",
                kind="serviceenginegroup",
                name=group.get("name"),
                body={**group, "labels": kept},
                tenant=Owned("serviceenginegroup", group).tenant or ALL_TENANTS,
            )


def sweep(session: AviSession, cluster: str) -> SweepReport:
    """Remove every object, static route and label the AKO with clusterName `cluster` left behind."""
    report = SweepReport()
    delete_owned(session, find_owned(session, cluster, report), report)
    remove_static_routes(session, cluster, report)
    remove_se_group_label(session, cluster)
    return report
