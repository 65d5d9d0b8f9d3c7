# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The exception family that every part of the collection raises."""

from __future__ import annotations

import typing as t


class HaricaError(Exception):
    """Base of the collection's exceptions; the message is ready for a user to read.

    ``details`` contains extra result keys that the module boundary passes to ``fail_json``.
    """

    def __init__(self, message: str, **details: t.Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def fail_kwargs(self) -> dict[str, t.Any]:
        """Return the keyword arguments for ``AnsibleModule.fail_json``."""
        return {"msg": self.message, **self.details}


class HaricaInputError(HaricaError):
    """An option value is invalid; raised before any request is sent."""


class HaricaAPIError(HaricaError):
    """A call to the CertManager API failed.

    ``outcome_unknown`` is true when the request may have changed state on the server
    although no success response arrived (a timeout, a dropped connection or a 5xx after
    the request was sent). Callers that sent a POST must then re-read the state.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        server_message: str | None = None,
        body_excerpt: str | None = None,
        outcome_unknown: bool = False,
        document: t.Any = None,
    ) -> None:
        super().__init__(message)
        # The decoded JSON error body, for callers that read structured details from it.
        self.document = document
        self.method = method
        self.path = path
        self.status = status
        self.server_message = server_message
        self.body_excerpt = body_excerpt
        self.outcome_unknown = outcome_unknown

    @property
    def transient(self) -> bool:
        """Tell whether the same call may succeed later: no response, 429 or a gateway 5xx."""
        return self.status is None or self.status in (429, 502, 503, 504)

    def error_record(self) -> dict[str, t.Any]:
        """Return the structured fields that a playbook can branch on."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "server_message": self.server_message,
            "body_excerpt": self.body_excerpt,
            "outcome_unknown": self.outcome_unknown,
            "kind": type(self).__name__,
        }

    def fail_kwargs(self) -> dict[str, t.Any]:
        kwargs = super().fail_kwargs()
        kwargs["error"] = self.error_record()
        return kwargs


class HaricaAuthError(HaricaAPIError):
    """The key was rejected or lacks the role: 401, 403, a login redirect or HTML."""


class HaricaRedirectError(HaricaAPIError):
    """The server returned a redirect that is not a login page."""


class HaricaNotFoundError(HaricaAPIError):
    """The server returned 404."""


class HaricaServerError(HaricaAPIError):
    """The server returned a 5xx status."""


class HaricaResponseError(HaricaAPIError):
    """The response arrived but cannot be used: not JSON, truncated, or an unknown shape."""


class HaricaTimeoutError(HaricaAPIError):
    """No response arrived within the timeout."""


class HaricaConnectionError(HaricaAPIError):
    """The connection failed or was dropped."""


__all__ = (
    "HaricaAPIError",
    "HaricaAuthError",
    "HaricaConnectionError",
    "HaricaError",
    "HaricaInputError",
    "HaricaNotFoundError",
    "HaricaRedirectError",
    "HaricaResponseError",
    "HaricaServerError",
    "HaricaTimeoutError",
)
