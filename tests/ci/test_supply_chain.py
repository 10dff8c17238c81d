"""What the project installs comes pinned and hash-checked: uv for `make lock`, and the licence."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess

from tools.mockrun import PROJECT_DIR

UV_REQUIREMENTS = PROJECT_DIR / "tools" / "lock" / "uv.txt"


def _lock_recipe() -> list[str]:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(PROJECT_DIR), "lock"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _named_packages(pip_command: str) -> list[str]:
    """The requirements a pip command names itself (not through -r), where no hash can go."""
    words = shlex.split(pip_command)
    words = words[words.index("install") + 1 :]
    named, takes_value = [], {"-r", "--requirement", "--only-binary", "-c", "--constraint"}
    while words:
        word = words.pop(0)
        if word in takes_value:
            words.pop(0)
        elif not word.startswith("-"):
            named.append(word)
    return named


def test_named_packages_sees_a_package_without_hash():
    assert _named_packages("pip install --quiet 'uv==0.13.9'") == ["uv==0.13.9"]
    assert _named_packages("pip install --require-hashes -r tools/lock/uv.txt") == []


def test_make_lock_installs_uv_only_from_the_hashed_requirements():
    installs = [line for line in _lock_recipe() if "pip install" in line]
    assert installs, "make lock installs uv"
    for line in installs:
        assert "--require-hashes" in line and "-r tools/lock/uv.txt" in line, line
        assert "--only-binary :all:" in line, "no source build, whose build tools would come unhashed"
        assert _named_packages(line) == [], f"a package named on the command line has no hash: {line}"
    compiles = [line for line in _lock_recipe() if "pip compile" in line]
    assert compiles and all(line.lstrip().startswith(".tools/lock/bin/uv ") for line in compiles)


def test_the_uv_requirements_pin_one_version_with_sha256_hashes():
    text = UV_REQUIREMENTS.read_text()
    requirements = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert len(requirements) == 1 and re.fullmatch(r"uv==\d+\.\d+\.\d+ \\", requirements[0]), requirements
    hashes = re.findall(r"--hash=sha256:(\S+)", text)
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert len(set(hashes)) == len(hashes)
    assert not re.search(r"--hash=(?!sha256:)", text), "sha256 only"


# sha256 of the Apache License 2.0 as the ASF publishes it (https://www.apache.org/licenses/LICENSE-2.0.txt),
# the same bytes Debian ships as /usr/share/common-licenses/Apache-2.0.
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_the_licence_is_the_unmodified_apache_2_0_text():
    text = (PROJECT_DIR / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == APACHE_2_0_SHA256
    assert b"Apache License\n                           Version 2.0, January 2004" in text


def test_the_notice_names_the_copyright_holder():
    notice = (PROJECT_DIR / "NOTICE").read_text()
    assert "Copyright 2026 the mesh-platform authors" in notice and "Apache License, Version 2.0" in notice


def test_the_readme_and_the_package_metadata_name_the_licence():
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme[readme.index("\n## License\n") :]
    assert "Apache-2.0" in section and "(LICENSE)" in section
    package = json.loads((PROJECT_DIR / "tools/dev/actionlint/package.json").read_text())
    lock = json.loads((PROJECT_DIR / "tools/dev/actionlint/package-lock.json").read_text())
    assert package["license"] == lock["packages"][""]["license"] == "Apache-2.0"


LIB_SH = PROJECT_DIR / "tools" / "dev" / "lib.sh"
TOOL_CHECKSUMS = PROJECT_DIR / "tools" / "dev" / "checksums.txt"
PLATFORMS = [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")]


def _pinned(variable: str) -> str:
    (version,) = re.findall(rf"^{variable}=\$\{{{variable}:-([^}}]+)\}}$", LIB_SH.read_text(), re.MULTILINE)
    return version


def _downloadable_names() -> list[str]:
    """Every <tool>-<version>-<os>-<arch> tools/dev/lib.sh can download, named as it looks them up."""
    pulumi, kind, kubectl = _pinned("PULUMI_VERSION"), _pinned("KIND_VERSION"), _pinned("KUBECTL_VERSION")
    names = []
    for os_name, arch in PLATFORMS:
        names += [
            f"pulumi-v{pulumi}-{os_name}-{'x64' if arch == 'amd64' else arch}",
            f"kind-{kind}-{os_name}-{arch}",
            f"kubectl-{kubectl}-{os_name}-{arch}",
        ]
    return names


def _checksum_entries() -> list[tuple[str, str]]:
    entries = []
    for line in TOOL_CHECKSUMS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            value, name = line.split()
            entries.append((name, value))
    return entries


def test_the_script_looks_up_names_in_the_form_the_file_uses():
    script = LIB_SH.read_text()
    assert '"pulumi-v$PULUMI_VERSION-$os-$arch"' in script
    assert '"kind-$KIND_VERSION-$os-$arch"' in script and '"kubectl-$KUBECTL_VERSION-$os-$arch"' in script
    assert "TOOL_CHECKSUMS=${TOOL_CHECKSUMS:-$ROOT/tools/dev/checksums.txt}" in script
    # Nothing fetched beside the binary stands in for the committed value any more.
    assert ".sha256" not in script.replace("checksums.txt", "") and 'checksums.txt"' not in script


def test_every_download_has_a_committed_checksum_or_an_explicit_refusal():
    entries = _checksum_entries()
    names = [name for name, _ in entries]
    assert len(names) == len(set(names)), "one line per download"
    committed = dict(entries)
    for name in _downloadable_names():
        assert name in committed, f"{name}: neither a checksum nor 'unverified' in tools/dev/checksums.txt"
        assert re.fullmatch(r"[0-9a-f]{64}|unverified", committed[name]), f"{name}: {committed[name]!r}"
    stale = set(committed) - set(_downloadable_names())
    assert not stale, f"lines for versions or platforms the script no longer downloads: {sorted(stale)}"


def test_kind_and_kubectl_have_their_checksums_committed():
    committed = dict(_checksum_entries())
    for name in _downloadable_names():
        if name.startswith(("kind-", "kubectl-")):
            assert re.fullmatch(r"[0-9a-f]{64}", committed[name]), name
