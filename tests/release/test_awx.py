"""The AWX credential type of extensions/awx, rendered the way AWX renders it.

AWX (the awx-plugins-core package, function ``inject_credential``) renders each ``env``
injector with jinja2's ``ImmutableSandboxedEnvironment`` and default ``Undefined``. The
template namespace contains the credential's inputs that are not empty, and ``tower``.
It skips variables in a fixed block list. The tests render the injectors of the installed
collection the same way and run the demo playbook and ``ansible-inventory`` with only that
environment against a simulator.
"""

from __future__ import annotations

import json
import types
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import jinja2.meta
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harica_simulator.testing import Control, start_simulator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import REPOSITORY, VENV_BIN, InstalledCollection, describe, run, venv_command

APPROVER_KEY = "awx-approver-key-5d0c2b7e41a9"
ADMIN_KEY = "awx-admin-key-9e4f13c6b820"
SERVICE = "app.example.org"
EXPECTED_VARIABLES = {"HARICA_API_URL", "HARICA_API_KEY"}
# Environment variables that AWX never sets from a custom credential (ENV_BLOCKLIST of
# awx-plugins-core), and the prefix that the AWX documentation reserves.
AWX_BLOCKED_VARIABLES = {
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
}
RESERVED_PREFIX = "ANSIBLE_"


class CredentialType(t.NamedTuple):
    inputs: dict[str, t.Any]
    injectors: dict[str, t.Any]

    def field(self, field_id: str) -> dict[str, t.Any]:
        for field in self.inputs["fields"]:
            if field["id"] == field_id:
                return field
        raise AssertionError(f"the inputs define no field {field_id!r}")


def render_env_injectors(credential_type: CredentialType, inputs: dict[str, str]) -> dict[str, str]:
    """Return the environment that AWX builds from the env injectors for these credential inputs."""
    namespace: dict[str, t.Any] = {"tower": types.SimpleNamespace()}
    namespace.update({field_id: value for field_id, value in inputs.items() if value})
    sandbox = ImmutableSandboxedEnvironment()
    return {
        variable: sandbox.from_string(template).render(**namespace)
        for variable, template in credential_type.injectors.get("env", {}).items()
        if variable not in AWX_BLOCKED_VARIABLES
    }


def job_environment(home: Path, collection: InstalledCollection, injected: dict[str, str]) -> dict[str, str]:
    """Return a job's environment: a fixed PATH, HOME and LANG, the installed collection and the injected variables.

    No variable of the caller reaches the job, so HARICA_API_URL and HARICA_API_KEY come
    from the injectors alone.
    """
    environment = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "ANSIBLE_COLLECTIONS_PATH": str(collection.collections_path),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
    }
    environment.update(injected)
    return environment


def assert_loopback(url: str) -> None:
    """Fail unless the URL is on 127.0.0.1, so that no test reaches the default https://cm.harica.gr."""
    assert urlsplit(url).hostname == "127.0.0.1", f"the rendered HARICA_API_URL {url!r} is not the simulator"


