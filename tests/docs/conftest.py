"""Fixtures of the documentation checks: the built site and what ansible-doc lists.

scripts/test.sh docs builds the site with docs/docsite/build.py first and sets
HARICA_DOCS_SITE to its html directory and ANSIBLE_COLLECTIONS_PATH to the collection
tree it documented. Run alone, the tests read build/docs/html and .collections.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
COLLECTION = "harica.certmanager"

# Reuse the DevTools client of the audit report's browser check.
sys.path.insert(0, str(REPOSITORY / "tests" / "audit"))

from chromium import Browser  # noqa: E402  pylint: disable=wrong-import-position


class Plugin(t.NamedTuple):
    """One documented plugin or role, with the page antsibull-docs writes for it."""

    kind: str
    name: str

    @property
    def page(self) -> str:
        short = self.name.rsplit(".", 1)[-1]
        suffix = "inventory" if self.kind == "inventory" else self.kind
        return f"{short}_{suffix}.html"


@pytest.fixture(scope="session")
def site() -> Path:
    path = Path(os.environ.get("HARICA_DOCS_SITE", REPOSITORY / "build" / "docs" / "html"))
    if not (path / "index.html").is_file():
        pytest.fail(f"{path}/index.html does not exist: build the site with docs/docsite/build.py first")
    return path


def ansible_doc_names(kind: str) -> list[str]:
    """Return the names that ``ansible-doc -t KIND --list harica.certmanager`` prints."""
    environment = dict(os.environ)
    environment.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPOSITORY / ".collections"))
    command = [str(Path(sys.executable).absolute().with_name("ansible-doc")), "-t", kind, "--list", "--json", COLLECTION]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    listed = json.loads(completed.stdout)
    # The JSON is keyed by the full name, for roles as for plugins.
    return sorted(name for name in listed if name.startswith(COLLECTION + "."))


@pytest.fixture(scope="session")
def documented_plugins() -> list[Plugin]:
    """Return every module, inventory plugin and role (with an argument spec) of the collection."""
    plugins = [Plugin(kind, name) for kind in ("module", "inventory", "role") for name in ansible_doc_names(kind)]
    assert plugins, "ansible-doc listed nothing: is ANSIBLE_COLLECTIONS_PATH set to the collection tree?"
    return plugins


@pytest.fixture
def browser(tmp_path: Path) -> t.Iterator[Browser]:
    running = Browser(tmp_path / "profile", tmp_path / "chromium.log")
    yield running
    running.close()
