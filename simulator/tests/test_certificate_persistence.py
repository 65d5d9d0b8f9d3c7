"""Certificates across restarts, and databases written by schema versions 1 and 2."""

from __future__ import annotations

import sqlite3

import requests

from harica_simulator.key_pool import POOL_FILE
from harica_simulator.store import SCHEMA_VERSION, VERSION_2_COLUMNS, VERSION_3_COLUMNS
from harica_simulator.testing import Control, start_simulator

ADMIN_KEY = "persistence-admin-key"
APPROVER_KEY = "persistence-approver-key"


def seed_accounts(control: Control) -> None:
    control.create_enterprise("Example University", ["example.org"])
    control.create_user("admin@example.org", ["enterprise_admin"], api_key=ADMIN_KEY)
    control.create_user("approver@example.org", ["ssl_approver"], api_key=APPROVER_KEY)


def api_get(sim, path: str, api_key: str) -> requests.Response:
    return requests.get(sim.url + path, headers={"X-API-Key": api_key}, verify=sim.tls_ca, timeout=30)


def downgrade_to_version_1(database) -> None:
    """Drop the columns that schema version 2 added, leaving the tables as version 1 wrote them."""
    with sqlite3.connect(database) as conn:
        for table, columns in VERSION_2_COLUMNS.items():
            for name, _ in columns:
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")


def test_restart_keeps_certificates_and_pool(tmp_path):
    state_dir = tmp_path / "state"
    with start_simulator(state_dir) as sim:
        control = Control(sim.url, sim.tls_ca)
        seed_accounts(control)
        record = control.create_certificate(names=["keep.example.org"], issued_via="bulk",
                                            revoked={"reason_code": "4.9.1.1.1.3"})
        before = control.certificate_state(record["serial"])
        pool = (state_dir / POOL_FILE).read_bytes()

        sim.restart()

        control = Control(sim.url, sim.tls_ca)
        assert control.certificate_state(record["serial"]) == before
        assert (state_dir / POOL_FILE).read_bytes() == pool
        assert api_get(sim, f"/cm/v1/admin/certificates/serial/{record['serial']}", ADMIN_KEY).json() == record


def test_version_1_database_is_migrated(tmp_path):
    state_dir = tmp_path / "state"
    with start_simulator(state_dir) as sim:
        control = Control(sim.url, sim.tls_ca)
        seed_accounts(control)
        transaction_id = control.create_ssl_request(["old.example.org"], "requester@example.org",
                                                    requester_name="Old Requester", product="EV")["transactionId"]
        accepted = requests.post(sim.url + "/cm/v1/enterprise/accept/ssl", json={"transactionId": transaction_id},
                                 headers={"X-API-Key": APPROVER_KEY}, verify=sim.tls_ca, timeout=30)
        assert accepted.status_code == 200
        sim.stop()
        downgrade_to_version_1(state_dir / "simulator.db")

        sim.start()

        listed = api_get(sim, "/cm/v1/admin/certificates", ADMIN_KEY).json()
        assert len(listed) == 1
        record = listed[0]
        assert record["transactionId"] == transaction_id
        assert record["certificateType"] == "SSL EV"
        assert record["commonName"] == "old.example.org"
        assert record["issuerDN"] == "CN=HARICA Simulator SSL Issuing CA, O=harica-simulator, C=GR"
        assert record["keyType"] == "EC P-256"
        assert record["user"] == "Old Requester"
        assert record["friendlyName"] == "old.example.org"
        assert record["issuanceType"] == "Single"
        request = api_get(sim, f"/cm/v1/enterprise/requests/ssl/id/{transaction_id}", APPROVER_KEY).json()
        assert request["transactionStatus"] == "Completed"
        with sqlite3.connect(state_dir / "simulator.db") as conn:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert version == str(SCHEMA_VERSION)


def downgrade_to_version_2(database) -> None:
    """Drop the columns that schema version 3 added."""
    with sqlite3.connect(database) as conn:
        for table, columns in VERSION_3_COLUMNS.items():
            for name, _ in columns:
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def test_version_2_database_is_migrated(tmp_path):
    state_dir = tmp_path / "state"
    with start_simulator(state_dir) as sim:
        control = Control(sim.url, sim.tls_ca)
        seed_accounts(control)
        api_get(sim, "/cm/v1/admin/users", ADMIN_KEY)
        sim.stop()
        downgrade_to_version_2(state_dir / "simulator.db")

        sim.start()

        enterprise = api_get(sim, "/cm/v1/admin/enterprises", ADMIN_KEY).json()[0]
        assert enterprise["groupId"]
        assert enterprise["validity"]
        assert enterprise["organizationLocalized"] == "Example University"
        users = api_get(sim, "/cm/v1/admin/users", ADMIN_KEY).json()
        assert [user["createdAt"] for user in users] == [None, None]
        assert users[0]["givenName"] == "admin"
        entries = control.log()["entries"]
        assert entries[0]["handler_seconds"] is None
        assert isinstance(entries[-1]["handler_seconds"], float)
        with sqlite3.connect(state_dir / "simulator.db") as conn:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert version == str(SCHEMA_VERSION)
