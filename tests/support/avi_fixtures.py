"""Fixtures for the Avi provider, emulator and edge-deploy tests: emulators on 127.0.0.1,
configured providers, and a raw client for out-of-band edits. The conftest.py of each folder
that needs them imports them from here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from providers.avi.provider import AviObjectProvider, AviStaticRouteProvider
from tests.support.avi_support import PASSWORD, USER, RawClient, configured
from tools.avi_emulator import Emulator, EmulatorConfig


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(username=USER, password=PASSWORD)) as emu:
        yield emu


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        emu = Emulator(EmulatorConfig(username=USER, password=PASSWORD, **kwargs)).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def provider_for(emulator) -> Callable[[str], AviObjectProvider]:
    def make(kind: str) -> AviObjectProvider:
        return configured(AviObjectProvider(kind), emulator.url)

    return make


@pytest.fixture
def route_provider(emulator) -> AviStaticRouteProvider:
    return configured(AviStaticRouteProvider(), emulator.url)


@pytest.fixture
def raw(emulator) -> RawClient:
    return RawClient(emulator.url)


@pytest.fixture(autouse=True)
def _open_event_loop() -> None:
    """Pulumi's mocks need a current event loop; an earlier test's asyncio.run leaves none."""
    from tools.mockrun import _ensure_open_event_loop

    _ensure_open_event_loop()


@pytest.fixture(autouse=True)
def _no_ambient_avi_env(monkeypatch) -> None:
    for var in (
        "AVI_CONTROLLER",
        "AVI_USERNAME",
        "AVI_PASSWORD",
        "AVI_TENANT",
        "AVI_VERSION",
        "AVI_CA_BUNDLE",
        "AVI_INSECURE",
        "AVI_ALLOW_PLAIN_HTTP",
    ):
        monkeypatch.delenv(var, raising=False)
