"""Revocation through the admin paths and the approver paths: success, record, refusals."""

from __future__ import annotations

import pytest

from sim_support import ADMIN_KEY, REQUESTER

CERTIFICATES = "/cm/v1/admin/certificates"
ACCEPTED_REASONS = ["4.9.1.1.1.1", "4.9.1.1.1.2", "4.9.1.1.1.3", "4.9.1.1.1.5", "4.9.1.1.2.9"]
APPROVER_ROLES = {"ssl": "ssl_approver", "smime": "smime_approver", "clientauth": "clientauth_approver"}


def admin_revoke(world, issued_via: str, transaction_id, value="4.9.1.1.1.1", **extra):
    payload = {"transactionId": transaction_id, "message": "", "value": value, "informUser": True, **extra}
    return world.admin.post(f"/cm/v1/admin/revoke/{issued_via}", payload)


def approver_revoke(client, request_type: str, transaction_id, value="4.9.1.1.1.1"):
    payload = {"transactionId": transaction_id, "message": "", "value": value, "informUser": True}
    return client.post(f"/cm/v1/enterprise/revoke/{request_type}", payload)


def seed(world, issued_via="single", **options) -> dict:
    options.setdefault("names", ["revoke.example.org"])
    return world.control.create_certificate(issued_via=issued_via, **options)


def approver_for(world, request_type: str):
    key = f"{request_type}-approver-key-0001"
    world.control.create_user(f"{request_type}.approver@example.org", [APPROVER_ROLES[request_type]], api_key=key)
    return world.client(key)


def completed_request(world, request_type: str) -> str:
    if request_type == "ssl":
        transaction_id = world.seed(["approved.example.org"])
        assert world.approver.accept(transaction_id).status_code == 200
        return transaction_id
    create = getattr(world.control, f"create_{request_type}_request")
    return create(["person@example.org"], REQUESTER)["transactionId"]


@pytest.mark.parametrize("issued_via", ["single", "bulk", "acme"])
def test_admin_revoke_each_path(world, issued_via):
    record = seed(world, issued_via)

    response = admin_revoke(world, issued_via, record["transactionId"])

    assert response.status_code == 200
    assert response.content == b""
    assert world.control.certificate_state(record["serial"])["status"] == "revoked"


def test_admin_revoke_records_revocation(world):
    world.control.set_clock("2027-03-01T12:00:00Z")
    record = seed(world)

    response = admin_revoke(world, "single", record["transactionId"], "4.9.1.1.1.3", message="key leaked",
                            informUser=False)

    assert response.status_code == 200
    state = world.control.certificate_state(record["serial"])
    revocation = state["revocation"]
    assert revocation["reason_code"] == "4.9.1.1.1.3"
    assert revocation["message"] == "key leaked"
    assert revocation["inform_user"] is False
    assert revocation["path"] == "/cm/v1/admin/revoke/single"
    assert revocation["by"] == "admin@example.org"
    assert revocation["at"].startswith("2027-03-01T12:00:0")
    listed = world.admin.get(f"{CERTIFICATES}/serial/{record['serial']}").json()
    assert listed["isRevoked"] is True
    assert listed["revocationCode"] == "4.9.1.1.1.3"
    assert listed["revokedAt"].startswith("2027-03-01T12:00:0")


def test_admin_revoke_body_keys_ignore_case(world):
    record = seed(world)
    payload = {"TRANSACTIONID": record["transactionId"], "Value": "4.9.1.1.1.1", "MESSAGE": "m", "informuser": True}

    response = world.admin.post("/cm/v1/admin/revoke/single", payload)

    assert response.status_code == 200
    assert world.control.certificate_state(record["serial"])["revocation"]["inform_user"] is True


def test_revoked_moves_from_valid_to_revoked_list(world):
    record = seed(world)
    unrevoked = seed(world, names=["unrevoked.example.org"])

    admin_revoke(world, "single", record["transactionId"])

    valid = [item["serial"] for item in world.admin.get(f"{CERTIFICATES}/list/valid").json()]
    revoked = [item["serial"] for item in world.admin.get(f"{CERTIFICATES}/list/revoked").json()]
    assert valid == [unrevoked["serial"]]
    assert revoked == [record["serial"]]


