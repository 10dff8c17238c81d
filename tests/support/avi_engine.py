"""A small stand-in for the Pulumi engine, for deploying the program's Avi resources to the emulator.

The program runs under mocks (tools/mockrun); every Avi resource it declares is then driven
through `python -m pulumi.dynamic` (the gRPC server the engine starts for dynamic providers)
with the resource's own `__provider` blob: Check, then Create for new resources, Diff and
Update (or Delete + Create on a replacement) for known ones, and Delete, dependents first,
for resources the program no longer declares. A delete-before-replace first deletes the
dependents that would be replaced by it, as the engine does (`calculateDependentReplacements`
in pkg/resource/deploy/step_generator.go): each dependent's Diff is asked with the inputs that
depend on a condemned resource set to unknown, and those answering "replace" are deleted
first, last dependent first, and created again when the program declares them. An input
depends on an Avi resource when it carries that resource's mock `url` (what the SDK records
as a property dependency of an Output). References the mocks answered with
`https://avi.mock/...` URLs are rewritten to the objects really created, and the mocks'
placeholder PEMs to real ones (one stable key or certificate per resource name).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import grpc
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.support.avi_support import REPO, self_signed, stack_config
from tools.mockrun import ProgramRun, reveal

AVI_PREFIX = "pulumi-python:dynamic/avi:"
MOCK_URL = "https://avi.mock/api/"


@contextmanager
def dynamic_provider_server(
    args: Sequence[str] = ("-m", "pulumi.dynamic"), stderr: IO[bytes] | None = None
) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """`python -m pulumi.dynamic` as the engine starts it (or `python <args>`); yields a stub connected to
    it. `stderr`, a file, receives what the server writes there (the engine's log of a provider)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "PULUMI_PROJECT": "mesh-platform",
    }
    proc = subprocess.Popen(
        [sys.executable, *args], cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=stderr or subprocess.PIPE
    )
    try:
        port = int(proc.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=20)
        yield provider_pb2_grpc.ResourceProviderStub(channel)
        channel.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def struct(props: dict[str, Any]):
    # A loop of its own: asyncio.run() would leave the thread without a current loop, which
    # Pulumi's mocks in later tests expect to find.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def props(value) -> dict[str, Any]:
    return rpc.deserialize_properties(value)


@dataclass
class Deployed:
    """What the engine keeps in its state for one resource."""

    type: str
    id: str
    inputs: Any  # the checked inputs (a Struct)
    outputs: Any  # the provider's outputs (a Struct)


