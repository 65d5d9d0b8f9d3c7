"""Control API calls for certificates and for S/MIME and client-auth requests.

    POST /_sim/certificates                  seed a certificate, returns its admin API record
    POST /_sim/certificates/batch            seed many certificates fast, returns counts and time
    GET  /_sim/certificates                  every certificate, internal state
    GET  /_sim/certificates/{serial}         one certificate, internal state
    POST /_sim/smime-requests                seed an S/MIME request, returns its approver API record
    POST /_sim/clientauth-requests           the same for client auth
"""

from __future__ import annotations

import logging

from aiohttp import web

from . import certificates, lifecycle
from .certificate_records import certificate_state, render_certificate_record
from .batch_seeding import seed_batch
from .certificate_seeds import seed_certificate
from .email_requests import EMAIL_REQUEST_TYPES, seed_email_request
from .errors import ApiError, NotFound
from .request_bodies import read_json
from .responses import SIMULATOR, control_json

logger = logging.getLogger(__name__)


def _camel_settings(sim) -> dict:
    """Return the current settings with camelCase keys, the form of every control response."""
    return {**sim.settings.current(), "key_case": "camel"}


async def create_certificate(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    payload = await read_json(request)
    with sim.store.transaction():
        certificate_id = seed_certificate(sim, payload)
    row = certificates.find_by_id(sim.store, certificate_id)
    return control_json(render_certificate_record(sim, row, _camel_settings(sim)), 201)


async def create_batch(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    summary = await seed_batch(sim, await read_json(request))
    logger.info("Seeded %d certificates in %.1f s with %d workers", summary["count"], summary["elapsed_seconds"],
                summary["workers"])
    return control_json(summary, 201)


async def list_certificates(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    lifecycle.settle_all_due(sim)
    serial_style, now = sim.settings.get("serial_style"), sim.clock.now()
    rows = certificates.all_certificates(sim.store)
    return control_json([certificate_state(row, serial_style, now) for row in rows])


async def get_certificate(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    lifecycle.settle_all_due(sim)
    text = request.match_info["serial"]
    try:
        serial = int(text, 16)
    except ValueError:
        raise ApiError(f"Invalid serial {text!r}: expected hexadecimal digits.") from None
    row = certificates.find_by_serial(sim.store, serial)
    if row is None:
        raise NotFound(f"No certificate with serial {text}.")
    return control_json(certificate_state(row, sim.settings.get("serial_style"), sim.clock.now()))


def email_request_handler(request_type: str):
    """Build the handler of POST /_sim/<request_type>-requests."""

    async def create_request(request: web.Request) -> web.Response:
        sim = request.app[SIMULATOR]
        payload = await read_json(request)
        with sim.store.transaction():
            transaction_id = seed_email_request(sim, request_type, payload)
        row = lifecycle.find_request(sim, request_type, transaction_id, None)
        return control_json(lifecycle.render(sim, row, _camel_settings(sim)), 201)

    return create_request


def certificate_control_routes() -> list[web.RouteDef]:
    routes = [
        web.post("/_sim/certificates", create_certificate),
        web.post("/_sim/certificates/batch", create_batch),
        web.get("/_sim/certificates", list_certificates),
        web.get("/_sim/certificates/{serial}", get_certificate),
    ]
    for request_type in EMAIL_REQUEST_TYPES:
        routes.append(web.post(f"/_sim/{request_type}-requests", email_request_handler(request_type)))
    return routes
