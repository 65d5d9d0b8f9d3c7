"""Parsing of multipart/form-data bodies, the form of HARICA's bulk uploads.

The middleware reads every body before the handler runs, for the request log, so the
form is parsed from those bytes with the standard library's MIME parser instead of
aiohttp's streaming reader.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

from .errors import ApiError

FORM_DATA = "multipart/form-data"


@dataclass
class FormPart:
    """One field of a form. `filename` is None for a text field."""

    name: str
    filename: str | None
    content: bytes


def is_form_data(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == FORM_DATA


def parse_form_data(content_type: str, body: bytes) -> list[FormPart]:
    """Split a multipart/form-data body into its fields, in order.

    `content_type` is the whole Content-Type header, with its boundary. Raises
    ApiError when the body is not a form with named fields.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", errors="replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError("Invalid multipart/form-data body: the boundary is missing or does not match.")
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            raise ApiError("Invalid multipart/form-data body: a part has no field name.")
        content = part.get_payload(decode=True) or b""
        parts.append(FormPart(name=str(name), filename=part.get_filename(), content=content))
    return parts


def find_part(parts: list[FormPart], name: str) -> FormPart | None:
    """Return the first field named `name`, compared case-insensitively, or None."""
    wanted = name.lower()
    for part in parts:
        if part.name.lower() == wanted:
            return part
    return None
