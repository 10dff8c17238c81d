"""The provider config keys the loader accepts are the ones the installed SDK packages declare."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import pytest
from pydantic.alias_generators import to_camel

from components.stack.keys import PROVIDER_KEYS

CONFIG_MODULES = {"aws": "pulumi_aws", "azure-native": "pulumi_azure_native", "tls": "pulumi_tls"}


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.mark.parametrize("namespace", CONFIG_MODULES)
def test_keys_match_the_config_module_of_the_installed_package(namespace):
    """Each generated `config/vars.py` reads its keys as `__config__.get...('<key>')`."""
    text = (_package_dir(CONFIG_MODULES[namespace]) / "config" / "vars.py").read_text()
    declared = set(re.findall(r"__config__\.get\w*\('([A-Za-z0-9]+)'", text))
    assert declared and set(PROVIDER_KEYS[namespace]) == declared


def test_kubernetes_keys_match_the_installed_provider_arguments():
    """pulumi_kubernetes has no config module: its provider's config keys are its ProviderArgs."""
    from pulumi_kubernetes.provider import ProviderArgs

    declared = {to_camel(name) for name in inspect.signature(ProviderArgs.__init__).parameters if name != "__self__"}
    assert set(PROVIDER_KEYS["kubernetes"]) == declared
