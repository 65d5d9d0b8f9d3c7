"""Control API under /_sim/ for tests and demos: seeding, settings, clock, faults, log.

These routes need no API key, are never logged, and never get faults applied.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from aiohttp import web

from . import accounts, faults, lifecycle, request_log
from .control_certificates import certificate_control_routes
from .errors import ApiError
from .request_bodies import read_json, read_object
from .responses import SIMULATOR, control_json
from .shapes import format_serial
from .ssl_requests import certificate_names, seed_ssl_request
from .state import Simulator

logger = logging.getLogger(__name__)


@web.middleware
async def control_errors(request: web.Request, handler) -> web.StreamResponse:
    """Send ApiError raised by a control handler as JSON {"message": ...}."""
    if not request.path.startswith("/_sim/"):
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as error:
        logger.info("Control call %s %s rejected with %d: %s", request.method, request.path, error.status, error.message)
        return control_json({"message": error.message}, error.status)


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")


async def health(request: web.Request) -> web.Response:
    return control_json({"status": "ok"})


async def reset(request: web.Request) -> web.Response:
    request.app[SIMULATOR].store.reset()
    logger.info("State reset through the control API")
    return control_json({"status": "reset"})


async def create_enterprise(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return control_json(accounts.create_enterprise(sim.store, await read_object(request), sim.clock.now()), 201)


async def list_enterprises(request: web.Request) -> web.Response:
    return control_json(accounts.list_enterprises(request.app[SIMULATOR].store))


async def create_user(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return control_json(accounts.create_user(sim.store, await read_object(request), sim.clock.now()), 201)


async def list_users(request: web.Request) -> web.Response:
    return control_json(accounts.list_users(request.app[SIMULATOR].store))


async def add_api_key(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    payload = await read_json(request, default={})
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    return control_json(accounts.add_api_key(sim.store, request.match_info["email"], payload.get("api_key")), 201)


async def create_ssl_request(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    payload = await read_object(request)
    with sim.store.transaction():
        transaction_id = seed_ssl_request(sim, payload)
    row = lifecycle.find_request(sim, "ssl", transaction_id, None)
    settings = {**sim.settings.current(), "key_case": "camel"}
    return control_json(lifecycle.render(sim, row, settings), 201)


async def release(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    lifecycle.release(sim, request.match_info["transaction_id"])
    return control_json(request_state(sim, request.match_info["transaction_id"]))


async def get_request_state(request: web.Request) -> web.Response:
    return control_json(request_state(request.app[SIMULATOR], request.match_info["transaction_id"]))


def request_state(sim: Simulator, transaction_id: str) -> dict:
    """Describe a request's internal state: status, names, actions and certificate."""
    row = sim.store.query_one("SELECT request_type FROM requests WHERE transaction_id = ?", (transaction_id,))
    if row is None:
        raise ApiError(f"No request with transaction id {transaction_id}.", 404)
    request = lifecycle.find_request(sim, row["request_type"], transaction_id, None)
    history = [
        {
            "action": action["action"],
            "by": action["actor_email"],
            "at": _iso(action["at"]),
            "message": action["message"],
            "inform_user": None if action["inform_user"] is None else bool(action["inform_user"]),
        }
        for action in lifecycle.request_history(sim, transaction_id)
    ]
    state = {
        "transaction_id": transaction_id,
        "type": request["request_type"],
        "product": request["product"],
        "status": request["status"],
        "high_risk": bool(request["high_risk"]),
        "held_for_review": bool(request["held"]),
        "requester_email": request["requester_email"],
        "names": _names(request),
        "requested_at": _iso(request["requested_at"]),
        "reviewed_at": _iso(request["reviewed_at"]),
        "reviewed_by": request["reviewed_by"],
        "ready_at": _iso(request["ready_at"]),
        "issue_at": _iso(request["issue_at"]),
        "history": history,
        "csr_pem": request["csr_pem"],
        "certificate_pem": None,
        "serial": None,
        "not_before": None,
        "not_after": None,
    }
    state.update(_certificate_state(sim, request["certificate_id"]))
    return state


def _names(request) -> list[str]:
    if request["request_type"] != "ssl":
        return json.loads(request["emails"] or "[]")
    return certificate_names(json.loads(request["domains"]))


