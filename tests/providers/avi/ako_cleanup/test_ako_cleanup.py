"""Removing AKO's objects on destroy: the deleteConfig flow, then the ordered Avi API sweep."""

from __future__ import annotations

import functools
import json

import pytest

from providers.avi.ako_cleanup import kube
from providers.avi.ako_cleanup.provider import AkoCleanupProvider
from providers.avi.ako_cleanup.sweep import Owned, deletion_order, sweep
from providers.avi.client import AviSession
from providers.avi.errors import AviApiError
from providers.avi.settings import ControllerSettings
from tests.support.ako_objects import add_static_route, create_ako_objects, names
from tests.support.avi_support import PASSWORD, USER, configured
from tests.support.fake_kube import FakeAko, TlsMaterial, b64, kubeconfig, serve

CLUSTER, OTHER, PREFIX_TWIN = "onprem-ako", "other-cluster", "onprem"
KINDS = (
    "virtualservice",
    "vsvip",
    "pool",
    "poolgroup",
    "httppolicyset",
    "vsdatascriptset",
    "l4policyset",
    "sslkeyandcertificate",
    "pkiprofile",
)


class RecordingSession(AviSession):
    """An AviSession that remembers every answer, to prove no delete was refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers: list[tuple[str, str, int]] = []

    def call(self, method, path, **kwargs):
        reply = super().call(method, path, **kwargs)
        self.answers.append((method, path, reply.status))
        return reply


@pytest.fixture(autouse=True)
def _no_ambient_kubeconfig(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent-kubeconfig"))


@pytest.fixture
def quick_poll(monkeypatch):
    """The provider's deleteConfig wait polls every 10 ms instead of 2 s: FakeAko gives its verdict
    after a number of reads, not after a time, so only the test's wall time changes."""
    monkeypatch.setattr(
        "providers.avi.ako_cleanup.provider.ask_ako_to_clean_up", functools.partial(kube.ask_ako_to_clean_up, poll=0.01)
    )


def session_for(url: str) -> RecordingSession:
    return RecordingSession(ControllerSettings(controller=url, username=USER, password=PASSWORD))


def all_names(raw) -> dict[str, set[str]]:
    return {kind: names(raw, kind) for kind in KINDS}


@pytest.fixture
def populated(raw):
    """AKO objects of this cluster, of two other clusters (one whose name is a prefix of ours), and users'."""
    ours = create_ako_objects(raw, CLUSTER)
    theirs = create_ako_objects(raw, OTHER) + create_ako_objects(raw, PREFIX_TWIN, host="twin.example.com")
    user_pool = raw(
        "POST",
        "/api/pool",
        {"name": "payments-pool", "servers": [{"ip": {"addr": "10.9.0.5", "type": "V4"}, "port": 443}]},
    ).json()
    user_vip = raw("POST", "/api/vsvip", {"name": "payments-vip", "vip": [{"vip_id": "0", "auto_allocate_ip": True}]})
    raw(
        "POST",
        "/api/virtualservice",
        {
            "name": "payments",
            "pool_ref": user_pool["url"],
            "vsvip_ref": user_vip.json()["url"],
            "services": [{"port": 443}],
        },
    )
    # Named like ours, but marked for another cluster: not ours to delete.
    raw(
        "POST",
        "/api/vsvip",
        {
            "name": f"{CLUSTER}--imported",
            "markers": [{"key": "clustername", "values": [OTHER]}],
            "vip": [{"vip_id": "0", "auto_allocate_ip": True}],
        },
    )
    for route_id, prefix, cluster in (
        (f"{CLUSTER}-a1-0", "10.244.0.0/24", CLUSTER),
        (f"{OTHER}-b2-0", "10.245.0.0/24", OTHER),
        ("people-route", "10.99.0.0/24", None),
    ):
        add_static_route(raw, route_id, prefix, cluster)
    group = raw("GET", "/api/serviceenginegroup", params={"name": "Default-Group"}).json()["results"][0]
    group["labels"] = [{"key": "clustername", "value": CLUSTER}, {"key": "site", "value": "dc1"}]
    assert raw("PUT", f"/api/serviceenginegroup/{group['uuid']}", group).status_code == 200
    return ours, theirs


