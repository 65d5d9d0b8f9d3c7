"""Admin enterprise and user endpoints: record shapes, scoping, lookups and seeding fields."""

from __future__ import annotations

import pytest

from bulk_support import SMIME, csv_text, row, upload
from harica_simulator.testing import ControlError

ENTERPRISES = "/cm/v1/admin/enterprises"
USERS = "/cm/v1/admin/users"
ENTERPRISE_KEYS = [
    "organizationId",
    "organization",
    "organizationLocalized",
    "domain",
    "dn",
    "country",
    "state",
    "locality",
    "organizationalUnit",
    "validity",
    "groupId",
]
USER_KEYS = ["email", "givenName", "surname", "fullName", "roles", "isActive", "organizationId", "createdAt"]


def detailed_enterprise(control) -> dict:
    return control.create_enterprise(
        "Aristotle University", ["auth.example", "it.auth.example"], country="GR",
        localized_name="Αριστοτέλειο Πανεπιστήμιο", state="Central Macedonia", locality="Thessaloniki",
        organizational_unit="IT Center",
        validity={"auth.example": "2027-03-01T00:00:00Z", "it.auth.example": "2026-12-31T12:00:00"},
    )


def test_one_record_per_domain(world):
    enterprise = detailed_enterprise(world.control)

    records = world.admin.get(ENTERPRISES).json()

    assert len(records) == 3
    first, second = records[1], records[2]
    assert list(first) == ENTERPRISE_KEYS
    assert first["organizationId"] == enterprise["organization_id"]
    assert first["organization"] == "Aristotle University"
    assert first["organizationLocalized"] == "Αριστοτέλειο Πανεπιστήμιο"
    assert [first["domain"], second["domain"]] == ["auth.example", "it.auth.example"]
    assert first["dn"] == "OU=IT Center, O=Aristotle University, L=Thessaloniki, ST=Central Macedonia, C=GR"
    assert first["country"] == "GR"
    assert first["state"] == "Central Macedonia"
    assert first["locality"] == "Thessaloniki"
    assert first["organizationalUnit"] == "IT Center"
    assert first["validity"] == "2027-03-01T00:00:00.0000000"
    assert second["validity"] == "2026-12-31T12:00:00.0000000"
    assert first["groupId"] == second["groupId"] == enterprise["group_id"]


def test_default_enterprise_fields(world):
    record = world.admin.get(ENTERPRISES).json()[0]

    assert record["organizationLocalized"] == "Example University"
    assert record["dn"] == "O=Example University, C=GR"
    assert record["state"] is None
    assert record["locality"] is None
    assert record["organizationalUnit"] is None
    assert record["validity"].endswith("0")
    assert "+" not in record["validity"]
    assert "Z" not in record["validity"]


def test_one_validity_for_all_domains(world):
    world.control.create_enterprise("Two Domains", ["a.example", "b.example"], validity="2028-01-01T00:00:00Z")

    records = [r for r in world.admin.get(ENTERPRISES).json() if r["organization"] == "Two Domains"]

    assert [r["validity"] for r in records] == ["2028-01-01T00:00:00.0000000"] * 2


def test_enterprise_without_domains(world):
    world.control.create_enterprise("No Domains", [])

    record = world.admin.get(ENTERPRISES).json()[1]

    assert record["domain"] is None
    assert record["validity"] is None


def test_enterprises_of_admin_only(world):
    other = world.control.create_enterprise("Other", ["other.example"])
    world.control.create_user("scoped@example.org", ["enterprise_admin"], enterprise_ids=[other["organization_id"]],
                              api_key="scoped-admin")

    records = world.client("scoped-admin").get(ENTERPRISES).json()

    assert [r["organization"] for r in records] == ["Other"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("validity", {"unknown.example": "2027-01-01T00:00:00Z"}),
        ("validity", "not a date"),
        ("validity", 5),
        ("state", ""),
        ("group_id", "not-a-uuid"),
    ],
)
def test_enterprise_seed_rejects(world, field, value):
    with pytest.raises(ControlError) as raised:
        world.control.create_enterprise("Bad", ["bad.example"], **{field: value})

    assert raised.value.status == 400


def test_enterprise_list_wrapper_and_case(world):
    world.control.settings(list_wrapper="data", key_case="pascal")

    body = world.admin.get(ENTERPRISES).json()

    assert list(body) == ["Data"]
    assert body["Data"][0]["OrganizationId"] == world.organization_id


def test_approver_cannot_list_enterprises(world):
    assert world.approver.get(ENTERPRISES).status_code == 302


