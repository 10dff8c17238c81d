"""Run the whole Pulumi program under Pulumi's mock runtime, with no CLI and no cloud.

Used by `tools.render` and by the tests. `run_stack_file("Pulumi.dev.yaml")` reads a
stack file the way the Pulumi CLI would hand it to the program (project defaults
from `Pulumi.yaml`, objects as JSON strings, `secure:` values as secret
placeholders), runs `__main__.py` in a fresh context, and returns every registered
resource with its inputs (secret values kept as `Secret` markers), its parent and
provider, plus the stack outputs.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import ipaddress
import json
import runpy
import sys
import threading
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from project import PROJECT
from providers.avi.resources import object_kinds_by_type
from tools.stack_file_checks import stack_file_problems
from tools.stack_files import StackFileError, parse_mapping, read_mapping, read_text

PROJECT_DIR = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------
# Stack files
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackFile:
    """A stack's configuration as the language host receives it."""

    stack: str
    config: dict[str, str]
    secret_keys: tuple[str, ...]
    stood_in: tuple[str, ...] = ()
    """Declared secrets the stack calls for but the file does not carry: each got a placeholder."""


def secret_placeholder(key: str) -> str:
    """The stand-in for a `secure:` value that cannot be decrypted offline."""
    return f"offline-placeholder-for-{key.replace(':', '-')}"


def declared_secrets(project_file: Path) -> list[str]:
    """Secret keys `Pulumi.yaml` declares: its `template.config` entries marked `secret: true`.

    The project-level `config:` cannot carry them: the CLI makes a declared key without a
    default required in every stack, and refuses a secret key's plain default ("must be
    encrypted as it's secret"; pulumi/pulumi sdk/go/common/workspace, `mergeConfig` and
    `validateStackConfigValue`), while each of these secrets is needed by some stacks only."""
    template = read_mapping(project_file).get("template") or {}
    config = template.get("config") if isinstance(template, dict) else None
    if not isinstance(config, dict):
        return []
    return [
        key if ":" in key else f"{PROJECT}:{key}"
        for key, declaration in config.items()
        if isinstance(declaration, dict) and declaration.get("secret") is True
    ]


def _section(values: dict[str, Any], key: str) -> dict[str, Any]:
    """A top-level object of the stack (`mesh-platform:<key>`), or {} when absent or not an object."""
    value = values.get(f"{PROJECT}:{key}", values.get(key))
    return value if isinstance(value, dict) else {}


def _on(value: Any) -> bool:
    return value is True or value == "true"


def _names_edge_certificates(values: dict[str, Any]) -> bool:
    apps = values.get(f"{PROJECT}:apps", values.get("apps"))
    for app in apps if isinstance(apps, list) else []:
        namespaces = app.get("namespaces") if isinstance(app, dict) else None
        for ns in namespaces if isinstance(namespaces, list) else []:
            tls = ns.get("tls") if isinstance(ns, dict) else None
            certificate = tls.get("certificate") if isinstance(tls, dict) else None
            if isinstance(certificate, dict) and certificate.get("secret"):
                return True
    return False


def _reads_kubeconfig_secret(values: dict[str, Any]) -> bool:
    # A named context with no kubeconfig file is a context of the kubeconfig the stack is
    # given as a secret; without either (the dev stack), the program reads the machine's
    # default kubeconfig, which kind writes.
    cluster = _section(values, "cluster")
    existing = cluster.get("existing")
    return (
        cluster.get("kind") == "existing"
        and isinstance(existing, dict)
        and bool(existing.get("context"))
        and not existing.get("kubeconfigPath")
    )


SECRET_USES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "kubeconfig": _reads_kubeconfig_secret,
    "grafanaPassword": lambda v: _on((_section(v, "observability").get("grafana") or {}).get("addon")),
    "kialiPassword": lambda v: _on((_section(v, "observability").get("kiali") or {}).get("addon")),
    "aviPassword": lambda v: _section(v, "edge").get("kind") == "avi" or _on(_section(v, "ako").get("enabled")),
    "edgeCertificates": _names_edge_certificates,
}
"""When a stack's settings call for each secret key (the program's rules name it missing then)."""


