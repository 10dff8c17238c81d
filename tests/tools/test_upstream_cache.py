"""`make upstream` fails clean and says when its cache is complete: an unreachable chart repository is
one line naming it and its chart, exit status 1, nothing fetched and the cache as it was; a fetch
that fails half-way leaves the cache as it was too; the completeness record is written last, and
`missing_from` (what the upstream tests skip on) names every piece a cache lacks.

These run without the network: repositories are on a closed loopback port, Helm is a stand-in."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path

import pytest

from components.config.types import HelmChartConfig
from tools import output_dir, upstream

STANDIN_HELM = "#!/bin/sh\necho v3.0.0-standin\n"


def tree_state(root: Path) -> dict[str, tuple[str, ...]]:
    """Every entry under `root` with its kind and content."""
    state: dict[str, tuple[str, ...]] = {}
    for current, dirs, files in os.walk(root):
        for name in dirs:
            state[os.path.join(current, name)] = ("dir",)
        for name in files:
            path = Path(current) / name
            state[str(path)] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return state


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound once to get a free number, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def filled_cache(cache: Path, pins: list[HelmChartConfig], record: bool = True) -> None:
    """A cache as `make upstream` leaves it: a stand-in Helm, each pinned chart, the record."""

    def fill(staging: Path) -> None:
        helm = upstream.helm_binary(staging)
        helm.parent.mkdir(parents=True)
        helm.write_text(STANDIN_HELM)
        helm.chmod(0o755)
        for pin in pins:
            chart = upstream.chart_dir(staging, pin.chart, pin.version)
            chart.mkdir(parents=True)
            (chart / "Chart.yaml").write_text(f"name: {pin.chart}\nversion: {pin.version}\n")
        if record:
            upstream.write_record(staging, "v3.0.0-standin", pins, [])

    output_dir.write_dir(output_dir.inspect(cache, upstream.WRITER), fill)


def run_upstream(monkeypatch, capsys, cache: Path, pins: list[HelmChartConfig]) -> tuple[int, list[str]]:
    monkeypatch.setattr(upstream, "pinned_charts", lambda: pins)
    status = upstream.main(["--cache", str(cache)])
    return status, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("scheme", ["http", "oci"])
def test_an_unreachable_repository_is_one_line_and_nothing_is_made(monkeypatch, capsys, tmp_path, closed_port, scheme):
    repository = f"{scheme}://127.0.0.1:{closed_port}/charts"
    cache = tmp_path / "cache"
    status, lines = run_upstream(monkeypatch, capsys, cache, [HelmChartConfig("istiod", "1.30.0", repository)])
    assert status == 1
    (line,) = lines
    assert line.startswith(f"error: cannot reach the chart repository {repository} (chart istiod 1.30.0): ")
    assert "refused" in line.lower() and f"nothing was fetched, {cache} is as it was" in line
    assert list(tmp_path.iterdir()) == []  # no cache, no staging


def test_an_unreachable_repository_leaves_the_previous_cache_as_it_was(monkeypatch, capsys, tmp_path, closed_port):
    held = HelmChartConfig("base", "1.30.0", f"http://127.0.0.1:{closed_port}/istio")
    new = HelmChartConfig("istiod", "1.31.0", f"http://127.0.0.1:{closed_port}/istio")
    other = HelmChartConfig("grafana", "12.11.1", f"http://127.0.0.1:{closed_port}/grafana")
    cache = tmp_path / "cache"
    filled_cache(cache, [held])
    before = tree_state(tmp_path)
    status, lines = run_upstream(monkeypatch, capsys, cache, [held, new, other])
    assert status == 1 and len(lines) == 1
    assert "repositories" in lines[0] and "(chart grafana 12.11.1)" in lines[0] and "(chart istiod 1.31.0)" in lines[0]
    assert "base 1.30.0" not in lines[0]  # already in the cache: not needed, so not asked for
    assert tree_state(tmp_path) == before


def test_a_cache_that_holds_every_pin_is_refreshed_without_the_network(monkeypatch, capsys, tmp_path, closed_port):
    pins = [HelmChartConfig("base", "1.30.0", f"http://127.0.0.1:{closed_port}/istio")]
    cache = tmp_path / "cache"
    filled_cache(cache, pins, record=False)
    assert upstream.missing_from(cache, pins) == [
        f"its completeness record {upstream.RECORD_NAME} (the last `make upstream` did not finish, or is older)"
    ]
    status, lines = run_upstream(monkeypatch, capsys, cache, pins)
    assert status == 0, lines
    assert upstream.missing_from(cache, pins) == []
    assert output_dir.foreign_entry(cache, upstream.WRITER) is None  # the record is in the marker too


def test_a_fetch_failing_half_way_leaves_the_cache_and_no_record(monkeypatch, capsys, tmp_path):
    held = HelmChartConfig("base", "1.30.0", "https://charts.example/istio")
    first, second = (HelmChartConfig(name, "1.31.0", "https://charts.example/istio") for name in ("gateway", "istiod"))
    cache = tmp_path / "cache"
    filled_cache(cache, [held], record=False)
    before = tree_state(tmp_path)
    monkeypatch.setattr(upstream, "unreachable_repositories", lambda pins: [])
    real_pull = upstream.pull_chart

    def pull(staging: Path, helm: Path, pinned: HelmChartConfig) -> Path:
        if pinned == second:
            raise upstream.FetchFailed(f"helm pull of chart istiod 1.31.0 from {pinned.repository} failed: 404")
        if pinned == first:
            path = upstream.chart_dir(staging, pinned.chart, pinned.version)
            path.mkdir(parents=True)
            return path
        return real_pull(staging, helm, pinned)

    monkeypatch.setattr(upstream, "pull_chart", pull)
    status, lines = run_upstream(monkeypatch, capsys, cache, [held, first, second])
    assert status == 1
    assert lines == [
        f"error: filling the upstream cache failed, {cache} is as it was: helm pull of chart istiod 1.31.0 "
        "from https://charts.example/istio failed: 404"
    ]
    assert tree_state(tmp_path) == before


def test_missing_from_names_each_missing_piece(tmp_path):
    pins = [HelmChartConfig("base", "1.30.0", "https://a.example"), HelmChartConfig("istiod", "1.30.0", "oci://b/c")]
    cache = tmp_path / "cache"
    assert upstream.missing_from(cache, pins) == ["everything (there is no such directory)"]
    cache.mkdir()
    (cache / "bin").mkdir()
    assert upstream.missing_from(cache, pins) == [
        f"{output_dir.MARKER_NAME} of tools.upstream (not a cache `make upstream` filled)"
    ]
    (cache / "bin").rmdir()
    cache.rmdir()
    filled_cache(cache, pins[:1])
    assert upstream.missing_from(cache, pins) == ["chart istiod 1.30.0"]
    assert upstream.missing_from(cache, pins[:1]) == []
    upstream.helm_binary(cache).unlink()
    upstream.chart_dir(cache, "base", "1.30.0").joinpath("Chart.yaml").unlink()
    upstream.chart_dir(cache, "base", "1.30.0").rmdir()
    assert upstream.missing_from(cache, pins) == ["bin/helm", "chart base 1.30.0", "chart istiod 1.30.0"]


def test_the_record_lists_helm_charts_and_policies(tmp_path):
    pins = [HelmChartConfig("istiod", "1.30.0", "oci://b/c"), HelmChartConfig("base", "1.30.0", "https://a.example")]
    policy = upstream.alb_policy_file(tmp_path, "v2.0.0")
    upstream.write_record(tmp_path, "v3.17.0", pins, [policy])
    record = json.loads((tmp_path / upstream.RECORD_NAME).read_text())
    assert record == {
        "helm": {"path": "bin/helm", "version": "v3.17.0"},
        "charts": [
            {"chart": "base", "version": "1.30.0", "repository": "https://a.example", "path": "charts/base-1.30.0"},
            {"chart": "istiod", "version": "1.30.0", "repository": "oci://b/c", "path": "charts/istiod-1.30.0"},
        ],
        "iam": ["iam/aws-load-balancer-controller-v2.0.0.json"],
    }


def test_probe_urls_are_what_helm_asks_first():
    assert upstream.repository_probe_url("https://charts.example/istio/") == "https://charts.example/istio/index.yaml"
    assert upstream.repository_probe_url("oci://registry.example:5000/charts/x") == "https://registry.example:5000/v2/"
