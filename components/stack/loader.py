"""Read the stack's configuration once, validate all of it, and report every problem at once.

`load_stack_config` reads every `mesh-platform:*` key through a `ConfigSource` (the
real one is the Pulumi SDK's runtime config, which holds every key of every
namespace), refuses keys it does not know (with a "did you mean"), validates the
rest against `StackConfig`, and raises one `ConfigError` listing every problem
before any resource is declared. Nothing else in the program reads configuration.

Values beyond the bounds of `components.config.bounds` (too large, nested too deeply,
too many values, characters no setting means) are refused before any validation, so
neither the JSON decoder nor pydantic ever sees them; the rest is still validated.
One mistake makes one problem: a misspelt top-level key stands in for the key it was meant
as, a bad value is left out when the rules run a second time, and a refused value is not
reported again as missing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Protocol

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from components.config import bounds
from components.config.errors import (
    ConfigError,
    Problem,
    is_optional,
    join_path,
    key_path,
    keys_of,
    problems_from,
)
from components.stack.keys import PROVIDER_KEYS, misspelt_top_level, unknown_key_problems
from components.stack.model import SECRET_KEYS, StackConfig
from project import PROJECT

TOP_LEVEL_KEYS = (*keys_of(StackConfig), *SECRET_KEYS)


class RefusedValue(ValueError):
    """A configuration value refused before decoding it; the message says why (never the value)."""


class ConfigSource(Protocol):
    """Read access to the stack's configuration (plain values, secrets, and which keys are set)."""

    stack: str

    def value(self, key: str) -> Any:
        """The plain value of a top-level key (decoded JSON for objects/lists), or None.
        May raise `RefusedValue` for a value it will not decode."""

    def secret(self, key: str) -> pulumi.Output[str] | None:
        """The secret value of a top-level key as a secret Output, or None when unset."""

    def keys(self) -> Iterable[str]:
        """Every key the stack sets, in every namespace (`aws:region`, `mesh-platform:istio`)."""

    def is_stored_secret(self, key: str) -> bool:
        """Whether a top-level key is stored encrypted in the stack (`secure:`), not as plain text."""

    def provider_setting(self, full_key: str) -> str | None:
        """The plain value of another namespace's key (`aws:region`) as the stack sets it, or None."""


class PulumiConfigSource:
    """`ConfigSource` over the Pulumi SDK's runtime config (what `pulumi up` hands the program)."""

    def __init__(self, config: pulumi.Config | None = None):
        self._config = config or pulumi.Config(PROJECT)
        self.stack = pulumi.get_stack()

    def value(self, key: str) -> Any:
        raw = self._config.get(key)
        if raw is None:
            return None
        if len(raw) > bounds.MAX_BYTES:
            raise RefusedValue(f"{len(raw)} characters long; at most {bounds.MAX_BYTES} are accepted")
        if bounds.json_depth(raw) > bounds.MAX_DEPTH:
            raise RefusedValue(f"nested more than {bounds.MAX_DEPTH} levels deep; no setting nests more than a few")
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # plain top-level strings are passed through undecoded

    def secret(self, key: str) -> pulumi.Output[str] | None:
        return self._config.get_secret(key)

    def keys(self) -> Iterable[str]:
        # The language host sets the runtime config map; older hosts pass PULUMI_CONFIG instead.
        return sorted({*runtime_config.CONFIG.get(), *(runtime_config.get_config_env() or {})})

    def is_stored_secret(self, key: str) -> bool:
        full_key = f"{PROJECT}:{key}"
        return runtime_config.is_config_secret(full_key) or full_key in runtime_config.get_config_secret_keys_env()

    def provider_setting(self, full_key: str) -> str | None:
        namespace, _, key = full_key.partition(":")
        return pulumi.Config(namespace).get(key)


def unknown_keys(keys: Iterable[str]) -> list[Problem]:
    """Keys of the project's or a provider's namespace that it does not know, and keys in a
    misspelt namespace: one problem each."""
    return unknown_key_problems(keys, TOP_LEVEL_KEYS)


def plain_text_secrets(source: ConfigSource, keys: Iterable[str]) -> list[Problem]:
    """Secret keys the stack holds as plain text: Pulumi would keep them unencrypted in the
    stack file, its state and its previews."""
    return [
        Problem(
            f"{PROJECT}:{key}",
            "a secret stored as plain text; store it encrypted with "
            f"`pulumi config set --secret {key} <value>` (it replaces the plain value)",
        )
        for key in keys
        if not source.is_stored_secret(key)
    ]