def test_emulator_refuses_deleting_what_is_still_referred_to(raw, populated):
    parent = raw("GET", "/api/virtualservice", params={"name": f"{CLUSTER}--Shared-L7-0"}).json()["results"][0]
    refused = raw("DELETE", f"/api/virtualservice/{parent['uuid']}")
    assert refused.status_code == 403 and "referred by" in refused.json()["error"]


def test_sweep_removes_only_this_clusters_ako_objects_in_an_accepted_order(emulator, raw, populated):
    ours, theirs = populated
    before = all_names(raw)
    session = session_for(emulator.url)
    report = sweep(session, CLUSTER)

    after = all_names(raw)
    gone = {f"{kind}/{name}" for kind in KINDS for name in before[kind] - after[kind]}
    assert gone == set(ours)
    assert sorted(report.deleted) == sorted(ours)
    assert set(theirs) <= {f"{kind}/{name}" for kind in KINDS for name in after[kind]}
    assert {"payments-pool", "payments"} <= after["pool"] | after["virtualservice"]
    assert {"payments-vip", f"{CLUSTER}--imported"} <= after["vsvip"]
    assert report.left == []
    assert [a for a in session.answers if a[0] == "DELETE" and a[2] != 204] == []  # never "referred by"

    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    assert [r["route_id"] for r in vrf["static_routes"]] == [f"{OTHER}-b2-0", "people-route"]
    assert report.routes_removed == [f"global/{CLUSTER}-a1-0"]
    group = raw("GET", "/api/serviceenginegroup", params={"name": "Default-Group"}).json()["results"][0]
    assert group["labels"] == [{"key": "site", "value": "dc1"}]
    assert sweep(session_for(emulator.url), CLUSTER).deleted == []  # idempotent


def test_deletion_order_puts_users_before_what_they_use():
    def obj(kind, uuid, **refs):
        return Owned(kind, {"uuid": uuid, "name": uuid, **refs})

    order = [
        o.name
        for o in deletion_order(
            [
                obj("pkiprofile", "pki"),
                obj("pool", "pool", pki_profile_ref="/api/pkiprofile/pki"),
                obj("virtualservice", "parent", vsvip_ref="/api/vsvip/vip"),
                obj(
                    "virtualservice",
                    "child",
                    vh_parent_vs_ref="https://c/api/virtualservice/parent#parent",
                    http_policies=[{"http_policy_set_ref": "/api/httppolicyset/hps"}],
                ),
                obj(
                    "httppolicyset",
                    "hps",
                    http_request_policy={"rules": [{"switching_action": {"pool_group_ref": "/api/poolgroup/pg"}}]},
                ),
                obj("poolgroup", "pg", members=[{"pool_ref": "/api/pool/pool"}]),
                obj("vsvip", "vip"),
            ]
        )
    ]
    assert order.index("child") < order.index("parent") < order.index("vip")
    assert order.index("child") < order.index("hps") < order.index("pg") < order.index("pool") < order.index("pki")


def test_an_object_someone_else_uses_is_reported_not_forced(emulator, raw, populated):
    pool = raw("GET", "/api/pool", params={"name": f"{CLUSTER}--default-web-TCP-80"}).json()["results"][0]
    raw("POST", "/api/virtualservice", {"name": "borrower", "pool_ref": pool["url"], "services": [{"port": 81}]})
    provider = configured(AkoCleanupProvider(), emulator.url)
    with pytest.raises(AviApiError) as caught:
        provider.delete(
            "avi-system/onprem-ako",
            {"cluster_name": CLUSTER, "namespace": "avi-system", "timeout_seconds": 0, "kubeconfig": None},
        )
    assert f"pool/{CLUSTER}--default-web-TCP-80" in str(caught.value) and "borrower" in str(caught.value)
    assert f"{CLUSTER}--default-web-TCP-80" in names(raw, "pool")
    assert f"{CLUSTER}--Shared-L7-0" not in names(raw, "virtualservice")


# ----- the deleteConfig flow against a stand-in Kubernetes API server ---------------------------


