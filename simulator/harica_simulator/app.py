"""The aiohttp application: HARICA API routes, control API routes and middlewares."""

from __future__ import annotations

from aiohttp import web

from .control_routes import control_errors, control_route_table
from .harica_routes import harica_route_table
from .middleware import harica_middleware
from .responses import SIMULATOR
from .state import Simulator

# Largest request body accepted, so that a bulk CSV of thousands of rows with CSRs fits.
# aiohttp's default is 1 MiB.
MAX_BODY_BYTES = 64 * 1024 * 1024


def build_app(sim: Simulator) -> web.Application:
    app = web.Application(middlewares=[control_errors, harica_middleware], client_max_size=MAX_BODY_BYTES)
    app[SIMULATOR] = sim
    app.add_routes(control_route_table())
    app.add_routes(harica_route_table())
    return app
