"""Command line: ``python -m tools.avi_emulator --port N --username U --password P ...``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .api import LIST_FILTERS
from .faults import FaultRule, FaultSpecError
from .roles import SYSTEM_ROLES
from .server import Emulator, EmulatorConfig


def _fault(spec: str) -> FaultRule:
    try:
        return FaultRule.parse(spec)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(f"{spec!r}: {exc}") from None


def _user(spec: str) -> tuple[str, str, str]:
    name, _, rest = spec.partition(":")
    role, _, password = rest.partition(":")
    if not name or not password:
        raise argparse.ArgumentTypeError("expected NAME:ROLE:PASSWORD")
    if role not in SYSTEM_ROLES:
        raise argparse.ArgumentTypeError(f"role {role!r} is not one of {', '.join(SYSTEM_ROLES)}")
    return name, password, role


def _parse(argv: list[str]) -> EmulatorConfig:
    p = argparse.ArgumentParser(prog="python -m tools.avi_emulator", description="Local Avi Controller emulator.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--username", default="admin")
    p.add_argument("--password", required=True)
    p.add_argument("--state", help="JSON file that keeps objects across restarts")
    p.add_argument(
        "--fail-rate", type=float, default=0.0, help="probability of an injected fault per /api request (0-1)"
    )
    p.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    p.add_argument("--session-ttl", type=float, default=0.0, help="idle seconds before a session expires (0 = never)")
    p.add_argument("--expired-status", type=int, choices=(401, 419), default=401)
    p.add_argument("--tls-cert", help="PEM certificate; serves HTTPS when given")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--seed", type=int, help="seed for fault injection")
    p.add_argument(
        "--unknown-fields",
        choices=("ignore", "reject"),
        default="ignore",
        help="fields a kind's model does not have: dropped (as a controller does) or refused with 400",
    )
    p.add_argument(
        "--ignore-filter",
        action="append",
        default=[],
        choices=LIST_FILTERS,
        metavar="FILTER",
        help="answer list calls as if this query filter were absent (repeatable), as a controller "
        f"or proxy that drops it would; one of: {', '.join(LIST_FILTERS)}",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault,
        metavar="SPEC",
        help="a fault rule, repeatable: KIND[:RATE][,method=M|M][,path=GLOB][,status=N]"
        "[,retry_after=S][,delay_ms=MS]; KIND is error-before, 500, 429, drop-after, "
        "error-after or slow-after (docs/avi-emulator.md)",
    )
    p.add_argument(
        "--user",
        action="append",
        default=[],
        type=_user,
        metavar="NAME:ROLE:PASSWORD",
        help="another local user with a role (System-Admin or Application-Admin), repeatable",
    )
    a = p.parse_args(argv)
    if not 0.0 <= a.fail_rate <= 1.0:
        p.error("--fail-rate must be between 0 and 1")
    if bool(a.tls_cert) != bool(a.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return EmulatorConfig(
        a.host,
        a.port,
        a.username,
        a.password,
        a.state,
        a.fail_rate,
        a.latency_ms,
        a.session_ttl,
        a.expired_status,
        a.tls_cert,
        a.tls_key,
        a.seed,
        a.unknown_fields,
        tuple(a.ignore_filter),
        tuple(a.fault),
        tuple(a.user),
    )


def main(argv: list[str] | None = None) -> None:
    config = _parse(sys.argv[1:] if argv is None else argv)
    emulator = Emulator(config)
    try:
        emulator.start()
    except OSError as error:
        print(f"avi_emulator: cannot listen on {config.host}:{config.port}: {error.strerror or error}", file=sys.stderr)
        sys.exit(2)
    print(emulator.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()


if __name__ == "__main__":
    main()
