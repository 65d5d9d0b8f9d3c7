"""Injected faults: stored rules that change the response to matching HARICA API requests.

Faults are tried in the order they were added. The first active fault whose method and
fnmatch path pattern match a request is applied, and its `remaining` count goes down by
one. A fault added with `times: null` stays active until the faults are cleared.
"""

from __future__ import annotations

import fnmatch
import json
import numbers

from .errors import ApiError
from .store import Store

ACTIONS = ("status", "html", "redirect", "delay", "drop_before", "drop_after", "truncate", "empty")
# Parameters each action accepts, with their defaults. None marks a required parameter.
ACTION_PARAMS: dict[str, dict] = {
    "status": {"status": None, "body": "", "content_type": "", "retry_after": "", "process": False},
    "html": {"status": 502, "process": False},
    "redirect": {"status": 302, "location": "/login"},
    "delay": {"delay_seconds": None},
    "drop_before": {},
    "drop_after": {},
    "truncate": {},
    "empty": {"process": True},
}
COMMON_KEYS = {"method", "path", "action", "times"}


def _check_status(value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise ApiError(f"Invalid fault status {value!r}: expected an HTTP status code from 100 to 599.")


def _validate_param(name: str, value) -> None:
    if name == "status":
        _check_status(value)
    elif name == "delay_seconds":
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < 0:
            raise ApiError(f"Invalid delay_seconds {value!r}: expected a number of seconds >= 0.")
    elif name == "process":
        if not isinstance(value, bool):
            raise ApiError(f"Invalid process {value!r}: expected true or false.")
    elif not isinstance(value, str):
        raise ApiError(f"Invalid fault parameter {name}={value!r}: expected a string.")


def _action_params(action: str, payload: dict) -> dict:
    allowed = ACTION_PARAMS[action]
    unknown = set(payload) - COMMON_KEYS - set(allowed)
    if unknown:
        names = ", ".join(sorted(allowed)) or "none"
        raise ApiError(f"Unknown parameters {sorted(unknown)} for action {action}: it accepts {names}.")
    params = {}
    for name, default in allowed.items():
        value = payload.get(name, default)
        if value is None:
            raise ApiError(f"Missing parameter {name!r} for action {action}.")
        _validate_param(name, value)
        params[name] = value
    return params


def _times(payload: dict) -> int | None:
    times = payload.get("times", 1)
    if times is None:
        return None
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ApiError(f"Invalid times {times!r}: expected an integer >= 1, or null for no limit.")
    return times


def add_fault(store: Store, payload) -> dict:
    """Validate and store a fault, returning {"id": ...}."""
    if not isinstance(payload, dict):
        raise ApiError("A fault must be a JSON object.")
    method = payload.get("method", "*")
    if not isinstance(method, str) or not (method == "*" or method.isalpha()):
        raise ApiError(f"Invalid method {method!r}: expected an HTTP method such as GET or POST, or *.")
    path = payload.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ApiError(f"Invalid path {path!r}: expected an fnmatch pattern starting with /.")
    action = payload.get("action")
    if action not in ACTIONS:
        raise ApiError(f"Invalid action {action!r}: allowed actions are {', '.join(ACTIONS)}.")
    params = _action_params(action, payload)
    cursor = store.execute(
        "INSERT INTO faults (method, path, action, params, remaining) VALUES (?, ?, ?, ?, ?)",
        (method.upper(), path, action, json.dumps(params), _times(payload)),
    )
    return {"id": cursor.lastrowid}


def _fault_record(row) -> dict:
    return {
        "id": row["id"],
        "method": row["method"],
        "path": row["path"],
        "action": row["action"],
        **json.loads(row["params"]),
        "remaining": row["remaining"],
        "applied": row["applied"],
    }


def list_faults(store: Store) -> list[dict]:
    return [_fault_record(row) for row in store.query("SELECT * FROM faults ORDER BY id")]


def clear_faults(store: Store) -> None:
    store.execute("DELETE FROM faults")


def take_fault(store: Store, method: str, path: str) -> dict | None:
    """Return the first active fault matching the request and count one use of it."""
    rows = store.query("SELECT * FROM faults WHERE remaining IS NULL OR remaining > 0 ORDER BY id")
    for row in rows:
        if row["method"] not in ("*", method.upper()):
            continue
        if not fnmatch.fnmatchcase(path, row["path"]):
            continue
        store.execute(
            "UPDATE faults SET applied = applied + 1,"
            " remaining = CASE WHEN remaining IS NULL THEN NULL ELSE remaining - 1 END WHERE id = ?",
            (row["id"],),
        )
        return _fault_record(row)
    return None
