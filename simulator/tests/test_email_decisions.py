"""Accept and cancel of S/MIME and client-auth requests: transitions, rejections, roles, hold, log.

Every test that takes the `desk` fixture runs once for S/MIME and once for client auth.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from harica_simulator.testing import ControlError

from email_support import REQUEST_TYPES, ROLES, open_desk
from sim_support import APPROVER

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def test_seeded_pending_request(desk):
    record = desk.seed_record()

    assert record["transactionStatus"] == "Pending"
    assert record["reviewedAt"] is None
    assert record["reviewedBy"] is None
    assert record["isHighRisk"] is False
    assert record["certificate"] is None
    assert record["pemBundle"] is None
    assert desk.world.control.certificates() == []


def test_accept_completes_at_once(desk):
    transaction_id = desk.seed()

    response = desk.accept(transaction_id, "looks fine")

    assert response.status_code == 200
    assert response.content == b""
    record = desk.record(transaction_id)
    assert record["transactionStatus"] == "Completed"
    assert record["reviewedBy"] == desk.approver_email
    assert record["reviewedAt"] is not None
    assert record["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert record["pemBundle"].count("-----BEGIN CERTIFICATE-----") == 2
    assert record["certificateValidTo"] is not None
    assert record["isRevoked"] is False


def test_accept_with_delay_goes_through_ready(desk):
    desk.world.control.settings(issuance_delay_seconds=600)
    transaction_id = desk.seed()

    assert desk.accept(transaction_id).status_code == 200

    ready = desk.record(transaction_id)
    assert ready["transactionStatus"] == "Ready"
    assert ready["certificate"] is None
    assert ready["reviewedBy"] == desk.approver_email
    assert desk.world.control.certificates() == []
    desk.world.control.set_clock(offset_seconds=599)
    assert desk.status(transaction_id) == "Ready"
    desk.world.control.set_clock(offset_seconds=601)
    completed = desk.record(transaction_id)
    assert completed["transactionStatus"] == "Completed"
    assert completed["certificate"].startswith("-----BEGIN CERTIFICATE-----")


def test_delay_is_fixed_at_acceptance(desk):
    desk.world.control.settings(issuance_delay_seconds=600)
    transaction_id = desk.seed()
    desk.accept(transaction_id)

    desk.world.control.settings(issuance_delay_seconds=0)

    assert desk.status(transaction_id) == "Ready"
    state = desk.world.control.request_state(transaction_id)
    assert state["ready_at"] is not None
    assert state["issue_at"] is not None


def test_accept_records_message_and_actor(desk):
    transaction_id = desk.seed()

    desk.accept(transaction_id, "approved by the test")

    history = desk.world.control.request_state(transaction_id)["history"]
    assert len(history) == 1
    assert history[0]["action"] == "accept"
    assert history[0]["by"] == desk.approver_email
    assert history[0]["message"] == "approved by the test"
    assert history[0]["inform_user"] is None


def test_cancel_pending(desk):
    transaction_id = desk.seed()

    response = desk.cancel(transaction_id, "duplicate", inform_user=False)

    assert response.status_code == 200
    assert response.content == b""
    record = desk.record(transaction_id)
    assert record["transactionStatus"] == "Cancelled"
    assert record["reviewedBy"] == desk.approver_email
    assert record["reviewedAt"] is not None
    assert record["certificate"] is None
    history = desk.world.control.request_state(transaction_id)["history"]
    assert [(entry["action"], entry["message"], entry["inform_user"]) for entry in history] == [
        ("cancel", "duplicate", False)
    ]


def test_cancel_ready(desk):
    desk.world.control.settings(issuance_delay_seconds=600)
    transaction_id = desk.seed()
    desk.accept(transaction_id)
    assert desk.status(transaction_id) == "Ready"

    assert desk.cancel(transaction_id).status_code == 200

    assert desk.status(transaction_id) == "Cancelled"
    desk.world.control.set_clock(offset_seconds=700)
    assert desk.status(transaction_id) == "Cancelled"
    assert desk.world.control.request_state(transaction_id)["certificate_pem"] is None
    assert desk.world.control.certificates() == []


def test_cancel_seeded_ready(desk):
    transaction_id = desk.seed(status="ready")

    assert desk.cancel(transaction_id).status_code == 200

    assert desk.status(transaction_id) == "Cancelled"


@pytest.mark.parametrize("seeded_status", ["pending", "completed"])
def test_cancel_completed_is_rejected(desk, seeded_status):
    transaction_id = desk.seed(status=seeded_status)
    if seeded_status == "pending":
        desk.accept(transaction_id)

    response = desk.cancel(transaction_id)

    assert response.status_code == 400
    assert "completed" in response.json()["message"]
    assert desk.status(transaction_id) == "Completed"


@pytest.mark.parametrize("seeded_status", ["pending", "cancelled"])
def test_cancel_twice_is_rejected(desk, seeded_status):
    transaction_id = desk.seed(status=seeded_status)
    if seeded_status == "pending":
        desk.cancel(transaction_id)

    response = desk.cancel(transaction_id)

    assert response.status_code == 400
    assert "already cancelled" in response.json()["message"]


@pytest.mark.parametrize("seeded_status", ["pending", "cancelled"])
def test_accept_cancelled_is_rejected(desk, seeded_status):
    transaction_id = desk.seed(status=seeded_status)
    if seeded_status == "pending":
        desk.cancel(transaction_id)

    response = desk.accept(transaction_id)

    assert response.status_code == 400
    assert "cancelled" in response.json()["message"]
    assert desk.status(transaction_id) == "Cancelled"
    assert desk.world.control.certificates() == []


@pytest.mark.parametrize("delay, expected_status", [(600, "Ready"), (0, "Completed")])
def test_accept_twice_is_rejected(desk, delay, expected_status):
    desk.world.control.settings(issuance_delay_seconds=delay)
    transaction_id = desk.seed()
    desk.accept(transaction_id)

    response = desk.accept(transaction_id)

    assert response.status_code == 400
    assert "already been accepted" in response.json()["message"]
    assert desk.status(transaction_id) == expected_status
    assert len(desk.world.control.request_state(transaction_id)["history"]) == 1


@pytest.mark.parametrize("seeded_status, word", [("ready", "Ready"), ("completed", "Completed")])
def test_accept_seeded_accepted_is_rejected(desk, seeded_status, word):
    transaction_id = desk.seed(status=seeded_status)

    response = desk.accept(transaction_id)

    assert response.status_code == 400
    assert "already been accepted" in response.json()["message"]
    assert desk.status(transaction_id) == word


@pytest.mark.parametrize("requester_case", [str.lower, str.upper])
def test_accept_own_request_is_rejected(desk, requester_case):
    transaction_id = desk.seed(requester_email=requester_case(desk.approver_email))

    response = desk.accept(transaction_id)

    assert response.status_code == 400
    assert response.json()["message"] == "You cannot approve a request you submitted."
    assert desk.status(transaction_id) == "Pending"
    assert desk.world.control.request_state(transaction_id)["history"] == []


def test_cancel_own_request_is_allowed(desk):
    transaction_id = desk.seed(requester_email=desk.approver_email)

    assert desk.cancel(transaction_id).status_code == 200

    assert desk.status(transaction_id) == "Cancelled"


def test_high_risk_seed_is_flagged(desk):
    record = desk.seed_record(high_risk=True)

    assert record["transactionStatus"] == "Pending"
    assert record["isHighRisk"] is True
    state = desk.world.control.request_state(record["transactionId"])
    assert state["high_risk"] is True
    assert state["held_for_review"] is False


def test_high_risk_is_held_until_release(desk):
    transaction_id = desk.seed(high_risk=True)

    assert desk.accept(transaction_id).status_code == 200

    on_hold = desk.record(transaction_id)
    assert on_hold["transactionStatus"] == "Pending"
    assert on_hold["isHighRisk"] is True
    assert on_hold["reviewedBy"] == desk.approver_email
    assert on_hold["reviewedAt"] is not None
    assert on_hold["certificate"] is None
    assert desk.world.control.request_state(transaction_id)["held_for_review"] is True
    assert desk.world.control.certificates() == []
    second = desk.accept(transaction_id)
    assert second.status_code == 400
    assert "held for review" in second.json()["message"]

    state = desk.world.control.release(transaction_id)

    assert state["status"] == "completed"
    assert state["held_for_review"] is False
    assert [entry["action"] for entry in state["history"]] == ["accept", "release"]
    released = desk.record(transaction_id)
    assert released["transactionStatus"] == "Completed"
    assert released["certificate"] == state["certificate_pem"]
    assert released["reviewedBy"] == desk.approver_email


def test_high_risk_is_listed_pending_while_held(desk):
    transaction_id = desk.seed(high_risk=True)
    desk.accept(transaction_id)

    pending = desk.approver.get(f"/cm/v1/enterprise/requests/{desk.request_type}/list/pending").json()
    ready = desk.approver.get(f"/cm/v1/enterprise/requests/{desk.request_type}/list/ready").json()

    assert [record["transactionId"] for record in pending] == [transaction_id]
    assert ready == []


def test_release_with_delay_makes_ready(desk):
    desk.world.control.settings(issuance_delay_seconds=300)
    transaction_id = desk.seed(high_risk=True)
    desk.accept(transaction_id)

    desk.world.control.release(transaction_id)

    assert desk.status(transaction_id) == "Ready"
    desk.world.control.set_clock(offset_seconds=301)
    assert desk.status(transaction_id) == "Completed"


def test_release_without_hold_is_rejected(desk):
    transaction_id = desk.seed()

    with pytest.raises(ControlError) as caught:
        desk.world.control.release(transaction_id)

    assert caught.value.status == 400
    assert "not held" in caught.value.message
    assert desk.status(transaction_id) == "Pending"


def test_release_twice_is_rejected(desk):
    transaction_id = desk.seed(high_risk=True)
    desk.accept(transaction_id)
    desk.world.control.release(transaction_id)

    with pytest.raises(ControlError) as caught:
        desk.world.control.release(transaction_id)

    assert caught.value.status == 400
    assert "not held" in caught.value.message


def test_cancel_held_request(desk):
    transaction_id = desk.seed(high_risk=True)
    desk.accept(transaction_id)

    assert desk.cancel(transaction_id).status_code == 200

    assert desk.status(transaction_id) == "Cancelled"
    state = desk.world.control.request_state(transaction_id)
    assert state["held_for_review"] is False
    with pytest.raises(ControlError) as caught:
        desk.world.control.release(transaction_id)
    assert caught.value.status == 400


def test_high_risk_own_request_is_rejected(desk):
    transaction_id = desk.seed(high_risk=True, requester_email=desk.approver_email)

    response = desk.accept(transaction_id)

    assert response.status_code == 400
    assert response.json()["message"] == "You cannot approve a request you submitted."
    assert desk.world.control.request_state(transaction_id)["held_for_review"] is False


def test_invalid_high_risk_is_400(desk):
    with pytest.raises(ControlError) as caught:
        desk.seed(high_risk="yes")

    assert caught.value.status == 400
    assert "high_risk" in caught.value.message


def test_lists_by_status_after_decisions(desk):
    desk.world.control.settings(issuance_delay_seconds=600)
    pending = desk.seed()
    ready = desk.seed()
    cancelled = desk.seed()
    desk.accept(ready)
    desk.cancel(cancelled)
    desk.world.control.settings(issuance_delay_seconds=0)
    completed = desk.seed()
    desk.accept(completed)
    expected = {"pending": pending, "ready": ready, "cancelled": cancelled, "completed": completed}

    for word, transaction_id in expected.items():
        response = desk.approver.get(f"/cm/v1/enterprise/requests/{desk.request_type}/list/{word}")
        assert response.status_code == 200
        assert [record["transactionId"] for record in response.json()] == [transaction_id], word


def test_unknown_transaction_is_404(desk):
    for response in (desk.accept(UNKNOWN_ID), desk.cancel(UNKNOWN_ID)):
        assert response.status_code == 404
        assert UNKNOWN_ID in response.json()["message"]


def test_request_of_other_type_is_404(desk):
    other_type = next(name for name in REQUEST_TYPES if name != desk.request_type)
    other = open_desk(desk.world, other_type)
    theirs = other.seed()
    ssl_request = desk.world.seed()

    for transaction_id in (theirs, ssl_request):
        assert desk.accept(transaction_id).status_code == 404
        assert desk.cancel(transaction_id).status_code == 404
    assert other.status(theirs) == "Pending"
    assert desk.world.approver.request(ssl_request).json()["transactionStatus"] == "Pending"


def test_ssl_path_does_not_accept_email_request(desk):
    transaction_id = desk.seed()

    response = desk.world.approver.accept(transaction_id)

    assert response.status_code == 404
    assert desk.status(transaction_id) == "Pending"


def test_approver_of_other_enterprise_gets_404(desk):
    other = desk.world.control.create_enterprise("Other Org", ["other.test"])
    desk.world.control.create_user(
        "outsider@other.test", [desk.role], enterprise_ids=[other["organization_id"]], api_key="outsider-key"
    )
    outsider = desk.world.client("outsider-key")
    transaction_id = desk.seed(organization_id=desk.world.organization_id)

    assert desk.accept(transaction_id, client=outsider).status_code == 404
    assert desk.cancel(transaction_id, client=outsider).status_code == 404
    assert desk.status(transaction_id) == "Pending"


def test_body_not_json_is_400(desk):
    for action in ("accept", "cancel"):
        response = desk.approver.post(desk.path(action), data="transactionId=1", headers={"Content-Type": "text/plain"})
        assert response.status_code == 400, action
        assert "not valid JSON" in response.json()["message"], action


@pytest.mark.parametrize("action", ["accept", "cancel"])
@pytest.mark.parametrize("payload", [{}, {"message": "x"}, {"transactionId": ""}, {"transactionId": 5}, [1]])
def test_body_without_transaction_id_is_400(desk, action, payload):
    response = desk.approver.post(desk.path(action), payload)

    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.parametrize("action", ["accept", "cancel"])
def test_invalid_message_or_inform_user_is_400(desk, action):
    transaction_id = desk.seed()

    wrong_message = desk.approver.post(desk.path(action), {"transactionId": transaction_id, "message": 5})
    wrong_inform = desk.approver.post(desk.path(action), {"transactionId": transaction_id, "informUser": "yes"})

    assert wrong_message.status_code == 400
    assert "message" in wrong_message.json()["message"]
    assert wrong_inform.status_code == 400
    assert "informUser" in wrong_inform.json()["message"]
    assert desk.status(transaction_id) == "Pending"


@pytest.mark.parametrize("key", ["transactionid", "TRANSACTIONID", "TransactionID"])
def test_body_keys_match_any_case(desk, key):
    transaction_id = desk.seed()

    response = desk.approver.post(desk.path("accept"), {key: transaction_id, "MESSAGE": "ok"})

    assert response.status_code == 200
    assert desk.world.control.request_state(transaction_id)["history"][0]["message"] == "ok"


def test_cancel_body_of_manual_casing(desk):
    transaction_id = desk.seed()
    payload = {"TransactionId": transaction_id, "Message": "no longer needed", "InformUser": True}

    response = desk.approver.post(desk.path("cancel"), payload)

    assert response.status_code == 200
    entry = desk.world.control.request_state(transaction_id)["history"][0]
    assert entry["message"] == "no longer needed"
    assert entry["inform_user"] is True


def other_roles(request_type: str) -> list[str]:
    """Return every role except the approver role of `request_type`."""
    others = [role for name, role in ROLES.items() if name != request_type]
    return ["ssl_approver", "enterprise_admin", *others]


ROLE_CASES = [
    (request_type, action, role)
    for request_type in REQUEST_TYPES
    for action in ("accept", "cancel")
    for role in other_roles(request_type)
]


@pytest.mark.parametrize("request_type, action, role", ROLE_CASES)
def test_other_roles_get_login_redirect(world, request_type, action, role):
    desk = open_desk(world, request_type)
    world.control.create_user("other-role@example.org", [role], api_key="other-role-key")
    transaction_id = desk.seed()
    path = desk.path(action)

    response = world.client("other-role-key").post(path, {"transactionId": transaction_id})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?ReturnUrl=" + quote(path, safe="")
    assert desk.status(transaction_id) == "Pending"


@pytest.mark.parametrize("request_type, action, role", ROLE_CASES)
def test_other_roles_get_403_under_status_setting(world, request_type, action, role):
    desk = open_desk(world, request_type)
    world.control.settings(permission_denied="status")
    world.control.create_user("other-role@example.org", [role], api_key="other-role-key")
    transaction_id = desk.seed()

    response = world.client("other-role-key").post(desk.path(action), {"transactionId": transaction_id})

    assert response.status_code == 403
    assert ROLES[request_type] in response.json()["message"]
    assert desk.status(transaction_id) == "Pending"


def test_missing_or_unknown_key_is_401(desk):
    transaction_id = desk.seed()

    for client in (desk.world.client(None), desk.world.client("no-such-key")):
        for action in ("accept", "cancel"):
            response = client.post(desk.path(action), {"transactionId": transaction_id})
            assert response.status_code == 401, action
    assert desk.status(transaction_id) == "Pending"


def test_user_with_both_email_roles(world):
    world.control.create_user(
        "both@example.org", ["smime_approver", "clientauth_approver"], api_key="both-email-key"
    )
    smime = open_desk(world, "smime")
    clientauth = open_desk(world, "clientauth")
    both = world.client("both-email-key")
    smime_request = smime.seed()
    clientauth_request = clientauth.seed()

    assert smime.accept(smime_request, client=both).status_code == 200
    assert clientauth.cancel(clientauth_request, client=both).status_code == 200

    assert smime.status(smime_request) == "Completed"
    assert clientauth.status(clientauth_request) == "Cancelled"
    assert smime.record(smime_request)["reviewedBy"] == "both@example.org"


def test_request_of_other_approver_is_accepted(world):
    # The four-eyes rule compares the requester with the acting user only.
    desk = open_desk(world, "smime")
    transaction_id = desk.seed(requester_email=APPROVER)

    response = desk.accept(transaction_id)

    assert response.status_code == 200
    assert desk.status(transaction_id) == "Completed"


def test_log_entries_of_decisions(desk):
    accepted = desk.seed()
    cancelled = desk.seed()
    desk.world.control.clear_log()

    desk.accept(accepted, "fine")
    desk.cancel(cancelled, "duplicate", inform_user=False)
    desk.accept(cancelled)

    entries = desk.world.control.log()["entries"]
    assert [entry["path"] for entry in entries] == [desk.path("accept"), desk.path("cancel"), desk.path("accept")]
    assert [entry["method"] for entry in entries] == ["POST", "POST", "POST"]
    assert [entry["status"] for entry in entries] == [200, 200, 400]
    assert [entry["user"] for entry in entries] == [desk.approver_email] * 3
    assert [entry["fault"] for entry in entries] == [None, None, None]
    assert entries[0]["body"] == {"transactionId": accepted, "message": "fine"}
    assert entries[1]["body"] == {"TransactionId": cancelled, "Message": "duplicate", "InformUser": False}


def test_log_entry_of_refused_role(desk):
    desk.world.control.clear_log()
    transaction_id = desk.seed()

    desk.world.approver.post(desk.path("accept"), {"transactionId": transaction_id})

    entries = desk.world.control.log()["entries"]
    assert len(entries) == 1
    assert entries[0]["status"] == 302
    assert entries[0]["user"] == APPROVER
    assert entries[0]["path"] == desk.path("accept")

