"""Stopping the emulator takes milliseconds, not serve_forever's 0.5 s poll, and leaves nothing
answering: the port refuses new connections and kept-alive ones are closed. The bounds are
generous (a loaded 2-core machine), well under the half second the old poll cost on each stop."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.support.avi_support import PASSWORD, USER
from tools.avi_emulator import Emulator, EmulatorConfig

STOP_BOUND_S = 0.2


def _timed_stop(emulator: Emulator) -> float:
    started = time.monotonic()
    emulator.stop()
    return time.monotonic() - started


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


@pytest.mark.emulator
def test_an_idle_emulator_stops_within_the_bound_and_frees_its_port():
    emulator = Emulator(EmulatorConfig(username=USER, password=PASSWORD)).start()
    port = int(emulator.url.rsplit(":", 1)[1])
    assert requests.get(f"{emulator.url}/api/initial-data", timeout=5).status_code == 200
    assert _timed_stop(emulator) < STOP_BOUND_S
    assert _refuses_connections(port)


@pytest.mark.emulator
def test_a_kept_alive_connection_does_not_hold_the_stop_and_is_closed_by_it():
    emulator = Emulator(EmulatorConfig(username=USER, password=PASSWORD)).start()
    client = requests.Session()  # HTTP/1.1 keep-alive: the handler thread waits for the next request
    assert client.get(f"{emulator.url}/api/initial-data", timeout=5).status_code == 200
    url = emulator.url
    assert _timed_stop(emulator) < STOP_BOUND_S
    with pytest.raises(requests.ConnectionError):
        client.get(f"{url}/api/initial-data", timeout=5)


@pytest.mark.emulator
def test_stop_is_idempotent_and_a_never_started_emulator_stops_at_once():
    never_started = Emulator(EmulatorConfig(username=USER, password=PASSWORD))
    assert _timed_stop(never_started) < STOP_BOUND_S
    emulator = Emulator(EmulatorConfig(username=USER, password=PASSWORD)).start()
    emulator.stop()
    assert _timed_stop(emulator) < STOP_BOUND_S
