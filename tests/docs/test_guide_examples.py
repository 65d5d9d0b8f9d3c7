"""The example plays of the guides, run against the simulator as a reader would run them.

Each guide's full play starts with a comment that names its file, such as
``# approve.yml``. The test takes that code block from the RST, points every
``api_url`` line at the simulator (with ``ca_path`` on the line after it), moves the
paths under a temporary directory, and runs ansible-playbook. A play that still names
HARICA's services after the substitution fails the test before it runs, and
HARICA_API_URL is set to the simulator as well, so no play can fall back to
https://cm.harica.gr.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harica_simulator.testing import Control, start_simulator

REPOSITORY = Path(__file__).resolve().parents[2]
GUIDES = REPOSITORY / "docs" / "docsite" / "rst"

APPROVER_KEY = "guide-approver-key-5b1f"
ADMIN_KEY = "guide-admin-key-9c2e"
PICKUP_PASSWORD = "guide-pickup-password"

CODE_BLOCK = re.compile(r"^\.\. code-block:: yaml\+jinja\n\n((?:   .*\n|\n)+)", re.MULTILINE)
API_URL_LINE = re.compile(r"^( *)api_url: https://cm(?:-stg)?\.harica\.gr\b.*$", re.MULTILINE)
INVENTORY = 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'


class Simulator(t.NamedTuple):
    url: str
    tls_ca: str
    root_ca: str
    control: Control


class PlayRun(t.NamedTuple):
    returncode: int
    output: str

    def changed_count(self) -> int:
        counts = re.findall(r"changed=(\d+)", self.output)
        assert counts, self.output
        return sum(int(count) for count in counts)


@pytest.fixture(scope="session")
def simulator(tmp_path_factory) -> t.Iterator[Simulator]:
    with start_simulator(tmp_path_factory.mktemp("simulator"), tls=True) as running:
        yield Simulator(running.url, str(running.tls_ca), str(running.root_ca), Control(running.url, running.tls_ca))


@pytest.fixture
def world(simulator) -> Simulator:
    """Reset the simulator to one enterprise, an SSL approver and an Enterprise Admin."""
    control = simulator.control
    control.reset()
    control.create_enterprise("Example University", ["example.org"])
    control.create_user("approver@example.org", ["ssl_approver"], api_key=APPROVER_KEY)
    control.create_user("admin@example.org", ["enterprise_admin"], api_key=ADMIN_KEY)
    return simulator


def venv_tool(name: str) -> str:
    """Return the path of an Ansible command of the venv that runs the tests."""
    # absolute(), not resolve(): the venv's python is a link to the base interpreter.
    return str(Path(sys.executable).absolute().with_name(name))


def guide_play(guide: str, name: str, simulator: Simulator, paths: t.Mapping[str, Path] = ()) -> str:
    """Return the play ``name`` of a guide, pointed at the simulator and at ``paths``."""
    text = (GUIDES / f"{guide}.rst").read_text(encoding="utf-8")
    blocks = [textwrap.dedent(block) for block in CODE_BLOCK.findall(text)]
    matching = [block for block in blocks if block.startswith(f"# {name}\n")]
    assert len(matching) == 1, f"{guide}.rst has {len(matching)} code blocks that start with '# {name}'"
    play = API_URL_LINE.sub(
        lambda match: f'{match.group(1)}api_url: "{simulator.url}"\n{match.group(1)}ca_path: "{simulator.tls_ca}"',
        matching[0],
    )
    for old, new in dict(paths).items():
        play = play.replace(old, str(new))
    assert "harica.gr" not in play, play
    return play


def run_play(
    tmp_path: Path,
    simulator: Simulator,
    play: str,
    *arguments: str,
    inventory: str = INVENTORY,
    environment: t.Mapping[str, str] = (),
) -> PlayRun:
    """Run ``play`` with ansible-playbook, with HARICA_API_URL set to the simulator."""
    (tmp_path / "play.yml").write_text(play, encoding="utf-8")
    (tmp_path / "inventory.ini").write_text(inventory, encoding="utf-8")
    variables = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "HARICA_"))}
    variables.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPOSITORY / ".collections")),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
            "HARICA_API_URL": simulator.url,
            **dict(environment),
        }
    )
    command = [
        venv_tool("ansible-playbook"),
        "-i", str(tmp_path / "inventory.ini"),
        str(tmp_path / "play.yml"),
        *arguments,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, env=variables, cwd=tmp_path, timeout=600, check=False
    )
    return PlayRun(completed.returncode, completed.stdout + completed.stderr)


def write_csr(path: Path, common_name: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))


def extra_vars(values: t.Mapping[str, t.Any]) -> tuple[str, str]:
    return ("-e", json.dumps(dict(values)))


def test_first_task_lists_pending_request(world, tmp_path):
    transaction_id = world.control.create_ssl_request(["app.example.org"], "developer@example.org")["transactionId"]
    play = guide_play("getting_started", "first.yml", world)
    run = run_play(tmp_path, world, play, environment={"HARICA_API_KEY": APPROVER_KEY})
    assert run.returncode == 0, run.output
    assert f"{transaction_id}: app.example.org from developer@example.org" in run.output


def test_approval_play_installs_once(world, tmp_path):
    world.control.create_ssl_request(["app.example.org"], "developer@example.org")
    certificates = tmp_path / "certs"
    certificates.mkdir()
    play = guide_play("workflow_ssl_approval", "approve.yml", world, {"/etc/pki/tls/certs": certificates})
    first = run_play(tmp_path, world, play, environment={"HARICA_API_KEY": APPROVER_KEY})
    assert first.returncode == 0, first.output
    assert first.changed_count() == 1
    assert "was accepted; its status is completed" in first.output
    for suffix in ("crt", "chain.crt", "fullchain.crt"):
        assert (certificates / f"app.example.org.{suffix}").is_file(), suffix
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", world.root_ca, "-untrusted",
         str(certificates / "app.example.org.chain.crt"), str(certificates / "app.example.org.crt")],
        capture_output=True, text=True, check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    second = run_play(tmp_path, world, play, environment={"HARICA_API_KEY": APPROVER_KEY})
    assert second.returncode == 0, second.output
    assert second.changed_count() == 0


def test_decommission_play_revokes_selection(world, tmp_path):
    control = world.control
    both = control.create_certificate("ssl", names=["web1.example.org", "web2.example.org"])["serial"]
    single = control.create_certificate("ssl", names=["web1.example.org"])["serial"]
    other = control.create_certificate("ssl", names=["web3.example.org"])["serial"]
    play = guide_play("workflow_decommissioning", "decommission.yml", world)
    inventory = INVENTORY + "[decommissioned]\nweb1.example.org\nweb2.example.org\n"
    admin = extra_vars({"vault_harica_admin_key": ADMIN_KEY})

    checked = run_play(tmp_path, world, play, "--check", *admin, inventory=inventory)
    assert checked.returncode == 0, checked.output
    assert checked.output.count(": revoked") == 2
    assert control.certificate_state(both)["status"] == "valid"

    revoked = run_play(tmp_path, world, play, *admin, inventory=inventory)
    assert revoked.returncode == 0, revoked.output
    assert revoked.changed_count() == 1
    assert control.certificate_state(both)["status"] == "revoked"
    assert control.certificate_state(single)["status"] == "revoked"
    assert control.certificate_state(single)["revocation"]["reason_code"] == "4.9.1.1.2.9"
    assert control.certificate_state(other)["status"] == "valid"

    again = run_play(tmp_path, world, play, *admin, inventory=inventory)
    assert again.returncode == 0, again.output
    assert again.changed_count() == 0


def test_decommission_play_stops_on_shared(world, tmp_path):
    control = world.control
    shared = control.create_certificate("ssl", names=["web1.example.org", "api.example.org"])["serial"]
    play = guide_play("workflow_decommissioning", "decommission.yml", world)
    inventory = INVENTORY + "[decommissioned]\nweb1.example.org\n"
    run = run_play(tmp_path, world, play, *extra_vars({"vault_harica_admin_key": ADMIN_KEY}), inventory=inventory)
    assert run.returncode != 0
    assert f"{shared} also covers api.example.org. Nothing was revoked." in run.output
    assert control.certificate_state(shared)["status"] == "valid"


def test_enrollment_play_issues_then_skips(world, tmp_path):
    pki = tmp_path / "pki"
    (pki / "csr").mkdir(parents=True)
    write_csr(pki / "csr" / "maria.csr", "maria.papadopoulou@example.org")
    play = guide_play("workflow_bulk_enrollment", "enroll.yml", world, {"/srv/pki": pki})
    secrets = extra_vars({"vault_harica_admin_key": ADMIN_KEY, "vault_pickup_passwords": {"nikos": PICKUP_PASSWORD}})

    first = run_play(tmp_path, world, play, *secrets)
    assert first.returncode == 0, first.output
    assert "maria.papadopoulou@example.org: issued" in first.output
    assert "nikos@example.org: issued" in first.output
    assert (pki / "smime" / "maria.papadopoulou@example.org.smime.fullchain.crt").is_file()
    assert (pki / "smime" / "nikos@example.org.smime.p12").stat().st_mode & 0o777 == 0o600
    assert PICKUP_PASSWORD not in first.output

    second = run_play(tmp_path, world, play, *secrets)
    assert second.returncode == 0, second.output
    assert second.changed_count() == 0
    assert "maria.papadopoulou@example.org: skipped" in second.output
    assert "nikos@example.org: skipped" in second.output


def test_inventory_example_reads_vault_key(world, tmp_path):
    control = world.control
    # Sixteen days from now: inside the guide's expiry warning of 30 days on any date.
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=16)
    control.create_certificate("ssl", names=["app.example.org"], not_after=soon.strftime("%Y-%m-%dT%H:%M:%SZ"))
    control.create_certificate("ssl", names=["www.example.org"])

    key_file = tmp_path / "admin.key.vault"
    password_file = tmp_path / "vault-password"
    password_file.write_text("guide-vault-password\n", encoding="utf-8")
    key_file.write_text(ADMIN_KEY + "\n", encoding="utf-8")
    vault = venv_tool("ansible-vault")
    subprocess.run([vault, "encrypt", "--vault-password-file", str(password_file), str(key_file)],
                   capture_output=True, text=True, check=True)

    inventory = guide_play("workflow_audit", "harica.yml", world, {"~/.harica/admin.key.vault": key_file})
    (tmp_path / "harica.yml").write_text(inventory, encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "HARICA_"))}
    environment.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPOSITORY / ".collections")),
            "ANSIBLE_NOCOLOR": "1",
            "HARICA_API_URL": world.url,
        }
    )
    completed = subprocess.run(
        [venv_tool("ansible-inventory"), "-i", str(tmp_path / "harica.yml"),
         "--vault-password-file", str(password_file), "--list"],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr

    listed = json.loads(completed.stdout)
    assert listed["harica_expiring"]["hosts"] == ["app.example.org"]
    assert sorted(listed["harica_valid"]["hosts"]) == ["app.example.org", "www.example.org"]
    assert ADMIN_KEY not in completed.stdout + completed.stderr
