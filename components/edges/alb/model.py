"""Pure builders for the ALB edge: controller values and the Ingress in front of the gateway.

The ALB terminates public TLS with the ACM certificate, redirects HTTP to HTTPS and
re-encrypts to the gateway's HTTPS port (ACM certificates cannot be exported to the
gateway). Instance targets reach the NodePort gateway on every node; health checks
go to the gateway's status port (named, so the controller uses its node port) over HTTP.
"""

from __future__ import annotations

import json
from typing import Any

from components.edges.alb.config import AlbEdgeConfig
from components.edges.alb.iam_policies import LBC_SERVICE_ACCOUNT
from components.mesh.model import HTTPS_PORT, READINESS_PATH

INGRESS_NAME = "gw-ingress"
"""Name of the Ingress (operators read the ALB hostname from `gw-ingress`)."""
INGRESS_CLASS = "alb"
STATUS_PORT_NAME = "status-port"
_PREFIX = "alb.ingress.kubernetes.io"


def ingress_annotations(alb: AlbEdgeConfig) -> dict[str, str]:
    """Annotations of the ALB Ingress."""
    return {
        f"{_PREFIX}/scheme": alb.scheme,
        f"{_PREFIX}/target-type": "instance",
        f"{_PREFIX}/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        f"{_PREFIX}/certificate-arn": alb.certificate_arn,
        f"{_PREFIX}/ssl-policy": alb.ssl_policy,
        f"{_PREFIX}/ssl-redirect": "443",
        f"{_PREFIX}/backend-protocol": "HTTPS",
        f"{_PREFIX}/healthcheck-port": STATUS_PORT_NAME,
        f"{_PREFIX}/healthcheck-path": READINESS_PATH,
        f"{_PREFIX}/healthcheck-protocol": "HTTP",
        f"{_PREFIX}/success-codes": "200",
    }


def ingress_manifest(alb: AlbEdgeConfig, namespace: str, gateway_service: str) -> dict[str, Any]:
    """The Ingress (class `alb`) sending everything to the gateway Service's HTTPS port."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": INGRESS_NAME, "namespace": namespace, "annotations": ingress_annotations(alb)},
        "spec": {
            "ingressClassName": INGRESS_CLASS,
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": gateway_service, "port": {"number": HTTPS_PORT}}},
                            }
                        ]
                    }
                }
            ],
        },
    }


def controller_values(cluster_name: Any, role_arn: Any, region: Any, vpc_id: Any) -> dict[str, Any]:
    """Values of the `aws-load-balancer-controller` chart (IRSA service account)."""
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        "serviceAccount": {
            "create": True,
            "name": LBC_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "enableServiceMutatorWebhook": False,
    }
