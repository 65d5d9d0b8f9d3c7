"""Sending of HARICA list responses, streamed from a database cursor or as one body.

A streamed list is written with chunked transfer encoding while the rows are read, so
the simulator's memory does not grow with the list. Its bytes are the same as those of
`json.dumps` of the whole list, because the records are joined with the same ", "
separator, and the wrapper and key case follow the settings in both forms.

The whole body is built in memory instead when the `list_transfer` setting is
"content_length", or when a fault needs the complete response (see middleware.py).
"""

from __future__ import annotations

import json
import logging
from typing import Callable

from aiohttp import web

from .responses import BUFFERED, SIMULATOR, harica_json
from .shapes import apply_key_case, convert_key, wrap_list

logger = logging.getLogger(__name__)

# Bytes gathered before each write. Every write waits until the client has taken the
# previous data, which bounds the memory a slow client can make the server hold.
CHUNK_BYTES = 64 * 1024
# Rows fetched from the cursor at a time.
FETCH_ROWS = 500


def _streamed(request: web.Request, settings: dict) -> bool:
    return settings["list_transfer"] == "chunked" and not request.get(BUFFERED, False)


def _brackets(settings: dict) -> tuple[str, str]:
    """Return the text before the first record and after the last one."""
    wrapper = settings["list_wrapper"]
    if wrapper is None:
        return "[", "]"
    key = json.dumps(convert_key(wrapper, settings["key_case"]))
    return "{" + key + ": [", "]}"


async def send_list(
    request: web.Request, query: tuple[str, object], render: Callable[[object], dict], settings: dict
) -> web.StreamResponse:
    """Send the rows of `query` (SQL and parameters), each turned into a record by `render`."""
    sim = request.app[SIMULATOR]
    if not _streamed(request, settings):
        records = [render(row) for row in sim.store.query(*query)]
        return harica_json(sim, wrap_list(records, settings))
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    response.charset = "utf-8"
    response.enable_chunked_encoding()
    await response.prepare(request)
    opening, closing = _brackets(settings)
    case = settings["key_case"]
    try:
        with sim.store.reader() as conn:
            cursor = conn.execute(*query)
            try:
                await _write_records(response, cursor, render, case, opening)
            finally:
                cursor.close()
        await response.write(closing.encode())
        await response.write_eof()
    except ConnectionResetError:
        logger.info("The client closed the connection during the list %s %s", request.method, request.path)
    return response


async def _write_records(response: web.StreamResponse, cursor, render, case: str, opening: str) -> None:
    pending = [opening]
    size = len(opening)
    separator = ""
    while rows := cursor.fetchmany(FETCH_ROWS):
        for row in rows:
            text = separator + json.dumps(apply_key_case(render(row), case))
            separator = ", "
            pending.append(text)
            size += len(text)
        if size >= CHUNK_BYTES:
            await response.write("".join(pending).encode())
            pending, size = [], 0
    if pending:
        await response.write("".join(pending).encode())
