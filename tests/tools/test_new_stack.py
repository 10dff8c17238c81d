"""`python -m tools.new_stack` / `make new-stack`: a stack file per cluster and edge that renders,
refusals in one line with exit 2, and never a file replaced."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from components.cluster.config import CLUSTER_KINDS
from components.edges.config import EDGE_CLUSTERS, EDGE_KINDS
from tools import new_stack
from tools.mockrun import PROJECT_DIR, read_stack_file

PAIRS = [(kind, edge) for kind in CLUSTER_KINDS for edge in EDGE_KINDS if kind in EDGE_CLUSTERS[edge]]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=240)


def test_every_edge_has_a_cluster_to_run_on():
    assert len(PAIRS) == 8 and {edge for _, edge in PAIRS} == set(EDGE_KINDS)


@pytest.mark.parametrize(("kind", "edge"), PAIRS)
def test_each_pair_writes_a_file_that_renders(kind, edge, tmp_path):
    stack = f"new-{kind}-{edge}"
    written = run("tools.new_stack", "--stack", stack, "--kind", kind, "--edge", edge, "--dir", str(tmp_path))
    assert written.returncode == 0, written.stderr
    path = tmp_path / f"Pulumi.{stack}.yaml"
    assert str(path) in written.stdout
    document = yaml.safe_load(path.read_text())
    assert document["config"]["mesh-platform:cluster"]["kind"] == kind
    assert document["config"]["mesh-platform:edge"]["kind"] == edge
    rendered = run("tools.render", "--config", str(path), "--out", str(tmp_path / "out"))
    assert rendered.returncode == 0, rendered.stderr
    assert f"stack {stack}:" in rendered.stdout
    assert "Traceback" not in rendered.stderr


@pytest.mark.parametrize(("kind", "edge"), PAIRS)
def test_the_comments_name_the_secrets_the_render_stands_in(kind, edge, tmp_path):
    path = new_stack.write_stack_file(tmp_path, "s", kind, edge)
    text = path.read_text()
    stood_in = read_stack_file(path).stood_in
    for key in stood_in:
        assert f"pulumi config set --secret --stack s {key.split(':', 1)[1]} " in text
    assert text.count("pulumi config set --secret") == len(stood_in)
    assert ("mesh-platform:kubeconfig" in stood_in) == (kind == "existing")
    assert ("mesh-platform:aviPassword" in stood_in) == (edge == "avi")


def test_an_existing_file_is_left_as_it_is(tmp_path):
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config: {}\n# mine\n")
    result = run("tools.new_stack", "--stack", "prod", "--kind", "eks", "--edge", "alb", "--dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"error: {path} exists; it is left as it is (choose another --stack, or edit that file)\n"
    assert path.read_text() == "config: {}\n# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pulumi.prod.yaml"]


def test_the_example_stacks_are_refused_too():
    for name in ("dev", "eks"):
        before = (PROJECT_DIR / f"Pulumi.{name}.yaml").read_bytes()
        with pytest.raises(new_stack.NewStackError, match="exists; it is left as it is"):
            new_stack.write_stack_file(PROJECT_DIR, name, "eks", "emissary")
        assert (PROJECT_DIR / f"Pulumi.{name}.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "Prod_1", "--kind", "eks", "--edge", "alb"], '--stack "Prod_1": expected lowercase letters'),
        (["--stack", "p", "--kind", "gke", "--edge", "alb"], '--kind "gke": expected one of eks, aks, existing'),
        (
            ["--stack", "p", "--kind", "eks", "--edge", "ALB"],
            '--edge "ALB": expected one of alb, azure-ip, emissary, avi',
        ),
        (
            ["--stack", "p", "--kind", "aks", "--edge", "alb"],
            '--edge "alb" needs --kind eks; with aks: azure-ip, emissary, avi',
        ),
        (["--stack", "p", "--kind", "", "--edge", "alb"], '--kind "": expected one of'),
    ],
)
def test_bad_requests_exit_2_in_one_line_and_write_nothing(args, message, tmp_path):
    result = run("tools.new_stack", *args, "--dir", str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_directory_is_one_line(tmp_path):
    missing = tmp_path / "no-such-dir"
    result = run("tools.new_stack", "--stack", "p", "--kind", "eks", "--edge", "emissary", "--dir", str(missing))
    assert result.returncode == 2 and result.stderr.startswith(f"error: {missing / 'Pulumi.p.yaml'}: cannot write it")
    assert not missing.exists()


def test_make_target_passes_the_three_variables():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert '-m tools.new_stack --stack "$(STACK)" --kind "$(KIND)" --edge "$(EDGE)"' in makefile
    assert "## new-stack:" in makefile