def test_user_records(world):
    world.control.create_user("pat@example.org", ["smime_approver", "clientauth_approver"],
                              given_name="Pat", surname="Person")

    records = world.admin.get(USERS).json()

    assert [r["email"] for r in records] == ["approver@example.org", "admin@example.org", "pat@example.org"]
    approver, admin, pat = records
    assert list(pat) == USER_KEYS
    assert pat["givenName"] == "Pat"
    assert pat["surname"] == "Person"
    assert pat["fullName"] == "Pat Person"
    assert pat["roles"] == ["S/MIME Enterprise Approver", "Client Auth Enterprise Approver"]
    assert pat["isActive"] is True
    assert pat["organizationId"] == world.organization_id
    assert pat["createdAt"].count(":") == 2
    assert approver["roles"] == ["SSL Enterprise Approver"]
    assert approver["fullName"] == "Approver Person"
    assert approver["givenName"] == "Approver"
    assert approver["surname"] == "Person"
    assert admin["roles"] == ["Enterprise Admin"]


def test_users_of_admin_enterprises_only(world):
    other = world.control.create_enterprise("Other", ["other.example"])
    world.control.create_user("outsider@other.example", ["ssl_approver"], enterprise_ids=[other["organization_id"]])
    world.control.create_user("scoped@other.example", ["enterprise_admin"], enterprise_ids=[other["organization_id"]],
                              api_key="scoped-admin")

    own = [r["email"] for r in world.client("scoped-admin").get(USERS).json()]

    assert "outsider@other.example" in own
    assert "scoped@other.example" in own
    assert "approver@example.org" in own  # created without enterprise_ids, so of every enterprise
    outsider = [r for r in world.client("scoped-admin").get(USERS).json() if r["email"] == "outsider@other.example"]
    assert outsider[0]["organizationId"] == other["organization_id"]


def test_user_lookup_any_case(world):
    response = world.admin.get(f"{USERS}/email/APPROVER@Example.org")

    assert response.status_code == 200
    record = response.json()
    assert record["email"] == "approver@example.org"
    assert list(record) == [*USER_KEYS, "certificates"]
    assert record["certificates"] == []


def test_unknown_user_is_404(world):
    response = world.admin.get(f"{USERS}/email/nobody@example.org")

    assert response.status_code == 404
    assert "nobody@example.org" in response.json()["message"]


def test_user_of_other_enterprise_is_404(world):
    other = world.control.create_enterprise("Other", ["other.example"])
    world.control.create_user("outsider@other.example", ["ssl_approver"], enterprise_ids=[other["organization_id"]])
    world.control.create_user("own@example.org", ["enterprise_admin"], enterprise_ids=[world.organization_id],
                              api_key="own-admin")

    assert world.client("own-admin").get(f"{USERS}/email/outsider@other.example").status_code == 404


def test_user_certificates_by_san(world):
    world.control.create_user("holder@example.org", ["smime_approver"])
    seeded = world.control.create_certificate("smime", emails=["other@example.org", "Holder@example.org"])
    world.control.create_certificate("clientauth", emails=["holder@example.org"],
                                     revoked={"reason_code": "4.9.1.1.1.1"})
    world.control.create_certificate("smime", emails=["someone@example.org"])
    world.control.create_certificate("ssl", names=["holder.example.org"])
    upload(world.admin, SMIME, csv_text([row("holder@example.org")]), value=world.organization_id)

    record = world.admin.get(f"{USERS}/email/holder@example.org").json()

    certificates = record["certificates"]
    assert [c["certificateType"] for c in certificates] == ["S/MIME", "Client Auth", "S/MIME"]
    assert certificates[0]["serial"] == seeded["serial"]
    assert certificates[0]["validTo"] == seeded["validTo"]
    assert [c["isRevoked"] for c in certificates] == [False, True, False]
    assert list(certificates[0]) == ["serial", "certificateType", "validTo", "isRevoked"]


def test_user_certificate_serial_style(world):
    world.control.create_user("holder@example.org", ["smime_approver"])
    world.control.create_certificate("smime", emails=["holder@example.org"], serial="ab12")
    world.control.settings(serial_style="lower_padded")

    record = world.admin.get(f"{USERS}/email/holder@example.org").json()

    assert record["certificates"][0]["serial"] == "ab12".rjust(32, "0")


def test_user_name_defaults(world):
    world.control.create_user("solo@example.org", ["ssl_approver"])
    world.control.create_user("given@example.org", ["ssl_approver"], given_name="Only")

    records = {r["email"]: r for r in world.admin.get(USERS).json()}

    assert records["solo@example.org"]["fullName"] == "solo"
    assert records["solo@example.org"]["givenName"] == "solo"
    assert records["solo@example.org"]["surname"] == ""
    assert records["given@example.org"]["fullName"] == "Only"
    assert records["given@example.org"]["surname"] == ""


def test_control_user_list_has_names(world):
    world.control.create_user("pat@example.org", ["ssl_approver"], given_name="Pat", surname="Person")

    listed = {u["email"]: u for u in world.control.call("GET", "users")}

    assert listed["pat@example.org"]["given_name"] == "Pat"
    assert listed["pat@example.org"]["surname"] == "Person"
    assert listed["pat@example.org"]["name"] == "Pat Person"
