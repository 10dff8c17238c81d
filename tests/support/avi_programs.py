"""Program-shaped declarations of every object kind, as the Avi edge declares them (used by
the import, schema and engine tests)."""

from __future__ import annotations

from typing import Any

import pulumi

from tests.support.avi_support import self_signed

ISTIO_READY = {
    "name": "istio-ready",
    "type": "HEALTH_MONITOR_HTTP",
    "monitor_port": 31021,
    "send_interval": 5,
    "receive_timeout": 2,
    "successful_checks": 2,
    "failed_checks": 3,
    "http_monitor": {"http_request": "GET /healthz/ready HTTP/1.1", "http_response_code": ["HTTP_2XX"]},
}


class CapturingMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that keep each resource's inputs as the program registered them."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def declarations(prefix: str) -> dict[str, dict[str, Any]]:
    """kind -> body, in creation order (references point at earlier ones by name)."""
    ca_pem, _, ca, ca_key = self_signed(f"{prefix}-ca", is_ca=True)
    cert_pem, key_pem, _, _ = self_signed(f"{prefix}.example.com", ca=(ca, ca_key))
    return {
        "healthmonitor": {**ISTIO_READY, "name": f"{prefix}-ready"},
        "pool": {
            "name": f"{prefix}-pool",
            "default_server_port": 30080,
            "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN",
            "health_monitor_refs": [f"/api/healthmonitor?name={prefix}-ready"],
            "servers": [
                {"ip": {"addr": "10.4.0.1", "type": "V4"}, "port": 30080},
                {"ip": {"addr": "10.4.0.2", "type": "V4"}, "port": 0},
            ],
        },
        "vsvip": {
            "name": f"{prefix}-vip",
            "vip": [{"vip_id": "0", "ip_address": {"addr": "10.4.0.100", "type": "V4"}}],
        },
        "pkiprofile": {"name": f"{prefix}-pki", "crl_check": False, "ca_certs": [{"certificate": ca_pem}]},
        "sslkeyandcertificate": {
            "name": f"{prefix}-cert",
            "type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            "certificate": {"certificate": cert_pem},
            "key": key_pem,
        },
        "httppolicyset": {
            "name": f"{prefix}-redirect",
            "http_request_policy": {
                "rules": [
                    {
                        "name": "to-https",
                        "index": 1,
                        "enable": True,
                        "match": {"host_hdr": {"match_criteria": "HDR_EQUALS", "value": [f"{prefix}.example.com"]}},
                        "redirect_action": {
                            "protocol": "HTTPS",
                            "port": 443,
                            "status_code": "HTTP_REDIRECT_STATUS_CODE_301",
                        },
                    }
                ]
            },
        },
        "virtualservice": {
            "name": f"{prefix}-vs",
            "type": "VS_TYPE_VH_PARENT",
            "services": [{"port": 80}, {"port": 443, "enable_ssl": True}],
            "vsvip_ref": f"/api/vsvip?name={prefix}-vip",
            "pool_ref": f"/api/pool?name={prefix}-pool",
            "ssl_key_and_certificate_refs": [f"/api/sslkeyandcertificate?name={prefix}-cert"],
            "http_policies": [{"index": 11, "http_policy_set_ref": f"/api/httppolicyset?name={prefix}-redirect"}],
        },
    }
