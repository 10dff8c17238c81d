"""Fixtures of the dev workflow's tests: a sandbox of stand-in tools and a release server on loopback."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.dev.sandbox import DevSandbox, alive


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[DevSandbox]:
    box = DevSandbox(tmp_path)
    yield box
    pid = box.emulator_pid()
    if pid and alive(pid):
        os.kill(pid, 15)


@pytest.fixture
def release_server() -> Iterator[tuple[str, dict[str, bytes], list[str]]]:
    """The base URL, the files it serves by path, and the paths asked for with GET."""
    files: dict[str, bytes] = {}
    requested: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            requested.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files, requested
    server.shutdown()
    server.server_close()
