"""System objects of a fresh controller and the server-side defaults filled in on writes.

Default values follow what a 20.1.1 controller returned for the same requests (see the
recorded exchanges referenced in docs/avi-provider.md).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol, TypedDict

from . import certs

SYSTEM_OBJECTS: dict[str, tuple[str, ...]] = {
    "cloud": ("Default-Cloud",),
    "serviceenginegroup": ("Default-Group",),
    "vrfcontext": ("global", "management"),
    "applicationprofile": (
        "System-HTTP",
        "System-Secure-HTTP",
        "System-Secure-HTTP-VDI",
        "System-SSL-Application",
        "System-L4-Application",
        "System-Syslog",
        "System-DNS",
    ),
    "networkprofile": (
        "System-TCP-Proxy",
        "System-TCP-Fast-Path",
        "System-UDP-Fast-Path",
        "System-UDP-Fast-Path-VDI",
        "System-UDP-Per-Pkt",
        "System-UDP-No-SNAT",
    ),
    "sslprofile": ("System-Standard", "System-Standard-PFS", "System-Standard-Portal"),
    "healthmonitor": ("System-HTTP", "System-HTTPS", "System-Ping", "System-TCP", "System-UDP", "System-DNS"),
    "analyticsprofile": ("System-Analytics-Profile",),
    "applicationpersistenceprofile": ("System-Persistence-Client-IP", "System-Persistence-Http-Cookie"),
    "stringgroup": ("System-Compressible-Content-Types", "System-Devices-Mobile"),
    "wafprofile": ("System-WAF-Profile",),
    "wafpolicy": ("System-WAF-Policy",),
}

SYSTEM_CONFIGURATION: dict[str, Any] = {
    "dns_configuration": {"search_domain": ""},
    "portal_configuration": {
        "enable_https": True,
        "redirect_to_https": True,
        "enable_http": True,
        "use_uuid_from_input": False,
        "enable_clickjacking_protection": True,
        "allow_basic_authentication": False,
        "password_strength_check": False,
        "disable_remote_cli_shell": False,
        "disable_swagger": False,
        "api_force_timeout": 24,
    },
    "global_tenant_config": {"tenant_vrf": False, "se_in_provider_context": True, "tenant_access_to_provider_se": True},
    "email_configuration": {
        "smtp_type": "SMTP_LOCAL_HOST",
        "from_email": "admin@avicontroller.net",
        "mail_server_name": "localhost",
        "mail_server_port": 25,
        "disable_tls": False,
    },
    "docker_mode": False,
    "ssh_ciphers": ["aes128-ctr", "aes256-ctr", "arcfour256", "arcfour128"],
    "ssh_hmacs": [
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha2-256-etm@openssh.com",
        "umac-128-etm@openssh.com",
        "hmac-sha2-512",
    ],
    "default_license_tier": "ENTERPRISE",
    "welcome_workflow_complete": False,
    "fips_mode": False,
}


# The dev stack (Pulumi.dev.yaml: cloud Default-Cloud, VRF global, vipNetwork 10.10.10.0/24)
# fixes its VIP at 10.10.10.50; with vipAddress left out it allocates from the network named
# by vipNetworkName. A real controller allocates only from a network its cloud's IPAM profile
# lists, with a static VIP range (ipam.py), which an admin creates; a fresh emulator has them
# so the dev stack works either way. The range leaves .1-.99 free for fixed addresses.
class _DevNetwork(TypedDict):
    name: str
    subnet: tuple[str, int]  # address, prefix length
    range: tuple[str, str]  # first and last static VIP


DEV_NETWORK: _DevNetwork = {
    "name": "vip-net-dev",
    "subnet": ("10.10.10.0", 24),
    "range": ("10.10.10.100", "10.10.10.199"),
}
DEV_IPAM_PROFILE = "dev-ipam"


def _v4(addr: str) -> dict[str, str]:
    return {"addr": addr, "type": "V4"}


def dev_network(cloud_ref: str, vrf_ref: str) -> dict[str, Any]:
    addr, mask = DEV_NETWORK["subnet"]
    begin, end = DEV_NETWORK["range"]
    return {
        "name": DEV_NETWORK["name"],
        "cloud_ref": cloud_ref,
        "vrf_context_ref": vrf_ref,
        "dhcp_enabled": False,
        "configured_subnets": [
            {
                "prefix": {"ip_addr": _v4(addr), "mask": mask},
                "static_ip_ranges": [{"type": "STATIC_IPS_FOR_VIP", "range": {"begin": _v4(begin), "end": _v4(end)}}],
            }
        ],
    }


def dev_ipam_profile(network_ref: str) -> dict[str, Any]:
    return {
        "name": DEV_IPAM_PROFILE,
        "type": "IPAMDNS_TYPE_INTERNAL",
        "allocate_ip_in_vrf": False,
        "internal_profile": {"usable_networks": [{"nw_ref": network_ref}]},
    }


class Context(Protocol):
    """What a fill function may ask of the store."""

    def system_ref(self, type_: str, name: str) -> str: ...


_SCALARS: dict[str, dict[str, Any]] = {
    "cloud": {
        "vtype": "CLOUD_NONE",
        "apic_mode": False,
        "dhcp_enabled": True,
        "mtu": 1500,
        "prefer_static_routes": False,
        "enable_vip_static_routes": False,
        "license_type": "LIC_CORES",
        "state_based_dns_registration": True,
        "ip6_autocfg_enabled": False,
        "dns_resolution_on_se": False,
        "enable_vip_on_all_interfaces": False,
        "license_tier": "ENTERPRISE",
        "autoscale_polling_interval": 60,
    },
    "tenant": {
        "local": True,
        "config_settings": {"tenant_vrf": False, "se_in_provider_context": True, "tenant_access_to_provider_se": True},
    },
    "pool": {
        "enabled": True,
        "default_server_port": 80,
        "graceful_disable_timeout": 1,
        "connection_ramp_duration": 10,
        "max_concurrent_connections_per_server": 0,
        "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
        "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
        "inline_health_monitor": True,
        "use_service_port": False,
        "capacity_estimation": False,
        "capacity_estimation_ttfb_thresh": 0,
        "fewest_tasks_feedback_delay": 10,
        "request_queue_enabled": False,
        "request_queue_depth": 128,
        "host_check_enabled": False,
        "sni_enabled": True,
        "rewrite_host_header_to_sni": False,
        "rewrite_host_header_to_server_name": False,
        "lb_algorithm_core_nonaffinity": 2,
        "lookup_server_by_name": False,
        "server_timeout": 0,
        "delete_server_on_dns_refresh": True,
        "enable_http2": False,
        "ignore_server_port": False,
        "routing_pool": False,
    },
    "vsvip": {"east_west_placement": False},
    "virtualservice": {
        "enabled": True,
        "enable_autogw": True,
        "weight": 1,
        "delay_fairness": False,
        "max_cps_per_client": 0,
        "limit_doser": False,
        "type": "VS_TYPE_NORMAL",
        "vh_type": "VS_TYPE_VH_SNI",
        "cloud_type": "CLOUD_NONE",
        "use_bridge_ip_as_vip": False,
        "flow_dist": "LOAD_AWARE",
        "ign_pool_net_reach": False,
        "ssl_sess_cache_avg_size": 1024,
        "remove_listening_port_on_vs_down": False,
        "close_client_conn_on_config_update": False,
        "bulk_sync_kvcache": False,
        "advertise_down_vs": False,
        "east_west_placement": False,
        "scaleout_ecmp": False,
        "active_standby_se_tag": "ACTIVE_STANDBY_SE_1",
        "flow_label_type": "NO_LABEL",
        "use_vip_as_snat": False,
        "traffic_enabled": True,
        "allow_invalid_client_cert": False,
    },
    "pkiprofile": {
        "crl_check": True,
        "ignore_peer_chain": False,
        "validate_only_leaf_crl": True,
        "is_federated": False,
    },
    "sslkeyandcertificate": {
        "type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
        "status": "SSL_CERTIFICATE_FINISHED",
        "format": "SSL_PEM",
        "key_passphrase": "",
        "certificate_base64": False,
        "key_base64": False,
        "enable_ocsp_stapling": False,
    },
    "httppolicyset": {"is_internal_policy": False},
    # swagger defaults of HealthMonitor (vmware/alb-sdk HealthMonitor.json)
    "healthmonitor": {
        "send_interval": 10,
        "receive_timeout": 4,
        "successful_checks": 2,
        "failed_checks": 2,
        "is_federated": False,
    },
    "vrfcontext": {"system_default": False, "lldp_enable": True},
}

_SERVER = {
    "enabled": True,
    "ratio": 1,
    "verify_network": False,
    "resolve_server_by_dns": False,
    "static": False,
    "rewrite_host_header": False,
}
_VIP = {
    "enabled": True,
    "auto_allocate_ip": False,
    "auto_allocate_floating_ip": False,
    "avi_allocated_vip": False,
    "avi_allocated_fip": False,
    "auto_allocate_ip_type": "V4_ONLY",
    "prefix_length": 32,
}


def scalar_defaults(type_: str) -> dict[str, Any]:
    return _SCALARS.get(type_, {})


def _coerce(default: Any, value: Any) -> Any:
    """The controller accepts ``"true"``/``"80"`` for typed fields and stores typed values."""
    if isinstance(default, bool) and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _fill_scalars(type_: str, obj: dict[str, Any]) -> None:
    for key, default in _SCALARS.get(type_, {}).items():
        if key in obj:
            obj[key] = _coerce(default, obj[key])
        else:
            obj[key] = copy.deepcopy(default)


def _fill_pool(obj: dict[str, Any], ctx: Context) -> None:
    obj.setdefault("vrf_ref", ctx.system_ref("vrfcontext", "global"))
    obj.setdefault("analytics_profile_ref", ctx.system_ref("analyticsprofile", "System-Analytics-Profile"))
    for server in obj.get("servers") or []:
        addr = (server.get("ip") or {}).get("addr")
        if addr is not None:
            server.setdefault("hostname", addr)
        for key, default in _SERVER.items():
            server.setdefault(key, default)


def _fill_vsvip(obj: dict[str, Any], ctx: Context) -> None:
    obj.setdefault("vrf_context_ref", ctx.system_ref("vrfcontext", "global"))
    for index, vip in enumerate(obj.get("vip") or []):
        vip.setdefault("vip_id", str(index))
        for key, default in _VIP.items():
            vip.setdefault(key, default)


def _fill_virtualservice(obj: dict[str, Any], ctx: Context) -> None:
    obj.setdefault("application_profile_ref", ctx.system_ref("applicationprofile", "System-HTTP"))
    obj.setdefault("network_profile_ref", ctx.system_ref("networkprofile", "System-TCP-Proxy"))
    obj.setdefault("se_group_ref", ctx.system_ref("serviceenginegroup", "Default-Group"))
    obj.setdefault("vrf_context_ref", ctx.system_ref("vrfcontext", "global"))
    obj.setdefault("analytics_profile_ref", ctx.system_ref("analyticsprofile", "System-Analytics-Profile"))
    for service in obj.get("services") or []:
        if "port" in service:
            service.setdefault("port_range_end", service["port"])
        service.setdefault("enable_ssl", False)
        service.setdefault("enable_http2", False)
    if any(s.get("enable_ssl") for s in obj.get("services") or []):
        obj.setdefault("ssl_profile_ref", ctx.system_ref("sslprofile", "System-Standard-PFS"))


def _fill_sslkeyandcertificate(obj: dict[str, Any], ctx: Context) -> None:
    cert = obj.get("certificate") or {}
    pem = cert.get("certificate")
    if pem:
        obj["certificate"] = {**certs.describe(pem)}
    if obj.get("key"):
        obj["key_params"] = certs.key_params(obj["key"], obj.get("key_passphrase"))


def _fill_pkiprofile(obj: dict[str, Any], ctx: Context) -> None:
    described = []
    for ca in obj.get("ca_certs") or []:
        info = certs.describe(ca["certificate"]) if ca.get("certificate") else {}
        described.append(
            {**{k: info[k] for k in ("subject", "issuer", "not_after", "expiry_status") if k in info}, **ca}
        )
    if "ca_certs" in obj:
        obj["ca_certs"] = described


def _fill_httppolicyset(obj: dict[str, Any], ctx: Context) -> None:
    for section in ("http_request_policy", "http_response_policy", "http_security_policy"):
        for rule in (obj.get(section) or {}).get("rules") or []:
            rule.setdefault("enable", True)


SYSTEM_MONITOR_TYPES = {
    "System-HTTP": "HEALTH_MONITOR_HTTP",
    "System-HTTPS": "HEALTH_MONITOR_HTTPS",
    "System-Ping": "HEALTH_MONITOR_PING",
    "System-TCP": "HEALTH_MONITOR_TCP",
    "System-UDP": "HEALTH_MONITOR_UDP",
    "System-DNS": "HEALTH_MONITOR_DNS",
}
_HTTP_MONITOR = {"http_request": "GET / HTTP/1.0", "http_response_code": ["HTTP_2XX"], "exact_http_request": False}


def _fill_healthmonitor(obj: dict[str, Any], ctx: Context) -> None:
    if "type" not in obj and obj.get("name") in SYSTEM_MONITOR_TYPES:
        obj["type"] = SYSTEM_MONITOR_TYPES[obj["name"]]
    section = {"HEALTH_MONITOR_HTTP": "http_monitor", "HEALTH_MONITOR_HTTPS": "https_monitor"}.get(obj.get("type", ""))
    if section:
        monitor = obj.setdefault(section, {})
        for key, default in _HTTP_MONITOR.items():
            monitor.setdefault(key, copy.deepcopy(default))


_FILLERS: dict[str, Callable[[dict[str, Any], Context], None]] = {
    "healthmonitor": _fill_healthmonitor,
    "pool": _fill_pool,
    "vsvip": _fill_vsvip,
    "virtualservice": _fill_virtualservice,
    "sslkeyandcertificate": _fill_sslkeyandcertificate,
    "pkiprofile": _fill_pkiprofile,
    "httppolicyset": _fill_httppolicyset,
}


def fill(type_: str, obj: dict[str, Any], ctx: Context) -> None:
    """Fill server-side defaults into ``obj`` in place (raises certs.CertificateError)."""
    _fill_scalars(type_, obj)
    filler = _FILLERS.get(type_)
    if filler:
        filler(obj, ctx)
