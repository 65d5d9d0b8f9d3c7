"""Admin routes of the HARICA /cm/v1 API: certificate lists, serial search and revocation.

The middleware has already checked that the key's user has the enterprise_admin role.
Every handler reads and revokes only certificates of the admin's own enterprises.
"""

from __future__ import annotations

from aiohttp import web

from . import certificates, lifecycle
from .accounts import user_enterprise_ids
from .certificate_records import render_certificate_record
from .errors import ApiError, NotFound
from .list_streaming import send_list
from .request_bodies import read_json_object
from .responses import SIMULATOR, current_user, harica_json
from .revocation import admin_revoke, parse_revocation
from .shapes import format_serial
from .state import Simulator

BASE = "/cm/v1/admin"


async def _certificate_list(request: web.Request, status: str | None) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    lifecycle.settle_all_due(sim)
    settings = sim.settings.current()
    query = certificates.visible_certificates_query(sim, current_user(request), status)
    return await send_list(request, query, lambda row: render_certificate_record(sim, row, settings), settings)


async def list_certificates(request: web.Request) -> web.StreamResponse:
    return await _certificate_list(request, None)


async def list_certificates_by_status(request: web.Request) -> web.Response:
    status = request.match_info["status"].lower()
    if status not in certificates.STATUSES:
        allowed = ", ".join(certificates.STATUSES)
        raise ApiError(f"Unknown status {request.match_info['status']!r}: expected one of {allowed}.")
    return await _certificate_list(request, status)


def find_by_serial_text(sim: Simulator, text: str, style: str):
    """Return the certificate whose serial, as `style` formats it, equals `text` ignoring case.

    Leading zeros must match the stored form. Raises NotFound otherwise.
    """
    # NOTE: this mimics a guess about HARICA: serials stored as text in a database that
    # compares case-insensitively, so "0ab" does not find the serial stored as "AB".
    try:
        serial = int(text, 16)
    except ValueError:
        serial = 0
    row = certificates.find_by_serial(sim.store, serial) if serial > 0 else None
    if row is None or format_serial(serial, style).lower() != text.lower():
        raise NotFound(f"No certificate with serial {text}.")
    return row


async def get_certificate_by_serial(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    lifecycle.settle_all_due(sim)
    settings = sim.settings.current()
    text = request.match_info["serial"]
    row = find_by_serial_text(sim, text, settings["serial_style"])
    user = current_user(request)
    if row["enterprise_id"] not in user_enterprise_ids(sim.store, user):
        raise NotFound(f"No certificate with serial {text}.")
    return harica_json(sim, render_certificate_record(sim, row, settings))


def revoke_handler(issued_via: str):
    """Build the handler of /cm/v1/admin/revoke/<issued_via>."""

    async def revoke(request: web.Request) -> web.Response:
        revocation = parse_revocation(await read_json_object(request))
        sim = request.app[SIMULATOR]
        lifecycle.settle_all_due(sim)
        admin_revoke(sim, current_user(request), issued_via, revocation, request.path)
        return web.Response(status=200)

    return revoke


def admin_route_table() -> list[web.RouteDef]:
    routes = [
        web.get(f"{BASE}/certificates", list_certificates),
        web.get(f"{BASE}/certificates/list/{{status}}", list_certificates_by_status),
        web.get(f"{BASE}/certificates/serial/{{serial}}", get_certificate_by_serial),
    ]
    for issued_via in certificates.ISSUANCE_METHODS:
        routes.append(web.post(f"{BASE}/revoke/{issued_via}", revoke_handler(issued_via)))
    return routes
