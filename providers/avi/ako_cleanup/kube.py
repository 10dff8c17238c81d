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

import json
import os
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import yaml

from .kube_tls import ContextAdapter, KubeTlsError, tls_context

DELETION_ANNOTATION = "AviObjectDeletionStatus"
LEGACY_CONDITION = "ako.vmware.com/ObjectDeletionInProgress"
FINISHED = ("Done", "Timeout")
MAX_ANSWER_CHARS = 300


class KubeError(RuntimeError):
    """The kubeconfig is unusable or the API server answered something unexpected."""


@dataclass
class KubeApi:
    """Just enough of the Kubernetes API for the deleteConfig flow.

    Credentials stay in memory: the bearer token in `headers`, the CA and client key inside
    `tls` (providers/avi/ako_cleanup/kube_tls.py); neither is part of the repr.
    """

    server: str
    headers: dict[str, str] = field(repr=False)
    tls: ssl.SSLContext = field(repr=False)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        self._http = requests.Session()
        self._http.mount("https://", ContextAdapter(self.tls))

    @property
    def verifies_server(self) -> bool:
        return self.tls.verify_mode != ssl.CERT_NONE

    @classmethod
    def from_kubeconfig(cls, text: str, context: str | None = None) -> KubeApi:
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
            chosen = (
                contexts[context]
                if context is not None
                else (contexts[config.get("current-context") or config["contexts"][0]["name"]])
            )
            cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == chosen["cluster"])
            user: dict[str, Any] = next(
                (u["user"] for u in config.get("users") or [] if u["name"] == chosen.get("user")), {}
            )
            server = cluster["server"].rstrip("/")
        except (KeyError, IndexError, StopIteration, TypeError, AttributeError) as exc:
            which = f"context {context!r}" if context is not None else "current context"
            raise KubeError(f"the kubeconfig has no usable {which} ({type(exc).__name__})") from exc
        try:
            tls = tls_context(cluster, user)
        except KubeTlsError as exc:
            raise KubeError(str(exc)) from None
        headers: dict[str, str] = {}
        token = user.get("token") or (_exec_token(user["exec"]) if user.get("exec") else None)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return cls(server, headers, tls)

    def call(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> tuple[int, Any]:
        headers = {**self.headers, "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body)
        resp = self._http.request(
            method,
            f"{self.server}{path}",
            headers=headers,
            data=data,
            verify=self.verifies_server,
            timeout=self.timeout,
        )
        try:
            return resp.status_code, resp.json() if resp.text else None
        except ValueError:
            return resp.status_code, resp.text

    def describe(self, answer: Any) -> str:
        """An API server answer for a message: its Status message, bounded, with our credentials blanked."""
        text = answer.get("message") if isinstance(answer, dict) and answer.get("message") else answer
        text = str(text)[:MAX_ANSWER_CHARS]
        for secret in self.headers.values():  # a proxy or echo server may mirror the request
            text = text.replace(secret, "<credential>").replace(secret.split(" ", 1)[-1], "<credential>")
        return text


def _exec_token(spec: dict[str, Any]) -> str:
    """The token an exec credential plugin prints; its arguments, environment and output stay out of messages."""
    command = spec.get("command") if isinstance(spec, dict) else None
    if not isinstance(command, str) or not command:
        raise KubeError("the kubeconfig's user exec has no command (a string naming the credential plugin)")
    try:
        env = {**os.environ, **{str(e["name"]): str(e["value"]) for e in spec.get("env") or []}}
        args = [str(a) for a in spec.get("args") or []]
    except (KeyError, TypeError) as exc:
        raise KubeError(
            f"the kubeconfig's user exec env/args of {command!r} are not a list of "
            f"name/value entries and strings ({type(exc).__name__})"
        ) from None
    try:
        out = subprocess.run([command, *args], env=env, capture_output=True, text=True, timeout=60, check=True).stdout
        return json.loads(out)["status"]["token"]
    except subprocess.CalledProcessError as exc:
        reason = f"exit status {exc.returncode}; run it yourself to see its output"
    except subprocess.TimeoutExpired:
        reason = "no answer within 60 s"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    except (ValueError, KeyError, TypeError) as exc:
        reason = f"its output is not an ExecCredential with status.token ({type(exc).__name__})"
    raise KubeError(f"the kubeconfig's exec credential plugin {command!r} gave no token: {reason}")


def deletion_status(statefulset: dict[str, Any]) -> str | None:
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


def ask_ako_to_clean_up(
    kube: KubeApi,
    namespace: str,
    cluster_name: str,
    timeout: float,
    poll: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
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
        raise KubeError(f"reading StatefulSet {namespace}/ako: HTTP {status}: {kube.describe(statefulset)}")
    cm_path = f"/api/v1/namespaces/{namespace}/configmaps/avi-k8s-config"
    status, config_map = kube.call("GET", cm_path)
    if status == 404:
        return "gone"
    if status != 200:
        raise KubeError(f"reading ConfigMap {namespace}/avi-k8s-config: HTTP {status}: {kube.describe(config_map)}")
    if (config_map.get("data") or {}).get("clusterName") != cluster_name:
        return "renamed"
    status, answer = kube.call("PATCH", cm_path, {"data": {"deleteConfig": "true"}}, "application/merge-patch+json")
    if status == 404:
        return "gone"
    if status != 200:
        raise KubeError(
            f"setting deleteConfig in ConfigMap {namespace}/avi-k8s-config: HTTP {status}: {kube.describe(answer)}"
        )
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
