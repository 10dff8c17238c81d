"""An independent client, the official avisdk ApiSession, reads what the provider wrote."""

from __future__ import annotations

from urllib.parse import urlsplit

from avi.sdk.avi_api import ApiSession

from providers.avi.kinds import OWNER_INPUT
from tests.support.avi_support import PASSWORD, USER


def test_avisdk_reads_back_provider_objects(emulator, provider_for):
    pools = provider_for("pool")
    pool = pools.create(
        pools.check(
            {},
            {
                "name": "sdk-pool",
                "default_server_port": 30080,
                OWNER_INPUT: "o/sdk",
                "servers": [{"ip": {"addr": "10.2.0.1", "type": "V4"}, "port": 30080}],
            },
        ).inputs
    )
    vss = provider_for("virtualservice")
    vs = vss.create(
        vss.check(
            {},
            {
                "name": "sdk-vs",
                "pool_ref": "/api/pool?name=sdk-pool",
                "services": [{"port": 80}],
                OWNER_INPUT: "o/sdk-vs",
            },
        ).inputs
    )

    parts = urlsplit(emulator.url)
    ApiSession.clear_cached_sessions()
    api = ApiSession(f"http://{parts.hostname}", USER, PASSWORD, tenant="admin", api_version="22.1.3", port=parts.port)
    try:
        got = api.get_object_by_name("pool", "sdk-pool")
        assert got["uuid"] == pool.id
        assert got["default_server_port"] == 30080
        assert got["servers"][0]["ip"]["addr"] == "10.2.0.1"
        assert got["created_by"] == "mesh-platform"
        vs_sdk = api.get(f"virtualservice/{vs.id}", params={"include_name": "true"}).json()
        assert vs_sdk["pool_ref"].endswith(f"/api/pool/{pool.id}#sdk-pool")
        listed = api.get_objects_iter("pool", params={"page_size": 1})
        assert [p["name"] for p in listed] == ["sdk-pool"]
        # and the SDK's own write is visible to the provider
        made = api.post("pool", data={"name": "sdk-made"}).json()
        assert pools.read(made["uuid"], {}).inputs["name"] == "sdk-made"
    finally:
        ApiSession.clear_cached_sessions()
