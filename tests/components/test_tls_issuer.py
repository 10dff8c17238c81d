"""The program's own keys and certificates: one issuer, one validity policy, periods that never move."""

from __future__ import annotations

import ast

import pytest

from components.tls_issuer import AUTHORITY_VALIDITY_HOURS, EARLY_RENEWAL_HOURS, Audience, host_common_name
from providers.avi.resources import AviSslKeyAndCertificate
from tests.conftest import STACK_NAMES
from tools.mockrun import PROJECT_DIR, Secret

KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
REQUEST = "tls:index/certRequest:CertRequest"
AVI_CERTIFICATE = f"pulumi-python:{AviSslKeyAndCertificate._resource_type_name}"

# Every certificate the example stacks issue, with the period it has had since it was first
# deployed: every pulumi-tls input forces a replacement, so these must not change.
PERIODS = {
    "avi-mesh-tls-ca": AUTHORITY_VALIDITY_HOURS,
    "avi-edge-hosts-ca": AUTHORITY_VALIDITY_HOURS,
    "avi-mesh-tls-gateway-cert": 2 * 365 * 24,
    "avi-mesh-tls-client-cert": 2 * 365 * 24,
    "routes-gateway-cert": 2 * 365 * 24,
    "avi-edge-tls-cert": 365 * 24,
    "emissary-edge-tls-cert": 365 * 24,
    "avi-edge-host-cert-admin.corp.example.net": 365 * 24,
}


def test_the_policy_periods():
    assert AUTHORITY_VALIDITY_HOURS == 17520 and EARLY_RENEWAL_HOURS == 720
    assert Audience.CLIENTS.value == 8760 and Audience.OWN_EDGE.value == 17520
    assert AUTHORITY_VALIDITY_HOURS >= max(a.value for a in Audience)  # a CA outlives what it signs


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_certificate_keeps_its_period_and_renews_early(run_stack, stack):
    run = run_stack(stack)
    certificates = run.of_type(SELF_SIGNED) + run.of_type(SIGNED)
    for cert in certificates:
        assert cert.name in PERIODS, f"{cert.name}: a new certificate; add it to PERIODS with its audience"
        assert cert.inputs["validityPeriodHours"] == PERIODS[cert.name], cert.name
        assert cert.inputs["earlyRenewalHours"] == EARLY_RENEWAL_HOURS, cert.name
        assert cert.inputs.get("isCaCertificate", False) == cert.name.endswith("-ca"), cert.name
    for key in run.of_type(KEY):
        assert (key.inputs["algorithm"], key.inputs["ecdsaCurve"]) == ("ECDSA", "P256"), key.name
    for issued in [*run.of_type(SELF_SIGNED), *run.of_type(REQUEST)]:
        assert issued.inputs["subject"]["organization"] == "mesh-platform", issued.name


def test_the_stacks_issue_every_kind_of_certificate(run_stack):
    """The periods above are checked only where a stack issues them: every one of them is issued somewhere."""
    issued = {
        c.name
        for stack in STACK_NAMES
        for c in run_stack(stack).of_type(SELF_SIGNED) + run_stack(stack).of_type(SIGNED)
    }
    assert issued == set(PERIODS)


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_private_keys_reach_secrets_and_the_controller_only_as_secrets(run_stack, stack):
    run = run_stack(stack)
    for secret in run.of_type("kubernetes:core/v1:Secret"):
        data = secret.inputs.get("stringData")
        if secret.inputs.get("type") == "kubernetes.io/tls":
            assert isinstance(data, Secret) or isinstance(data.get("tls.key"), Secret), secret.name
    for certificate in run.of_type(AVI_CERTIFICATE):
        assert isinstance(certificate.inputs["key"], Secret), certificate.name


def test_common_names_fit_x509_and_drop_the_wildcard():
    assert host_common_name("*.example.com") == "example.com"
    assert len(host_common_name("a" * 80 + ".example.com")) == 64


def test_only_the_issuer_declares_pulumi_tls_resources():
    """A sixth copy of key + certificate issuance fails here: everything goes through components/tls_issuer.py."""
    issuer = PROJECT_DIR / "components" / "tls_issuer.py"
    offenders = []
    for path in sorted((PROJECT_DIR / "components").rglob("*.py")):
        if path == issuer:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "pulumi_tls" or name.startswith("pulumi_tls.") for name in names):
                offenders.append(f"{path.relative_to(PROJECT_DIR)}:{node.lineno}")
    assert not offenders, f"import pulumi_tls only in components/tls_issuer.py: {offenders}"
