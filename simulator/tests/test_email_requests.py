"""S/MIME and client-auth requests: seeding, approver reads and lists, roles."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from harica_simulator.testing import ControlError

from sim_support import REQUESTER

REQUEST_TYPES = ["smime", "clientauth"]
ROLES = {"smime": "smime_approver", "clientauth": "clientauth_approver"}
USAGES = {"smime": ExtendedKeyUsageOID.EMAIL_PROTECTION, "clientauth": ExtendedKeyUsageOID.CLIENT_AUTH}
RECORD_KEYS = [
    "transactionId",
    "transactionStatus",
    "transactionTypeName",
    "dN",
    "sANS",
    "userEmail",
    "user",
    "friendlyName",
    "requestedAt",
    "reviewedAt",
    "reviewedBy",
    "isHighRisk",
    "isRevoked",
    "certificateValidTo",
    "certificate",
    "pemBundle",
    "organizationId",
]


def approver(world, request_type: str):
    key = f"{request_type}-approver-key-0002"
    world.control.create_user(f"{request_type}.approver@example.org", [ROLES[request_type]], api_key=key)
    return world.client(key)


def seed(world, request_type: str, emails=("person@example.org",), **options) -> dict:
    create = getattr(world.control, f"create_{request_type}_request")
    return create(list(emails), options.pop("requester_email", REQUESTER), **options)


@pytest.mark.parametrize("request_type", REQUEST_TYPES)
def test_completed_request_record(world, request_type):
    client = approver(world, request_type)
    seeded = seed(world, request_type, ["Person@Example.org", "alias@example.org"], requester_name="Person Name")

    record = client.get(f"/cm/v1/enterprise/requests/{request_type}/id/{seeded['transactionId']}").json()

    assert list(record) == RECORD_KEYS
    assert record == seeded
    assert "domains" not in record
    assert record["transactionStatus"] == "Completed"
    assert record["dN"] == "CN=Person@example.org"
    assert record["sANS"] == "RFC822 Name=Person@example.org, RFC822 Name=alias@example.org"
    assert record["userEmail"] == REQUESTER
    assert record["user"] == "Person Name"
    assert record["isRevoked"] is False
    assert record["organizationId"] == world.organization_id
    certificate = x509.load_pem_x509_certificate(record["certificate"].encode())
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert extension.value.get_values_for_type(x509.RFC822Name) == ["Person@example.org", "alias@example.org"]
    assert list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [USAGES[request_type]]
    assert record["pemBundle"].count("-----BEGIN CERTIFICATE-----") == 2
    assert record["certificateValidTo"] is not None


@pytest.mark.parametrize("request_type", REQUEST_TYPES)
def test_request_certificate_in_admin_list(world, request_type):
    seeded = seed(world, request_type, issued_via="bulk", friendly_name="Laptop")

    listed = world.admin.get("/cm/v1/admin/certificates").json()

    assert len(listed) == 1
    assert listed[0]["transactionId"] == seeded["transactionId"]
    assert listed[0]["issuanceType"] == "Bulk"
    assert listed[0]["friendlyName"] == "Laptop"
    assert listed[0]["certificate"] == seeded["certificate"]


def test_common_name_option(world):
    seeded = seed(world, "smime", common_name="Person Name")

    assert seeded["dN"] == "CN=Person Name"
    assert seeded["friendlyName"] == "Person Name"


def test_product_names_enterprise(world):
    seeded = seed(world, "smime", product="natural_legal_lcp")

    assert seeded["transactionTypeName"] == "natural_legal_lcp"
    assert seeded["dN"] == "CN=person@example.org, O=Example University, C=GR"


def test_default_products(world):
    assert seed(world, "smime")["transactionTypeName"] == "email_only"
    assert seed(world, "clientauth")["transactionTypeName"] == "CLIENT_AUTHENTICATION_IV"


@pytest.mark.parametrize("status, word", [("pending", "Pending"), ("ready", "Ready"), ("cancelled", "Cancelled")])
def test_seed_without_certificate(world, status, word):
    seeded = seed(world, "clientauth", status=status)

    assert seeded["transactionStatus"] == word
    assert seeded["certificate"] is None
    assert seeded["pemBundle"] is None
    assert world.control.request_state(seeded["transactionId"])["serial"] is None
    assert world.control.certificates() == []


def test_seeded_ready_request_stays_ready(world):
    client = approver(world, "smime")
    seeded = seed(world, "smime", status="ready")
    world.control.set_clock(offset_seconds=86400)

    record = client.get(f"/cm/v1/enterprise/requests/smime/id/{seeded['transactionId']}").json()

    assert record["transactionStatus"] == "Ready"


@pytest.mark.parametrize("request_type", REQUEST_TYPES)
def test_lists_by_status(world, request_type):
    client = approver(world, request_type)
    by_status = {status: seed(world, request_type, status=status)["transactionId"]
                 for status in ("completed", "pending", "ready", "cancelled")}

    everything = client.get(f"/cm/v1/enterprise/requests/{request_type}").json()

    assert [record["transactionId"] for record in everything] == list(by_status.values())
    for status, transaction_id in by_status.items():
        listed = client.get(f"/cm/v1/enterprise/requests/{request_type}/list/{status}").json()
        assert [record["transactionId"] for record in listed] == [transaction_id], status


def test_lists_keep_types_apart(world):
    smime = approver(world, "smime")
    seed(world, "clientauth")
    world.seed(["www.example.org"])

    assert smime.get("/cm/v1/enterprise/requests/smime").json() == []


def test_unknown_status_word_is_400(world):
    response = approver(world, "smime").get("/cm/v1/enterprise/requests/smime/list/issued")

    assert response.status_code == 400


def test_unknown_request_is_404(world):
    response = approver(world, "clientauth").get(
        "/cm/v1/enterprise/requests/clientauth/id/00000000-0000-4000-8000-000000000000"
    )

    assert response.status_code == 404


def test_smime_request_not_found_under_clientauth(world):
    client = approver(world, "clientauth")
    seeded = seed(world, "smime")

    response = client.get(f"/cm/v1/enterprise/requests/clientauth/id/{seeded['transactionId']}")

    assert response.status_code == 404


def test_cancelled_spelling_applies(world):
    client = approver(world, "smime")
    seed(world, "smime", status="cancelled")
    world.control.settings(cancelled_spelling="Canceled")

    listed = client.get("/cm/v1/enterprise/requests/smime/list/cancelled").json()

    assert [record["transactionStatus"] for record in listed] == ["Canceled"]


@pytest.mark.parametrize(
    "request_type, other_role",
    [
        ("smime", "clientauth_approver"),
        ("clientauth", "smime_approver"),
        ("smime", "ssl_approver"),
        ("clientauth", "enterprise_admin"),
    ],
)
def test_other_roles_are_refused(world, request_type, other_role):
    world.control.create_user("other@example.org", [other_role], api_key="other-role-key")
    client = world.client("other-role-key")

    response = client.get(f"/cm/v1/enterprise/requests/{request_type}")

    assert response.status_code == 302


def test_request_state(world):
    seeded = seed(world, "smime", ["a@example.org", "b@example.org"])

    state = world.control.request_state(seeded["transactionId"])

    assert state["type"] == "smime"
    assert state["status"] == "completed"
    assert state["names"] == ["a@example.org", "b@example.org"]
    assert state["csr_pem"].startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert state["certificate_pem"] == seeded["certificate"]
    csr = x509.load_pem_x509_csr(state["csr_pem"].encode())
    certificate = x509.load_pem_x509_certificate(seeded["certificate"].encode())
    assert csr.public_key().public_numbers() == certificate.public_key().public_numbers()


def test_requested_at_option(world):
    seeded = seed(world, "smime", requested_at="2026-11-30T08:15:00")

    assert seeded["requestedAt"] == "2026-11-30T08:15:00.0000000"


@pytest.mark.parametrize(
    "payload, named",
    [
        ({"emails": [], "requester_email": REQUESTER}, "emails"),
        ({"emails": ["p@example.org"]}, "requester_email"),
        ({"emails": ["p@example.org"], "requester_email": "nobody"}, "requester_email"),
        ({"emails": ["p@example.org"], "requester_email": REQUESTER, "status": "issued"}, "status"),
        ({"emails": ["p@example.org"], "requester_email": REQUESTER, "names": ["a.example.org"]}, "names"),
        ({"emails": ["p@example.org"], "requester_email": REQUESTER, "revoked": {}}, "revoked"),
    ],
)
def test_invalid_seed_is_400(world, payload, named):
    with pytest.raises(ControlError) as caught:
        world.control.call("POST", "smime-requests", payload)

    assert caught.value.status == 400
    assert named in caught.value.message
