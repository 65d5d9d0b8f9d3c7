"""Tests of request selection, planning, unknown outcomes and waiting."""

from __future__ import annotations

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._approvals import (
    ACCEPTED,
    CANCELLED,
    Plan,
    RequestStore,
    WaitError,
    apply_transition,
    is_held,
    plan_transition,
    select_request,
    wait_for_issuance,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaConnectionError,
    HaricaError,
    HaricaServerError,
)
from ansible_collections.harica.certmanager.tests.unit.utils.fake_api import FakeApprovalAPI, raw_request

ACCEPT = "/cm/v1/enterprise/accept/ssl"
CANCEL = "/cm/v1/enterprise/cancel/ssl"
BY_ID = "/cm/v1/enterprise/requests/ssl/id/"


def api_and_store(*requests, **options):
    api = FakeApprovalAPI(*requests, **options)
    return api, RequestStore(api, "ssl")


def store_for(*requests, **options):
    return api_and_store(*requests, **options)[1]


# Selection


def test_select_by_transaction_id():
    store = store_for(raw_request("a"), raw_request("b"))
    assert select_request(store, state=ACCEPTED, transaction_id="b")["transaction_id"] == "b"


def test_select_unknown_transaction_id():
    store = store_for(raw_request("a"))
    assert select_request(store, state=ACCEPTED, transaction_id="zzz") is None


def test_select_by_names_is_exact_and_unordered():
    store = store_for(
        raw_request("one", names=["a.example.org"]),
        raw_request("two", names=["b.example.org", "a.example.org"]),
    )
    found = select_request(store, state=ACCEPTED, names=["a.example.org", "b.example.org"])
    assert found["transaction_id"] == "two"


def test_select_counts_www_flag():
    record = raw_request("www", names=[])
    record["domains"] = [{"fqdn": "example.org", "includesWWW": True}]
    store = store_for(record)
    assert select_request(store, state=ACCEPTED, names=["example.org"]) is None
    found = select_request(store, state=ACCEPTED, names=["www.example.org", "example.org"])
    assert found["transaction_id"] == "www"


def test_select_prefers_pending_over_completed():
    store = store_for(raw_request("old", "Completed"), raw_request("new", "Pending"))
    assert select_request(store, state=ACCEPTED, names=["app.example.org"])["transaction_id"] == "new"


def test_select_newest_done_on_rerun():
    store = store_for(
        raw_request("older", "Completed", requestedAt="2026-01-01T00:00:00"),
        raw_request("newer", "Ready", requestedAt="2026-06-01T00:00:00"),
        raw_request("gone", "Cancelled", requestedAt="2026-07-01T00:00:00"),
    )
    assert select_request(store, state=ACCEPTED, names=["app.example.org"])["transaction_id"] == "newer"


def test_select_refuses_several_pending():
    store = store_for(raw_request("p1"), raw_request("p2"))
    with pytest.raises(HaricaError) as info:
        select_request(store, state=ACCEPTED, names=["app.example.org"])
    assert "p1 (pending" in info.value.message
    assert "p2 (pending" in info.value.message
    assert info.value.details["candidates"] == ["p1", "p2"]


def test_select_for_cancel_takes_ready():
    store = store_for(raw_request("done", "Completed"), raw_request("open", "Ready"))
    assert select_request(store, state=CANCELLED, names=["app.example.org"])["transaction_id"] == "open"


def test_select_for_cancel_falls_back_to_cancelled():
    store = store_for(raw_request("gone", "Canceled"))
    assert select_request(store, state=CANCELLED, names=["app.example.org"])["status"] == "cancelled"


def test_list_status_is_checked_locally():
    api, store = api_and_store(raw_request("a", "Pending"))
    api.get_json = lambda path, action: [raw_request("x", "Completed"), raw_request("a", "Pending")]
    assert [r["transaction_id"] for r in store.list("pending")] == ["a"]


# Planning


@pytest.mark.parametrize(
    "status, state, plan",
    [
        ("Pending", ACCEPTED, Plan("accept", "accepted")),
        ("Ready", ACCEPTED, Plan(None, "already_accepted")),
        ("Completed", ACCEPTED, Plan(None, "already_accepted")),
        ("Pending", CANCELLED, Plan("cancel", "cancelled")),
        ("Ready", CANCELLED, Plan("cancel", "cancelled")),
        ("Cancelled", CANCELLED, Plan(None, "already_cancelled")),
        ("Canceled", CANCELLED, Plan(None, "already_cancelled")),
    ],
)
def test_plan_transition(status, state, plan):
    store = store_for(raw_request("a", status))
    assert plan_transition(store, store.get("a"), state) == plan


def test_plan_held_request_counts_as_accepted():
    store = store_for(raw_request("a", isHighRisk=True, reviewedAt="2026-07-01T00:00:00"))
    request = store.get("a")
    assert is_held(request)
    assert plan_transition(store, request, ACCEPTED) == Plan(None, "held")


def test_plan_unreviewed_high_risk_is_accepted():
    store = store_for(raw_request("a", isHighRisk=True))
    assert plan_transition(store, store.get("a"), ACCEPTED) == Plan("accept", "accepted")


def test_plan_accept_cancelled_fails():
    store = store_for(raw_request("a", "Cancelled"))
    with pytest.raises(HaricaError, match="a cancelled request cannot be accepted"):
        plan_transition(store, store.get("a"), ACCEPTED)


