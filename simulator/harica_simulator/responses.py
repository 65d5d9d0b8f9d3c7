"""Response helpers shared by the HARICA API routes, the middleware and the faults."""

from __future__ import annotations

import json
from urllib.parse import quote

from aiohttp import web

from .shapes import apply_key_case
from .accounts import User
from .state import Simulator

SIMULATOR = web.AppKey("simulator", Simulator)
# Request key under which the middleware stores the User of the X-API-Key header.
USER = "harica_user"
# Request key under which the middleware stores the parsed fields of a multipart/form-data body.
FORM = "harica_form"
# Request key that is true when a fault needs the whole response body in memory, so a
# list must be built as one body instead of being streamed.
BUFFERED = "harica_buffered"

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Log in - HARICA CertManager (simulator)</title></head>
<body>
<h1>Log in</h1>
<form method="post" action="/login">
<label>Email <input name="email" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Log in</button>
</form>
</body>
</html>
"""

ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{status} {reason}</title></head>
<body><h1>{status} {reason}</h1><p>The server could not complete the request.</p></body>
</html>
"""


def current_user(request: web.Request) -> User:
    return request[USER]


def harica_json(sim: Simulator, payload, status: int = 200) -> web.Response:
    """Send a HARICA API JSON body with its keys in the `key_case` setting's case."""
    shaped = apply_key_case(payload, sim.settings.get("key_case"))
    return web.Response(status=status, text=json.dumps(shaped), content_type="application/json")


def harica_error(sim: Simulator, message: str, status: int, details: dict | None = None) -> web.Response:
    return harica_json(sim, {"message": message, **(details or {})}, status)


def control_json(payload, status: int = 200) -> web.Response:
    """Send a control API JSON body. Control responses never change key case."""
    return web.json_response(payload, status=status)


def login_redirect(path: str) -> web.Response:
    """Reject the way HARICA's session API does: 302 to the login page with a ReturnUrl."""
    location = "/login?ReturnUrl=" + quote(path, safe="")
    return web.Response(status=302, headers={"Location": location})


def html_error(status: int) -> web.Response:
    reason = web.Response(status=status).reason
    page = ERROR_PAGE.format(status=status, reason=reason)
    return web.Response(status=status, text=page, content_type="text/html")
