# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The approver's view of requests, written once for the SSL, S/MIME and client-auth types.

``RequestStore`` reads and changes requests of one type. ``select_request`` finds the
request a task means, ``plan_transition`` decides what the desired state needs, and
``apply_transition`` sends it, re-reading the state when the outcome is unknown.
"""

from __future__ import annotations

import datetime
import time
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaError,
    HaricaNotFoundError,
)
from ansible_collections.harica.certmanager.plugins.module_utils._records import (
    Record,
    extract_list,
    extract_one,
    normalize_request,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import UTC, utc_now

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.harica.certmanager.plugins.module_utils._client import HaricaClient

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

ACCEPTED = "accepted"
CANCELLED = "cancelled"

# The statuses in which a request counts as accepted, and as cancelled.
ACCEPTED_STATUSES = ("ready", "completed")
OPEN_STATUSES = ("pending", "ready")


class RequestStore:
    """Read and change the requests of one type through the approver endpoints."""

    def __init__(self, client: HaricaClient, request_type: str) -> None:
        self.client = client
        self.type = _api.REQUEST_TYPES[request_type]

    def describe(self, transaction_id: str) -> str:
        return f"{self.type.label} request {transaction_id}"

    def get(self, transaction_id: str) -> dict[str, t.Any] | None:
        """Return one request, or None when the server has no such request."""
        path = _api.request_by_id_path(self.type.name, transaction_id)
        try:
            payload = self.client.get_json(path, action=f"read {self.describe(transaction_id)}")
        except HaricaNotFoundError:
            return None
        raw = extract_one(payload, path=path, record_keys=("transactionId",))
        return self._normalize(raw) if raw else None

    def all(self) -> list[dict[str, t.Any]]:
        """Return every request of the type in one call."""
        path = _api.requests_path(self.type.name)
        payload = self.client.get_json(path, action=f"list the {self.type.label} requests")
        return [self._normalize(raw) for raw in extract_list(payload, path=path)]

    def list(self, status: str) -> list[dict[str, t.Any]]:
        """Return the requests in one status; the status is checked here as well."""
        path = _api.requests_by_status_path(self.type.name, status)
        payload = self.client.get_json(path, action=f"list {status} {self.type.label} requests")
        requests = [self._normalize(raw) for raw in extract_list(payload, path=path)]
        return [request for request in requests if request["status"] == status]

    def accept(self, transaction_id: str, *, message: str) -> None:
        self.client.post_json(
            _api.accept_path(self.type.name),
            action=f"accept {self.describe(transaction_id)}",
            json_body=_api.accept_body(transaction_id, message),
        )

    def cancel(self, transaction_id: str, *, message: str, inform_user: bool) -> None:
        self.client.post_json(
            _api.cancel_path(self.type.name),
            action=f"cancel {self.describe(transaction_id)}",
            json_body=_api.cancel_body(transaction_id, message, inform_user),
        )

    def _normalize(self, raw: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        return normalize_request(raw, request_type=self.type.name, now=utc_now())


def is_held(request: t.Mapping[str, t.Any]) -> bool:
    """Tell whether an accepted request waits for HARICA's own review.

    HARICA keeps a high-risk request pending after an approver accepts it; the review
    fields then show that the approver has acted.
    """
    reviewed = bool(request.get("reviewed_at") or request.get("reviewed_by"))
    return request["status"] == "pending" and request["is_high_risk"] and reviewed


def reached(request: t.Mapping[str, t.Any] | None, state: str) -> bool:
    """Tell whether a request is in the desired state."""
    if request is None:
        return False
    if state == ACCEPTED:
        return request["status"] in ACCEPTED_STATUSES or is_held(request)
    return request["status"] == CANCELLED


# Selection


def select_request(
    store: RequestStore, *, state: str, transaction_id: str | None = None, names: list[str] | None = None
) -> dict[str, t.Any] | None:
    """Return the request a task means, or None when there is none."""
    if transaction_id is not None:
        return store.get(transaction_id)
    wanted = set(names or ())

    def matching(status: str) -> list[dict[str, t.Any]]:
        return [request for request in store.list(status) if set(request["names"]) == wanted]

    if state == ACCEPTED:
        current = _single(matching("pending"), names)
        return current or _newest(matching("ready") + matching("completed"))
    current = _single(matching("pending") + matching("ready"), names)
    return current or _newest(matching("completed") + matching(CANCELLED))


def _single(requests: list[dict[str, t.Any]], names: list[str] | None) -> dict[str, t.Any] | None:
    if len(requests) > 1:
        listed = ", ".join(f"{r['transaction_id']} ({r['status']}, requested {r['requested_at']})" for r in requests)
        raise HaricaError(
            f"Several open requests have exactly the names {names}: {listed}. Select one with"
            " transaction_id, or cancel the ones that are not wanted.",
            candidates=[r["transaction_id"] for r in requests],
        )
    return requests[0] if requests else None


def _newest(requests: list[dict[str, t.Any]]) -> dict[str, t.Any] | None:
    if not requests:
        return None
    return max(requests, key=request_age_key)


def request_age_key(request: t.Mapping[str, t.Any]) -> tuple[t.Any, ...]:
    """Order requests by when they were submitted, then accepted, to the sub-second.

    The normalised timestamps keep whole seconds, and two requests of the same second
    must not be ordered by their random transaction ids.
    """
    record = Record(request.get("raw") or {})
    submitted = record.timestamp("requestedAt", "createdAt") or _EPOCH
    reviewed = record.timestamp("reviewedAt") or _EPOCH
    return submitted, reviewed, request["transaction_id"]


# Planning


class Plan(t.NamedTuple):
    """The decision for one request: the POST to send, if any, and the result word."""

    action: str | None
    result: str


def plan_transition(store: RequestStore, request: t.Mapping[str, t.Any], state: str) -> Plan:
    """Decide the transition the desired state needs; raise when it is impossible."""
    status = request["status"]
    what = store.describe(request["transaction_id"])
    if state == ACCEPTED:
        if is_held(request):
            return Plan(None, "held")
        if status == "pending":
            return Plan("accept", "accepted")
        if status in ACCEPTED_STATUSES:
            return Plan(None, "already_accepted")
        if status == CANCELLED:
            raise HaricaError(
                f"{what} is cancelled, and a cancelled request cannot be accepted. The requester"
                " must submit a new request.",
                request=dict(request),
            )
    else:
        if status in OPEN_STATUSES:
            return Plan("cancel", "cancelled")
        if status == CANCELLED:
            return Plan(None, "already_cancelled")
        if status == "completed":
            serial = request.get("serial_number")
            issued = f" (serial {serial})" if serial else ""
            raise HaricaError(
                f"{what} is completed: its certificate{issued} is issued, and an issued request"
                " cannot be cancelled. Revoke the certificate instead.",
                request=dict(request),
            )
    raise HaricaError(
        f"{what} has the status {status!r}, which this module does not know how to handle.",
        request=dict(request),
    )


# Applying


def apply_transition(
    store: RequestStore, request: t.Mapping[str, t.Any], plan: Plan, *, message: str, inform_user: bool
) -> tuple[dict[str, t.Any], str | None]:
    """Send the planned POST once and return the request as the server then stores it.

    The second value is a warning for a POST whose response was lost although the change
    took effect. When the outcome of the POST is unknown, the state is read again and
    reported; it is never guessed.
    """
    transaction_id = request["transaction_id"]
    state = ACCEPTED if plan.action == "accept" else CANCELLED
    try:
        if plan.action == "accept":
            store.accept(transaction_id, message=message)
        else:
            store.cancel(transaction_id, message=message, inform_user=inform_user)
    except HaricaAPIError as exc:
        if not exc.outcome_unknown:
            raise
        return _after_unknown_outcome(store, transaction_id, state, exc, plan.action)
    after = store.get(transaction_id)
    if after is None:
        raise HaricaError(f"{store.describe(transaction_id)} is no longer found after the {plan.action}.")
    return after, None


def _after_unknown_outcome(
    store: RequestStore, transaction_id: str, state: str, exc: HaricaAPIError, action: str
) -> tuple[dict[str, t.Any], str]:
    try:
        after = store.get(transaction_id)
    except HaricaAPIError as reread:
        raise HaricaError(
            f"{exc.message} Reading the request again failed as well, so its state is unknown:"
            f" {reread.message} Check the request (this task in check mode only reads it)"
            " before running the task again.",
            error=exc.error_record(),
        ) from None
    if reached(after, state):
        return t.cast(dict, after), (
            f"The response to the {action} was lost ({exc.message}), but the server now shows"
            f" {store.describe(transaction_id)} as {after['status']}, so the {action} took effect."
        )
    status = after["status"] if after else "not found"
    advice = " Run the task again." if exc.transient else ""
    raise HaricaError(
        f"{exc.message} A re-read shows {store.describe(transaction_id)} is {status}, so the"
        f" {action} did not take effect.{advice}",
        error=exc.error_record(),
        request=after,
    )


# Waiting


def wait_for_issuance(
    store: RequestStore,
    request: dict[str, t.Any],
    *,
    timeout: float,
    interval: float,
    sleep: t.Callable[[float], None] = time.sleep,
    clock: t.Callable[[], float] = time.monotonic,
) -> dict[str, t.Any]:
    """Poll a request until it is completed; raise on a hold, a cancellation or the timeout."""
    deadline = clock() + timeout
    what = store.describe(request["transaction_id"])
    while request["status"] != "completed":
        if is_held(request):
            raise WaitError(
                f"{what} is held for HARICA's own review (it is flagged high-risk), so it cannot"
                " be issued until HARICA releases it.",
                request,
            )
        if request["status"] == CANCELLED:
            raise WaitError(f"{what} was cancelled while waiting for issuance.", request)
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitError(
                f"{what} is approved, waiting for issuance: it was still {request['status']} after"
                f" {timeout:g} seconds. Run the task again later, or raise wait_timeout.",
                request,
            )
        sleep(min(interval, remaining))
        found = store.get(request["transaction_id"])
        if found is None:
            raise WaitError(f"{what} is no longer found while waiting for issuance.", request)
        request = found
    return request


class WaitError(HaricaError):
    """Waiting for issuance ended without a certificate."""

    def __init__(self, message: str, request: t.Mapping[str, t.Any]) -> None:
        super().__init__(message, request=dict(request))


__all__ = (
    "ACCEPTED",
    "CANCELLED",
    "Plan",
    "RequestStore",
    "WaitError",
    "apply_transition",
    "is_held",
    "plan_transition",
    "reached",
    "request_age_key",
    "select_request",
    "wait_for_issuance",
)
