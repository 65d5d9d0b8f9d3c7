"""The aiohttp application: HARICA API routes, control API routes and middlewares."""

from __future__ import annotations

from aiohttp import web

from .control_routes import control_errors, control_route_table
from .harica_routes import harica_route_table
from .middleware import harica_middleware
from .responses import SIMULATOR
from .state import Simulator


def build_app(sim: Simulator) -> web.Application:
    app = web.Application(middlewares=[control_errors, harica_middleware])
    app[SIMULATOR] = sim
    app.add_routes(control_route_table())
    app.add_routes(harica_route_table())
    return app
