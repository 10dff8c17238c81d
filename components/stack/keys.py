"""Which config keys a stack may set, in every namespace, and the one problem each stray key makes.

The project's own namespace takes the keys of the root model; the providers' namespaces take
the config keys those providers declare. `PROVIDER_KEYS` is derived from the installed SDK
packages (`pulumi_aws/config/vars.py`, `pulumi_azure_native/config/vars.py`,
`pulumi_tls/config/vars.py`, and the `ProviderArgs` of `pulumi_kubernetes/provider.py`, which
has no config module); tests/components/stack/test_provider_keys.py checks it still matches them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from components.config import bounds
from components.config.errors import Problem, suggestion
from project import PROJECT

PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "aws": (
        "accessKey",
        "allowedAccountIds",
        "assumeRoleWithWebIdentity",
        "assumeRoles",
        "customCaBundle",
        "defaultTags",
        "ec2MetadataServiceEndpoint",
        "ec2MetadataServiceEndpointMode",
        "endpoints",
        "forbiddenAccountIds",
        "httpProxy",
        "httpsProxy",
        "ignoreTags",
        "insecure",
        "maxRetries",
        "noProxy",
        "profile",
        "region",
        "retryMode",
        "s3UsEast1RegionalEndpoint",
        "s3UsePathStyle",
        "secretKey",
        "sharedConfigFiles",
        "sharedCredentialsFiles",
        "skipCredentialsValidation",
        "skipMetadataApiCheck",
        "skipRegionValidation",
        "skipRequestingAccountId",
        "stsRegion",
        "tagPolicyCompliance",
        "token",
        "tokenBucketRateLimiterCapacity",
        "useDualstackEndpoint",
        "useFipsEndpoint",
        "userAgents",
    ),
    "azure-native": (
        "auxiliaryTenantIds",
        "clientCertificatePassword",
        "clientCertificatePath",
        "clientId",
        "clientSecret",
        "disableInstanceDiscovery",
        "disablePulumiPartnerId",
        "environment",
        "location",
        "metadataHost",
        "msiEndpoint",
        "oidcRequestToken",
        "oidcRequestUrl",
        "oidcToken",
        "oidcTokenFilePath",
        "partnerId",
        "subscriptionId",
        "tenantId",
        "useDefaultAzureCredential",
        "useMsi",
        "useOidc",
    ),
    "kubernetes": (
        "alwaysRender",
        "cluster",
        "clusterIdentifier",
        "context",
        "deleteUnreachable",
        "enableConfigMapMutable",
        "enablePatchForce",
        "enableSecretMutable",
        "enableServerSideApply",
        "helmReleaseSettings",
        "kubeClientSettings",
        "kubeconfig",
        "namespace",
        "renderYamlToDirectory",
        "skipUpdateUnreachable",
        "suppressDeprecationWarnings",
        "suppressHelmHookWarnings",
        "upsertExistingObjects",
    ),
    "tls": ("proxy",),
}
"""The config keys of each provider the program uses, as the installed SDK packages declare them."""

ENGINE_NAMESPACE = "pulumi"
"""The engine's own keys (`pulumi:disable-default-providers`, `pulumi:tags`): left to the engine."""

KNOWN_NAMESPACES = (PROJECT, *PROVIDER_KEYS, ENGINE_NAMESPACE)


def _close_namespace(namespace: str) -> str | None:
    """The known namespace a misspelt one stands for (`mseh-platform` -> `mesh-platform`), if any."""
    lowered = namespace.lower()
    for known in KNOWN_NAMESPACES:
        if lowered == known:
            return known
    ratios = [(difflib.SequenceMatcher(None, lowered, known).ratio(), known) for known in KNOWN_NAMESPACES]
    ratio, best = max(ratios)
    return best if ratio >= 0.8 else None


def _dotted_key_hint(key: str, top_level: Sequence[str]) -> str | None:
    """For `istio.mtls` (what `pulumi config set istio.mtls X` writes without --path): the fix."""
    head, dot, rest = key.partition(".")
    if not dot or head not in top_level or not rest:
        return None
    return (
        f"a dotted key is a key of its own to Pulumi, not {head}'s {rest}; remove it "
        f"(`pulumi config rm '{key}'`) and set it with --path: `pulumi config set --path '{key}' <value>`"
    )


def unknown_key_problems(keys: Iterable[str], top_level: Sequence[str]) -> list[Problem]:
    """One problem per key no namespace takes: an unknown key of the project or of a provider,
    or a key in a misspelt namespace. Namespaces of nothing the program uses are left alone."""
    problems = []
    for full_key in keys:
        namespace, _, key = full_key.partition(":")
        shown = bounds.printable(full_key)  # a control character in a key is shown as its code
        if namespace == PROJECT:
            if key in top_level:
                continue
            dotted = _dotted_key_hint(key, top_level)
            message = dotted or (
                f"unknown setting; expected one of {', '.join(top_level)}{suggestion(key.split('.')[0], top_level)}"
            )
            problems.append(Problem(shown, message))
        elif namespace in PROVIDER_KEYS:
            known = PROVIDER_KEYS[namespace]
            if key not in known:
                listed = "; its settings are " + ", ".join(known)
                problems.append(
                    Problem(
                        shown,
                        f"the {namespace} provider has no setting {bounds.printable(key)}"
                        f"{suggestion(key, known) or listed}",
                    )
                )
        elif namespace != ENGINE_NAMESPACE and (meant := _close_namespace(namespace)) is not None:
            reads = (
                f"this project reads only {PROJECT}:* keys"
                if meant == PROJECT
                else f"a setting of the {meant} provider"
            )
            problems.append(
                Problem(
                    shown,
                    f'unknown namespace "{bounds.printable(namespace)}"; did you mean '
                    f"{meant}:{bounds.printable(key)}? ({reads})",
                )
            )
    return problems


def misspelt_top_level(keys: Iterable[str], top_level: Sequence[str]) -> dict[str, str]:
    """Each unknown key of the project's namespace that is a near miss of a top-level key, and that key
    (`observabilty` -> `observability`); dotted keys are not misspellings."""
    found = {}
    for full_key in keys:
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT or key in top_level or "." in key:
            continue
        hint = suggestion(key, top_level)
        if hint:
            found[key] = hint.removeprefix("; did you mean ").removesuffix("?")
    return found