def _read_value(source: ConfigSource, key: str, path: str) -> tuple[Any, list[Problem]]:
    """One top-level value, or the problems that refuse it for breaking a bound."""
    try:
        value = source.value(key)
    except RefusedValue as refused:
        return None, [Problem(path, str(refused))]
    found = bounds.problems_in(value)
    if found:
        return None, [Problem(join_path(path, relative), message) for relative, message in found]
    return value, []


def read_values(
    source: ConfigSource, misspelt: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, list[Problem]], dict[str, str]]:
    """Every plain top-level value the stack sets, per key the problems that refused its value
    for breaking a bound (size, depth, number of values, forbidden characters), and which
    misspelt keys stood in for the key meant.

    A key the stack misspelt (`misspelt`: `clustr` -> `cluster`) stands in for the key it was
    meant as when that key is not set, so the typo makes one problem, not one per rule that
    misses the key; its value's own problems are named under the key as written."""
    values: dict[str, Any] = {}
    refused: dict[str, list[Problem]] = {}
    stood_in: dict[str, str] = {}
    for key in TOP_LEVEL_KEYS:
        if key in SECRET_KEYS:
            continue
        value, problems = _read_value(source, key, f"{PROJECT}:{key}")
        if problems:
            refused[key] = problems
        elif value is not None:
            values[key] = value
    for written, meant in (misspelt or {}).items():
        if meant in SECRET_KEYS or meant in refused or (meant in values and not _is_default(meant, values[meant])):
            continue
        value, problems = _read_value(source, written, f"{PROJECT}:{written}")
        if problems:
            refused[meant] = problems
        elif value is not None:
            values[meant] = value
        stood_in[written] = meant
    return values, refused, stood_in


def _is_default(key: str, value: Any) -> bool:
    """Whether a top-level value is the key's default (as Pulumi.yaml declares it, `namespaces:
    [default]`, `environment: ""`): the stack may not have set it at all."""
    for name, info in StackConfig.model_fields.items():
        if key in (name, info.alias):
            default = info.default if info.default is not None else ""
            return value == (list(default) if isinstance(default, tuple) else default)
    return False


def _validate(raw: dict[str, Any], context: dict[str, Any]) -> StackConfig:
    return StackConfig.model_validate(raw, context=context, by_alias=True, by_name=False)


def _removal(item: Any) -> tuple[tuple[int | str, ...], int | str] | None:
    """Where a bad value sits as (container, key or index) to leave it out of a second pass: its
    list entry, else its key when the key may be left out; None when it cannot be left out."""
    loc = tuple(item["loc"])
    positions = [i for i, part in enumerate(loc) if isinstance(part, int)]
    if positions:
        return loc[: positions[-1]], loc[positions[-1]]
    if loc and (item["type"] == "extra_forbidden" or is_optional(StackConfig, loc)):
        return loc[:-1], loc[-1]
    return None


def _rule_problems_without_bad_values(
    raw: dict[str, Any], error: ValidationError, context: dict[str, Any]
) -> list[Problem]:
    """Leave out each bad value (its list entry, `apps[1]`, or its key when the key may be left out,
    `cluster.kubernetesVersion`) and check the rules on the rest too, so all of a stack's problems
    show in one go. A rule that then judges a left-out key's default, or a shortened list as a
    whole, is not reported."""
    removals: dict[tuple[int | str, ...], set[int | str]] = {}
    for item in error.errors(include_url=False):
        found = _removal(item)
        if found is None:
            return []
        removals.setdefault(found[0], set()).add(found[1])
    pruned = copy.deepcopy(raw)
    kept: dict[str, list[int]] = {}
    left_out: list[str] = []
    shortened: dict[str, list[str]] = {}  # a shortened list's path -> its remaining text entries, quoted
    for container_loc in sorted(removals, key=len, reverse=True):
        container: Any = pruned
        try:
            for part in container_loc:
                container = container[part]
        except (KeyError, IndexError, TypeError):
            return []  # a value a validator renamed or filled in: no second pass
        if isinstance(container, list) and all(isinstance(i, int) for i in removals[container_loc]):
            kept[key_path(container_loc)] = [i for i in range(len(container)) if i not in removals[container_loc]]
            container[:] = [container[i] for i in kept[key_path(container_loc)]]
            shortened[key_path(container_loc)] = [f'"{v}"' for v in container if isinstance(v, str)]
        elif isinstance(container, dict):
            for key in removals[container_loc]:
                container.pop(key, None)
                left_out.append(key_path((*container_loc, key)))
        else:
            return []
    try:
        _validate(pruned, context)
    except ValidationError as retry:
        return [
            Problem(_original_path(p.path, kept), p.message)
            for p in problems_from(retry, StackConfig)
            if p.from_rule and _judges_what_was_written(p, shortened) and not any(_about(p, path) for path in left_out)
        ]
    return []