def test_plan_cancel_completed_says_revoke():
    store = store_for(raw_request("a", "Completed"))
    with pytest.raises(HaricaError, match="Revoke the certificate instead"):
        plan_transition(store, store.get("a"), CANCELLED)


def test_plan_unknown_status_fails():
    store = store_for(raw_request("a", "Frozen"))
    with pytest.raises(HaricaError, match="status 'frozen'"):
        plan_transition(store, store.get("a"), ACCEPTED)


# Applying


def test_apply_accept_sends_manual_body():
    api, store = api_and_store(raw_request("a"))
    after, warning = apply_transition(store, store.get("a"), Plan("accept", "accepted"), message="ok", inform_user=True)
    assert api.posts == [("POST", ACCEPT, {"transactionId": "a", "message": "ok"})]
    assert after["status"] == "completed"
    assert warning is None


def test_apply_cancel_sends_manual_body():
    api, store = api_and_store(raw_request("a"))
    apply_transition(store, store.get("a"), Plan("cancel", "cancelled"), message="no", inform_user=False)
    assert api.posts == [("POST", CANCEL, {"TransactionId": "a", "Message": "no", "InformUser": False})]


@pytest.mark.parametrize("path, plan, status", [(ACCEPT, Plan("accept", "accepted"), "completed"),
                                                (CANCEL, Plan("cancel", "cancelled"), "cancelled")])
def test_apply_lost_answer_after_effect_succeeds(path, plan, status):
    api, store = api_and_store(raw_request("a"))
    dropped = HaricaConnectionError("dropped", method="POST", path=path, outcome_unknown=True)
    api.fail_next("POST", path, dropped, apply_first=True)
    after, warning = apply_transition(store, store.get("a"), plan, message="", inform_user=True)
    assert after["status"] == status
    assert f"so the {plan.action} took effect" in warning
    assert len(api.posts) == 1
    assert api.calls[-1] == ("GET", BY_ID + "a", None)


def test_apply_503_without_effect_reports_state():
    api, store = api_and_store(raw_request("a"))
    busy = HaricaServerError("Failed to accept: 503.", method="POST", path=ACCEPT, status=503, outcome_unknown=True)
    api.fail_next("POST", ACCEPT, busy)
    with pytest.raises(HaricaError) as info:
        apply_transition(store, store.get("a"), Plan("accept", "accepted"), message="", inform_user=True)
    assert "is pending, so the accept did not take effect" in info.value.message
    assert info.value.details["request"]["status"] == "pending"
    assert info.value.details["error"]["status"] == 503
    assert len(api.posts) == 1


def test_apply_definite_rejection_is_raised():
    api, store = api_and_store(raw_request("a"))
    refused = HaricaAPIError("Failed: you submitted it.", method="POST", path=ACCEPT, status=400)
    api.fail_next("POST", ACCEPT, refused)
    with pytest.raises(HaricaAPIError) as info:
        apply_transition(store, store.get("a"), Plan("accept", "accepted"), message="", inform_user=True)
    assert info.value is refused
    assert api.calls[-1][0] == "POST"


def test_apply_reread_failure_says_state_unknown():
    api, store = api_and_store(raw_request("a"))
    request = store.get("a")
    api.fail_next("POST", ACCEPT, HaricaServerError("busy.", method="POST", path=ACCEPT, outcome_unknown=True))
    api.fail_next("GET", BY_ID + "a", HaricaConnectionError("down.", method="GET", path=BY_ID + "a"))
    with pytest.raises(HaricaError, match="its state is unknown"):
        apply_transition(store, request, Plan("accept", "accepted"), message="", inform_user=True)


# Waiting


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def test_wait_until_completed():
    api, store = api_and_store(raw_request("a", "Ready"))
    clock = FakeClock()

    def complete_after_two(seconds):
        clock.sleep(seconds)
        if len(clock.sleeps) == 2:
            api.requests["a"]["transactionStatus"] = "Completed"

    done = wait_for_issuance(store, store.get("a"), timeout=60, interval=5, sleep=complete_after_two, clock=clock)
    assert done["status"] == "completed"
    assert clock.sleeps == [5, 5]


def test_wait_timeout_says_approved_waiting():
    store = store_for(raw_request("a", "Ready"))
    clock = FakeClock()
    with pytest.raises(WaitError, match="is approved, waiting for issuance") as info:
        wait_for_issuance(store, store.get("a"), timeout=12, interval=5, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [5, 5, 2]
    assert info.value.details["request"]["status"] == "ready"


def test_wait_fails_at_once_when_held():
    store = store_for(raw_request("a", isHighRisk=True, reviewedBy="approver@example.org"))
    clock = FakeClock()
    with pytest.raises(WaitError, match="held for HARICA's own review"):
        wait_for_issuance(store, store.get("a"), timeout=60, interval=5, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == []


def test_newest_uses_sub_second_order():
    store = store_for(
        raw_request("ffff-late", "Completed", requestedAt="2026-06-01T00:00:00.1000000"),
        raw_request("0000-later", "Completed", requestedAt="2026-06-01T00:00:00.9000000"),
    )
    assert select_request(store, state=ACCEPTED, names=["app.example.org"])["transaction_id"] == "0000-later"