@dataclass
class Changes:
    """What one deploy did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    replace_keys: dict[str, list[str]] = field(default_factory=dict)
    """What each replacement's Diff named (the engine's replaceReasons)."""

    @property
    def none(self) -> bool:
        return not (self.created or self.updated or self.replaced or self.deleted)


class Engine:
    """Deploys successive program runs to one controller, as `pulumi up` would, and destroys."""

    def __init__(self, stub: provider_pb2_grpc.ResourceProviderStub, controller_url: str):
        self.stub = stub
        stub.Configure(provider_pb2.ConfigureRequest(args=struct(stack_config(controller_url)), acceptSecrets=False))
        self.state: dict[str, Deployed] = {}
        self.order: list[str] = []
        self.depends: dict[str, set[str]] = {}
        self.property_depends: dict[str, dict[str, set[str]]] = {}
        self._pems: dict[str, str] = {}
        self._urls: dict[str, str] = {}

    def _urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:test::mesh-platform::{type_}::{name}"

    def _pem_for(self, run: ProgramRun) -> dict[str, str]:
        """Mock PEM -> a real one, stable per resource name across deploys."""
        for r in run.resources:
            if r.type == "tls:index/privateKey:PrivateKey":
                mock = f"-----BEGIN PRIVATE KEY-----\nmock-{r.name}\n-----END PRIVATE KEY-----\n"
                if mock not in self._pems:
                    self._pems[mock] = self_signed(r.name[:60])[1]
            if r.type in ("tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"):
                mock = f"-----BEGIN CERTIFICATE-----\nmock-{r.name}\n-----END CERTIFICATE-----\n"
                if mock not in self._pems:
                    self._pems[mock] = self_signed(r.name[:60], is_ca=r.name.endswith("-ca"))[0]
        return self._pems

    def _substitute(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._substitute(v) for v in value]
        if isinstance(value, str):
            if value.startswith(MOCK_URL):
                return self._urls[value]
            return self._pems.get(value, value)
        return value

    def deploy(self, run: ProgramRun) -> Changes:
        """Bring the controller to what `run` declares."""
        self._pem_for(run)
        changes = Changes()
        declared = [r for r in run.resources if r.type.startswith(AVI_PREFIX)]
        condemned: dict[str, Deployed] = {}  # deleted ahead of a delete-before-replace
        for r in declared:
            news = self._substitute(reveal(r.inputs))
            urn = self._urn(r.type, r.name)
            known = self.state.get(r.name) or condemned.get(r.name)
            check = self.stub.Check(
                provider_pb2.CheckRequest(urn=urn, olds=known.inputs if known else struct({}), news=struct(news))
            )
            assert list(check.failures) == [], (r.name, [(f.property, f.reason) for f in check.failures])
            if r.name in condemned:  # the engine's "recreating": created again, no Diff
                del condemned[r.name]
                self._create(r.name, r.type, urn, check.inputs)
                changes.replaced.append(r.name)
            elif known is None:
                self._create(r.name, r.type, urn, check.inputs)
                changes.created.append(r.name)
            else:
                diff = self.stub.Diff(
                    provider_pb2.DiffRequest(id=known.id, urn=urn, olds=known.outputs, news=check.inputs)
                )
                if diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces):
                    assert diff.deleteBeforeReplace, f"{r.name}: create-before-delete is not modelled here"
                    changes.replace_keys[r.name] = list(diff.replaces)
                    for dependent, keys in reversed(self._replaced_with(r.name)):
                        condemned[dependent] = self.state[dependent]
                        changes.replace_keys[dependent] = keys
                        self._delete(dependent)
                    self.stub.Delete(provider_pb2.DeleteRequest(id=known.id, urn=urn, properties=known.outputs))
                    self.order.remove(r.name)
                    self._create(r.name, r.type, urn, check.inputs)
                    changes.replaced.append(r.name)
                elif diff.changes == provider_pb2.DiffResponse.DIFF_SOME:
                    updated = self.stub.Update(
                        provider_pb2.UpdateRequest(id=known.id, urn=urn, olds=known.outputs, news=check.inputs)
                    )
                    self.state[r.name] = Deployed(r.type, known.id, check.inputs, updated.properties)
                    changes.updated.append(r.name)
            self._remember_url(r.name, self.state[r.name])
            self.depends[r.name] = set(r.dependencies)
            self.property_depends[r.name] = {k: _mock_refs(v) for k, v in reveal(r.inputs).items()}
        kept = {r.name for r in declared}
        changes.deleted = self._delete_all([n for n in self.order if n not in kept]) + list(condemned)
        return changes

    def _replaced_with(self, root: str) -> list[tuple[str, list[str]]]:
        """The deployed resources that a delete-before-replace of `root` takes with it, in
        dependency order, each with the keys its Diff named."""
        reached, replaced, found = {root}, {root}, []
        for name in list(self.order):
            if name == root or not self.depends.get(name, set()) & reached:
                continue
            reached.add(name)
            keys = [k for k, on in self.property_depends.get(name, {}).items() if on & replaced]
            if not keys:
                continue
            deployed = self.state[name]
            inputs = {**props(deployed.inputs), **{k: rpc.UNKNOWN for k in keys}}
            diff = self.stub.Diff(
                provider_pb2.DiffRequest(
                    id=deployed.id, urn=self._urn(deployed.type, name), olds=deployed.outputs, news=struct(inputs)
                )
            )
            if diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces):
                replaced.add(name)
                found.append((name, list(diff.replaces)))
        return found

    def destroy(self) -> list[str]:
        """Delete everything, dependents first."""
        return self._delete_all(list(self.order))

    def _delete_all(self, names: list[str]) -> list[str]:
        """Delete `names`, each only once nothing still deployed depends on it (as the engine orders deletes)."""
        deleted: list[str] = []
        pending = list(names)
        while pending:
            ready = [
                n
                for n in reversed(pending)
                if not any(n in self.depends.get(other, ()) for other in self.state if other != n)
            ]
            assert ready, f"dependency cycle among {pending}"
            for name in ready:
                self._delete(name)
                deleted.append(name)
                pending.remove(name)
        return deleted

    def _create(self, name: str, type_: str, urn: str, inputs) -> None:
        created = self.stub.Create(provider_pb2.CreateRequest(urn=urn, properties=inputs))
        assert created.id, name
        self.state[name] = Deployed(type_, created.id, inputs, created.properties)
        self.order.append(name)

    def _delete(self, name: str) -> None:
        deployed = self.state.pop(name)
        self.stub.Delete(
            provider_pb2.DeleteRequest(id=deployed.id, urn=self._urn(deployed.type, name), properties=deployed.outputs)
        )
        self.order.remove(name)
        self.depends.pop(name, None)

    def _remember_url(self, name: str, deployed: Deployed) -> None:
        outs = props(deployed.outputs)
        if outs.get("url"):
            kind = outs["url"].split("/api/")[1].split("/")[0]
            self._urls[f"{MOCK_URL}{kind}/{kind}-{name}"] = outs["url"]


def _mock_refs(value: Any) -> set[str]:
    """Names of the Avi resources whose mock `url` (`https://avi.mock/api/<kind>/<kind>-<name>`) `value` carries."""
    if isinstance(value, dict):
        return set().union(*(_mock_refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_mock_refs(v) for v in value)) if value else set()
    if isinstance(value, str) and value.startswith(MOCK_URL):
        kind, _, uuid = value[len(MOCK_URL) :].partition("/")
        return {uuid[len(kind) + 1 :]} if uuid.startswith(f"{kind}-") else set()
    return set()