@pytest.mark.parametrize("style", ["annotation", "legacy-condition"])
def test_deleteconfig_is_set_and_akos_verdict_awaited(style):
    fake = FakeAko(style)
    server = serve(fake)
    try:
        api = kube.KubeApi.from_kubeconfig(kubeconfig(f"http://127.0.0.1:{server.server_port}"))
        assert kube.ask_ako_to_clean_up(api, "avi-system", CLUSTER, timeout=30, poll=0.01) == "Done"
    finally:
        server.shutdown()
    assert fake.config == {"deleteConfig": "true", "clusterName": CLUSTER}
    assert (
        "PATCH",
        "/api/v1/namespaces/avi-system/configmaps/avi-k8s-config",
        "application/merge-patch+json",
    ) in fake.requests
    assert all(r[2] == "Bearer sa-token" for r in fake.requests if r[0] == "GET")


def test_the_wait_is_bounded_and_a_missing_ako_is_not_waited_for():
    stuck = FakeAko(finishes_after=10**6)
    server = serve(stuck)
    ticks = iter(range(1000))
    try:
        api = kube.KubeApi.from_kubeconfig(kubeconfig(f"http://127.0.0.1:{server.server_port}"))
        assert (
            kube.ask_ako_to_clean_up(
                api, "avi-system", CLUSTER, timeout=5, poll=0, clock=lambda: next(ticks), sleep=lambda _: None
            )
            == "waited"
        )
        stuck.present = False
        assert kube.ask_ako_to_clean_up(api, "avi-system", CLUSTER, timeout=5) == "gone"
        stopped = FakeAko(ready=0)  # scaled to zero: nobody would act on deleteConfig
        server.shutdown()
        server = serve(stopped)
        api = kube.KubeApi.from_kubeconfig(kubeconfig(f"http://127.0.0.1:{server.server_port}"))
        assert kube.ask_ako_to_clean_up(api, "avi-system", CLUSTER, timeout=5) == "gone"
        assert [r for r in stopped.requests if r[0] == "PATCH"] == []
    finally:
        server.shutdown()


def test_an_ako_running_under_a_new_name_is_not_told_to_delete():
    renamed = FakeAko()
    renamed.config["clusterName"] = "onprem-ako-2"  # the release was renamed; this is the old name's cleanup
    server = serve(renamed)
    try:
        api = kube.KubeApi.from_kubeconfig(kubeconfig(f"http://127.0.0.1:{server.server_port}"))
        assert kube.ask_ako_to_clean_up(api, "avi-system", CLUSTER, timeout=5) == "renamed"
    finally:
        server.shutdown()
    assert renamed.config["deleteConfig"] == "false"


@pytest.mark.parametrize("ako_state", ["healthy", "cluster-gone"])
def test_destroy_leaves_none_of_this_clusters_objects(emulator, raw, populated, ako_state, quick_poll):
    ours, _ = populated
    fake = FakeAko()
    server = serve(fake)
    url = f"http://127.0.0.1:{server.server_port}"
    if ako_state == "cluster-gone":
        server.shutdown()
        server.server_close()
    try:
        provider = configured(AkoCleanupProvider(), emulator.url)
        created = provider.create(
            {"cluster_name": CLUSTER, "namespace": "avi-system", "timeout_seconds": 5, "kubeconfig": kubeconfig(url)}
        )
        assert created.id == "avi-system/onprem-ako"
        provider.delete(created.id, created.outs)
    finally:
        if ako_state == "healthy":
            server.shutdown()
    remaining = {f"{kind}/{name}" for kind in KINDS for name in names(raw, kind)}
    assert remaining.isdisjoint(ours)
    assert fake.config["deleteConfig"] == ("true" if ako_state == "healthy" else "false")
    assert f"vsvip/{CLUSTER}--imported" in remaining and "virtualservice/payments" in remaining


def test_kubeconfig_exec_plugin_and_embedded_certificates():
    import ssl
    import sys

    credential = json.dumps(
        {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "from-plugin"}}
    )
    tls = TlsMaterial.make()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "eks",
        "contexts": [
            {"name": "other", "context": {"cluster": "x", "user": "x"}},
            {"name": "eks", "context": {"cluster": "k", "user": "u"}},
        ],
        "clusters": [
            {
                "name": "k",
                "cluster": {"server": "https://k8s.example.net/", "certificate-authority-data": b64(tls.ca_pem)},
            }
        ],
        "users": [
            {"name": "u", "user": {"exec": {"command": sys.executable, "args": ["-c", f"print({credential!r})"]}}}
        ],
    }
    api = kube.KubeApi.from_kubeconfig(json.dumps(config))
    assert api.server == "https://k8s.example.net"
    assert api.headers == {"Authorization": "Bearer from-plugin"}
    assert api.tls.verify_mode == ssl.CERT_REQUIRED and api.tls.check_hostname
    assert api.tls.cert_store_stats()["x509_ca"] == 1  # the kubeconfig's CA, and only it
    with pytest.raises(kube.KubeError, match="no usable current context"):
        kube.KubeApi.from_kubeconfig("just a string")


