"""Bulk issuance routes: POST /cm/v1/bulk/create/smime and /cm/v1/bulk/create/clientauth.

The body is a multipart form with a text field `Value` (the enterprise's
organizationId) and a file field `File` (the CSV), field names matched
case-insensitively. The middleware has already parsed the form (see multipart_form.py).
"""

from __future__ import annotations

import json
import sqlite3

from aiohttp import web

from . import bulk_csv
from .accounts import user_enterprise_ids
from .bulk_issuance import issue_bulk
from .errors import ApiError
from .multipart_form import FormPart, find_part
from .names import to_ascii_dns_name
from .responses import FORM, SIMULATOR, current_user
from .state import Simulator

REQUEST_TYPES = ("smime", "clientauth")
ZIP_FILE_NAME = "certificates.zip"


def _form(request: web.Request) -> list[FormPart]:
    parts = request.get(FORM)
    if parts is None:
        raise ApiError("Expected a multipart/form-data body with the fields Value and File.")
    return parts


def _enterprise(sim: Simulator, request: web.Request, parts: list[FormPart]) -> sqlite3.Row:
    """Return the enterprise named by `Value`. Raises ApiError when it is missing or not the admin's."""
    value = find_part(parts, "Value")
    text = value.content.decode("utf-8", errors="replace").strip() if value is not None else ""
    if not text:
        raise ApiError("Missing Value: the form needs the enterprise's organizationId in the field Value.")
    row = sim.store.query_one("SELECT * FROM enterprises WHERE lower(organization_id) = lower(?)", (text,))
    if row is None or row["id"] not in user_enterprise_ids(sim.store, current_user(request)):
        raise ApiError(f"Unknown Value {text!r}: no enterprise of this account has that organizationId.")
    return row


def _ascii_domains(enterprise: sqlite3.Row) -> list[str]:
    domains = []
    for domain in json.loads(enterprise["domains"]):
        try:
            domains.append(to_ascii_dns_name(domain, allow_wildcard=False))
        except ApiError:
            domains.append(domain)
    return domains


def bulk_handler(request_type: str):
    """Build the handler of /cm/v1/bulk/create/<request_type>."""

    async def create(request: web.Request) -> web.Response:
        sim = request.app[SIMULATOR]
        parts = _form(request)
        enterprise = _enterprise(sim, request, parts)
        csv_file = find_part(parts, "File")
        if csv_file is None:
            raise ApiError("Missing File: the form needs the CSV of certificates in the field File.")
        rows = bulk_csv.parse_rows(csv_file.content, request_type, _ascii_domains(enterprise))
        archive = issue_bulk(sim, request_type, enterprise, current_user(request), rows)
        headers = {"Content-Disposition": f'attachment; filename="{ZIP_FILE_NAME}"'}
        return web.Response(body=archive, content_type="application/zip", headers=headers)

    return create


def bulk_route_table() -> list[web.RouteDef]:
    return [web.post(f"/cm/v1/bulk/create/{request_type}", bulk_handler(request_type)) for request_type in REQUEST_TYPES]
