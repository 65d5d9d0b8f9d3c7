"""Request lifecycle through the /cm/v1 approver API: transitions and rejections."""

from __future__ import annotations

import pytest

from harica_simulator.testing import ControlError

from sim_support import APPROVER, REQUESTER

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def status_of(world, transaction_id: str) -> str:
    response = world.approver.request(transaction_id)
    assert response.status_code == 200, response.text
    return response.json()["transactionStatus"]


def test_seeded_request_is_pending_with_default_shape(world):
    transaction_id = world.seed(["a.example.org", {"fqdn": "b.example.org", "includes_www": True}])

    response = world.approver.request(transaction_id)

    assert response.status_code == 200
    record = response.json()
    assert record["transactionId"] == transaction_id
    assert record["transactionStatus"] == "Pending"
    assert record["transactionTypeName"] == "OV"
    assert record["domains"] == [
        {"fqdn": "a.example.org", "includesWWW": False},
        {"fqdn": "b.example.org", "includesWWW": True},
    ]
    assert record["dN"] == "CN=a.example.org, O=Example University, C=GR"
    assert record["userEmail"] == REQUESTER
    assert record["organizationId"] == world.organization_id
    assert record["reviewedAt"] is None
    assert record["certificate"] is None
    assert record["pemBundle"] is None
    assert record["isRevoked"] is False
    assert len(record["requestedAt"].split(".")[1]) == 7
    assert record["requestedAt"][-1].isdigit()


