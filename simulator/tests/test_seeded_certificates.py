"""Control API for certificates: seeding, names, validity, the key pool, internal state."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harica_simulator.key_pool import POOL_FILE, POOL_SIZE
from harica_simulator.testing import ControlError

from sim_support import REQUESTER


def leaf(record: dict) -> x509.Certificate:
    return x509.load_pem_x509_certificate(record["certificate"].encode())


def san_values(certificate: x509.Certificate, kind) -> list[str]:
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return extension.value.get_values_for_type(kind)


def usages(certificate: x509.Certificate) -> list:
    return list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def common_names(certificate: x509.Certificate) -> list[str]:
    return [attribute.value for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def openssl_verify(world, tmp_path: Path, record: dict, purpose: str) -> subprocess.CompletedProcess:
    leaf_path = tmp_path / "leaf.pem"
    leaf_path.write_text(record["certificate"])
    state_dir = Path(world.simulator.state_dir)
    command = ["openssl", "verify", "-CAfile", str(state_dir / "root-ca.pem"), "-untrusted",
               str(state_dir / "issuing-ca.pem"), "-purpose", purpose, str(leaf_path)]
    return subprocess.run(command, capture_output=True, text=True)


def control_error(call, *args, **kwargs) -> ControlError:
    with pytest.raises(ControlError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_ssl_certificate_contents(world):
    record = world.control.create_certificate(names=["a.example.org", "www.a.example.org"])

    certificate = leaf(record)

    assert san_values(certificate, x509.DNSName) == ["a.example.org", "www.a.example.org"]
    assert common_names(certificate) == ["a.example.org"]
    assert usages(certificate) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_dv_certificate_subject_is_cn_only(world):
    record = world.control.create_certificate(names=["dv.example.org"], product="DV")

    assert record["dN"] == "CN=dv.example.org"
    assert [attribute.oid for attribute in leaf(record).subject] == [NameOID.COMMON_NAME]


def test_names_are_normalized(world):
    record = world.control.create_certificate(names=["WWW.Example.ORG.", "www.example.org", "*.Example.org"])

    assert san_values(leaf(record), x509.DNSName) == ["www.example.org", "*.example.org"]
    assert record["sANS"] == "DNS Name=www.example.org, DNS Name=*.example.org"
    assert record["commonName"] == "WWW.Example.ORG."
    assert common_names(leaf(record)) == ["www.example.org"]


def test_wildcard_certificate(world):
    record = world.control.create_certificate(names=["*.example.org"])

    assert san_values(leaf(record), x509.DNSName) == ["*.example.org"]
    assert record["commonName"] == "*.example.org"


def test_internationalized_name(world):
    record = world.control.create_certificate(names=["Bücher.example.org"])

    assert san_values(leaf(record), x509.DNSName) == ["xn--bcher-kva.example.org"]
    assert common_names(leaf(record)) == ["xn--bcher-kva.example.org"]
    assert record["commonName"] == "Bücher.example.org"
    assert record["sANS"] == "DNS Name=xn--bcher-kva.example.org"
    assert record["dN"].startswith("CN=xn--bcher-kva.example.org,")


def test_name_in_a_label_form_kept(world):
    record = world.control.create_certificate(names=["xn--bcher-kva.example.org"])

    assert san_values(leaf(record), x509.DNSName) == ["xn--bcher-kva.example.org"]


def test_internationalized_enterprise_domain(world):
    enterprise = world.control.create_enterprise("Bücher Verlag", ["bücher.example"])

    record = world.control.create_certificate(names=["www.xn--bcher-kva.example"],
                                              organization_id=enterprise["organization_id"])

    assert record["organizationId"] == enterprise["organization_id"]


def test_given_common_name_is_kept(world):
    names = ["cn.example.org", "alt.example.org"]

    record = world.control.create_certificate(names=names, common_name="ALT.example.org")

    assert record["commonName"] == "ALT.example.org"
    assert common_names(leaf(record)) == ["alt.example.org"]
    assert record["friendlyName"] == "ALT.example.org"


@pytest.mark.parametrize(
    "names",
    [
        ["bad name.example.org"],
        ["under_score.example.org"],
        ["example"],
        [""],
        [],
        "a.org",
        [7],
        [".".join(["a" * 63] * 4) + ".example.org"],
    ],
)
def test_invalid_names_are_400(world, names):
    error = control_error(world.control.create_certificate, names=names)

    assert error.status == 400


def test_name_outside_enterprise_is_400(world):
    error = control_error(world.control.create_certificate, names=["www.elsewhere.example"])

    assert error.status == 400
    assert "www.elsewhere.example" in error.message


def test_ssl_with_emails_is_400(world):
    error = control_error(world.control.create_certificate, emails=["p@example.org"])

    assert error.status == 400
    assert "names" in error.message


def test_unknown_field_is_400(world):
    error = control_error(world.control.create_certificate, names=["u.example.org"], issuedVia="bulk")

    assert error.status == 400
    assert "issuedVia" in error.message


@pytest.mark.parametrize("field, value", [("type", "code"), ("issued_via", "manual"), ("product", "OV2")])
def test_invalid_choice_is_400(world, field, value):
    error = control_error(world.control.create_certificate, names=["c.example.org"], **{field: value})

    assert error.status == 400
    assert field in error.message


@pytest.mark.parametrize("certificate_type, usage, purpose", [
    ("smime", ExtendedKeyUsageOID.EMAIL_PROTECTION, "smimesign"),
    ("clientauth", ExtendedKeyUsageOID.CLIENT_AUTH, "sslclient"),
])
def test_email_certificates(world, tmp_path, certificate_type, usage, purpose):
    record = world.control.create_certificate(certificate_type, emails=["Person@Example.org", "alias@example.org"])

    certificate = leaf(record)

    assert san_values(certificate, x509.RFC822Name) == ["Person@example.org", "alias@example.org"]
    assert usages(certificate) == [usage]
    assert record["sANS"] == "RFC822 Name=Person@example.org, RFC822 Name=alias@example.org"
    assert record["commonName"] == "Person@Example.org"
    assert record["dN"] == "CN=Person@example.org"
    assert record["userEmail"] == "Person@example.org"
    result = openssl_verify(world, tmp_path, record, purpose)
    assert result.returncode == 0, result.stderr


def test_internationalized_email_domain(world):
    record = world.control.create_certificate("smime", emails=["anna@Bücher.example"], common_name="Anna Müller")

    assert san_values(leaf(record), x509.RFC822Name) == ["anna@xn--bcher-kva.example"]
    assert common_names(leaf(record)) == ["Anna Müller"]
    assert record["commonName"] == "Anna Müller"


def test_type_keyword_overrides_default(world):
    record = world.control.create_certificate(type="clientauth", emails=["p@example.org"])

    assert record["certificateType"] == "Client Auth"


def test_organization_product_subject(world):
    record = world.control.create_certificate(
        "clientauth", emails=["p@example.org"], product="CLIENT_AUTHENTICATION_OV"
    )

    assert record["dN"] == "CN=p@example.org, O=Example University, C=GR"


@pytest.mark.parametrize("emails", [["no-at-sign"], ["@example.org"], ["p@"], ["p q@example.org"], ["p@*.example.org"]])
def test_invalid_emails_are_400(world, emails):
    error = control_error(world.control.create_certificate, "smime", emails=emails)

    assert error.status == 400


def test_ssl_chain_verifies(world, tmp_path):
    record = world.control.create_certificate(names=["chain.example.org"])

    result = openssl_verify(world, tmp_path, record, "sslserver")

    assert result.returncode == 0, result.stderr


def test_long_common_name_is_400(world):
    error = control_error(world.control.create_certificate, "smime", emails=["p@example.org"], common_name="x" * 65)

    assert error.status == 400
    assert "64" in error.message


def test_default_validity(world):
    ssl = leaf(world.control.create_certificate(names=["v.example.org"]))
    smime = leaf(world.control.create_certificate("smime", emails=["p@example.org"]))

    assert (ssl.not_valid_after_utc - ssl.not_valid_before_utc).days == 199
    assert (smime.not_valid_after_utc - smime.not_valid_before_utc).days == 365


def test_validity_follows_setting_and_clock(world):
    world.control.settings(ssl_validity_days=47)
    world.control.set_clock("2028-05-01T00:00:00Z")

    record = world.control.create_certificate(names=["clock.example.org"])

    assert record["validFrom"].startswith("2028-05-01T00:00:0")
    assert (leaf(record).not_valid_after_utc - leaf(record).not_valid_before_utc).days == 47


def test_validity_days_and_not_before(world):
    record = world.control.create_certificate(names=["d.example.org"], not_before="2026-03-01T00:00:00Z",
                                              validity_days=30)

    assert record["validFrom"] == "2026-03-01T00:00:00.0000000"
    assert record["validTo"] == "2026-03-31T00:00:00.0000000"


def test_not_after_alone_backdates_start(world):
    record = world.control.create_certificate(names=["e.example.org"], not_after="2026-03-31T00:00:00Z",
                                              validity_days=30)

    assert record["validFrom"] == "2026-03-01T00:00:00.0000000"


@pytest.mark.parametrize(
    "options",
    [
        {"not_before": "2026-03-01T00:00:00Z", "not_after": "2026-02-01T00:00:00Z"},
        {"not_before": "2026-03-01T00:00:00Z", "not_after": "2026-04-01T00:00:00Z", "validity_days": 31},
        {"validity_days": 0},
        {"validity_days": True},
        {"not_before": "yesterday"},
    ],
)
def test_invalid_validity_is_400(world, options):
    error = control_error(world.control.create_certificate, names=["f.example.org"], **options)

    assert error.status == 400


def test_chosen_serial_and_conflict(world):
    record = world.control.create_certificate(names=["g.example.org"], serial="0a0b")

    error = control_error(world.control.create_certificate, names=["h.example.org"], serial="A0B")

    assert record["serial"] == "A0B"
    assert leaf(record).serial_number == 0xA0B
    assert error.status == 409


@pytest.mark.parametrize("serial", ["xyz", "0", "-5", "1" + "0" * 40])
def test_invalid_serial_is_400(world, serial):
    error = control_error(world.control.create_certificate, names=["i.example.org"], serial=serial)

    assert error.status == 400


def test_invalid_revoked_seed_is_400(world):
    error = control_error(world.control.create_certificate, names=["j.example.org"], revoked={"reason_code": "1.2"})

    assert error.status == 400
    assert error.message == "Invalid revocation reason: 1.2"


def test_unknown_organization_is_404(world):
    error = control_error(world.control.create_certificate, names=["k.example.org"],
                          organization_id="00000000-0000-4000-8000-000000000000")

    assert error.status == 404


def test_organization_required_with_two_enterprises(world):
    world.control.create_enterprise("Second", [])

    error = control_error(world.control.create_certificate, names=["l.example.org"])

    assert error.status == 400
    assert "organization_id" in error.message


def test_state_serial_any_form(world):
    world.control.create_certificate(names=["m.example.org"], serial="ABC123")

    for text in ("ABC123", "abc123", "000abc123", "00ABC123"):
        state = world.control.certificate_state(text)
        assert state["serial"] == "ABC123", text


def test_state_fields(world):
    record = world.control.create_certificate(names=["n.example.org"], issued_via="acme", requester_email=REQUESTER)

    state = world.control.certificate_state(record["serial"])

    assert state["type"] == "ssl"
    assert state["product"] == "OV"
    assert state["issued_via"] == "acme"
    assert state["status"] == "valid"
    assert state["names"] == ["n.example.org"]
    assert state["transaction_id"] == record["transactionId"]
    assert state["organization_id"] == world.organization_id
    assert state["requester_email"] == REQUESTER
    assert state["revocation"] is None
    assert state["certificate_pem"] == record["certificate"]
    assert state["not_after"].endswith("Z")


def test_state_serial_follows_style(world):
    record = world.control.create_certificate(names=["o.example.org"], serial="ABC123")
    world.control.settings(serial_style="lower_padded")

    assert world.control.certificate_state(record["serial"])["serial"] == "abc123".rjust(32, "0")


def test_state_errors(world):
    invalid = control_error(world.control.certificate_state, "not-hex")
    unknown = control_error(world.control.certificate_state, "DEAD")

    assert invalid.status == 400
    assert unknown.status == 404


def test_certificates_lists_all_states(world):
    first = world.control.create_certificate(names=["p.example.org"])
    second = world.control.create_certificate("smime", emails=["p@example.org"], revoked={"reason_code": "4.9.1.1.1.1"})
    transaction_id = world.seed(["q.example.org"])
    world.approver.accept(transaction_id)

    states = world.control.certificates()

    assert [state["serial"] for state in states[:2]] == [first["serial"], second["serial"]]
    assert [state["status"] for state in states] == ["valid", "revoked", "valid"]
    assert states[2]["transaction_id"] == transaction_id


def test_seeded_keys_come_from_pool(world):
    pool_path = Path(world.simulator.state_dir) / POOL_FILE
    pool_keys = [
        serialization.load_pem_private_key(block.encode() + b"-----END PRIVATE KEY-----\n", None)
        for block in pool_path.read_text().split("-----END PRIVATE KEY-----\n")
        if block.strip()
    ]
    pool_numbers = {key.public_key().public_numbers() for key in pool_keys}

    seeded = [leaf(world.control.create_certificate(names=[f"pool{index}.example.org"])) for index in range(20)]

    assert len(pool_keys) == POOL_SIZE
    assert stat.S_IMODE(os.stat(pool_path).st_mode) == 0o600
    assert all(certificate.public_key().public_numbers() in pool_numbers for certificate in seeded)
