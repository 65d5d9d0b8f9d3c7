"""Batch seeding of certificates: counts, reproducibility, name variety, validation."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509

from harica_simulator.testing import ControlError

CERTIFICATES = "/cm/v1/admin/certificates"


def fingerprint(states: list[dict]) -> list[tuple]:
    """Return the fields that a seed fixes, leaving out serials, transaction ids and times."""
    return [(s["type"], s["product"], s["issued_via"], s["status"], s["common_name"], tuple(s["names"]),
             s["subject_dn"]) for s in states]


def test_counts_follow_shares(world):
    summary = world.control.seed_certificates(200, seed=1)

    assert summary["count"] == 200
    assert summary["types"] == {"ssl": 120, "smime": 60, "clientauth": 20}
    assert summary["statuses"] == {"valid": 160, "expired": 20, "revoked": 20}
    assert summary["issued_via"] == {"single": 200}
    assert summary["seed"] == 1
    assert summary["workers"] == 1
    assert summary["elapsed_seconds"] >= 0
    assert len(world.control.certificates()) == 200
    for status, expected in summary["statuses"].items():
        assert len(world.admin.get(f"{CERTIFICATES}/list/{status}").json()) == expected


def test_custom_shares(world):
    summary = world.control.seed_certificates(
        10, types={"smime": 1}, statuses={"revoked": 3, "valid": 1}, issued_via={"bulk": 1}, seed=3
    )

    assert summary["types"] == {"smime": 10}
    assert summary["statuses"] == {"revoked": 8, "valid": 2}
    assert summary["issued_via"] == {"bulk": 10}
    states = world.control.certificates()
    assert {s["issued_via"] for s in states} == {"bulk"}
    assert sum(s["revocation"] is not None for s in states) == 8


def test_same_seed_same_certificates(world):
    world.control.seed_certificates(300, seed=42)
    first = fingerprint(world.control.certificates())
    world.control.reset()
    world.control.create_enterprise("Example University", ["example.org"])

    world.control.seed_certificates(300, seed=42)

    assert fingerprint(world.control.certificates()) == first


def test_other_seed_other_certificates(world):
    world.control.seed_certificates(100, seed=1)
    first = fingerprint(world.control.certificates())
    world.control.reset()
    world.control.create_enterprise("Example University", ["example.org"])

    world.control.seed_certificates(100, seed=2)

    assert fingerprint(world.control.certificates()) != first


def test_names_are_varied(world):
    world.control.seed_certificates(600, seed=5)
    states = world.control.certificates()
    common_names = [s["common_name"] for s in states]
    ssl_names = [n for s in states if s["type"] == "ssl" for n in s["names"]]

    assert any(name != name.lower() for name in common_names)
    assert any(name.endswith(".") for name in common_names)
    assert any(name.startswith("*.") for name in ssl_names)
    assert any("xn--" in name for name in ssl_names)
    assert any(not name.isascii() for name in common_names)
    assert len(set(common_names)) < len(common_names)
    assert all(name == name.lower() and not name.endswith(".") for name in ssl_names)


def test_certificates_are_real(world, tmp_path):
    world.control.seed_certificates(30, seed=9)
    issuing = tmp_path / "issuing.pem"
    issuing.write_text(world.control.ca()["issuing_ca_pem"])

    for state in world.control.certificates():
        certificate = x509.load_pem_x509_certificate(state["certificate_pem"].encode())
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        kind = x509.DNSName if state["type"] == "ssl" else x509.RFC822Name
        assert san.get_values_for_type(kind) == state["names"]
        assert format(certificate.serial_number, "X") == state["serial"]
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(world.control.certificates()[0]["certificate_pem"])
    result = subprocess.run(["openssl", "verify", "-no_check_time", "-CAfile", world.simulator.root_ca,
                             "-untrusted", str(issuing), str(leaf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_records_in_admin_api(world):
    world.control.seed_certificates(20, seed=11, statuses={"revoked": 1})

    records = world.admin.get(f"{CERTIFICATES}/list/revoked").json()

    assert len(records) == 20
    assert all(record["isRevoked"] for record in records)
    assert all(record["revocationCode"].startswith("4.9.1.1.") for record in records)
    one = world.admin.get(f"{CERTIFICATES}/serial/{records[0]['serial']}").json()
    assert one == records[0]


def test_worker_processes(world):
    summary = world.control.seed_certificates(2000, seed=13, types={"ssl": 1})

    assert summary["workers"] >= 1
    assert len(world.admin.get(f"{CERTIFICATES}/list/valid").json()) == summary["statuses"]["valid"]
    print(f"\nbatch-seeded 2000 certificates in {summary['elapsed_seconds']:.2f} s "
          f"with {summary['workers']} workers")


@pytest.mark.parametrize(
    "options",
    [
        {"count": 0},
        {"count": "10"},
        {"count": 10, "types": {"tls": 1}},
        {"count": 10, "statuses": {"valid": -1}},
        {"count": 10, "statuses": {"valid": 0}},
        {"count": 10, "domain": "elsewhere.example"},
        {"count": 10, "seed": "x"},
        {"count": 10, "colour": "blue"},
    ],
)
def test_invalid_batch_is_400(world, options):
    with pytest.raises(ControlError) as raised:
        world.control.call("POST", "certificates/batch", options)

    assert raised.value.status == 400
    assert world.control.certificates() == []


def test_subdomain_of_enterprise(world):
    summary = world.control.seed_certificates(20, seed=4, domain="lab.example.org", types={"ssl": 1})

    assert summary["domain"] == "lab.example.org"
    assert all(n.endswith(".lab.example.org") for s in world.control.certificates() for n in s["names"])