def make_csr(name: str) -> str:
    """Return a PEM CSR for the name, with a fresh key that is thrown away."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.fixture(scope="module")
def credential_type(installed_collection: InstalledCollection) -> CredentialType:
    """Load the credential type from the installed copy, which shows that it ships."""
    directory = installed_collection.root / "extensions" / "awx"
    inputs = yaml.safe_load((directory / "credential_type_inputs.yml").read_text())
    injectors = yaml.safe_load((directory / "credential_type_injectors.yml").read_text())
    return CredentialType(inputs, injectors)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[t.Any]:
    with start_simulator(tmp_path_factory.mktemp("simulator")) as running:
        yield running


@pytest.fixture
def control(simulator: t.Any) -> Control:
    """Return the control client of a reset simulator with one enterprise, an approver and an admin."""
    client = Control(simulator.url, simulator.tls_ca)
    client.reset()
    client.create_enterprise("Example University", ["example.org"])
    client.create_user("approver@example.org", ["ssl_approver"], name="Alex Approver", api_key=APPROVER_KEY)
    client.create_user("developer@example.org", ["ssl_approver"], name="Dana Developer")
    client.create_user("admin@example.org", ["enterprise_admin"], name="Ari Admin", api_key=ADMIN_KEY)
    return client


def test_inputs_define_url_and_key(credential_type):
    fields = credential_type.inputs["fields"]
    assert [field["id"] for field in fields] == ["api_url", "api_key"]
    for field in fields:
        assert field["type"] == "string"
        assert field["label"]
        assert field["help_text"]


def test_api_key_input_is_secret(credential_type):
    assert credential_type.field("api_key").get("secret") is True
    assert credential_type.field("api_url").get("secret", False) is False


def test_inputs_require_url_and_key(credential_type):
    assert set(credential_type.inputs["required"]) == {"api_url", "api_key"}


def test_injectors_set_only_env(credential_type):
    assert set(credential_type.injectors) == {"env"}
    assert set(credential_type.injectors["env"]) == EXPECTED_VARIABLES


def test_injected_variables_are_allowed(credential_type):
    for variable in credential_type.injectors["env"]:
        assert variable not in AWX_BLOCKED_VARIABLES
        assert not variable.startswith(RESERVED_PREFIX)


def test_injectors_use_only_defined_inputs(credential_type):
    field_ids = {field["id"] for field in credential_type.inputs["fields"]}
    sandbox = ImmutableSandboxedEnvironment()
    for variable, template in credential_type.injectors["env"].items():
        used = jinja2.meta.find_undeclared_variables(sandbox.parse(template))
        assert used <= field_ids, f"{variable} uses undefined inputs {sorted(used - field_ids)}"


def test_rendered_environment_matches_inputs(credential_type):
    inputs = {"api_url": "https://cm-stg.harica.gr", "api_key": "sample-key-0123"}
    rendered = render_env_injectors(credential_type, inputs)
    assert rendered == {"HARICA_API_URL": "https://cm-stg.harica.gr", "HARICA_API_KEY": "sample-key-0123"}


def test_demo_playbook_with_rendered_environment(credential_type, installed_collection, simulator, control, tmp_path):
    request = control.create_ssl_request(
        [SERVICE], "developer@example.org", requester_name="Dana Developer", product="OV", csr=make_csr(SERVICE)
    )
    injected = render_env_injectors(credential_type, {"api_url": simulator.url, "api_key": APPROVER_KEY})
    assert_loopback(injected["HARICA_API_URL"])
    certificates = tmp_path / "certificates"
    command = [
        venv_command("ansible-playbook"),
        "-i",
        REPOSITORY / "demo" / "inventory.ini",
        REPOSITORY / "demo" / "approve.yml",
        # In AWX these are extra variables of the job template.
        "-e",
        f"harica_ca_path={simulator.tls_ca}",
        "-e",
        f"certificate_dir={certificates}",
    ]

    completed = run(command, env=job_environment(tmp_path / "home", installed_collection, injected), cwd=tmp_path)

    assert completed.returncode == 0, describe(completed)
    assert control.request_state(request["transactionId"])["status"] == "completed"
    assert (certificates / f"{SERVICE}.crt").is_file()
    assert (certificates / f"{SERVICE}.fullchain.crt").is_file()
    assert APPROVER_KEY not in completed.stdout + completed.stderr


def test_inventory_with_rendered_environment(credential_type, installed_collection, simulator, control, tmp_path):
    control.create_certificate("ssl", names=["www.example.org"], requester_email="admin@example.org")
    control.create_certificate("smime", emails=["maria@example.org"], requester_email="admin@example.org")
    injected = render_env_injectors(credential_type, {"api_url": simulator.url, "api_key": ADMIN_KEY})
    assert_loopback(injected["HARICA_API_URL"])
    # The inventory source file of an AWX project: connection settings come from the credential.
    source = tmp_path / "inventory" / "harica.yml"
    source.parent.mkdir()
    source.write_text(yaml.safe_dump({"plugin": "harica.certmanager.harica", "ca_path": simulator.tls_ca}))
    command = [venv_command("ansible-inventory"), "-i", source, "--list"]

    completed = run(command, env=job_environment(tmp_path / "home", installed_collection, injected), cwd=tmp_path)

    assert completed.returncode == 0, describe(completed)
    inventory = json.loads(completed.stdout)
    hosts = set(inventory["_meta"]["hostvars"])
    assert "www.example.org" in hosts, sorted(hosts)
    assert "maria@example.org" in hosts, sorted(hosts)
    assert ADMIN_KEY not in completed.stdout + completed.stderr
