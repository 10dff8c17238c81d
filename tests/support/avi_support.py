"""Helpers shared by the Avi tests. The test folders are packages (``tests.providers.avi``, ...),
so no folder named ``avi`` ever lands on sys.path to shadow the avisdk's own ``avi`` package."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from pulumi.dynamic import Config, ConfigureRequest

REPO = Path(__file__).resolve().parents[2]
USER, PASSWORD = "admin", "emulator-pass"
CASSETTES = REPO.parent / "shared" / "reference" / "avi-cassettes"


def stack_config(url: str, **extra: Any) -> dict[str, Any]:
    """Config the way the engine hands it to a dynamic provider."""
    avi = {"controller": url, "username": USER, "tenant": "admin", "version": "22.1.3", **extra}
    return {"mesh-platform:avi": json.dumps(avi), "mesh-platform:aviPassword": PASSWORD}


def configured(provider, url: str, **extra: Any):
    provider.configure(ConfigureRequest(Config(stack_config(url, **extra), "mesh-platform")))
    return provider


@dataclass
class RawClient:
    """A deliberately plain client for out-of-band edits and assertions."""

    url: str
    tenant: str = "admin"
    version: str | None = "22.1.3"

    def __post_init__(self) -> None:
        self.http = requests.Session()
        resp = self.http.post(f"{self.url}/login", json={"username": USER, "password": PASSWORD}, verify=False)
        assert resp.status_code == 200, resp.text
        self.csrf = resp.cookies["csrftoken"]
        self.sid = resp.cookies["avi-sessionid"]

    def headers(self, **extra: str) -> dict[str, str]:
        h = {
            "X-CSRFToken": self.csrf,
            "Referer": self.url,
            "X-Avi-Tenant": self.tenant,
            "Cookie": f"csrftoken={self.csrf}; sessionid={self.sid}; avi-sessionid={self.sid}",
            "Content-Type": "application/json",
        }
        if self.version:
            h["X-Avi-Version"] = self.version
        h.update(extra)
        return h

    def __call__(
        self, method: str, path: str, body: Any = None, params: Any = None, **headers: str
    ) -> requests.Response:
        return self.http.request(
            method,
            f"{self.url}{path}",
            json=body,
            params=params,
            headers=self.headers(**headers),
            verify=False,
            timeout=10,
        )


def self_signed(
    common_name: str, ca: tuple[Any, Any] | None = None, san_ip: str | None = None, is_ca: bool = False
) -> tuple[str, str, Any, Any]:
    """(cert PEM, key PEM, cert, key); signed by ``ca`` when given."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mesh-platform tests"),
        ]
    )
    issuer_cert, issuer_key = ca if ca else (None, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if san_ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san_ip))]), critical=False
        )
    cert = builder.sign(issuer_key, hashes.SHA256())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert_pem, key_pem, cert, key


def add_vip_network(raw: RawClient, name: str, cidr: str, first: int = 10, last: int = 250) -> dict[str, Any]:
    """What an admin sets up before VIPs can be allocated from ``cidr`` (tools/avi_emulator/ipam.py):
    the network with a static VIP range (host numbers ``first``..``last``), listed as usable in the
    IPAM profile of Default-Cloud."""
    import ipaddress

    network = ipaddress.ip_network(cidr)

    def v4(n: int) -> dict[str, str]:
        return {"addr": str(network.network_address + n), "type": "V4"}

    made = raw(
        "POST",
        "/api/network",
        {
            "name": name,
            "configured_subnets": [
                {
                    "prefix": {"ip_addr": v4(0), "mask": network.prefixlen},
                    "static_ip_ranges": [
                        {"type": "STATIC_IPS_FOR_VIP", "range": {"begin": v4(first), "end": v4(last)}}
                    ],
                }
            ],
        },
    )
    assert made.status_code == 201, made.text
    cloud = raw("GET", "/api/cloud", params={"name": "Default-Cloud"}).json()["results"][0]
    profile = raw("GET", f"/api/ipamdnsproviderprofile/{cloud['ipam_provider_ref'].rsplit('/', 1)[-1]}").json()
    profile["internal_profile"]["usable_networks"].append({"nw_ref": f"/api/network/{made.json()['uuid']}"})
    assert raw("PUT", f"/api/ipamdnsproviderprofile/{profile['uuid']}", profile).status_code == 200
    return made.json()
