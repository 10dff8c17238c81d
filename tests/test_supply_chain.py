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
    result = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(PROJECT_DIR), "lock"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _named_packages(pip_command: str) -> list[str]:
    """The requirements a pip command names itself (not through -r), where no hash can go."""
    words = shlex.split(pip_command)
    words = words[words.index("install") + 1:]
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
    section = readme[readme.index("\n## License\n"):]
    assert "Apache-2.0" in section and "(LICENSE)" in section
    package = json.loads((PROJECT_DIR / "tools/dev/actionlint/package.json").read_text())
    lock = json.loads((PROJECT_DIR / "tools/dev/actionlint/package-lock.json").read_text())
    assert package["license"] == lock["packages"][""]["license"] == "Apache-2.0"
