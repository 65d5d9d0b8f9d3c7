"""Admin routes for the enterprises and users of the admin's enterprises.

    GET /cm/v1/admin/enterprises           one record per (enterprise, domain)
    GET /cm/v1/admin/users                 users of the admin's enterprises
    GET /cm/v1/admin/users/email/{email}   one user with its certificates, 404 when unknown
"""

from __future__ import annotations

from aiohttp import web

from . import lifecycle, user_records
from .accounts import user_enterprise_ids
from .enterprise_records import render_enterprise_rows
from .responses import SIMULATOR, current_user, harica_json
from .shapes import wrap_list

BASE = "/cm/v1/admin"


async def list_enterprises(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    enterprise_ids = user_enterprise_ids(sim.store, current_user(request))
    marks = ",".join("?" * len(enterprise_ids)) or "NULL"
    rows = sim.store.query(f"SELECT * FROM enterprises WHERE id IN ({marks}) ORDER BY id", enterprise_ids)
    records = [record for row in rows for record in render_enterprise_rows(row)]
    return harica_json(sim, wrap_list(records, sim.settings.current()))


async def list_users(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    users = user_records.visible_users(sim.store, current_user(request))
    records = [user_records.render_user(user, organization_id) for user, organization_id in users]
    return harica_json(sim, wrap_list(records, sim.settings.current()))


async def get_user(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    admin = current_user(request)
    user, organization_id = user_records.find_visible_user(sim.store, admin, request.match_info["email"])
    lifecycle.settle_all_due(sim)
    settings = sim.settings.current()
    rows = user_records.certificates_for_email(sim.store, admin, user.email)
    record = user_records.render_user(user, organization_id)
    record["certificates"] = [user_records.render_user_certificate(row, settings) for row in rows]
    return harica_json(sim, record)


def directory_route_table() -> list[web.RouteDef]:
    return [
        web.get(f"{BASE}/enterprises", list_enterprises),
        web.get(f"{BASE}/users", list_users),
        web.get(f"{BASE}/users/email/{{email}}", get_user),
    ]