def test_accept_issues_certificate_at_once(world):
    transaction_id = world.seed()

    response = world.approver.accept(transaction_id, "looks fine")

    assert response.status_code == 200
    assert response.content == b""
    record = world.approver.request(transaction_id).json()
    assert record["transactionStatus"] == "Completed"
    assert record["reviewedBy"] == APPROVER
    assert record["reviewedAt"] is not None
    assert record["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert record["certificateValidTo"] is not None


def test_accept_with_delay_goes_through_ready(world):
    world.control.settings(issuance_delay_seconds=600)
    transaction_id = world.seed()

    assert world.approver.accept(transaction_id).status_code == 200

    assert status_of(world, transaction_id) == "Ready"
    assert world.approver.request(transaction_id).json()["certificate"] is None
    world.control.set_clock(offset_seconds=601)
    assert status_of(world, transaction_id) == "Completed"


def test_accept_records_message_and_actor(world):
    transaction_id = world.seed()

    world.approver.accept(transaction_id, "approved by the test")

    history = world.control.request_state(transaction_id)["history"]
    assert len(history) == 1
    assert history[0]["action"] == "accept"
    assert history[0]["by"] == APPROVER
    assert history[0]["message"] == "approved by the test"
    assert history[0]["inform_user"] is None


def test_cancel_pending(world):
    transaction_id = world.seed()

    assert world.approver.cancel(transaction_id).status_code == 200

    assert status_of(world, transaction_id) == "Cancelled"


def test_cancel_ready(world):
    world.control.settings(issuance_delay_seconds=600)
    transaction_id = world.seed()
    world.approver.accept(transaction_id)
    assert status_of(world, transaction_id) == "Ready"

    assert world.approver.cancel(transaction_id).status_code == 200

    assert status_of(world, transaction_id) == "Cancelled"
    world.control.set_clock(offset_seconds=700)
    assert status_of(world, transaction_id) == "Cancelled"
    assert world.control.request_state(transaction_id)["certificate_pem"] is None


def test_cancel_records_inform_user(world):
    transaction_id = world.seed()

    response = world.approver.cancel(transaction_id, "duplicate", inform_user=False)

    assert response.status_code == 200
    assert response.content == b""
    state = world.control.request_state(transaction_id)
    assert state["status"] == "cancelled"
    assert state["history"][0]["action"] == "cancel"
    assert state["history"][0]["message"] == "duplicate"
    assert state["history"][0]["inform_user"] is False


def test_cancel_completed_is_rejected(world):
    transaction_id = world.seed()
    world.approver.accept(transaction_id)

    response = world.approver.cancel(transaction_id)

    assert response.status_code == 400
    assert "completed" in response.json()["message"]
    assert status_of(world, transaction_id) == "Completed"


def test_cancel_twice_is_rejected(world):
    transaction_id = world.seed()
    world.approver.cancel(transaction_id)

    response = world.approver.cancel(transaction_id)

    assert response.status_code == 400
    assert "already cancelled" in response.json()["message"]


def test_accept_cancelled_is_rejected(world):
    transaction_id = world.seed()
    world.approver.cancel(transaction_id)

    response = world.approver.accept(transaction_id)

    assert response.status_code == 400
    assert "cancelled" in response.json()["message"]
    assert status_of(world, transaction_id) == "Cancelled"


@pytest.mark.parametrize("delay, expected_status", [(600, "Ready"), (0, "Completed")])
def test_accept_twice_is_rejected(world, delay, expected_status):
    world.control.settings(issuance_delay_seconds=delay)
    transaction_id = world.seed()
    world.approver.accept(transaction_id)

    response = world.approver.accept(transaction_id)

    assert response.status_code == 400
    assert "already been accepted" in response.json()["message"]
    assert status_of(world, transaction_id) == expected_status


def test_accept_own_request_is_rejected(world):
    transaction_id = world.seed(requester_email=APPROVER)

    response = world.approver.accept(transaction_id)

    assert response.status_code == 400
    assert response.json()["message"] == "You cannot approve a request you submitted."
    assert status_of(world, transaction_id) == "Pending"


def test_high_risk_is_held_until_release(world):
    transaction_id = world.seed(high_risk=True)

    assert world.approver.accept(transaction_id).status_code == 200

    record = world.approver.request(transaction_id).json()
    assert record["transactionStatus"] == "Pending"
    assert record["isHighRisk"] is True
    assert record["reviewedBy"] == APPROVER
    assert record["reviewedAt"] is not None
    second = world.approver.accept(transaction_id)
    assert second.status_code == 400
    assert "held for review" in second.json()["message"]

    state = world.control.release(transaction_id)

    assert state["status"] == "completed"
    assert status_of(world, transaction_id) == "Completed"


def test_release_with_delay_makes_ready(world):
    world.control.settings(issuance_delay_seconds=300)
    transaction_id = world.seed(high_risk=True)
    world.approver.accept(transaction_id)

    world.control.release(transaction_id)

    assert status_of(world, transaction_id) == "Ready"


def test_release_without_hold_is_rejected(world):
    transaction_id = world.seed()

    with pytest.raises(ControlError) as caught:
        world.control.release(transaction_id)

    assert caught.value.status == 400
    assert "not held" in caught.value.message


def test_cancel_held_request(world):
    transaction_id = world.seed(high_risk=True)
    world.approver.accept(transaction_id)

    assert world.approver.cancel(transaction_id).status_code == 200

    assert status_of(world, transaction_id) == "Cancelled"


def test_unknown_transaction_is_404(world):
    lookups = [
        world.approver.request(UNKNOWN_ID),
        world.approver.accept(UNKNOWN_ID),
        world.approver.cancel(UNKNOWN_ID),
    ]

    for response in lookups:
        assert response.status_code == 404
        assert UNKNOWN_ID in response.json()["message"]


def test_body_not_json_is_400(world):
    response = world.approver.post(
        "/cm/v1/enterprise/accept/ssl", data="transactionId=1", headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]


@pytest.mark.parametrize("payload", [{}, {"message": "x"}, {"transactionId": ""}, {"transactionId": 5}, [1]])
def test_body_without_transaction_id_is_400(world, payload):
    response = world.approver.post("/cm/v1/enterprise/accept/ssl", payload)

    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.parametrize("key", ["transactionid", "TRANSACTIONID", "TransactionID"])
def test_body_keys_match_any_case(world, key):
    transaction_id = world.seed()

    response = world.approver.post("/cm/v1/enterprise/accept/ssl", {key: transaction_id, "MESSAGE": "ok"})

    assert response.status_code == 200
    assert world.control.request_state(transaction_id)["history"][0]["message"] == "ok"


def test_lists_by_status(world):
    world.control.settings(issuance_delay_seconds=600)
    pending = world.seed()
    ready = world.seed()
    cancelled = world.seed()
    world.approver.accept(ready)
    world.approver.cancel(cancelled)
    world.control.settings(issuance_delay_seconds=0)
    completed = world.seed()
    world.approver.accept(completed)
    expected = {"pending": pending, "ready": ready, "cancelled": cancelled, "completed": completed}

    for word, transaction_id in expected.items():
        response = world.approver.get(f"/cm/v1/enterprise/requests/ssl/list/{word}")
        assert response.status_code == 200
        assert [r["transactionId"] for r in response.json()] == [transaction_id], word

    everything = world.approver.get("/cm/v1/enterprise/requests/ssl").json()
    assert {r["transactionId"] for r in everything} == set(expected.values())


def test_list_unknown_status_is_400(world):
    response = world.approver.get("/cm/v1/enterprise/requests/ssl/list/revoked")

    assert response.status_code == 400
    assert "revoked" in response.json()["message"]


def test_approver_sees_only_own_enterprise(world):
    other = world.control.create_enterprise("Other Org", ["other.test"])
    world.control.create_user(
        "other-approver@other.test", ["ssl_approver"], enterprise_ids=[other["organization_id"]], api_key="other-key"
    )
    ours = world.seed(organization_id=world.organization_id)
    theirs = world.seed(["www.other.test"], organization_id=other["organization_id"])
    other_client = world.client("other-key")

    listed = other_client.get("/cm/v1/enterprise/requests/ssl").json()

    assert [r["transactionId"] for r in listed] == [theirs]
    assert other_client.request(ours).status_code == 404
    assert other_client.accept(ours).status_code == 404
    assert world.approver.request(theirs).status_code == 200


def test_seed_needs_organization_with_two_enterprises(world):
    world.control.create_enterprise("Second", [])

    with pytest.raises(ControlError) as caught:
        world.control.create_ssl_request(["www.example.org"], REQUESTER)

    assert caught.value.status == 400
    assert "organization_id" in caught.value.message


def test_seed_rejects_domain_outside_enterprise(world):
    with pytest.raises(ControlError) as caught:
        world.control.create_ssl_request(["www.example.com"], REQUESTER)

    assert caught.value.status == 400
    assert "www.example.com" in caught.value.message
