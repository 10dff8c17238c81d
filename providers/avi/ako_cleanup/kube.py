"""Asking a running AKO to delete its objects: the `deleteConfig` flow, over the Kubernetes API.

AKO watches its ConfigMap `avi-k8s-config`; switching `deleteConfig` to "true" makes it stop
syncing and delete every object it created. It reports progress on its StatefulSet `ako`:
the annotation `AviObjectDeletionStatus: Started|Done|Timeout` (AKO since Nov 2021), or on
older AKO the status condition `ako.vmware.com/ObjectDeletionInProgress` with reason
`Started|Done|Timeout`. Both are read here. The wait is bounded: whatever AKO leaves, the
Avi API sweep removes afterwards.

The client is deliberately small (requests + one kubeconfig context, the configured one or
else the current one as kubectl picks it: bearer token, client certificate, or an `exec`
credential plugin), because it runs inside the
dynamic provider's process where no Kubernetes provider is available.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import requests
import yaml

DELETION_ANNOTATION = "AviObjectDeletionStatus"
LEGACY_CONDITION = "ako.vmware.com/ObjectDeletionInProgress"
FINISHED = ("Done", "Timeout")


class KubeError(RuntimeError):
    """The kubeconfig is unusable or the API server answered something unexpected."""


def _temp_file(data: bytes, suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="ako-cleanup-", suffix=suffix)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    atexit.register(lambda: os.path.exists(path) and os.remove(path))
    return path


def _data_or_file(entry: dict[str, Any], key: str, suffix: str) -> Optional[str]:
    if entry.get(f"{key}-data"):
        return _temp_file(base64.b64decode(entry[f"{key}-data"]), suffix)
    return entry.get(key)


@dataclass
class KubeApi:
    """Just enough of the Kubernetes API for the deleteConfig flow."""

    server: str
    headers: dict[str, str]
    verify: bool | str
    cert: Optional[tuple[str, str]] = None
    timeout: float = 10.0

    @classmethod
    def from_kubeconfig(cls, text: str, context: Optional[str] = None) -> "KubeApi":
        """The API server and credentials of `context`, or of the current context when None (as kubectl does)."""
        try:
            config = yaml.safe_load(text)
            if not isinstance(config, dict):
                raise TypeError("not a mapping")
            contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            raise KubeError(f"the kubeconfig has no usable current context ({type(exc).__name__})") from exc
        if context is not None and context not in contexts:
            known = ", ".join(sorted(contexts)) or "none"
            raise KubeError(f"the kubeconfig has no context {context!r} (it has: {known})")
        try:
            chosen = contexts[context] if context is not None else (
                contexts[config.get("current-context") or config["contexts"][0]["name"]])
            cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == chosen["cluster"])
            user = next((u["user"] for u in config.get("users") or [] if u["name"] == chosen.get("user")), {})
        except (KeyError, IndexError, StopIteration, TypeError) as exc:
            which = f"context {context!r}" if context is not None else "current context"
            raise KubeError(f"the kubeconfig has no usable {which} ({type(exc).__name__})") from exc
        verify: bool | str = not cluster.get("insecure-skip-tls-verify", False)
        if verify:
            verify = _data_or_file(cluster, "certificate-authority", ".crt") or True
        headers: dict[str, str] = {}
        token = user.get("token") or (_exec_token(user["exec"]) if user.get("exec") else None)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        cert_file = _data_or_file(user, "client-certificate", ".crt")
        key_file = _data_or_file(user, "client-key", ".key")
        return cls(cluster["server"].rstrip("/"), headers, verify, (cert_file, key_file) if cert_file and key_file
                   else None)

    def call(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> tuple[int, Any]:
        headers = {**self.headers, "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body)
        resp = requests.request(method, f"{self.server}{path}", headers=headers, data=data, verify=self.verify,
                                cert=self.cert, timeout=self.timeout)
        try:
            return resp.status_code, resp.json() if resp.text else None
        except ValueError:
            return resp.status_code, resp.text


def _exec_token(spec: dict[str, Any]) -> str:
    env = {**os.environ, **{e["name"]: e["value"] for e in spec.get("env") or []}}
    try:
        out = subprocess.run([spec["command"], *(spec.get("args") or [])], env=env, capture_output=True, text=True,
                             timeout=60, check=True).stdout
        return json.loads(out)["status"]["token"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        raise KubeError(f"the kubeconfig's exec credential plugin {spec.get('command')!r} gave no token: "
                        f"{exc}") from exc


def deletion_status(statefulset: dict[str, Any]) -> Optional[str]:
    """`Started`, `Done` or `Timeout` as AKO reports it on its StatefulSet (annotation, else legacy condition)."""
    annotations = (statefulset.get("metadata") or {}).get("annotations") or {}
    if annotations.get(DELETION_ANNOTATION):
        return annotations[DELETION_ANNOTATION]
    for condition in (statefulset.get("status") or {}).get("conditions") or []:
        if condition.get("type") == LEGACY_CONDITION:
            return condition.get("reason")
    return None


def _running(statefulset: dict[str, Any]) -> bool:
    return bool((statefulset.get("status") or {}).get("readyReplicas"))


def ask_ako_to_clean_up(kube: KubeApi, namespace: str, cluster_name: str, timeout: float, poll: float = 2.0,
                        clock: Callable[[], float] = time.monotonic,
                        sleep: Callable[[float], None] = time.sleep) -> str:
    """Set deleteConfig and wait (at most `timeout` seconds) for AKO's verdict.

    Returns `Done` or `Timeout` as AKO reported it, `gone` when AKO is not installed or not
    running (nothing to wait for), `renamed` when the AKO running there now has another
    clusterName (a replacement after a rename: that AKO's objects are not ours to delete),
    or `waited` when AKO gave no verdict in time.
    """
    sts_path = f"/apis/apps/v1/namespaces/{namespace}/statefulsets/ako"
    status, statefulset = kube.call("GET", sts_path)
    if status == 404 or (status == 200 and not _running(statefulset)):
        return "gone"
    if status != 200:
        raise KubeError(f"reading StatefulSet {namespace}/ako: HTTP {status}: {statefulset}")
    cm_path = f"/api/v1/namespaces/{namespace}/configmaps/avi-k8s-config"
    status, config_map = kube.call("GET", cm_path)
    if status == 404:
        return "gone"
    if status != 200:
        raise KubeError(f"reading ConfigMap {namespace}/avi-k8s-config: HTTP {status}: {config_map}")
    if (config_map.get("data") or {}).get("clusterName") != cluster_name:
        return "renamed"
    status, answer = kube.call("PATCH", cm_path, {"data": {"deleteConfig": "true"}},
                               "application/merge-patch+json")
    if status == 404:
        return "gone"
    if status != 200:
        raise KubeError(f"setting deleteConfig in ConfigMap {namespace}/avi-k8s-config: HTTP {status}: {answer}")
    deadline = clock() + timeout
    while True:
        status, statefulset = kube.call("GET", sts_path)
        if status == 404:
            return "gone"
        verdict = deletion_status(statefulset) if status == 200 else None
        if verdict in FINISHED:
            return verdict
        if clock() >= deadline:
            return "waited"
        sleep(poll)