def _certificate_state(sim: Simulator, certificate_id: int | None) -> dict:
    if certificate_id is None:
        return {}
    row = sim.store.query_one("SELECT * FROM certificates WHERE id = ?", (certificate_id,))
    return {
        "certificate_pem": row["pem"],
        "serial": format_serial(int(row["serial_hex"], 16), sim.settings.get("serial_style")),
        "not_before": _iso(row["not_before"]),
        "not_after": _iso(row["not_after"]),
    }


async def get_ca(request: web.Request) -> web.Response:
    ca = request.app[SIMULATOR].ca
    return control_json(
        {
            "root_ca_pem": ca.root.certificate_pem,
            "issuing_ca_pem": ca.issuing.certificate_pem,
            "tls_ca_pem": ca.tls.certificate_pem,
        }
    )


async def get_settings(request: web.Request) -> web.Response:
    return control_json(request.app[SIMULATOR].settings.current())


async def put_settings(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    settings = sim.settings.update(await read_json(request))
    # Creating a missing key pool here keeps its cost out of the next bulk upload.
    sim.pool_of(settings["bulk_key_type"])
    return control_json(settings)


async def get_clock(request: web.Request) -> web.Response:
    return control_json(request.app[SIMULATOR].clock.describe())


async def put_clock(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    payload = await read_object(request)
    if ("now" in payload) == ("offset_seconds" in payload):
        raise ApiError('Give exactly one of "now" (ISO 8601) and "offset_seconds" (a number).')
    if "now" in payload:
        sim.clock.set_now(_parse_instant(payload["now"]))
    else:
        offset = payload["offset_seconds"]
        if not isinstance(offset, (int, float)) or isinstance(offset, bool):
            raise ApiError(f"Invalid offset_seconds {offset!r}: expected a number of seconds.")
        sim.clock.set_offset(offset)
    return control_json(sim.clock.describe())


def _parse_instant(raw) -> datetime:
    try:
        instant = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(f"Invalid now {raw!r}: expected an ISO 8601 date and time.") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant


async def delete_clock(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    sim.clock.reset()
    return control_json(sim.clock.describe())


async def get_log(request: web.Request) -> web.Response:
    raw_since = request.query.get("since", "0")
    try:
        since = int(raw_since)
    except ValueError:
        raise ApiError(f"Invalid since {raw_since!r}: expected an integer sequence number.") from None
    return control_json(request_log.entries_since(request.app[SIMULATOR].store, since))


async def delete_log(request: web.Request) -> web.Response:
    store = request.app[SIMULATOR].store
    request_log.clear(store)
    return control_json(request_log.entries_since(store, 0))


async def post_fault(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return control_json(faults.add_fault(sim.store, await read_json(request)), 201)


async def get_faults(request: web.Request) -> web.Response:
    return control_json(faults.list_faults(request.app[SIMULATOR].store))


async def delete_faults(request: web.Request) -> web.Response:
    faults.clear_faults(request.app[SIMULATOR].store)
    return control_json([])


async def control_not_found(request: web.Request) -> web.Response:
    return control_json({"message": f"Unknown control call: {request.method} {request.path}"}, 404)


def control_route_table() -> list[web.RouteDef]:
    return [
        web.get("/_sim/health", health),
        web.post("/_sim/reset", reset),
        web.post("/_sim/enterprises", create_enterprise),
        web.get("/_sim/enterprises", list_enterprises),
        web.post("/_sim/users", create_user),
        web.get("/_sim/users", list_users),
        web.post("/_sim/users/{email}/api-keys", add_api_key),
        web.post("/_sim/ssl-requests", create_ssl_request),
        *certificate_control_routes(),
        web.post("/_sim/requests/{transaction_id}/release", release),
        web.get("/_sim/requests/{transaction_id}", get_request_state),
        web.get("/_sim/ca", get_ca),
        web.get("/_sim/settings", get_settings),
        web.put("/_sim/settings", put_settings),
        web.get("/_sim/clock", get_clock),
        web.put("/_sim/clock", put_clock),
        web.delete("/_sim/clock", delete_clock),
        web.get("/_sim/log", get_log),
        web.delete("/_sim/log", delete_log),
        web.post("/_sim/faults", post_fault),
        web.get("/_sim/faults", get_faults),
        web.delete("/_sim/faults", delete_faults),
        web.route("*", "/_sim/{tail:.*}", control_not_found),
    ]
