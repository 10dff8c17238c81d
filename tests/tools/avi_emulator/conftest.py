"""The Avi fixtures (tests/support/avi_fixtures.py) for the tests in this folder."""

from tests.support.avi_fixtures import (  # noqa: F401 - pytest finds fixtures by name
    _no_ambient_avi_env,
    _open_event_loop,
    emulator,
    make_emulator,
    provider_for,
    raw,
    route_provider,
)
