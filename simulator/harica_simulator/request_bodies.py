"""Parsing of the JSON request bodies of the HARICA /cm/v1 API and of the control API."""

from __future__ import annotations

import json

from aiohttp import web

from .errors import ApiError


def body_field(payload: dict, name: str):
    """Return a JSON body field matched case-insensitively, as ASP.NET model binding does."""
    lowered_name = name.lower()
    for key, value in payload.items():
        if key.lower() == lowered_name:
            return value
    return None


async def read_json_object(request: web.Request) -> dict:
    raw = await request.read()
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    return payload


def optional_field(payload: dict, name: str, kind: type, expected: str):
    value = body_field(payload, name)
    if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
        raise ApiError(f"Invalid {name} in the request body: expected {expected}.")
    return value


def required_transaction_id(payload: dict) -> str:
    """Return the body's transactionId, stripped. Raises ApiError (400) when it is missing or blank."""
    transaction_id = body_field(payload, "transactionId")
    if not isinstance(transaction_id, str) or not transaction_id.strip():
        raise ApiError("Missing transactionId in the request body.")
    return transaction_id.strip()


async def read_json(request: web.Request, *, default=None):
    raw = await request.read()
    if not raw:
        if default is not None:
            return default
        raise ApiError("The request body is empty: expected a JSON object.")
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError("The request body is not valid JSON.") from None


async def read_object(request: web.Request) -> dict:
    payload = await read_json(request)
    if not isinstance(payload, dict):
        raise ApiError("The request body must be a JSON object.")
    return payload
