"""Exceptions that the route handlers turn into JSON error responses."""

from __future__ import annotations


class ApiError(Exception):
    """An error sent as `{"message": ...}` with a 4xx HTTP status (400 unless given).

    `details` are extra fields of the JSON body, such as the `errors` of a bulk upload.
    """

    def __init__(self, message: str, status: int = 400, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details or {}


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)