def secrets_in_use(declared: list[str], values: dict[str, Any]) -> list[str]:
    """The declared secret keys the stack's settings call for (see `SECRET_USES`)."""
    used = []
    for full in declared:
        use = SECRET_USES.get(full.split(":", 1)[1]) if full.startswith(f"{PROJECT}:") else None
        if use is not None and use(values):
            used.append(full)
    return used


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _replace_secure(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return secret_placeholder(key)
        return {k: _replace_secure(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v, f"{key}[{i}]") for i, v in enumerate(value)]
    return value


def _encode(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def project_defaults(project_file: Path) -> dict[str, Any]:
    """Defaults declared in `Pulumi.yaml` (`config: {key: {default: ...}}`)."""
    project = read_mapping(project_file)
    defaults = {}
    for key, declaration in (project.get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            full = key if ":" in key else f"{PROJECT}:{key}"
            defaults[full] = declaration["default"]
    return defaults


def read_stack_file(path: Path, overrides: dict[str, Any] | None = None, stand_in_secrets: bool = True) -> StackFile:
    """Read `Pulumi.<stack>.yaml` (plus `Pulumi.yaml` defaults next to it or in the project).

    Raises `StackFileError` (one line: file, line, column) for a file that is not valid YAML,
    repeats a key, or is not a mapping with a mapping under `config:`. With `stand_in_secrets`,
    each secret key `Pulumi.yaml` declares that the stack's settings call for but the file does
    not carry gets a placeholder (listed in `StackFile.stood_in`); without, it stays missing, as
    the Pulumi CLI would leave it. Comments in the stack file play no part."""
    path = Path(path)
    stack = path.name.removeprefix("Pulumi.").rsplit(".", 1)[0]
    text = read_text(path)
    document = parse_mapping(path, text)
    file_problems = stack_file_problems(path, document, text)
    if file_problems:
        raise StackFileError.listing(file_problems)
    project_file = path.parent / "Pulumi.yaml"
    if not project_file.exists():
        project_file = PROJECT_DIR / "Pulumi.yaml"
    values: dict[str, Any] = project_defaults(project_file)
    values.update(document.get("config") or {})
    values.update(overrides or {})
    present = {key if ":" in key else f"{PROJECT}:{key}" for key in values}
    wanted = secrets_in_use(declared_secrets(project_file), values) if stand_in_secrets else []
    stood_in = tuple(key for key in wanted if key not in present)
    values.update({key: {"secure": "offline"} for key in stood_in})
    config, secret_keys = {}, []
    for key, value in values.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, Secret):  # a test's known plaintext, stored as `pulumi config set --secret` would
            secret_keys.append(full)
            value = value.value
        elif _has_secure(value):
            secret_keys.append(full)
            value = _replace_secure(value, full)
        config[full] = _encode(value)
    return StackFile(stack, config, tuple(secret_keys), stood_in)


# --------------------------------------------------------------------------------------
# Mocks: what the cloud would compute
# --------------------------------------------------------------------------------------

ComputedOutputs = Callable[[str, dict[str, Any]], dict[str, Any]]

COMPUTED_OUTPUTS: dict[str, ComputedOutputs] = {
    "aws:eks/cluster:Cluster": lambda name, inputs: {
        "endpoint": f"https://{inputs.get('name', name)}.gr7.eu-west-1.eks.amazonaws.com",
        "certificateAuthority": {"data": base64.b64encode(b"mock-ca").decode()},
        "identities": [{"oidcs": [{"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/MOCK0123456789"}]}],
        "arn": f"arn:aws:eks:eu-west-1:123456789012:cluster/{inputs.get('name', name)}",
    },
    "aws:iam/role:Role": lambda name, inputs: {"arn": f"arn:aws:iam::123456789012:role/{name}", "name": name},
    "aws:iam/policy:Policy": lambda name, inputs: {"arn": f"arn:aws:iam::123456789012:policy/{name}"},
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda name, inputs: {
        "arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/MOCK0123456789"
    },
    "azure-native:resources:ResourceGroup": lambda name, inputs: {"name": inputs.get("resourceGroupName", name)},
    "azure-native:containerservice:ManagedCluster": lambda name, inputs: {
        "name": inputs.get("resourceName", name),
        "nodeResourceGroup": f"MC_{inputs.get('resourceGroupName')}_{inputs.get('resourceName', name)}_westeurope",
        "fqdn": f"{inputs.get('dnsPrefix', name)}.hcp.westeurope.azmk8s.io",
        "identity": {"type": "SystemAssigned", "principalId": "00000000-0000-0000-0000-00000000c1a5"},
    },
    "azure-native:network:PublicIPAddress": lambda name, inputs: {"ipAddress": "20.50.60.70"},
    "kubernetes:networking.k8s.io/v1:Ingress": lambda name, inputs: {
        "status": {
            "loadBalancer": {
                "ingress": [
                    {
                        "hostname": f"k8s-{(inputs.get('metadata') or {}).get('namespace', 'default')[:8]}-"
                        f"{(inputs.get('metadata') or {}).get('name', name)[:8]}-0123456789.eu-west-1.elb.amazonaws.com"
                    }
                ]
            }
        }
    },
    "tls:index/privateKey:PrivateKey": lambda name, inputs: {
        "privateKeyPem": f"-----BEGIN PRIVATE KEY-----\nmock-{name}\n-----END PRIVATE KEY-----\n",
        "publicKeyPem": f"-----BEGIN PUBLIC KEY-----\nmock-{name}\n-----END PUBLIC KEY-----\n",
    },
    "tls:index/selfSignedCert:SelfSignedCert": lambda name, inputs: {
        "certPem": f"-----BEGIN CERTIFICATE-----\nmock-{name}\n-----END CERTIFICATE-----\n"
    },
    "tls:index/certRequest:CertRequest": lambda name, inputs: {
        "certRequestPem": f"-----BEGIN CERTIFICATE REQUEST-----\nmock-{name}\n-----END CERTIFICATE REQUEST-----\n"
    },
    "tls:index/locallySignedCert:LocallySignedCert": lambda name, inputs: {
        "certPem": f"-----BEGIN CERTIFICATE-----\nmock-{name}\n-----END CERTIFICATE-----\n"
    },
}


def _allocated_vips(name: str, inputs: dict[str, Any]) -> list[Any] | None:
    """VIPs as a controller would allocate them from their subnet (stable per resource name)."""
    vips = inputs.get("vip")
    if not isinstance(vips, list):
        return None
    allocated = []
    for vip in vips:
        subnet = ((vip or {}).get("ipam_network_subnet") or {}).get("subnet") or {}
        if (vip or {}).get("auto_allocate_ip") and subnet.get("ip_addr"):
            network = ipaddress.ip_network(f"{subnet['ip_addr']['addr']}/{int(subnet['mask'])}", strict=False)
            offset = 10 + zlib.crc32(name.encode()) % max(1, min(network.num_addresses - 12, 200))
            vip = {
                **vip,
                "ip_address": {
                    "addr": str(network.network_address + offset),
                    "type": subnet["ip_addr"].get("type", "V4"),
                },
            }
        allocated.append(vip)
    return allocated


def _avi_object_outputs(kind: str) -> ComputedOutputs:
    def outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        uuid = f"{kind}-{name}"
        found: dict[str, Any] = {"uuid": uuid, "url": f"https://avi.mock/api/{kind}/{uuid}"}
        if kind == "vsvip" and _allocated_vips(name, inputs) is not None:
            found["vip"] = _allocated_vips(name, inputs)
        return found

    return outputs


for _type, _kind in object_kinds_by_type().items():
    COMPUTED_OUTPUTS[f"pulumi-python:{_type}"] = _avi_object_outputs(_kind)

MOCK_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"
FALLBACK_AWS_REGION = "eu-west-1"


def aws_partition(region: str) -> dict[str, str]:
    """What `aws:index/getPartition` answers for a region (the partition follows from the region's
    prefix; AWS's partitions: aws, aws-cn, aws-us-gov)."""
    if region.startswith("cn-"):
        return {"partition": "aws-cn", "dnsSuffix": "amazonaws.com.cn"}
    if region.startswith("us-gov-"):
        return {"partition": "aws-us-gov", "dnsSuffix": "amazonaws.com"}
    return {"partition": "aws", "dnsSuffix": "amazonaws.com"}


CALL_RESULTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "azure-native:containerservice:listManagedClusterAdminCredentials": lambda args: {
        "kubeconfigs": [{"name": "clusterAdmin", "value": base64.b64encode(MOCK_KUBECONFIG.encode()).decode()}]
    },
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "accountId": "123456789012",
        "arn": "arn:aws:iam::123456789012:user/mock",
        "userId": "AIDAMOCK0123456789",
    },
    "azure-native:authorization:getClientConfig": lambda args: {
        "subscriptionId": "00000000-0000-0000-0000-0000000005b5",
        "tenantId": "00000000-0000-0000-0000-000000007e17",
        "clientId": "00000000-0000-0000-0000-00000000c11e",
        "objectId": "00000000-0000-0000-0000-0000000000b1",
    },
}
"""Invokes whose answers the mocks make up (every string in them is mock-only)."""


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