def test_a_new_cluster_name_replaces_the_cleanup_other_changes_update_it():
    provider = AkoCleanupProvider()
    old = {"cluster_name": CLUSTER, "namespace": "avi-system", "timeout_seconds": 600, "kubeconfig": "k"}
    renamed = provider.diff("avi-system/onprem-ako", old, {**old, "cluster_name": "onprem-ako-2"})
    assert renamed.changes and renamed.replaces == ["cluster_name"] and renamed.delete_before_replace
    waited = provider.diff("avi-system/onprem-ako", old, {**old, "timeout_seconds": 60})
    assert waited.changes and not waited.replaces
    assert not provider.diff("avi-system/onprem-ako", old, dict(old)).changes
    assert provider.update("avi-system/onprem-ako", old, {**old, "timeout_seconds": 60}).outs["timeout_seconds"] == 60


def two_context_kubeconfig(current_url: str, configured_url: str) -> str:
    """current-context points at one API server, the context the stack configures at another."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "laptop",
            "contexts": [
                {"name": "laptop", "context": {"cluster": "laptop", "user": "laptop"}},
                {"name": "onprem-admin", "context": {"cluster": "onprem", "user": "admin"}},
            ],
            "clusters": [
                {"name": "laptop", "cluster": {"server": current_url}},
                {"name": "onprem", "cluster": {"server": configured_url}},
            ],
            "users": [
                {"name": "laptop", "user": {"token": "laptop-token"}},
                {"name": "admin", "user": {"token": "admin-token"}},
            ],
        }
    )


@pytest.mark.parametrize("source", ["input", "ambient"])
def test_cleanup_talks_only_to_the_configured_context(emulator, monkeypatch, tmp_path, source, quick_poll):
    wrong, right = FakeAko(), FakeAko()
    servers = [serve(wrong), serve(right)]
    text = two_context_kubeconfig(*(f"http://127.0.0.1:{s.server_port}" for s in servers))
    props = {
        "cluster_name": CLUSTER,
        "namespace": "avi-system",
        "timeout_seconds": 5,
        "kubeconfig": text,
        "context": "onprem-admin",
    }
    if source == "ambient":  # no kubeconfig input: the KUBECONFIG file, still with the configured context
        (tmp_path / "kubeconfig").write_text(text)
        monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
        props["kubeconfig"] = None
    try:
        provider = configured(AkoCleanupProvider(), emulator.url)
        provider.delete(provider.create(props).id, props)
    finally:
        for server in servers:
            server.shutdown()
    assert wrong.requests == [] and wrong.config["deleteConfig"] == "false"
    assert right.config["deleteConfig"] == "true"
    assert {r[2] for r in right.requests if r[0] == "GET"} == {"Bearer admin-token"}


def test_no_context_means_the_current_one_and_an_unknown_context_is_named():
    text = two_context_kubeconfig("http://127.0.0.1:1", "http://127.0.0.1:2")
    assert kube.KubeApi.from_kubeconfig(text).server == "http://127.0.0.1:1"
    assert kube.KubeApi.from_kubeconfig(text, "onprem-admin").headers == {"Authorization": "Bearer admin-token"}
    with pytest.raises(kube.KubeError, match=r"no context 'onprem-admn' \(it has: laptop, onprem-admin\)"):
        kube.KubeApi.from_kubeconfig(text, "onprem-admn")


def test_a_new_context_updates_the_cleanup_in_place():
    provider = AkoCleanupProvider()
    old = {"cluster_name": CLUSTER, "namespace": "avi-system", "timeout_seconds": 600, "kubeconfig": "k"}
    moved = provider.diff("avi-system/onprem-ako", old, {**old, "context": "onprem-admin"})
    assert moved.changes and not moved.replaces