@pytest.mark.parametrize(
    "issued_via, path",
    [("bulk", "single"), ("acme", "single"), ("single", "bulk"), ("acme", "bulk"), ("single", "acme")],
)
def test_admin_revoke_wrong_path_is_400(world, issued_via, path):
    record = seed(world, issued_via)

    response = admin_revoke(world, path, record["transactionId"])

    assert response.status_code == 400
    assert f"/cm/v1/admin/revoke/{issued_via}" in response.json()["message"]
    assert world.control.certificate_state(record["serial"])["status"] == "valid"


@pytest.mark.parametrize("value", ACCEPTED_REASONS)
def test_admin_revoke_accepted_reasons(world, value):
    record = seed(world)

    assert admin_revoke(world, "single", record["transactionId"], value).status_code == 200
    assert world.control.certificate_state(record["serial"])["revocation"]["reason_code"] == value


@pytest.mark.parametrize("value", ["4.9.1.1.1.4", "keyCompromise", "1", " 4.9.1.1.1.1", 4])
def test_admin_revoke_bad_reason_is_400(world, value):
    record = seed(world)

    response = admin_revoke(world, "single", record["transactionId"], value)

    assert response.status_code == 400
    assert response.json() == {"message": f"Invalid revocation reason: {value}"}
    assert world.control.certificate_state(record["serial"])["status"] == "valid"


@pytest.mark.parametrize("value", [None, ""])
def test_admin_revoke_missing_reason_is_400(world, value):
    record = seed(world)
    payload = {"transactionId": record["transactionId"], "message": ""}
    if value is not None:
        payload["value"] = value

    response = world.admin.post("/cm/v1/admin/revoke/single", payload)

    assert response.status_code == 400
    assert "Missing value" in response.json()["message"]


@pytest.mark.parametrize("payload", [{"value": "4.9.1.1.1.1"}, {"transactionId": " ", "value": "4.9.1.1.1.1"}])
def test_admin_revoke_missing_transaction_id_is_400(world, payload):
    response = world.admin.post("/cm/v1/admin/revoke/single", payload)

    assert response.status_code == 400
    assert "Missing transactionId" in response.json()["message"]


def test_admin_revoke_body_not_object_is_400(world):
    response = world.admin.post("/cm/v1/admin/revoke/single", ["not", "an", "object"])

    assert response.status_code == 400
    assert "JSON object" in response.json()["message"]