class PlatformMocks(Mocks):
    """Answers resource registrations and invokes with plausible cloud values.

    Every string it makes up (resource ids, computed outputs that are not copies of an input,
    invoke answers) is kept in `invented`, so a render can mark those values as mock-only.
    Answers that follow from the configuration (`getRegion`: the provider's `aws:region`;
    `getPartition`: that region's partition) are not made up and not kept."""

    def __init__(self, config: dict[str, str] | None = None):
        self.invented: set[str] = set()
        self._aws_region = (config or {}).get("aws:region")

    def _invent(self, made: dict[str, Any], given: dict[str, Any]) -> None:
        self.invented.update(_strings(made) - _strings(given))

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        computed = COMPUTED_OUTPUTS.get(args.typ)
        if computed:
            made = computed(args.name, args.inputs)
            self._invent(made, args.inputs)
            outputs.update(made)
        if not args.custom:
            return ("", outputs)
        self.invented.add(f"{args.name}-id")
        return (f"{args.name}-id", outputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # no check failures: the SDK iterates the list (None, which its annotation allows, fails)
        return self._answer(args), []

    def _answer(self, args: MockCallArgs) -> dict[str, Any]:
        if args.token in ("aws:index/getRegion:getRegion", "aws:index/getPartition:getPartition"):
            region = self._aws_region
            if region is None:  # no region configured: the answer is the mocks' own
                region = FALLBACK_AWS_REGION
                self.invented.add(region)
            if args.token == "aws:index/getRegion:getRegion":
                return {"name": region, "region": region}
            return aws_partition(region)
        handler = CALL_RESULTS.get(args.token)
        if not handler:
            return {}
        answer = handler(args.args)
        self._invent(answer, args.args)
        return answer


# --------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A value that was a Pulumi secret when the program declared it."""

    value: Any

    def __repr__(self) -> str:
        return "Secret([secret])"


def _unwrap(value: Any) -> Any:
    """Replace the RPC secret envelope by `Secret` markers, recursively."""
    if rpc.is_rpc_secret(value):
        return Secret(_unwrap(rpc.unwrap_rpc_secret(value)))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """A copy of `value` with every `Secret` replaced by the value it wraps (what the
    engine hands a provider once it has stripped the secret envelopes)."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def _hide(value: Any, marker: str) -> Any:
    if isinstance(value, Secret):
        return _hide(value.value, marker)
    if isinstance(value, dict):
        return {k: _hide(v, marker) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide(v, marker) for v in value]
    return marker


def redact(value: Any, marker: str = "[secret]") -> Any:
    """A copy of `value` with every secret value replaced by `marker`.

    A secret map or list keeps its shape (the keys of a Secret's `stringData` are not
    secret, and the manifest stays valid); every value inside it is hidden.
    """
    if isinstance(value, Secret):
        return _hide(value.value, marker)
    if isinstance(value, dict):
        return {k: redact(v, marker) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, marker) for v in value]
    return value


def _alias_record(alias: Any) -> dict[str, Any]:
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    return {
        "name": spec.name,
        "type": spec.type,
        "stack": spec.stack,
        "project": spec.project,
        "parentUrn": spec.parentUrn,
        "noParent": bool(spec.noParent),
    }


def _last_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _name_of(urn: str) -> str | None:
    return _last_name(urn) if urn else None


@dataclass
class RecordedResource:
    """One resource registration as the engine would have received it."""

    type: str
    name: str
    urn: str
    custom: bool
    inputs: dict[str, Any]
    parent: str | None = None
    provider: str | None = None
    dependencies: list[str] = field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    parent_urn: str = ""
    """The parent's URN exactly as the SDK sent it (empty for the stack itself)."""
    aliases: list[dict[str, Any]] = field(default_factory=list)
    """The `aliases` resource option as sent: `{"urn": ...}` or a spec with `name`, `type`, `stack`,
    `project`, `parentUrn` and `noParent` (empty strings where the alias left a field out)."""


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps each registration's parent, provider and dependencies."""

    def __init__(self, mocks: Mocks):
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self._inputs_seen = threading.local()
        answer = mocks.new_resource

        def keep_inputs(args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            # The mock monitor has just deserialized the request's inputs for the mocks; keep
            # them rather than deserialize the same request a second time.
            self._inputs_seen.value = args.inputs
            return answer(args)

        # wrapped on this instance only, so the mocks' class and any other monitor stay as they are
        mocks.new_resource = keep_inputs  # type: ignore[method-assign]

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
        self._inputs_seen.value = None
        # the SDK's MockMonitor.RegisterResource carries no annotations
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            parent_name = _name_of(request.parent)
            if request.parent and request.parent.split("::")[2].endswith("pulumi:pulumi:Stack"):
                parent_name = None
            provider_urn = (
                request.provider.split("::" + request.provider.rsplit("::", 1)[-1])[0] if request.provider else ""
            )
            inputs = self._inputs_seen.value
            if inputs is None:
                inputs = rpc.deserialize_properties(request.object)
            self.recorded.append(
                RecordedResource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    custom=bool(request.custom),
                    inputs=_unwrap(inputs),
                    parent=parent_name,
                    provider=_name_of(provider_urn) if provider_urn else None,
                    dependencies=[_last_name(u) for u in request.dependencies],  # never empty
                    protect=bool(getattr(request, "protect", False)),
                    retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                    parent_urn=request.parent,
                    aliases=[_alias_record(a) for a in request.aliases],
                )
            )
        return response


@dataclass
class ProgramRun:
    """The result of running the program under mocks."""

    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    mock_values: frozenset[str] = frozenset()
    """Every string the mocks made up (ids, computed outputs, invoke answers): not real values."""

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> RecordedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def types(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return counts


async def _resolve_exports(root: Any) -> tuple[dict[str, Any], set[str]]:
    # root: the Stack resource (its `outputs`); get_root_resource() types it as a plain Resource
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in (root.outputs or {}).items():
        output = pulumi.Output.from_input(value)
        values[key] = await output.future()
        if await output.is_secret():
            secrets.add(key)
    return values, secrets


def _ensure_open_event_loop() -> None:
    """Pulumi creates futures on the current thread's loop; code that ran before (another
    test, an asyncio.run) may have closed or unset it."""
    try:
        loop = asyncio.get_event_loop()
        if loop.is_closed():
            raise RuntimeError("closed")
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _run_in_context(stack_file: StackFile, program: Path, preview: bool) -> ProgramRun:
    _ensure_open_event_loop()
    mocks = PlatformMocks(stack_file.config)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack_file.stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(dict(stack_file.config), list(stack_file.secret_keys))
    exports: dict[str, Any] = {}

    async def program_then_exports() -> None:
        await pulumi.runtime.stack.wait_for_rpcs()
        values, secrets = await _resolve_exports(pulumi.runtime.get_root_resource())
        exports["values"], exports["secrets"] = values, secrets

    def body() -> Coroutine[Any, Any, None]:
        runpy.run_path(str(program), run_name="__main__")
        return program_then_exports()

    _sync_await(run_pulumi_func(body))
    return ProgramRun(
        stack_file.stack,
        monitor.recorded,
        exports.get("values", {}),
        exports.get("secrets", set()),
        frozenset(mocks.invented),
    )


def run_program(stack_file: StackFile, program: Path | None = None, preview: bool = False) -> ProgramRun:
    """Run `__main__.py` for `stack_file` in a fresh context; raise what the program raises."""
    program = Path(program or PROJECT_DIR / "__main__.py")
    if str(program.parent) not in sys.path:
        sys.path.insert(0, str(program.parent))
    return contextvars.Context().run(_run_in_context, stack_file, program, preview)


def run_stack_file(path: Path, overrides: dict[str, Any] | None = None, preview: bool = False) -> ProgramRun:
    """Read a stack file and run the program for it; say on stderr which secrets were stood in."""
    stack_file = read_stack_file(Path(path), overrides)
    for key in stack_file.stood_in:
        print(
            f"{Path(path).name}: {key} is not in the file; rendering with a placeholder secret "
            f"(set it with `pulumi config set --secret {key.split(':', 1)[1]}`)",
            file=sys.stderr,
        )
    return run_program(stack_file, preview=preview)
