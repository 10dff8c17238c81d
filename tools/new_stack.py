"""Write a starting `Pulumi.<stack>.yaml` for a cluster kind and an edge kind.

    python -m tools.new_stack --stack prod --kind eks --edge alb

The file holds what the chosen cluster and edge need, with example values marked `# replace`
(the region, addresses, the certificate's ARN, the controller), one sample app, and in its
comments the `pulumi config set --secret` commands for the secrets the stack calls for
(help only: which keys are secret is declared in `Pulumi.yaml`). The render accepts it as
written (`make render STACK=prod`). It never replaces a file: an existing
`Pulumi.<stack>.yaml` is reported and left as it is (exit 2).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from components.cluster.config import CLUSTER_KINDS
from components.edges.config import EDGE_CLUSTERS, EDGE_KINDS
from tools.mockrun import PROJECT_DIR, declared_secrets, secrets_in_use

STACK_NAME = re.compile(r"[a-z]([a-z0-9-]{0,38}[a-z0-9])?")
"""Stack names this tool takes: they also name the cluster and its resource groups (DNS labels)."""


class NewStackError(Exception):
    """A request this tool refuses; the message is one line naming the option and what is valid."""


def _cluster(stack: str, kind: str) -> str:
    if kind == "eks":
        return f"""\
  aws:region: eu-west-1  # replace: your AWS region
  mesh-platform:cluster:
    kind: eks
    name: {stack}
    eks:
      # The API is public only to these ranges (and private within the VPC).
      publicAccessCidrs:
        - 203.0.113.0/24  # replace: your office or VPN range
      vpc:
        cidr: 10.100.0.0/16
        availabilityZones:  # replace: zones of aws:region
          - eu-west-1a
          - eu-west-1b
      nodeGroup:
        instanceTypes:
          - m6i.large
        minSize: 2
        desiredSize: 3
        maxSize: 5
"""
    if kind == "aks":
        return f"""\
  azure-native:location: westeurope  # replace: your Azure location (and aks.location below)
  mesh-platform:cluster:
    kind: aks
    name: {stack}
    aks:
      location: westeurope
      resourceGroupName: {stack}-rg
      nodePool:
        vmSize: Standard_D4s_v5
        count: 3
"""
    return f"""\
  mesh-platform:cluster:
    kind: existing
    name: {stack}
    # The kubeconfig comes from the secret mesh-platform:kubeconfig; this is its context.
    existing:
      context: {stack}-admin  # replace: the context name in that kubeconfig
"""


def _edge(stack: str, edge: str) -> str:
    if edge == "alb":
        return """\
  mesh-platform:edge:
    kind: alb
    alb:
      # replace: the ACM certificate of your hosts, in aws:region
      certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000
      scheme: internet-facing
"""
    if edge == "azure-ip":
        return f"""\
  mesh-platform:edge:
    kind: azure-ip
    azureIp:
      dnsLabel: {stack}
      resourceGroupName: {stack}-ingress-rg
"""
    if edge == "emissary":
        return """\
  mesh-platform:edge:
    kind: emissary
"""
    return """\
  mesh-platform:edge:
    kind: avi
    avi:
      cloud: Default-Cloud
      vrf: global
      serviceEngineGroup: Default-Group
      vipNetwork: 10.50.0.0/24  # replace: the VIP network in the cloud's IPAM
      vipNetworkName: vip-net  # replace: its name on the controller
      # replace: the cluster's nodes (the pool members reach the gateway's NodePorts)
      nodes:
        - name: worker-1
          address: 10.60.0.11
        - name: worker-2
          address: 10.60.0.12
  mesh-platform:avi:
    controller: https://avi.example.net  # replace: your Avi Controller
    username: pulumi-automation
    tenant: admin
    version: 22.1.3
"""


_APPS = """\
  mesh-platform:namespaces:
    - default
    - apps
  # One sample app; replace it with yours (docs/routes.md).
  mesh-platform:apps:
    - virtualName: hello
      name: hello
      port: 8080
      namespaces:
        - name: apps
          hosts:
            - hello.example.com  # replace: the host the edge serves
      prefixes:
        - /
"""


def stack_text(stack: str, kind: str, edge: str) -> str:
    """The stack file for `kind` and `edge`; raise `NewStackError` for a name or pair not accepted."""
    if not STACK_NAME.fullmatch(stack):
        raise NewStackError(
            f'--stack "{stack}": expected lowercase letters, digits and hyphens, starting with a letter, '
            "at most 40 characters (it names the cluster too)"
        )
    if kind not in CLUSTER_KINDS:
        raise NewStackError(f'--kind "{kind}": expected one of {", ".join(CLUSTER_KINDS)}')
    if edge not in EDGE_KINDS:
        raise NewStackError(f'--edge "{edge}": expected one of {", ".join(EDGE_KINDS)}')
    if kind not in EDGE_CLUSTERS[edge]:
        fits = [e for e in EDGE_KINDS if kind in EDGE_CLUSTERS[e]]
        raise NewStackError(
            f'--edge "{edge}" needs --kind {", ".join(EDGE_CLUSTERS[edge])}; with {kind}: {", ".join(fits)}'
        )
    from_file = {"kubeconfig": f"~/.kube/{stack}-admin.yaml", "edgeCertificates": "edge-certificates.json"}
    body = "config:\n" + _cluster(stack, kind) + _APPS + _edge(stack, edge)
    # The same reading of "which secrets this stack calls for" as the render's stand-ins.
    settings = yaml.safe_load(body)["config"]
    needed = [key.split(":", 1)[1] for key in secrets_in_use(declared_secrets(PROJECT_DIR / "Pulumi.yaml"), settings)]
    secrets = (
        "# Secrets this stack needs, kept out of this file; set each once (preview names any missing):\n"
        + "".join(
            f"#   pulumi config set --secret --stack {stack} {key} "
            + (f"< {from_file[key]}" if key in from_file else "'<password>'")
            + "\n"
            for key in needed
        )
        if needed
        else "# No secrets: Grafana or Kiali (observability.*.addon) would add their passwords.\n"
    )
    header = (
        "# yaml-language-server: $schema=./schema/stack-config.schema.json\n"
        f"# Written by `make new-stack` (tools/new_stack.py) for cluster kind {kind} and the {edge} edge.\n"
        "# Values marked `# replace` are examples; every key is in docs/configuration.md.\n#\n" + secrets
    )
    return header + body


def write_stack_file(directory: Path, stack: str, kind: str, edge: str) -> Path:
    """Write `Pulumi.<stack>.yaml` in `directory`; refuse (NewStackError) when it exists."""
    text = stack_text(stack, kind, edge)
    path = directory / f"Pulumi.{stack}.yaml"
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": never replaces a file
            handle.write(text)
    except FileExistsError:
        raise NewStackError(f"{path} exists; it is left as it is (choose another --stack, or edit that file)") from None
    except OSError as error:
        raise NewStackError(f"{path}: cannot write it ({error.strerror})") from None
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.new_stack", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="the new stack's name (names the cluster too)")
    parser.add_argument("--kind", required=True, help=f"cluster kind: {', '.join(CLUSTER_KINDS)}")
    parser.add_argument("--edge", required=True, help=f"edge kind: {', '.join(EDGE_KINDS)}")
    parser.add_argument("--dir", type=Path, default=PROJECT_DIR, help="where to write it (the project by default)")
    args = parser.parse_args(argv)
    try:
        path = write_stack_file(args.dir, args.stack, args.kind, args.edge)
    except NewStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}; next: replace the values marked `# replace`, then `make render STACK={args.stack}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