def test_admin_revoke_unknown_transaction_is_404(world):
    response = admin_revoke(world, "single", "00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert "00000000-0000-4000-8000-000000000000" in response.json()["message"]


def test_admin_revoke_other_enterprise_is_404(world):
    other = world.control.create_enterprise("Other College", ["other.example"])
    world.control.create_user("scoped@example.org", ["enterprise_admin"], enterprise_ids=[world.organization_id],
                               api_key="scoped-admin-key")
    record = seed(world, names=["www.other.example"], organization_id=other["organization_id"])

    response = world.client("scoped-admin-key").post(
        "/cm/v1/admin/revoke/single", {"transactionId": record["transactionId"], "value": "4.9.1.1.1.1"}
    )

    assert response.status_code == 404
    assert world.control.certificate_state(record["serial"])["status"] == "valid"


def test_admin_revoke_expired_is_400(world):
    record = seed(world, not_after="2020-01-01T00:00:00Z")

    response = admin_revoke(world, "single", record["transactionId"])

    assert response.status_code == 400
    assert "the certificate has expired" in response.json()["message"].lower()
    assert world.control.certificate_state(record["serial"])["status"] == "expired"


def test_certificate_expired_by_clock_is_400(world):
    record = seed(world, validity_days=5)
    world.control.set_clock(offset_seconds=6 * 86400)

    response = admin_revoke(world, "single", record["transactionId"])

    assert response.status_code == 400
    assert "the certificate has expired" in response.json()["message"].lower()


def test_already_revoked_error_by_default(world):
    record = seed(world)
    assert admin_revoke(world, "single", record["transactionId"], "4.9.1.1.1.1").status_code == 200

    response = admin_revoke(world, "single", record["transactionId"], "4.9.1.1.1.3")

    assert response.status_code == 400
    assert response.json() == {"message": "The certificate is already revoked"}
    assert world.control.certificate_state(record["serial"])["revocation"]["reason_code"] == "4.9.1.1.1.1"


def test_already_revoked_success_setting(world):
    record = seed(world)
    assert admin_revoke(world, "single", record["transactionId"], "4.9.1.1.1.1").status_code == 200
    before = world.control.certificate_state(record["serial"])
    world.control.settings(already_revoked="success")

    response = admin_revoke(world, "single", record["transactionId"], "4.9.1.1.1.3", message="again")

    assert response.status_code == 200
    assert response.content == b""
    assert world.control.certificate_state(record["serial"]) == before


def test_revoked_and_expired_is_already_revoked(world):
    record = seed(world, validity_days=5, revoked={"reason_code": "4.9.1.1.1.1"})
    world.control.set_clock(offset_seconds=6 * 86400)

    response = admin_revoke(world, "single", record["transactionId"])

    assert response.status_code == 400
    assert response.json() == {"message": "The certificate is already revoked"}


def test_seeded_revocation_has_no_path(world):
    record = seed(world, revoked={"reason_code": "4.9.1.1.1.5", "at": "2026-12-01T10:00:00", "message": "moved"})

    revocation = world.control.certificate_state(record["serial"])["revocation"]

    assert revocation == {
        "at": "2026-12-01T10:00:00Z",
        "reason_code": "4.9.1.1.1.5",
        "message": "moved",
        "inform_user": None,
        "path": None,
        "by": None,
    }


def test_admin_revoke_marks_request_revoked(world):
    transaction_id = completed_request(world, "ssl")

    assert admin_revoke(world, "single", transaction_id).status_code == 200

    record = world.approver.request(transaction_id).json()
    assert record["transactionStatus"] == "Completed"
    assert record["isRevoked"] is True
    listed = world.approver.get("/cm/v1/enterprise/requests/ssl/list/completed").json()
    assert [item["isRevoked"] for item in listed] == [True]


def test_admin_revoke_without_transaction_id_is_impossible(world):
    record = seed(world, with_transaction_id=False)

    response = admin_revoke(world, "single", record["serial"])

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/cm/v1/admin/revoke/single", "/cm/v1/admin/revoke/bulk"])
def test_admin_revoke_rejects_approver(world, path):
    record = seed(world)

    response = world.approver.post(path, {"transactionId": record["transactionId"], "value": "4.9.1.1.1.1"})

    assert response.status_code == 302
    assert world.control.certificate_state(record["serial"])["status"] == "valid"


@pytest.mark.parametrize("request_type", ["ssl", "smime", "clientauth"])
def test_approver_revoke(world, request_type):
    client = world.approver if request_type == "ssl" else approver_for(world, request_type)
    transaction_id = completed_request(world, request_type)

    response = approver_revoke(client, request_type, transaction_id, "4.9.1.1.1.2")

    assert response.status_code == 200
    assert response.content == b""
    record = client.get(f"/cm/v1/enterprise/requests/{request_type}/id/{transaction_id}").json()
    assert record["transactionStatus"] == "Completed"
    assert record["isRevoked"] is True
    serial = world.control.request_state(transaction_id)["serial"]
    revocation = world.control.certificate_state(serial)["revocation"]
    assert revocation["reason_code"] == "4.9.1.1.1.2"
    assert revocation["path"] == f"/cm/v1/enterprise/revoke/{request_type}"
    assert revocation["inform_user"] is True


def test_approver_revoke_with_manual_body(world):
    transaction_id = completed_request(world, "ssl")
    payload = {"transactionId": transaction_id, "message": "", "value": "4.9.1.1.1.1", "informUser": True}

    assert world.approver.post("/cm/v1/enterprise/revoke/ssl", payload).status_code == 200


@pytest.mark.parametrize("request_type", ["ssl", "smime", "clientauth"])
def test_approver_revoke_bad_reason_is_400(world, request_type):
    client = world.approver if request_type == "ssl" else approver_for(world, request_type)
    transaction_id = completed_request(world, request_type)

    response = approver_revoke(client, request_type, transaction_id, "4.9.1.1.9.9")

    assert response.status_code == 400
    assert response.json() == {"message": "Invalid revocation reason: 4.9.1.1.9.9"}


def test_approver_revoke_missing_value_is_400(world):
    transaction_id = completed_request(world, "ssl")

    response = world.approver.post("/cm/v1/enterprise/revoke/ssl", {"transactionId": transaction_id})

    assert response.status_code == 400
    assert "Missing value" in response.json()["message"]


def test_approver_revoke_missing_transaction_id_is_400(world):
    response = world.approver.post("/cm/v1/enterprise/revoke/ssl", {"value": "4.9.1.1.1.1"})

    assert response.status_code == 400
    assert "Missing transactionId" in response.json()["message"]


def test_approver_revoke_pending_request_is_400(world):
    transaction_id = world.seed(["pending.example.org"])

    response = approver_revoke(world.approver, "ssl", transaction_id)

    assert response.status_code == 400
    assert "not completed" in response.json()["message"]


@pytest.mark.parametrize("status", ["pending", "ready", "cancelled"])
def test_approver_revoke_uncompleted_smime_is_400(world, status):
    client = approver_for(world, "smime")
    transaction_id = world.control.create_smime_request(["p@example.org"], REQUESTER, status=status)["transactionId"]

    response = approver_revoke(client, "smime", transaction_id)

    assert response.status_code == 400
    assert status in response.json()["message"]


def test_approver_revoke_unknown_request_is_404(world):
    response = approver_revoke(world.approver, "ssl", "00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404


def test_approver_revoke_other_type_is_404(world):
    client = approver_for(world, "smime")
    world.control.create_user("both@example.org", ["ssl_approver", "smime_approver"], api_key="both-key")
    transaction_id = completed_request(world, "smime")

    response = approver_revoke(world.client("both-key"), "ssl", transaction_id)

    assert response.status_code == 404
    assert approver_revoke(client, "smime", transaction_id).status_code == 200


def test_approver_revoke_expired_is_400(world):
    client = approver_for(world, "clientauth")
    transaction_id = world.control.create_clientauth_request(
        ["p@example.org"], REQUESTER, not_after="2020-01-01T00:00:00Z"
    )["transactionId"]

    response = approver_revoke(client, "clientauth", transaction_id)

    assert response.status_code == 400
    assert "the certificate has expired" in response.json()["message"].lower()


def test_approver_revoke_already_revoked_both_settings(world):
    transaction_id = completed_request(world, "ssl")
    assert approver_revoke(world.approver, "ssl", transaction_id).status_code == 200

    again = approver_revoke(world.approver, "ssl", transaction_id)
    world.control.settings(already_revoked="success")
    quiet = approver_revoke(world.approver, "ssl", transaction_id)

    assert again.status_code == 400
    assert again.json() == {"message": "The certificate is already revoked"}
    assert quiet.status_code == 200
    assert quiet.content == b""


@pytest.mark.parametrize(
    "request_type, wrong_role",
    [("ssl", "smime_approver"), ("smime", "ssl_approver"), ("smime", "clientauth_approver"),
     ("clientauth", "smime_approver"), ("clientauth", "enterprise_admin")],
)
def test_approver_revoke_wrong_role(world, request_type, wrong_role):
    transaction_id = completed_request(world, request_type)
    world.control.create_user("wrong@example.org", [wrong_role], api_key="wrong-role-key")
    client = world.client("wrong-role-key")

    redirected = approver_revoke(client, request_type, transaction_id)
    world.control.settings(permission_denied="status")
    forbidden = approver_revoke(client, request_type, transaction_id)

    assert redirected.status_code == 302
    assert redirected.headers["Location"] == f"/login?ReturnUrl=%2Fcm%2Fv1%2Fenterprise%2Frevoke%2F{request_type}"
    assert forbidden.status_code == 403
    assert APPROVER_ROLES[request_type] in forbidden.json()["message"]
    serial = world.control.request_state(transaction_id)["serial"]
    assert world.control.certificate_state(serial)["status"] == "valid"


def test_admin_key_cannot_use_approver_revoke(world):
    transaction_id = completed_request(world, "ssl")

    response = approver_revoke(world.client(ADMIN_KEY), "ssl", transaction_id)

    assert response.status_code == 302
