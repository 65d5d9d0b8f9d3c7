"""The built collection: what the tarball contains, its installed copy, and its EE requirements."""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
import typing as t
from pathlib import Path, PurePosixPath

import pytest
import yaml

from conftest import NAME, NAMESPACE, REPOSITORY, InstalledCollection, caller_environment, describe, run, venv_command

# Top-level paths of the checkout that are for development only.
DEVELOPMENT_PATHS = (
    ".ci",
    ".collections",
    ".venvs",
    "benchmarks",
    "build",
    "demo",
    "scripts",
    "simulator",
    "tests",
    "extensions/molecule",
)
CACHE_DIRECTORIES = {"__pycache__", ".pytest_cache", ".ansible", ".mypy_cache", ".tox", ".git", ".cache"}
CACHE_FILES = {"changelogs/.plugin-cache.yaml"}
SECRET_SUFFIXES = (".key", ".p12", ".pfx", ".jks", ".env", ".db", ".sqlite", ".sqlite3")
# A PEM private key block with at least one line of its base64 body, so that code that
# only names the PEM markers does not match.
PRIVATE_KEY_BLOCK = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}")
VAULT_HEADER = b"$ANSIBLE_VAULT;"
# The comment that ansible-builder 3.2.0 introspect appends to each requirement, naming its collection.
SOURCE_COMMENT = re.compile(r"\s+# from collection \S+$")
# The bracketed profile and platform selectors of a bindep line.
SELECTORS = re.compile(r"\[([^\]]*)\]")


def read_tarball(collection: InstalledCollection) -> dict[str, tarfile.TarInfo]:
    """Return the tarball's members by path."""
    with tarfile.open(collection.tarball) as archive:
        return {member.name: member for member in archive.getmembers()}


def read_member(collection: InstalledCollection, name: str) -> bytes:
    with tarfile.open(collection.tarball) as archive:
        handle = archive.extractfile(name)
        assert handle is not None, f"{name} is not a regular file in {collection.tarball}"
        return handle.read()


