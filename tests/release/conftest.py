"""Fixtures of the release checks: the collection as a user installs it.

``installed_collection`` builds the collection from this checkout with
``ansible-galaxy collection build`` into a temporary directory and installs the tarball
with ``ansible-galaxy collection install --offline`` into an empty collections path, once
per test session. The commands come from the venv that runs pytest, which
scripts/test.sh makes the newest core's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NAMESPACE = "harica"
NAME = "certmanager"


class InstalledCollection(t.NamedTuple):
    tarball: Path
    collections_path: Path

    @property
    def root(self) -> Path:
        """Directory of the installed harica.certmanager."""
        return self.collections_path / "ansible_collections" / NAMESPACE / NAME


def venv_command(name: str) -> str:
    """Return the path of a command of the venv that runs pytest."""
    return str(VENV_BIN / name)


def caller_environment(**changes: str) -> dict[str, str]:
    """Return this process's environment without its Ansible and HARICA settings, plus the changes.

    Dropping them keeps a developer's ANSIBLE_COLLECTIONS_PATH, HARICA_API_URL or CA
    bundle from changing what a check runs against.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANSIBLE_", "HARICA_")) and key not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    }
    environment.update(changes)
    return environment


def run(command: t.Sequence[str | os.PathLike[str]], *, env: dict[str, str], cwd: Path | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its output and return the result whatever its exit status."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def describe(completed: subprocess.CompletedProcess[str]) -> str:
    """Return the command, exit status and output of a finished process, for assert messages."""
    command = " ".join(str(part) for part in completed.args)
    return f"{command}\nexit status {completed.returncode}\nstdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory: pytest.TempPathFactory) -> InstalledCollection:
    build_dir = tmp_path_factory.mktemp("build")
    environment = caller_environment(HOME=str(tmp_path_factory.mktemp("home")))

    built = run(
        [venv_command("ansible-galaxy"), "collection", "build", "--output-path", build_dir, REPOSITORY],
        env=environment,
    )
    assert built.returncode == 0, describe(built)
    tarballs = sorted(build_dir.glob(f"{NAMESPACE}-{NAME}-*.tar.gz"))
    assert len(tarballs) == 1, f"expected one tarball in {build_dir}, found {tarballs}"

    collections_path = tmp_path_factory.mktemp("collections")
    installed = run(
        [venv_command("ansible-galaxy"), "collection", "install", "--offline", "-p", collections_path, tarballs[0]],
        env=environment,
    )
    assert installed.returncode == 0, describe(installed)

    collection = InstalledCollection(tarballs[0], collections_path)
    assert (collection.root / "MANIFEST.json").is_file(), describe(installed)
    return collection
