"""The object types the emulator serves and the facts it needs about each."""

from __future__ import annotations

import re
from dataclasses import dataclass


def _verbose(model: str) -> str:
    """Django's default verbose name: ``VrfContext`` -> ``Vrf context``."""
    spaced = re.sub(r"(((?<=[a-z])[A-Z])|([A-Z](?![A-Z]|$)))", r" \1", model).strip().lower()
    return spaced[:1].upper() + spaced[1:]


@dataclass(frozen=True)
class ObjectType:
    """One controller model: its URL segment, model name and name-uniqueness scope."""

    name: str
    model: str
    scope: str = "tenant"  # "global" (unique by name), "tenant", or "cloud" (tenant + cloud)
    singleton: bool = False  # PUT/GET on the collection path, no uuid

    @property
    def not_found(self) -> str:
        return f"{self.model} object not found!"

    @property
    def duplicate(self) -> str:
        fields = {"global": "Name", "tenant": "Name and Tenant ref", "cloud": "Name, Tenant ref and Cloud ref"}[
            self.scope
        ]
        return f"{_verbose(self.model)} with this {fields} already exists."


TYPES: dict[str, ObjectType] = {
    t.name: t
    for t in (
        ObjectType("tenant", "Tenant", scope="global"),
        ObjectType("cloud", "Cloud"),
        ObjectType("serviceenginegroup", "ServiceEngineGroup", scope="cloud"),
        ObjectType("vrfcontext", "VrfContext", scope="cloud"),
        ObjectType("virtualservice", "VirtualService", scope="cloud"),
        ObjectType("vsvip", "VsVip", scope="cloud"),
        ObjectType("network", "Network", scope="cloud"),
        ObjectType("ipamdnsproviderprofile", "IpamDnsProviderProfile"),
        ObjectType("role", "Role"),
        ObjectType("user", "User", scope="global"),
        ObjectType("pool", "Pool", scope="cloud"),
        ObjectType("poolgroup", "PoolGroup", scope="cloud"),
        ObjectType("pkiprofile", "PKIProfile"),
        ObjectType("sslkeyandcertificate", "SSLKeyAndCertificate"),
        ObjectType("httppolicyset", "HTTPPolicySet"),
        ObjectType("vsdatascriptset", "VSDataScriptSet"),
        ObjectType("l4policyset", "L4PolicySet"),
        ObjectType("applicationprofile", "ApplicationProfile"),
        ObjectType("networkprofile", "NetworkProfile"),
        ObjectType("sslprofile", "SSLProfile"),
        ObjectType("healthmonitor", "HealthMonitor"),
        ObjectType("analyticsprofile", "AnalyticsProfile"),
        ObjectType("applicationpersistenceprofile", "ApplicationPersistenceProfile"),
        ObjectType("stringgroup", "StringGroup"),
        ObjectType("wafprofile", "WafProfile"),
        ObjectType("wafpolicy", "WafPolicy"),
        ObjectType("systemconfiguration", "SystemConfiguration", scope="global", singleton=True),
    )
}