def requirement_lines(text: str) -> list[str]:
    """Return the lines of a pip or bindep file that are not blank or comments."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def tracked_files(*paths: str) -> list[str]:
    """Return the files under the paths that git tracks in this checkout."""
    listed = subprocess.run(
        ["git", "-C", str(REPOSITORY), "ls-files", "-z", "--", *paths],
        capture_output=True,
        check=True,
    )
    return [name.decode() for name in listed.stdout.split(b"\0") if name]


def is_under(name: str, path: str) -> bool:
    return name == path or name.startswith(path + "/")


def test_tarball_leaves_out_development_paths(installed_collection):
    names = read_tarball(installed_collection)
    development = sorted(name for name in names if any(is_under(name, path) for path in DEVELOPMENT_PATHS))
    assert not development, f"development files in the tarball: {development}"


def test_tarball_leaves_out_tests(installed_collection):
    names = read_tarball(installed_collection)
    test_files = sorted(
        name
        for name in names
        if PurePosixPath(name).name.startswith("test_") or PurePosixPath(name).name == "conftest.py"
    )
    assert not test_files, f"test files in the tarball: {test_files}"


def test_tarball_leaves_out_caches(installed_collection):
    names = read_tarball(installed_collection)
    caches = sorted(
        name
        for name in names
        if CACHE_DIRECTORIES.intersection(PurePosixPath(name).parts) or name.endswith(".pyc") or name in CACHE_FILES
    )
    assert not caches, f"cache files in the tarball: {caches}"


def test_tarball_holds_no_secret_files(installed_collection):
    names = read_tarball(installed_collection)
    secret_names = sorted(name for name in names if name.lower().endswith(SECRET_SUFFIXES))
    assert not secret_names, f"key, keystore or database files in the tarball: {secret_names}"


def test_tarball_holds_no_private_keys(installed_collection):
    members = read_tarball(installed_collection)
    with_key = []
    with_vault = []
    for name, member in members.items():
        if not member.isfile():
            continue
        content = read_member(installed_collection, name)
        if PRIVATE_KEY_BLOCK.search(content):
            with_key.append(name)
        if VAULT_HEADER in content:
            with_vault.append(name)
    assert not with_key, f"files with a PEM private key in the tarball: {sorted(with_key)}"
    assert not with_vault, f"vault-encrypted files in the tarball: {sorted(with_vault)}"


def test_tarball_has_only_files_and_directories(installed_collection):
    members = read_tarball(installed_collection)
    others = sorted(name for name, member in members.items() if not (member.isfile() or member.isdir()))
    assert not others, f"links or special files in the tarball: {others}"


def test_tarball_contains_collection_content(installed_collection):
    names = read_tarball(installed_collection)
    expected = tracked_files("plugins", "roles", "meta", "extensions/awx", "docs/docsite")
    expected += ["README.md", "CHANGELOG.md", "requirements.txt", "bindep.txt", "changelogs/changelog.yaml"]
    missing = sorted(name for name in expected if name not in names)
    assert not missing, f"files missing from the tarball: {missing}"


def test_manifest_names_galaxy_version(installed_collection):
    galaxy = yaml.safe_load((REPOSITORY / "galaxy.yml").read_text())
    manifest = json.loads(read_member(installed_collection, "MANIFEST.json"))
    info = manifest["collection_info"]
    assert info["namespace"] == NAMESPACE
    assert info["name"] == NAME
    assert info["version"] == galaxy["version"]
    assert installed_collection.tarball.name == f"{NAMESPACE}-{NAME}-{galaxy['version']}.tar.gz"


def test_files_json_lists_every_member(installed_collection):
    members = read_tarball(installed_collection)
    listed = {entry["name"] for entry in json.loads(read_member(installed_collection, "FILES.json"))["files"]}
    packed = {name for name in members if name not in ("MANIFEST.json", "FILES.json")}
    assert packed - listed == set(), "members missing from FILES.json"
    assert listed - packed - {"."} == set(), "FILES.json entries missing from the tarball"


def test_installed_copy_verifies_offline(installed_collection, tmp_path):
    environment = caller_environment(HOME=str(tmp_path))
    verified = run(
        [
            venv_command("ansible-galaxy"),
            "collection",
            "verify",
            "--offline",
            "-p",
            installed_collection.collections_path,
            f"{NAMESPACE}.{NAME}",
        ],
        env=environment,
    )
    assert verified.returncode == 0, describe(verified)


def test_ansible_doc_reads_installed_copy(installed_collection, tmp_path):
    environment = caller_environment(
        HOME=str(tmp_path),
        ANSIBLE_COLLECTIONS_PATH=str(installed_collection.collections_path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
    )
    module = f"{NAMESPACE}.{NAME}.harica_ssl_request"
    documented = run([venv_command("ansible-doc"), "--json", module], env=environment)
    assert documented.returncode == 0, describe(documented)
    filename = json.loads(documented.stdout)[module]["doc"]["filename"]
    assert filename.startswith(str(installed_collection.root) + "/"), filename


def test_demo_runs_from_installed_copy(installed_collection):
    # demo/run.sh starts and seeds its own simulator and sets HARICA_API_URL to it.
    environment = caller_environment(
        ANSIBLE_COLLECTIONS_PATH=str(installed_collection.collections_path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
    )
    demo = run(["bash", REPOSITORY / "demo" / "run.sh"], env=environment, cwd=REPOSITORY)
    assert demo.returncode == 0, describe(demo)
    assert f"demo: collections path {installed_collection.collections_path}\n" in demo.stdout, describe(demo)
    assert "demo: done" in demo.stdout, describe(demo)


class Introspection(t.NamedTuple):
    data: dict[str, t.Any]
    pip_file: Path
    bindep_file: Path


@pytest.fixture(scope="module")
def introspection(installed_collection, tmp_path_factory) -> Introspection:
    """Run ansible-builder introspect on the installed copy and return its output and written files."""
    output = tmp_path_factory.mktemp("introspect")
    pip_file = output / "requirements.txt"
    bindep_file = output / "bindep.txt"
    # ansible-builder 3.2.0 accepts --sanitize but hides it from --help: it always removes
    # duplicates and marks each line with its collection.
    introspected = run(
        [
            venv_command("ansible-builder"),
            "introspect",
            "--sanitize",
            "--write-pip",
            pip_file,
            "--write-bindep",
            bindep_file,
            installed_collection.collections_path,
        ],
        env=caller_environment(),
    )
    assert introspected.returncode == 0, describe(introspected)
    return Introspection(yaml.safe_load(introspected.stdout), pip_file, bindep_file)


def strip_source(lines: list[str]) -> list[str]:
    return [SOURCE_COMMENT.sub("", line) for line in lines]


def test_introspect_lists_python_requirements(introspection):
    python = strip_source(introspection.data["python"])
    assert "requests>=2.28" in python
    assert "cryptography>=3.4" in python
    assert python == requirement_lines((REPOSITORY / "requirements.txt").read_text())


def test_introspect_lists_system_requirements(introspection):
    system = strip_source(introspection.data["system"])
    packages = [line.split()[0] for line in system]
    for package in ("gcc", "libffi-devel", "openssl-devel", "python3-devel", "rust", "cargo"):
        assert package in packages
    assert system == requirement_lines((REPOSITORY / "bindep.txt").read_text())


def test_system_requirements_build_stage_only(introspection):
    outside_compile = []
    for line in strip_source(introspection.data["system"]):
        selectors = SELECTORS.search(line)
        if selectors is None or "compile" not in selectors.group(1).split():
            outside_compile.append(line)
    assert not outside_compile, "packages without the compile profile would reach the final image"


def test_written_files_parse(introspection):
    assert requirement_lines(introspection.pip_file.read_text()) == introspection.data["python"]
    # bindep exits with status 2 when it cannot parse the file.
    parsed = run(
        [venv_command("bindep"), "-f", introspection.bindep_file, "-l", "newline", "compile"],
        env=caller_environment(),
    )
    assert parsed.returncode == 0, describe(parsed)
