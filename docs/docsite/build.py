"""Build the HTML documentation site of harica.certmanager, offline and strict.

Steps, each of which ends the build on failure:

1. antsibull-docs writes the RST of every plugin and role, the collection index and
   the guides listed in docs/docsite/extra-docs.yml into BUILD_DIR/rst. It documents
   the harica.certmanager that ANSIBLE_COLLECTIONS_PATH finds (default: .collections
   of this checkout, which scripts/setup.sh links to the repository).
2. The page api_assumptions.rst is replaced by docs/api-assumptions.md converted to
   RST, so that the Markdown file stays the one source of that page.
3. The intersphinx inventory of the Ansible documentation is written from
   docs/docsite/sphinx/ansible-devel-inventory.txt.
4. sphinx-build writes BUILD_DIR/html with warnings as errors (-W --keep-going).

Both tools run with the proxy variables pointing at a closed port on 127.0.0.1, so a
step that tried to download anything would fail instead of reaching another host.

Run it with the newest core's venv, which has antsibull-docs and Sphinx:
    .venvs/2.21/bin/python docs/docsite/build.py [--build-dir build/docs]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import zlib

import yaml

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
sys.path.insert(0, str(HERE))

import md_to_rst  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION = "harica.certmanager"
SPHINX_DIR = HERE / "sphinx"
ASSUMPTIONS_MARKDOWN = REPOSITORY / "docs" / "api-assumptions.md"
ASSUMPTIONS_PAGE = "api_assumptions"
ASSUMPTIONS_LABEL = f"ansible_collections.{COLLECTION}.docsite.{ASSUMPTIONS_PAGE}"
INVENTORY_SOURCE = SPHINX_DIR / "ansible-devel-inventory.txt"

# Port 9 (discard) on loopback has no listener here, so any download attempt fails at once.
CLOSED_PROXY = "http://127.0.0.1:9"


class BuildError(RuntimeError):
    """A build step failed. The message names the step and the cause."""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--build-dir",
        type=pathlib.Path,
        default=REPOSITORY / "build" / "docs",
        help="directory for the generated RST (rst/) and the site (html/); default: build/docs",
    )
    return parser.parse_args()


def offline_environment() -> dict[str, str]:
    """Return the environment of the build tools, with every proxy variable on a closed port."""
    environment = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        environment[name] = CLOSED_PROXY
    for name in ("no_proxy", "NO_PROXY"):
        environment.pop(name, None)
    environment.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPOSITORY / ".collections"))
    # antsibull-docs runs ansible and ansible-doc from PATH: use this venv's.
    environment["PATH"] = os.pathsep.join((str(pathlib.Path(sys.executable).parent), environment.get("PATH", "")))
    # Keep ansible-doc from warning about the interpreter or a missing ansible.cfg.
    environment.setdefault("ANSIBLE_NOCOLOR", "1")
    return environment


def tool(name: str) -> str:
    """Return the path of a console script of this interpreter's venv, else from PATH."""
    candidate = pathlib.Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BuildError(f"{name} was not found: run scripts/setup.sh and use .venvs/2.21/bin/python")
    return found


def run(command: list[str], environment: dict[str, str], step: str) -> None:
    print(f"build: {step}: {' '.join(command)}", flush=True)
    completed = subprocess.run(command, env=environment, stdin=subprocess.DEVNULL, check=False)
    if completed.returncode != 0:
        raise BuildError(f"{step} failed with exit status {completed.returncode}")


def write_plugin_pages(rst_dir: pathlib.Path, environment: dict[str, str]) -> None:
    if rst_dir.exists():
        shutil.rmtree(rst_dir)
    # antsibull-docs refuses to write into a directory that others can write to.
    rst_dir.mkdir(parents=True, mode=0o755)
    command = [
        tool("antsibull-docs"),
        "--config-file", str(SPHINX_DIR / "antsibull-docs.cfg"),
        "collection",
        "--use-current",
        "--squash-hierarchy",
        "--fail-on-error",
        "--cleanup", "everything",
        "--dest-dir", str(rst_dir),
        COLLECTION,
    ]
    run(command, environment, "antsibull-docs collection")


def write_assumptions_page(rst_dir: pathlib.Path) -> None:
    """Replace the placeholder that antsibull-docs copied with the converted Markdown."""
    page = rst_dir / "docsite" / f"{ASSUMPTIONS_PAGE}.rst"
    if not page.exists():
        raise BuildError(f"antsibull-docs wrote no {page}: is {ASSUMPTIONS_PAGE} listed in docs/docsite/extra-docs.yml?")
    repository_url = collection_metadata()["repository"].rstrip("/")
    try:
        body = md_to_rst.convert(
            ASSUMPTIONS_MARKDOWN.read_text(encoding="utf-8"), link_base=f"{repository_url}/blob/main/docs/"
        )
    except md_to_rst.ConversionError as exc:
        raise BuildError(f"{ASSUMPTIONS_MARKDOWN.relative_to(REPOSITORY)}, {exc}") from None
    # The label must come right before the title, so that references to it find the title.
    header = (
        ".. This page is generated by docs/docsite/build.py from docs/api-assumptions.md.\n\n"
        f".. _{ASSUMPTIONS_LABEL}:\n\n"
    )
    page.write_text(header + body, encoding="utf-8")


def collection_metadata() -> dict:
    with open(REPOSITORY / "galaxy.yml", encoding="utf-8") as file:
        return yaml.safe_load(file)


def write_inventory(source: pathlib.Path, destination: pathlib.Path) -> None:
    """Write a Sphinx inventory (version 2) from the object lines of ``source``."""
    objects = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(None, 4)
        if len(fields) != 5 or ":" not in fields[1]:
            raise BuildError(f"{source}, line {number}: expected 'name domain:role priority uri dispname'")
        objects.append(" ".join(fields))
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
    header += "# The remainder of this file is compressed using zlib.\n"
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(header.encode("utf-8") + zlib.compress("\n".join(objects).encode("utf-8") + b"\n"))


def write_site(rst_dir: pathlib.Path, html_dir: pathlib.Path, inventory: pathlib.Path, environment: dict[str, str]) -> None:
    if html_dir.exists():
        shutil.rmtree(html_dir)
    environment = {**environment, "HARICA_DOCS_INVENTORY": str(inventory)}
    command = [
        tool("sphinx-build"),
        "-b", "html",
        "-c", str(SPHINX_DIR),
        "-W", "--keep-going",
        "-q",
        str(rst_dir),
        str(html_dir),
    ]
    run(command, environment, "sphinx-build")


def main() -> int:
    arguments = parse_arguments()
    build_dir = arguments.build_dir.resolve()
    rst_dir = build_dir / "rst"
    html_dir = build_dir / "html"
    inventory = build_dir / "intersphinx" / "ansible_devel.inv"
    environment = offline_environment()
    try:
        write_plugin_pages(rst_dir, environment)
        write_assumptions_page(rst_dir)
        write_inventory(INVENTORY_SOURCE, inventory)
        write_site(rst_dir, html_dir, inventory, environment)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"build: the site is in {html_dir}; open {(html_dir / 'index.html').as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
