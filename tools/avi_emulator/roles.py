"""Roles: which kinds a user may read and write, as the controller's RBAC decides.

A role holds ``privileges: [{"resource": "PERMISSION_<KIND>", "type": "WRITE_ACCESS" |
"READ_ACCESS" | "NO_ACCESS"}]`` (alb-sdk swagger Role / Permission); a user holds ``access:
[{"role_ref", "tenant_ref", "all_tenants"}]`` (swagger User / UserRole). An Application-Admin
cannot write infrastructure objects, VRF contexts and SE groups among them, and such a write is
refused with 403 (reference real-systems.md, "Roles"). The refusal's body is not on record: the
controller's API is Django REST framework (its 405 and 401 bodies are DRF's own wording, see
avi-api.md section 3), so this answers DRF's PermissionDenied body, an inference.

The seeded Application-Admin writes application objects and reads infrastructure; the real
role's full privilege list is not on record, so kinds the reference does not name follow that
split (application objects write, infrastructure read, users and roles none).
"""

from __future__ import annotations

from typing import Any

WRITE, READ, NONE = "WRITE_ACCESS", "READ_ACCESS", "NO_ACCESS"
DENIED = {"detail": "You do not have permission to perform this action."}

# A VsVip is part of a virtual service's configuration and shares its permission.
_PERMISSION_OF = {"vsvip": "PERMISSION_VIRTUALSERVICE"}

APPLICATION_KINDS = (
    "virtualservice",
    "vsvip",
    "pool",
    "poolgroup",
    "httppolicyset",
    "healthmonitor",
    "pkiprofile",
    "sslkeyandcertificate",
    "applicationprofile",
    "networkprofile",
    "sslprofile",
    "applicationpersistenceprofile",
    "stringgroup",
    "vsdatascriptset",
    "l4policyset",
    "analyticsprofile",
    "wafpolicy",
    "wafprofile",
)
INFRASTRUCTURE_KINDS = (
    "cloud",
    "serviceenginegroup",
    "vrfcontext",
    "network",
    "ipamdnsproviderprofile",
    "tenant",
    "systemconfiguration",
)
ADMIN_KINDS = ("user", "role")


def permission(kind: str) -> str:
    return _PERMISSION_OF.get(kind, f"PERMISSION_{kind.upper()}")


def _privileges(levels: dict[str, str]) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    for kind, level in levels.items():
        seen.setdefault(permission(kind), level)
    return [{"resource": resource, "type": level} for resource, level in sorted(seen.items())]


SYSTEM_ROLES: dict[str, list[dict[str, str]]] = {
    "System-Admin": _privileges({k: WRITE for k in (*APPLICATION_KINDS, *INFRASTRUCTURE_KINDS, *ADMIN_KINDS)}),
    "Application-Admin": _privileges(
        {
            **{k: WRITE for k in APPLICATION_KINDS},
            **{k: READ for k in INFRASTRUCTURE_KINDS},
            **{k: NONE for k in ADMIN_KINDS},
        }
    ),
}


def access(role: dict[str, Any] | None, kind: str) -> str:
    """The level ``role`` grants on ``kind`` (no role, or a kind it does not list: none)."""
    if role is None:
        return NONE
    wanted = permission(kind)
    for privilege in role.get("privileges") or []:
        if privilege.get("resource") == wanted:
            return privilege.get("type", NONE)
    return NONE


def allows(role: dict[str, Any] | None, kind: str, method: str) -> bool:
    level = access(role, kind)
    if method in ("GET", "HEAD"):
        return level in (READ, WRITE)
    return level == WRITE
