"""Bulk upload validation: the form, the header, and every row rule, with nothing issued."""

from __future__ import annotations

import pytest

from bulk_support import CLIENTAUTH, HEADER, PASSWORD, SMIME, csv_text, make_csr, row, upload


def errors_of(response) -> list[tuple[int, str | None]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "The CSV contains invalid rows"
    return [(error["row"], error["field"]) for error in body["errors"]]


def assert_nothing_issued(world) -> None:
    assert world.control.certificates() == []


def test_missing_value_is_400(world):
    response = upload(world.admin, SMIME, csv_text([row()]), value=None)

    assert response.status_code == 400
    assert "Missing Value" in response.json()["message"]
    assert_nothing_issued(world)


def test_unknown_value_is_400(world):
    response = upload(world.admin, SMIME, csv_text([row()]), value="5b0c8f4e-0000-4000-8000-000000000000")

    assert response.status_code == 400
    assert "Unknown Value" in response.json()["message"]


def test_value_of_other_enterprise_is_400(world):
    other = world.control.create_enterprise("Other", ["other.example"])
    world.control.create_user("own@example.org", ["enterprise_admin"], enterprise_ids=[world.organization_id],
                              api_key="own-admin-key")

    response = upload(world.client("own-admin-key"), SMIME, csv_text([row()]), value=other["organization_id"])

    assert response.status_code == 400
    assert "Unknown Value" in response.json()["message"]


def test_missing_file_is_400(world):
    response = world.admin.session.post(world.admin.url + SMIME, data={"Value": world.organization_id},
                                        files={"Other": ("x.txt", b"x")}, verify=world.admin.verify, timeout=30)

    assert response.status_code == 400
    assert "Missing File" in response.json()["message"]


def test_json_body_is_400(world):
    response = world.admin.post(SMIME, {"Value": world.organization_id})

    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["message"]


@pytest.mark.parametrize(
    "header",
    [
        ["FriendlyName", "Email"],
        [column.lower() for column in HEADER],
        HEADER[1:] + HEADER[:1],
    ],
)
def test_wrong_header_is_400(world, header):
    response = upload(world.admin, SMIME, csv_text([], header=header), value=world.organization_id)

    assert response.status_code == 400
    assert "Invalid CSV header" in response.json()["message"]


def test_empty_csv_is_400(world):
    response = upload(world.admin, SMIME, "", value=world.organization_id)

    assert response.status_code == 400
    assert "The CSV is empty" in response.json()["message"]


def test_header_only_is_400(world):
    response = upload(world.admin, SMIME, csv_text([]), value=world.organization_id)

    assert response.status_code == 400
    assert "no certificate rows" in response.json()["message"]


def test_invalid_utf8_is_400(world):
    body = csv_text([row(FriendlyName="Caf\u00e9")]).encode("latin-1")

    response = upload(world.admin, SMIME, body, value=world.organization_id)

    assert response.status_code == 400
    assert "not valid UTF-8" in response.json()["message"]


ROW_CASES = [
    ("missing email", row(email=""), "Email"),
    ("invalid email", row(email="not-an-email"), "Email"),
    ("foreign domain", row(email="person@elsewhere.example"), "Email"),
    ("foreign Email2", row(Email2="alias@elsewhere.example"), "Email2"),
    ("invalid Email3", row(Email3="bad@"), "Email3"),
    ("both CSR and password", row(CSR=make_csr()), "CSR"),
    ("neither CSR nor password", row(PickupPassword=""), "CSR"),
    ("short password", row(PickupPassword="short7!"), "PickupPassword"),
    ("client type on smime", row(CertType="CLIENT_AUTHENTICATION_IV"), "CertType"),
    ("unknown type", row(CertType="EMAIL_ONLY"), "CertType"),
    ("lcp without given name", row(CertType="natural_legal_lcp", Surname="Person"), "GivenName"),
    ("lcp without surname", row(CertType="natural_legal_lcp", GivenName="Pat"), "Surname"),
    ("friendly name too long", row(FriendlyName="x" * 86), "FriendlyName"),
    ("parenthesis", row(FriendlyName="Laptop (work)"), "FriendlyName"),
    ("unparsable CSR", row(PickupPassword="", CSR="-----BEGIN CERTIFICATE REQUEST-----\r\nAAAA\r\n"
                                                   "-----END CERTIFICATE REQUEST-----"), "CSR"),
    ("long common name", row(CertType="natural_legal_lcp", GivenName="G" * 40, Surname="S" * 40), "GivenName"),
]


@pytest.mark.parametrize("label, values, field", ROW_CASES, ids=[case[0] for case in ROW_CASES])
def test_row_rule(world, label, values, field):
    rows = [row("first@example.org"), values]

    response = upload(world.admin, SMIME, csv_text(rows), value=world.organization_id)

    assert errors_of(response) == [(3, field)]
    assert_nothing_issued(world)


def test_friendly_name_of_85_is_valid(world):
    response = upload(world.admin, SMIME, csv_text([row(FriendlyName="x" * 85)]), value=world.organization_id)

    assert response.status_code == 200, response.text


def test_bad_csr_signature(world):
    pem = make_csr().replace("\r\n", "\n")
    lines = pem.strip().split("\n")
    body = "".join(lines[1:-1])
    # Change a base64 character near the end, inside the signature.
    index = len(body) - 10
    flipped = body[:index] + ("A" if body[index] != "A" else "B") + body[index + 1 :]
    tampered = "\r\n".join([lines[0], *[flipped[i : i + 64] for i in range(0, len(flipped), 64)], lines[-1]])

    response = upload(world.admin, SMIME, csv_text([row(PickupPassword="", CSR=tampered)]),
                      value=world.organization_id)

    assert errors_of(response) == [(2, "CSR")]


def test_clientauth_rules(world):
    rows = [
        row(CertType="email_only"),
        row(CertType="CLIENT_AUTHENTICATION_IV", GivenName="Pat"),
        row(CertType="CLIENT_AUTHENTICATION_OV"),
    ]

    response = upload(world.admin, CLIENTAUTH, csv_text(rows), value=world.organization_id)

    assert errors_of(response) == [(2, "CertType"), (3, "Surname")]


def test_every_error_is_reported(world):
    rows = [
        row(email="", FriendlyName="a(b)"),
        row("ok@example.org"),
        row(PickupPassword="", CertType="natural_legal_lcp"),
    ]

    response = upload(world.admin, SMIME, csv_text(rows), value=world.organization_id)

    assert errors_of(response) == [
        (2, "FriendlyName"),
        (2, "Email"),
        (4, "GivenName"),
        (4, "Surname"),
        (4, "CSR"),
    ]
    assert_nothing_issued(world)


def test_wrong_column_count(world):
    text = csv_text([row()]) + "Short,short@example.org\r\n"

    response = upload(world.admin, SMIME, text, value=world.organization_id)

    assert errors_of(response) == [(3, None)]


def test_subdomain_email_is_valid(world):
    response = upload(world.admin, SMIME, csv_text([row("person@mail.example.org")]), value=world.organization_id)

    assert response.status_code == 200, response.text


def test_errors_never_contain_password(world):
    secret = "tiny-pw"

    response = upload(world.admin, SMIME, csv_text([row(PickupPassword=secret)]), value=world.organization_id)

    assert response.status_code == 400
    assert secret not in response.text
    assert secret not in repr(world.control.log())


def test_field_names_any_case(world):
    response = upload(world.admin, SMIME, csv_text([row()]), value=world.organization_id,
                      value_field="value", file_field="FILE")

    assert response.status_code == 200, response.text


def test_approver_key_is_redirected(world):
    response = upload(world.approver, SMIME, csv_text([row()]), value=world.organization_id)

    assert response.status_code == 302
    assert_nothing_issued(world)


def test_password_is_not_required_for_csr_rows(world):
    response = upload(world.admin, SMIME, csv_text([row(PickupPassword="", CSR=make_csr())]),
                      value=world.organization_id)

    assert response.status_code == 200, response.text
    assert PASSWORD not in response.text
