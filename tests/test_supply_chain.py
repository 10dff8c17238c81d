"""What the project installs comes pinned and hash-checked: uv for `make lock`, and the licence."""

from __future__ import annotations

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
