"""Per-kind behaviour of the provider that the vendor's model does not state: which fields
force a replacement (top-level, inside keyed lists such as a VsVip's VIPs, and references that
make an object follow the replacement of what it refers to), which are write-only secrets,
what a write answer leaves out and which
inputs ``check`` adds. Field names, types, enums, ranges and defaults come from the model table
(``providers/avi/model``); supporting a new kind means a row here and a root in the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import load as load_model


@dataclass(frozen=True)
class KeyedItems:
    """A list field whose items are matched across a change by a key field. A different key
    at the same position, or a change of one of ``fixed`` in an item whose key is kept, cannot
    be applied in place: the object is replaced."""

    field: str  # the list, e.g. ``vip``
    key: str  # what identifies an item, e.g. ``vip_id``
    fixed: frozenset[str]  # item fields the controller will not change in place


# A VsVip's VIPs: a real controller refuses a new address ("If a new preferred IP is needed,
# please recreate the VIP") and a new vip_id ("Changing an existing VIP's vip_id is not
# supported"), AKO internal/lib/constants.go:129-130. The fixed fields are those the address is
# chosen from (swagger Vip): the address itself (v4/v6), whether and which family the
# controller allocates, and the network/subnet it allocates from (IPNetworkSubnet).
VSVIP_VIPS = KeyedItems(
    field="vip",
    key="vip_id",
    fixed=frozenset({"ip_address", "ip6_address", "auto_allocate_ip", "auto_allocate_ip_type", "ipam_network_subnet"}),
)


@dataclass(frozen=True)
class Kind:
    """Facts about one Avi object type."""

    path: str  # URL segment: /api/<path>
    immutable: frozenset[str] = frozenset({"tenant_ref"})
    immutable_items: tuple[KeyedItems, ...] = ()
    # References that make this object follow the replacement of their target. A replaced
    # object is deleted first (names are unique per tenant), and the controller refuses to
    # delete an object that is still referred to, so its referrers have to go first. The
    # engine asks each dependent's diff with the reference unknown; an unknown value here
    # answers "replace", a known new value is an ordinary update.
    follows: frozenset[str] = frozenset()
    secret: frozenset[str] = frozenset()  # write-only on the controller; kept from state
    echo_omits: tuple[str, ...] = ()  # nested fields a write answer leaves out
    defaults: Mapping[str, object] = field(default_factory=dict)  # added by check when absent
    required: tuple[str, ...] = ("name",)

    @property
    def model(self) -> str:
        """The controller's model name (``VsVip``), for messages and the table."""
        return load_model().model_of(self.path)

    @property
    def server_owned(self) -> frozenset[str]:
        """Fields only the controller sets (read-only in the model)."""
        fields = load_model().kind_fields(self.path)
        return frozenset({"uuid", "url", "_last_modified"} | {k for k, f in fields.items() if f.read_only})

    @property
    def ownership(self) -> frozenset[str]:
        """Which ownership carriers the kind has (``created_by``, ``markers``)."""
        return load_model().ownership_fields(self.path)


KINDS: dict[str, Kind] = {
    k.path: k
    for k in (
        Kind(
            path="virtualservice",
            immutable=frozenset({"tenant_ref", "cloud_ref", "vrf_context_ref"}),
            follows=frozenset({"vsvip_ref", "vh_parent_vs_ref"}),
        ),
        Kind(
            path="vsvip",
            immutable=frozenset({"tenant_ref", "cloud_ref", "vrf_context_ref"}),
            immutable_items=(VSVIP_VIPS,),
        ),
        Kind(path="pool", immutable=frozenset({"tenant_ref", "cloud_ref", "vrf_ref"})),
        Kind(path="pkiprofile", required=("name", "ca_certs")),
        Kind(
            path="sslkeyandcertificate",
            immutable=frozenset({"tenant_ref", "type"}),
            secret=frozenset({"key", "key_passphrase"}),
            echo_omits=("certificate.certificate",),
            defaults={"type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"},
            required=("name", "certificate"),
        ),
        Kind(path="httppolicyset"),
        Kind(path="healthmonitor", required=("name", "type")),
    )
}

# Inputs that steer the provider and are never sent to the controller as object fields.
OWNER_INPUT = "owner_marker"
OWNER_MARKER_KEY = "pulumi-owner"
OUTPUT_ONLY = frozenset({"uuid", "url"})
