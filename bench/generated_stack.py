"""A generated on-prem stack with many apps behind the Avi edge (for the scale test and benchmark).

Every fourth app is terminated at the edge (certificate from `edgeCertificates`, HTTP redirected),
every tenth is passed through, the rest are plain HTTP; apps spread over ten namespaces and
have two prefixes each, so the edge declares several thousand Avi objects for 1,000 apps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

NAMESPACES = [f"team-{i}" for i in range(10)]


def app(i: int) -> dict[str, Any]:
    namespace: dict[str, Any] = {"name": NAMESPACES[i % len(NAMESPACES)], "hosts": [f"app-{i}.apps.example.net"]}
    prefixes = ["/", "/api"]
    if i % 10 == 9:
        namespace["tls"] = {"mode": "passthrough", "redirect": True}
        prefixes = ["/"]
    elif i % 4 == 0:
        namespace["tls"] = {"certificate": {"secret": "apps-wildcard"}, "redirect": True}
    return {
        "virtualName": f"app-{i}",
        "name": f"app-{i}",
        "port": 8080,
        "namespaces": [namespace],
        "prefixes": prefixes,
    }


def stack_config(apps: int) -> dict[str, Any]:
    """The `config:` mapping of a stack with `apps` apps (LARGE shards, three nodes, routes)."""
    return {
        "mesh-platform:environment": "scale",
        "mesh-platform:cluster": {"kind": "existing", "name": "scale", "existing": {"context": "scale"}},
        "mesh-platform:kubeconfig": {"secure": "c2NhbGUta3ViZWNvbmZpZw=="},
        "mesh-platform:namespaces": NAMESPACES,
        "mesh-platform:apps": [app(i) for i in range(apps)],
        "mesh-platform:edgeCertificates": {"secure": "c2NhbGUtY2VydGlmaWNhdGVz"},
        "mesh-platform:edge": {
            "kind": "avi",
            "avi": {
                "vipNetwork": "10.80.0.0/22",
                "vipNetworkName": "vip-net-scale",
                "shardSize": "LARGE",
                "passthroughShardSize": "MEDIUM",
                "staticRoutes": True,
                "nodes": [
                    {"name": f"worker-{n}", "address": f"10.81.0.{10 + n}", "podCidr": f"10.244.{n}.0/24"}
                    for n in range(3)
                ],
            },
        },
        "mesh-platform:avi": {
            "controller": "https://avi.scale.example.net",
            "username": "pulumi",
            "tenant": "admin",
            "version": "22.1.3",
        },
        "mesh-platform:aviPassword": {"secure": "c2NhbGUtcGFzc3dvcmQ="},
    }


def write(path: Path, apps: int) -> Path:
    """Write `Pulumi.<name>.yaml` for a stack with `apps` apps; returns its path."""
    path.write_text(yaml.safe_dump({"config": stack_config(apps)}, sort_keys=False))
    return path
