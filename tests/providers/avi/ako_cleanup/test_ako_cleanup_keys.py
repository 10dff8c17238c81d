"""The AKO cleanup's Kubernetes credentials: never in a file, never in a message or log line."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
import requests
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from providers.avi.ako_cleanup import kube
from providers.avi.ako_cleanup.provider import AkoCleanup, AkoCleanupProvider
from tests.support.avi_engine import struct
from tests.support.avi_programs import CapturingMocks
from tests.support.avi_support import REPO, configured, stack_config
from tests.support.fake_kube import (
    FakeAko,
    TlsMaterial,
    b64,
    kubeconfig,
    record_pulumi_log,
    serve,
    tls_kubeconfig,
    url_of,
)

CLUSTER = "onprem-ako"
TOKEN_CANARY = "canary-token-7f3a9c1e5b"
KEY_CANARY = "canary-key-2d8e4f6a0c"


def key_fingerprints(tls: TlsMaterial) -> list[bytes]:
    """Byte strings only the client key contains: its PEM body, its DER, the kubeconfig's base64 of it."""
    body = "".join(tls.client_key.strip().splitlines()[1:-1])
    return [body[:48].encode(), base64.b64decode(body)[:48], b64(tls.client_key)[:48].encode()]


def files_holding(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(n in data for n in needles):
                found.append(str(path))
    return found


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch) -> Path:
    """TMPDIR for this process: whatever tempfile would create lands here, to be inspected."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setenv("TMPDIR", str(directory))
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def tls() -> TlsMaterial:
    return TlsMaterial.make()


@pytest.fixture
def tls_server(tls, tmp_path) -> Iterator[tuple[FakeAko, str]]:
    fake = FakeAko(cluster=CLUSTER)
    server = serve(fake, tls.server_context(tmp_path / "server-side"))
    yield fake, url_of(server, tls=True)
    fake.release.set()
    server.shutdown()


@pytest.mark.parametrize("path", ["memfd", "unlinked-file"])
def test_embedded_client_key_authenticates_from_memory(tls, tls_server, own_tempdir, monkeypatch, path):
    if path == "unlinked-file":  # the macOS/BSD path, exercised here through Linux's /dev/fd
        monkeypatch.delattr(os, "memfd_create", raising=False)
    fake, url = tls_server
    api = kube.KubeApi.from_kubeconfig(tls_kubeconfig(url, tls))
    assert list(own_tempdir.iterdir()) == []
    assert kube.ask_ako_to_clean_up(api, "avi-system", CLUSTER, timeout=30, poll=0.01) == "Done"
    assert fake.config["deleteConfig"] == "true"
    assert set(fake.peers) == {tls.client_name}  # every request carried the client certificate
    assert list(own_tempdir.iterdir()) == []


def test_trust_is_the_kubeconfig_ca_alone(tls, tls_server, monkeypatch, tmp_path):
    fake, url = tls_server
    stranger = TlsMaterial.make()
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(tls.ca_pem)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))  # requests would add it to any context
    api = kube.KubeApi.from_kubeconfig(
        kubeconfig(
            url,
            {"client-certificate-data": b64(tls.client_pem), "client-key-data": b64(tls.client_key)},
            {"certificate-authority-data": b64(stranger.ca_pem)},
        )
    )
    with pytest.raises(requests.exceptions.SSLError):
        api.call("GET", "/api/v1/namespaces/avi-system/configmaps/avi-k8s-config")
    assert api.tls.cert_store_stats()["x509_ca"] == 1
    assert fake.requests == []


def test_bad_tls_fields_are_named_and_never_echoed(tls):
    bad_key = f"-----BEGIN PRIVATE KEY-----\n{KEY_CANARY}\n-----END PRIVATE KEY-----\n"
    other_key = TlsMaterial.make().client_key
    cases = {
        "not base64": (
            {"client-certificate-data": b64(tls.client_pem), "client-key-data": f"%%{KEY_CANARY}%%"},
            "client-key-data is not base64",
        ),
        "not a key": (
            {"client-certificate-data": b64(tls.client_pem), "client-key-data": b64(bad_key)},
            "are not a PEM certificate and its key",
        ),
        "another key": (
            {"client-certificate-data": b64(tls.client_pem), "client-key-data": b64(other_key)},
            "are not a PEM certificate and its key",
        ),
    }
    for name, (user, expected) in cases.items():
        with pytest.raises(kube.KubeError) as caught:
            kube.KubeApi.from_kubeconfig(kubeconfig("https://127.0.0.1:1", {**user, "token": TOKEN_CANARY}))
        message = str(caught.value)
        assert expected in message, name
        for secret in (KEY_CANARY, b64(bad_key)[:40], "".join(other_key.splitlines()[1:3]), TOKEN_CANARY):
            assert secret not in message, name
    with pytest.raises(kube.KubeError, match="certificate-authority is not a PEM certificate"):
        kube.KubeApi.from_kubeconfig(
            kubeconfig(
                "https://127.0.0.1:1",
                cluster={
                    "certificate-authority-data": b64("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
                },
            )
        )


# ----- the engine path: the provider process is stopped mid-cleanup -----------------------------


def declared_cleanup(text: str) -> dict[str, Any]:
    """The AkoCleanup's inputs as the program registers them, `__provider` blob included."""
    mocks = CapturingMocks()
    pulumi.runtime.set_mocks(mocks, project="mesh-platform", stack="keys", preview=False)

    @pulumi.runtime.test
    def program():
        return AkoCleanup(
            "ako-cleanup", cluster_name=CLUSTER, namespace="avi-system", timeout_seconds=600, kubeconfig=text
        ).urn

    program()
    inputs = {k: rpc.unwrap_rpc_secret(v) if isinstance(v, dict) else v for k, v in mocks.inputs["ako-cleanup"].items()}
    assert isinstance(inputs["__provider"], str) and len(inputs["__provider"]) > 40
    return {**inputs, "kubeconfig": text}


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_provider_stopped_mid_cleanup_leaves_no_key_material(emulator, tls, tls_server, tmp_path, stop):
    fake, url = tls_server
    fake.hold = True
    text = tls_kubeconfig(url, tls, token=TOKEN_CANARY)
    props = declared_cleanup(text)
    home = tmp_path / "provider"
    for sub in ("tmp", "home", "work"):
        (home / sub).mkdir(parents=True)
    logs = tmp_path / "provider-logs"
    logs.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(home / "tmp"),
        "HOME": str(home / "home"),
        "KUBECONFIG": "",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "PULUMI_PROJECT": "mesh-platform",
    }
    with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            cwd=str(home / "work"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        try:
            port = int(proc.stdout.readline().decode().strip())
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            grpc.channel_ready_future(channel).result(timeout=20)
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            stub.Configure(provider_pb2.ConfigureRequest(args=struct(stack_config(emulator.url)), acceptSecrets=False))
            checked = stub.Check(provider_pb2.CheckRequest(urn="urn:ako-cleanup", olds=struct({}), news=struct(props)))
            assert list(checked.failures) == []
            outcome: dict[str, Any] = {}

            def delete() -> None:
                try:
                    stub.Delete(
                        provider_pb2.DeleteRequest(
                            id=f"avi-system/{CLUSTER}", urn="urn:ako-cleanup", properties=struct(props)
                        ),
                        timeout=90,
                    )
                except grpc.RpcError as exc:
                    outcome["error"] = exc.code()

            caller = threading.Thread(target=delete, daemon=True)
            caller.start()
            assert fake.held.wait(60), "the cleanup never reached AKO's StatefulSet"
            assert set(fake.peers) == {tls.client_name}  # the key is in use right now
            assert files_holding(home, key_fingerprints(tls)) == []  # nothing written, even mid-call
            os.kill(proc.pid, stop)
            assert proc.wait(timeout=20) != 0
            caller.join(timeout=30)
            assert outcome.get("error") is not None and not caller.is_alive()
            channel.close()
            out.write(proc.stdout.read())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert fake.config["deleteConfig"] == "true"
    assert files_holding(home, key_fingerprints(tls)) == []
    assert list((home / "tmp").iterdir()) == []
    printed = (logs / "stdout").read_bytes() + (logs / "stderr").read_bytes()
    for secret in [*key_fingerprints(tls), TOKEN_CANARY.encode()]:
        assert secret not in printed


# ----- canaries: no token or key in any message or log line ----------------------------------------


def test_canaries_never_reach_a_message_or_log(emulator, tls, tmp_path, capsys, monkeypatch):
    messages = record_pulumi_log(monkeypatch)

    def expect_failure(call, *args) -> None:
        with pytest.raises(Exception) as caught:
            call(*args)
        messages.append(f"{caught.value!s} {caught.value!r}")

    # an API server (or proxy) that mirrors the request, Authorization header included, in its refusal
    mirror = FakeAko(cluster=CLUSTER, answer_status=403)
    server = serve(mirror)
    try:
        api = kube.KubeApi.from_kubeconfig(kubeconfig(url_of(server), {"token": TOKEN_CANARY}))
        messages.append(repr(api))
        expect_failure(kube.ask_ako_to_clean_up, api, "avi-system", CLUSTER, 5)
        assert any(TOKEN_CANARY in r[2] for r in mirror.requests)  # the token did travel, and was answered back

        # ... and the same through the provider: destroy fails on a foreign user, naming AKO's verdict
        from tests.support.ako_objects import create_ako_objects
        from tests.support.avi_support import RawClient

        raw = RawClient(emulator.url)
        create_ako_objects(raw, CLUSTER)
        pool = raw("GET", "/api/pool", params={"name": f"{CLUSTER}--default-web-TCP-80"}).json()["results"][0]
        raw("POST", "/api/virtualservice", {"name": "borrower", "pool_ref": pool["url"], "services": [{"port": 81}]})
        provider = configured(AkoCleanupProvider(), emulator.url)
        props = {
            "cluster_name": CLUSTER,
            "namespace": "avi-system",
            "timeout_seconds": 5,
            "kubeconfig": kubeconfig(url_of(server), {"token": TOKEN_CANARY}),
        }
        expect_failure(provider.delete, f"avi-system/{CLUSTER}", props)
        assert "HTTP 403" in messages[-1] and "<credential>" in messages[-1]
    finally:
        server.shutdown()

    # an exec plugin that fails, with the canary in its arguments, environment and output
    plugin = {
        "command": sys.executable,
        "args": [
            "-c",
            f"import sys; print('{TOKEN_CANARY}', file=sys.stderr); print('{KEY_CANARY}'); sys.exit(3)",
            TOKEN_CANARY,
        ],
        "env": [{"name": "PLUGIN_SECRET", "value": KEY_CANARY}],
    }
    expect_failure(kube.KubeApi.from_kubeconfig, kubeconfig("https://127.0.0.1:1", {"exec": plugin}))
    assert "exit status 3" in messages[-1]
    plugin["args"] = ["-c", f'print(\'{{"status": "{TOKEN_CANARY}"}}\')']
    expect_failure(kube.KubeApi.from_kubeconfig, kubeconfig("https://127.0.0.1:1", {"exec": plugin}))
    assert "not an ExecCredential" in messages[-1]

    # a key that does not load; a kubeconfig that is not one
    bad = {
        "client-certificate-data": b64(tls.client_pem),
        "client-key-data": b64(f"-----BEGIN PRIVATE KEY-----\n{KEY_CANARY}\n-----END PRIVATE KEY-----\n"),
        "token": TOKEN_CANARY,
    }
    expect_failure(kube.KubeApi.from_kubeconfig, kubeconfig("https://127.0.0.1:1", bad))
    expect_failure(kube.KubeApi.from_kubeconfig, f"users: [{{token: {TOKEN_CANARY}, key: {KEY_CANARY}")

    # check(): a wrong-typed kubeconfig names its type only
    failures = (
        AkoCleanupProvider()
        .check(
            {},
            {
                "cluster_name": CLUSTER,
                "namespace": "avi-system",
                "timeout_seconds": 5,
                "kubeconfig": {"token": TOKEN_CANARY, "key": KEY_CANARY},
            },
        )
        .failures
    )
    assert [(f.property, f.reason) for f in failures] == [
        ("kubeconfig", "kubeconfig must be the kubeconfig's YAML text (a secret string) or absent, got dict")
    ]
    messages += [f.reason for f in failures]

    printed = capsys.readouterr()
    for text in [*messages, printed.out, printed.err]:
        for secret in (TOKEN_CANARY, KEY_CANARY, b64(TOKEN_CANARY), b64(KEY_CANARY)):
            assert secret not in text, text


def test_check_names_each_unusable_input():
    failures = (
        AkoCleanupProvider()
        .check(
            {},
            {"cluster_name": "", "namespace": "Avi_System", "timeout_seconds": 3601, "kubeconfig": "  ", "context": ""},
        )
        .failures
    )
    assert {f.property: f.reason for f in failures} == {
        "cluster_name": "cluster_name must be AKO's clusterName: 1-255 of A-Z a-z 0-9 _ -, got ''",
        "namespace": "namespace must be a Kubernetes namespace name (DNS label), got 'Avi_System'",
        "timeout_seconds": "timeout_seconds must be a whole number of seconds from 0 to 3600, got 3601",
        "kubeconfig": "kubeconfig must be the kubeconfig's YAML text (a secret string) or absent, got str (empty)",
        "context": "context must be a kubeconfig context name or absent, got str",
    }
    ok = {
        "cluster_name": CLUSTER,
        "namespace": "avi-system",
        "timeout_seconds": 600.0,
        "kubeconfig": None,
        "context": rpc.UNKNOWN,
    }
    assert AkoCleanupProvider().check({}, ok).failures == []
