# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Checks of HTTP responses: status, redirects, content type, JSON, server messages."""

from __future__ import annotations

import datetime
import email.utils
import json
import re
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._api import required_role
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaNotFoundError,
    HaricaRedirectError,
    HaricaResponseError,
    HaricaServerError,
)

if t.TYPE_CHECKING:  # pragma: no cover
    import requests

EXCERPT_LENGTH = 300
REDACTED = "********"

# Keys under which error bodies carry their message; no schema is documented.
MESSAGE_KEYS = ("message", "error", "errors", "detail", "title", "errormessage")

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


# The password in a URL's user information, as in http://user:password@proxy.example.org.
_URL_PASSWORD = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:)[^/@\s]*@")


class Redactor:
    """Remove secrets from any text before it leaves the client.

    The secrets are the API key and the proxy passwords. The password of any URL written
    as ``scheme://user:password@host`` is removed too, whatever its value.
    """

    def __init__(self, *secrets: str) -> None:
        # Longer secrets go first, so that a secret that contains another is removed whole.
        self._secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def redact(self, text: str | None) -> str | None:
        if text is None:
            return text
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _URL_PASSWORD.sub(rf"\g<prefix>{REDACTED}@", text)


def retry_after_seconds(value: str | None, *, now: datetime.datetime | None = None) -> float | None:
    """Read a Retry-After header: delay seconds or an HTTP date (RFC 9110, section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def server_message(body: bytes, content_type: str) -> str | None:
    """Return the error message a server put in its body, or None when there is none."""
    text = _decode(body).strip()
    if not text:
        return None
    if "html" in content_type or text.startswith("<"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return _collapse(text)[:EXCERPT_LENGTH]
    return _message_from_json(document)


def _message_from_json(document: t.Any) -> str | None:
    if isinstance(document, str):
        return document or None
    if isinstance(document, list):
        parts = [_message_from_json(item) for item in document]
        return "; ".join(part for part in parts if part) or None
    if not isinstance(document, dict):
        return None
    lowered = {str(key).lower(): value for key, value in document.items()}
    for key in MESSAGE_KEYS:
        value = lowered.get(key)
        if isinstance(value, dict):
            # ASP.NET validation errors: {"errors": {"Field": ["message", ...]}}
            value = [f"{name}: {'; '.join(map(str, v)) if isinstance(v, list) else v}" for name, v in value.items()]
        found = _message_from_json(value) if value else None
        if found:
            return found
    return None


def _json_document(body: bytes) -> t.Any:
    try:
        return json.loads(_decode(body))
    except ValueError:
        return None


def body_excerpt(body: bytes) -> str | None:
    text = _collapse(_TAG.sub(" ", _decode(body)))
    if not text:
        return None
    if len(text) > EXCERPT_LENGTH:
        return text[:EXCERPT_LENGTH] + "..."
    return text


def _decode(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _is_login_location(location: str) -> bool:
    return "login" in location.lower() or "signin" in location.lower()


def _looks_like_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type.lower():
        return True
    head = body.lstrip()[:15].lower()
    return head.startswith(b"<!doctype") or head.startswith(b"<html")


class ResponseChecker:
    """Turn one HTTP response into data or into an exception with a readable message."""

    def __init__(
        self,
        response: requests.Response,
        *,
        method: str,
        path: str,
        action: str,
        redactor: Redactor,
    ) -> None:
        self.response = response
        self.method = method
        self.path = path
        self.action = action
        self.redactor = redactor
        self.content_type = response.headers.get("Content-Type", "")

    def checked(self) -> requests.Response:
        """Return the response when its status is a success, else raise."""
        status = self.response.status_code
        if 300 <= status < 400:
            raise self._redirect_error()
        if status in (401, 403):
            raise self._auth_error(self._status_text())
        if status >= 400:
            raise self._status_error()
        return self.response

    def json_body(self) -> t.Any:
        """Return the decoded JSON of a successful response; None for an empty body."""
        body = self.checked().content
        if _looks_like_html(body, self.content_type):
            raise self._auth_error(
                "returned an HTML page where JSON was expected; HARICA shows its login page this way"
            )
        if not body.strip():
            return None
        try:
            return json.loads(_decode(body))
        except ValueError:
            stripped = body.lstrip()
            if stripped[:1] in (b"{", b"["):
                problem = "returned incomplete JSON (the body looks truncated)"
            else:
                problem = "returned a body that is not JSON"
            raise self._error(HaricaResponseError, problem) from None

    def optional_json_body(self) -> t.Any:
        """Return the JSON of a successful POST response, or None when it has none.

        HARICA documents no response body for accept and cancel, so any success body is
        accepted; an HTML page is still treated as a login page.
        """
        try:
            return self.json_body()
        except HaricaResponseError:
            return None

    # Error construction

    def _status_text(self) -> str:
        status = self.response.status_code
        reason = self.response.reason or ""
        return f"returned HTTP {status} {reason}".rstrip()

    def _redirect_error(self) -> HaricaAPIError:
        location = self.response.headers.get("Location", "")
        if _is_login_location(location):
            return self._auth_error(f"was redirected to the login page ({location})")
        return self._error(
            HaricaRedirectError,
            f"returned a redirect ({self.response.status_code}) to {location or 'an unnamed location'}."
            " Check api_url: it must be the CertManager address, such as https://cm.harica.gr",
        )

    def _auth_error(self, problem: str) -> HaricaAPIError:
        role = required_role(self.path)
        if self.response.status_code == 401:
            advice = "Check the api_key option or the HARICA_API_KEY variable: the key is missing, invalid or revoked"
        elif role:
            advice = f"The API key was refused for this call, which needs the {role} role"
        else:
            advice = "The API key was refused for this call"
        return self._error(HaricaAuthError, f"{problem}. {advice}")

    def _status_error(self) -> HaricaAPIError:
        status = self.response.status_code
        if status == 404:
            return self._error(HaricaNotFoundError, self._status_text())
        if status >= 500:
            return self._error(HaricaServerError, self._status_text(), unknown=self.method != "GET")
        return self._error(HaricaAPIError, self._status_text())

    def _error(
        self, error_class: type[HaricaAPIError], problem: str, *, unknown: bool | None = None
    ) -> HaricaAPIError:
        body = self.response.content or b""
        message = self.redactor.redact(server_message(body, self.content_type))
        text = f"Failed to {self.action}: {self.method} {self.path} {problem}"
        if message:
            text += f": {message}"
        if not text.endswith("."):
            text += "."
        if unknown is None:
            # A POST whose response cannot be read may still have taken effect.
            unknown = self.method != "GET" and 200 <= self.response.status_code < 300
        if unknown:
            text += " The request was sent, so it may have taken effect on the server."
        return error_class(
            self.redactor.redact(text),
            method=self.method,
            path=self.path,
            status=self.response.status_code,
            server_message=message,
            body_excerpt=self.redactor.redact(body_excerpt(body)),
            outcome_unknown=unknown,
            document=_json_document(body),
        )


__all__ = (
    "EXCERPT_LENGTH",
    "REDACTED",
    "Redactor",
    "ResponseChecker",
    "body_excerpt",
    "retry_after_seconds",
    "server_message",
)
