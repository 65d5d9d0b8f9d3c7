"""Exceptions that the route handlers turn into JSON error responses."""

from __future__ import annotations


class ApiError(Exception):
    """An error sent as `{"message": ...}` with a 4xx HTTP status (400 unless given)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)
