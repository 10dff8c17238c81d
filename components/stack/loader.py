"""Read the stack's configuration once, validate all of it, and report every problem at once.

`load_stack_config` reads every `mesh-platform:*` key through a `ConfigSource` (the
real one is the Pulumi SDK's runtime config, which holds every key of every
namespace), refuses keys it does not know (with a "did you mean"), validates the
rest against `StackConfig`, and raises one `ConfigError` listing every problem
before any resource is declared. Nothing else in the program reads configuration.

Values beyond the bounds of `components.config.bounds` (too large, nested too deeply,
too many values, characters no setting means) are refused before any validation, so
neither the JSON decoder nor pydantic ever sees them.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from components.config import bounds
from components.config.errors import ConfigError, Problem, join_path, key_path, keys_of, problems_from, suggestion
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


def _is_near_miss(namespace: str) -> bool:
    lowered = namespace.lower()
    return lowered == PROJECT or difflib.SequenceMatcher(None, lowered, PROJECT).ratio() >= 0.8


def unknown_keys(keys: Iterable[str]) -> list[Problem]:
    """Keys of the project's namespace it does not know, and keys in a misspelt namespace."""
    problems = []
    for full_key in keys:
        namespace, _, key = full_key.partition(":")
        shown = bounds.printable(full_key)  # a control character in a key is shown as its code
        if namespace == PROJECT:
            if key not in TOP_LEVEL_KEYS:
                problems.append(
                    Problem(
                        shown,
                        f"unknown setting; expected one of {', '.join(TOP_LEVEL_KEYS)}"
                        f"{suggestion(key.split('.')[0], TOP_LEVEL_KEYS)}",
                    )
                )
        elif _is_near_miss(namespace):
            problems.append(
                Problem(
                    shown,
                    f'unknown namespace "{bounds.printable(namespace)}"; did you mean '
                    f"{PROJECT}:{bounds.printable(key)}? (this project reads only "
                    f"{PROJECT}:* keys)",
                )
            )
    return problems


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


def read_values(source: ConfigSource) -> tuple[dict[str, Any], list[Problem]]:
    """Every plain top-level value the stack sets, and the values refused for breaking a bound
    (size, depth, number of values, forbidden characters), each named by its key path."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in TOP_LEVEL_KEYS:
        if key in SECRET_KEYS:
            continue
        path = f"{PROJECT}:{key}"
        try:
            value = source.value(key)
        except RefusedValue as refused:
            problems.append(Problem(path, str(refused)))
            continue
        found = bounds.problems_in(value)
        problems += [Problem(join_path(path, relative), message) for relative, message in found]
        if value is not None and not found:
            values[key] = value
    return values, problems


def _validate(raw: dict[str, Any], context: dict[str, Any]) -> StackConfig:
    return StackConfig.model_validate(raw, context=context, by_alias=True, by_name=False)


def _rule_problems_without_bad_entries(
    raw: dict[str, Any], error: ValidationError, context: dict[str, Any]
) -> list[Problem]:
    """When every mistake sits in a list entry (`apps[1].namespaces[0].hosts[1]`), drop those
    entries and check the rules on the rest too, so all of a stack's problems show in one go."""
    bad: dict[tuple[int | str, ...], set[int]] = {}
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        positions = [(i, part) for i, part in enumerate(loc) if isinstance(part, int)]
        if not positions:
            return []
        position, entry = positions[-1]
        bad.setdefault(loc[:position], set()).add(entry)
    pruned = copy.deepcopy(raw)
    kept: dict[str, list[int]] = {}
    for list_loc in sorted(bad, key=len, reverse=True):
        container: Any = pruned
        try:
            for part in list_loc:
                container = container[part]
        except (KeyError, IndexError, TypeError):
            return []  # a list a validator renamed or filled in: no second pass
        if not isinstance(container, list):
            return []
        kept[key_path(list_loc)] = [i for i in range(len(container)) if i not in bad[list_loc]]
        container[:] = [container[i] for i in kept[key_path(list_loc)]]
    try:
        _validate(pruned, context)
    except ValidationError as retry:
        return [
            Problem(_original_path(p.path, kept), p.message) for p in problems_from(retry, StackConfig) if p.from_rule
        ]
    return []


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


def load_stack_config(source: ConfigSource, today: date | None = None) -> StackConfig:
    """Read and validate the whole stack; raise `ConfigError` listing every problem.

    Support windows are judged on `today` (the day of the preview unless given)."""
    problems = unknown_keys(source.keys())
    raw, refused = read_values(source)
    if refused:
        raise ConfigError(problems + refused)  # validating the rest would only add noise
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
    }
    config: StackConfig | None = None
    try:
        config = _validate(raw, context)
    except ValidationError as error:
        found = problems_from(error, StackConfig)
        found += [p for p in _rule_problems_without_bad_entries(raw, error, context) if p not in found]
        problems += found
    if problems or config is None:  # a failed validation always left problems
        raise ConfigError(_as_written(problems, raw))
    return config.with_secrets(source.stack, secrets)


def _as_written(problems: list[Problem], raw: dict[str, Any]) -> list[Problem]:
    """Report the Emissary edge's settings under the key the stack used (`ambassador` in older stacks)."""
    edge = raw.get("edge")
    if isinstance(edge, dict) and "ambassador" in edge and "emissary" not in edge:
        old, new = key_path(("edge", "emissary")), key_path(("edge", "ambassador"))
        return [Problem(new + p.path[len(old) :] if p.path.startswith(old) else p.path, p.message) for p in problems]
    return problems


__all__ = ["ConfigError", "ConfigSource", "PulumiConfigSource", "RefusedValue", "StackConfig", "load_stack_config"]