def _judges_what_was_written(problem: Problem, shortened: Mapping[str, list[str]]) -> bool:
    """A rule on a shortened list is kept when it names an entry still there (`host "a.example.com"
    ... already routed`); one on the list as a whole (empty, too few) would judge what is left."""
    if problem.path not in shortened:
        return True
    return any(entry in problem.message for entry in shortened[problem.path])


def _about(problem: Problem, left_out: str) -> bool:
    """Whether a rule's problem is about a left-out key: at it, below it, or naming it (then it judged
    the key's default: `... or accept plain http with avi.allowPlainHttp: true`)."""
    name = re.split(r"[.:]", left_out)[-1]
    return _is_at(problem.path, left_out) or bool(re.search(rf"\b{re.escape(name)}\b", problem.message))


def _is_at(path: str, key: str) -> bool:
    """Whether `path` is `key` or below it."""
    return path == key or path.startswith((f"{key}.", f"{key}["))


def _original_path(path: str, kept: dict[str, list[int]]) -> str:
    """A path in the pruned stack (`apps[1]`) as the index the user wrote (`apps[2]`)."""
    original = ""
    for token in re.split(r"(\[\d+\])", path):
        if re.fullmatch(r"\[\d+\]", token):
            index = int(token[1:-1])
            indexes = kept.get(original)
            token = f"[{indexes[index]}]" if indexes and index < len(indexes) else token
        original += token
    return original


def provider_settings(source: ConfigSource) -> dict[str, str]:
    """The other namespaces' plain values the rules compare with (`aws:region`, `azure-native:location`)."""
    settings = {}
    for full_key in ("aws:region", "azure-native:location"):
        value = source.provider_setting(full_key) if full_key.partition(":")[0] in PROVIDER_KEYS else None
        if isinstance(value, str):
            settings[full_key] = value
    return settings


def load_stack_config(source: ConfigSource, today: date | None = None) -> StackConfig:
    """Read and validate the whole stack; raise `ConfigError` listing every problem.

    Support windows are judged on `today` (the day of the preview unless given)."""
    keys = list(source.keys())
    problems = unknown_keys(keys)
    misspelt = misspelt_top_level(keys, TOP_LEVEL_KEYS)
    raw, refused, stood_in = read_values(source, misspelt)
    if raw.get("environment") == "":
        del raw["environment"]  # Pulumi.yaml's declared default: use the stack name
    secrets = {key: source.secret(key) for key in SECRET_KEYS}
    problems += plain_text_secrets(source, [key for key, value in secrets.items() if value is not None])
    namespaces = raw.get("namespaces", ["default"])
    context = {
        "stack": source.stack,
        "secrets": {k for k, v in secrets.items() if v is not None},
        "today": today,
        "namespaces": set(namespaces)
        if isinstance(namespaces, list) and all(isinstance(n, str) for n in namespaces)
        else None,
        "providers": provider_settings(source),
    }
    config: StackConfig | None = None
    found: list[Problem] = []
    try:
        config = _validate(raw, context)
    except ValidationError as error:
        found = problems_from(error, StackConfig)
        found += [p for p in _rule_problems_without_bad_values(raw, error, context) if p not in found]
    # a refused value is reported once: not again as missing, nor by rules that missed it
    found = [p for p in found if not any(_is_at(p.path, f"{PROJECT}:{key}") for key in refused)]
    problems += [p for key_problems in refused.values() for p in key_problems] + found
    if problems or config is None:  # a failed validation always left problems
        raise ConfigError(_as_written(_under_written_keys(problems, stood_in), raw))
    return config.with_secrets(source.stack, secrets)


def _under_written_keys(problems: list[Problem], stood_in: Mapping[str, str]) -> list[Problem]:
    """Problems in a misspelt key's value named under the key as the stack wrote it."""
    renamed = []
    for problem in problems:
        for written, meant in stood_in.items():
            old = f"{PROJECT}:{meant}"
            if _is_at(problem.path, old):
                problem = Problem(f"{PROJECT}:{written}{problem.path[len(old) :]}", problem.message, problem.from_rule)
                break
        renamed.append(problem)
    return renamed


def _as_written(problems: list[Problem], raw: dict[str, Any]) -> list[Problem]:
    """Report the Emissary edge's settings under the key the stack used (`ambassador` in older stacks)."""
    edge = raw.get("edge")
    if isinstance(edge, dict) and "ambassador" in edge and "emissary" not in edge:
        old, new = key_path(("edge", "emissary")), key_path(("edge", "ambassador"))
        return [Problem(new + p.path[len(old) :] if p.path.startswith(old) else p.path, p.message) for p in problems]
    return problems


__all__ = ["ConfigError", "ConfigSource", "PulumiConfigSource", "RefusedValue", "StackConfig", "load_stack_config"]
