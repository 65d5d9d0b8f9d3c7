"""Middleware of the HARICA paths (/cm/v1 and /login): log, faults, API keys, roles.

Each such request first gets a log entry and the first matching fault. Then the API key
and the path's role are checked and the route handler runs. Last, the log entry gets
the status that was sent (null when the connection was dropped) and the seconds that
the simulator spent on the request.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from aiohttp import web

from . import request_log
from .accounts import User, find_user_by_key
from .errors import ApiError
from .faults import take_fault
from .multipart_form import is_form_data, parse_form_data
from .responses import BUFFERED, FORM, SIMULATOR, USER, harica_error, html_error, login_redirect
from .state import Simulator

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
APPROVER_PATH = re.compile(r"^/cm/v1/enterprise/(?:requests|accept|cancel|revoke)/(ssl|smime|clientauth)(?:/|$)")
ADMIN_PATH = re.compile(r"^/cm/v1/(?:admin|bulk)(?:/|$)")
# Actions that produce their response without running the handler.
SHORT_CIRCUIT_ACTIONS = ("status", "html", "redirect", "drop_before")
# Actions that need the whole response in memory, so list handlers must not stream it.
BUFFERED_ACTIONS = ("drop_after", "truncate", "empty")
# Response headers that the truncate fault writes itself.
FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection"}


def is_harica_path(path: str) -> bool:
    return path == "/cm/v1" or path.startswith("/cm/v1/")


def is_logged_path(path: str) -> bool:
    return is_harica_path(path) or path == "/login"


def required_role(path: str) -> str | None:
    if ADMIN_PATH.match(path):
        return "enterprise_admin"
    match = APPROVER_PATH.match(path)
    if match:
        return f"{match.group(1)}_approver"
    return None


def connection_id(request: web.Request) -> str | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return None
    return f"{peer[0]}:{peer[1]}"


def authorize(sim: Simulator, request: web.Request, user: User | None) -> web.Response | None:
    """Return the rejection for a missing key, an unknown key or a missing role, else None."""
    if not request.headers.get(API_KEY_HEADER):
        logger.info("Rejected %s %s with 401: no API key", request.method, request.path)
        return harica_error(sim, f"Missing {API_KEY_HEADER} header: every /cm/v1 request needs an API key.", 401)
    if user is None:
        logger.info("Rejected %s %s with 401: unknown API key", request.method, request.path)
        return harica_error(sim, "Invalid API key: no user holds this key.", 401)
    role = required_role(request.path)
    if role is None or role in user.roles:
        return None
    logger.info("Rejected %s %s for %s: the %s role is missing", request.method, request.path, user.email, role)
    if sim.settings.get("permission_denied") == "status":
        return harica_error(sim, f"Forbidden: this path needs the {role} role, which the key's user lacks.", 403)
    return login_redirect(request.path)


async def process(sim: Simulator, request: web.Request, handler, user: User | None) -> web.Response:
    """Check the key and role, run the handler, and turn its errors into responses."""
    try:
        if is_harica_path(request.path):
            rejection = authorize(sim, request, user)
            if rejection is not None:
                return rejection
            request[USER] = user
        return await handler(request)
    except ApiError as error:
        logger.info("Rejected %s %s with %d: %s", request.method, request.path, error.status, error.message)
        return harica_error(sim, error.message, error.status, error.details)
    except web.HTTPException as error:
        return web.Response(status=error.status, text=error.text, headers=error.headers)
    except Exception:  # noqa: BLE001 - any bug must still produce a response and a log line
        logger.exception("Internal error while handling %s %s", request.method, request.path)
        return harica_error(sim, "Internal error in the simulator. See the simulator's log.", 500)


def short_circuit_response(sim: Simulator, fault: dict) -> web.Response:
    action = fault["action"]
    if action == "html":
        return html_error(fault["status"])
    if action == "redirect":
        return web.Response(status=fault["status"], headers={"Location": fault["location"]})
    headers = {"Retry-After": fault["retry_after"]} if fault["retry_after"] else {}
    if not fault["body"]:
        response = harica_error(sim, "Injected fault", fault["status"])
        response.headers.update(headers)
        return response
    headers["Content-Type"] = fault["content_type"] or "text/plain; charset=utf-8"
    return web.Response(status=fault["status"], body=fault["body"].encode(), headers=headers)


def drop_connection(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


def send_truncated(request: web.Request, response: web.Response) -> None:
    """Write the status line, headers with the full Content-Length and half the body, then close."""
    body = response.body or b""
    lines = [f"HTTP/1.1 {response.status} {response.reason}"]
    for name, value in response.headers.items():
        if name.lower() not in FRAMING_HEADERS:
            lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if request.transport is not None:
        request.transport.write(head + body[: len(body) // 2])
        request.transport.close()


async def respond(sim: Simulator, request: web.Request, handler, user, fault) -> tuple[web.Response, int | None]:
    """Build the response to the request under `fault` and return it with the status actually sent."""
    action = fault["action"] if fault else None
    if action == "drop_before":
        drop_connection(request)
        return web.Response(), None
    if action in SHORT_CIRCUIT_ACTIONS:
        # An error after the work was done: HARICA, or a proxy in front of it, fails
        # once the certificates are issued.
        if fault.get("process"):
            await process(sim, request, handler, user)
        response = short_circuit_response(sim, fault)
        return response, response.status
    if action == "delay":
        await asyncio.sleep(fault["delay_seconds"])
    if action == "empty":
        if fault["process"]:
            await process(sim, request, handler, user)
        return web.Response(status=200), 200
    response = await process(sim, request, handler, user)
    if action == "drop_after":
        drop_connection(request)
        return response, None
    if action == "truncate":
        send_truncated(request, response)
    return response, response.status


async def read_logged_body(request: web.Request) -> object:
    """Read the body and return its log form. A form is parsed here and kept for the handler."""
    raw = await request.read()
    if not is_form_data(request.headers.get("Content-Type", "")):
        return request_log.summarize_body(raw)
    try:
        parts = parse_form_data(request.headers["Content-Type"], raw)
    except ApiError as error:
        return {"form_error": error.message}
    request[FORM] = parts
    return request_log.summarize_form(parts)


@web.middleware
async def harica_middleware(request: web.Request, handler) -> web.StreamResponse:
    if not is_logged_path(request.path):
        return await handler(request)
    started = time.perf_counter()
    sim = request.app[SIMULATOR]
    body = await read_logged_body(request)
    seq = request_log.start_entry(
        sim.store, request.method, request.path, request.rel_url.raw_query_string, connection_id(request), body
    )
    api_key = request.headers.get(API_KEY_HEADER)
    user = find_user_by_key(sim.store, api_key) if api_key else None
    fault = take_fault(sim.store, request.method, request.path)
    request[BUFFERED] = fault is not None and fault["action"] in BUFFERED_ACTIONS
    status = None
    try:
        response, status = await respond(sim, request, handler, user, fault)
    finally:
        request_log.finish_entry(
            sim.store,
            seq,
            status=status,
            fault=fault["action"] if fault else None,
            user=user.email if user else None,
            handler_seconds=time.perf_counter() - started,
        )
    return response
