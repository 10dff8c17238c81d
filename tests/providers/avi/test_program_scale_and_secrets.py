"""Under Pulumi mocks: a plain-string private key is registered as a secret, and a program
with well over 1,000 dynamic resources evaluates (the SDK's serialize_provider workaround)."""

from __future__ import annotations

import pickle

import pulumi
import pytest
from pulumi.runtime import rpc

from tests.support.avi_programs import CapturingMocks
from tests.support.avi_support import self_signed


def _run(build, stack: str = "scale") -> CapturingMocks:
    mocks = CapturingMocks()
    pulumi.runtime.set_mocks(mocks, project="mesh-platform", stack=stack, preview=False)

    @pulumi.runtime.test
    def program():
        resources = build()
        return pulumi.Output.all(*[r.urn for r in resources])

    program()
    return mocks


def test_plain_string_key_is_registered_as_a_secret():
    from providers.avi.resources import AviSslKeyAndCertificate

    cert_pem, key_pem, _, _ = self_signed("plain.example.com")

    def build():
        return [
            AviSslKeyAndCertificate(
                "plain", name="plain", key=key_pem, key_passphrase="hunter2", certificate={"certificate": cert_pem}
            )
        ]

    inputs = _run(build, "secrets").inputs["plain"]
    for field, value in (("key", key_pem), ("key_passphrase", "hunter2")):
        assert rpc.is_rpc_secret(inputs[field]), field
        assert rpc.unwrap_rpc_secret(inputs[field]) == value
    plain = {k: v for k, v in inputs.items() if not rpc.is_rpc_secret(v)}
    assert key_pem not in repr(plain) and "hunter2" not in repr(plain)
    assert not rpc.is_rpc_secret(inputs["name"])


@pytest.mark.slow
def test_well_over_a_thousand_dynamic_resources_evaluate():
    from providers.avi.resources import AviHealthMonitor, AviPool

    original = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    count = 1600

    def build():
        monitor = AviHealthMonitor("ready", name="ready", type="HEALTH_MONITOR_TCP")
        pools = [
            AviPool(
                f"pool-{i}",
                name=f"pool-{i}",
                default_server_port=30080,
                health_monitor_refs=[monitor.url],
                servers=[{"ip": {"addr": f"10.{i // 250}.{i % 250}.1", "type": "V4"}}],
            )
            for i in range(count)
        ]
        return [monitor, *pools]

    mocks = _run(build)
    assert len(mocks.inputs) == count + 1
    blobs = {rpc.unwrap_rpc_secret(i["__provider"]) for n, i in mocks.inputs.items() if n.startswith("pool-")}
    assert len(blobs) == 1  # one serialized provider per kind, reused
    assert pickle._Pickler._batch_setitems is original  # type: ignore[attr-defined]


def test_workaround_keeps_the_sdks_blob():
    """The reused blob is exactly what the SDK produces, so existing state stays valid."""
    import pulumi.dynamic.dynamic as sdk

    from providers.avi import sdk_fixes
    from providers.avi.provider import AviObjectProvider

    sdk_fixes.install()
    wrapped = sdk.serialize_provider
    assert getattr(wrapped, "__avi_workaround__", False)
    saved = dict(pickle._Pickler.__dict__)  # type: ignore[attr-defined]
    try:
        raw_blob = wrapped.__wrapped__(AviObjectProvider("vsvip"))
    finally:  # the unwrapped SDK call leaves its wrapper behind; put the original back
        for name in ("_batch_setitems", "save_dict"):
            setattr(pickle._Pickler, name, saved[name])  # type: ignore[attr-defined]
    assert wrapped(AviObjectProvider("vsvip")) == raw_blob
