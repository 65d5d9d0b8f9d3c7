"""Routes of the HARICA /cm/v1 API that the simulator implements, and the 501 fallback.

API-key checks, roles, faults and the request log are applied by the middleware before
these handlers run. Handlers raise ApiError, which the middleware sends as JSON.
"""

from __future__ import annotations

from aiohttp import web

from . import lifecycle
from .admin_routes import admin_route_table
from .bulk_routes import bulk_route_table
from .directory_routes import directory_route_table
from .list_streaming import send_list
from .errors import ApiError
from .request_bodies import optional_field, read_json_object, required_transaction_id
from .revocation import approver_revoke, parse_revocation
from .responses import LOGIN_PAGE, SIMULATOR, current_user, harica_json

async def read_decision(request: web.Request) -> tuple[str, str | None, bool | None]:
    """Parse an accept or cancel body into (transaction id, message, inform user)."""
    payload = await read_json_object(request)
    transaction_id = required_transaction_id(payload)
    message = optional_field(payload, "message", str, "a string")
    inform_user = optional_field(payload, "informUser", bool, "true or false")
    return transaction_id, message, inform_user


def request_routes(request_type: str) -> list[web.RouteDef]:
    """Build the approver routes of one request type: lists, one request, accept, cancel and revoke."""

    async def list_all(request: web.Request) -> web.Response:
        return await _list_response(request, request_type, None)

    async def list_by_status(request: web.Request) -> web.Response:
        status = request.match_info["status"].lower()
        if status not in lifecycle.LIST_STATUSES:
            allowed = ", ".join(lifecycle.LIST_STATUSES)
            raise ApiError(f"Unknown status {request.match_info['status']!r}: expected one of {allowed}.")
        return await _list_response(request, request_type, status)

    async def get_one(request: web.Request) -> web.Response:
        sim = request.app[SIMULATOR]
        row = lifecycle.find_request(sim, request_type, request.match_info["transaction_id"], current_user(request))
        return harica_json(sim, lifecycle.render(sim, row, sim.settings.current()))

    async def accept(request: web.Request) -> web.Response:
        transaction_id, message, inform_user = await read_decision(request)
        sim = request.app[SIMULATOR]
        lifecycle.accept(sim, request_type, current_user(request), transaction_id, message, inform_user)
        return web.Response(status=200)

    async def cancel(request: web.Request) -> web.Response:
        transaction_id, message, inform_user = await read_decision(request)
        sim = request.app[SIMULATOR]
        lifecycle.cancel(sim, request_type, current_user(request), transaction_id, message, inform_user)
        return web.Response(status=200)

    async def revoke(request: web.Request) -> web.Response:
        revocation = parse_revocation(await read_json_object(request))
        sim = request.app[SIMULATOR]
        approver_revoke(sim, request_type, current_user(request), revocation, request.path)
        return web.Response(status=200)

    base = "/cm/v1/enterprise"
    return [
        web.get(f"{base}/requests/{request_type}", list_all),
        web.get(f"{base}/requests/{request_type}/id/{{transaction_id}}", get_one),
        web.get(f"{base}/requests/{request_type}/list/{{status}}", list_by_status),
        web.post(f"{base}/accept/{request_type}", accept),
        web.post(f"{base}/cancel/{request_type}", cancel),
        web.post(f"{base}/revoke/{request_type}", revoke),
    ]


async def _list_response(request: web.Request, request_type: str, status: str | None) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    settings = sim.settings.current()
    query = lifecycle.visible_requests_query(sim, request_type, current_user(request), status)
    return await send_list(request, query, lambda row: lifecycle.render(sim, row, settings), settings)


async def not_implemented(request: web.Request) -> web.Response:
    message = f"Not implemented by the simulator: {request.method} {request.path}"
    return harica_json(request.app[SIMULATOR], {"message": message}, status=501)


async def login_page(request: web.Request) -> web.Response:
    return web.Response(text=LOGIN_PAGE, content_type="text/html")


def harica_route_table() -> list[web.RouteDef]:
    """Return every /cm/v1 and /login route. The 501 fallback must come last."""
    return [
        *request_routes("ssl"),
        *request_routes("smime"),
        *request_routes("clientauth"),
        *admin_route_table(),
        *directory_route_table(),
        *bulk_route_table(),
        web.get("/login", login_page),
        web.route("*", r"/cm/v1{tail:(/.*)?}", not_implemented),
    ]
