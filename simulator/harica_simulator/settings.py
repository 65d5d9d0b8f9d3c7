"""Response-shape settings that tests switch at run time, with their validation."""

from __future__ import annotations

import numbers
from typing import Any

from .errors import ApiError
from .store import Store

SETTINGS_KEY = "settings"

DEFAULTS: dict[str, Any] = {
    "list_wrapper": None,
    "key_case": "camel",
    "cancelled_spelling": "Cancelled",
    "certificate_encoding": "pem",
    "serial_style": "upper",
    "permission_denied": "redirect",
    "issuance_delay_seconds": 0,
    "ssl_validity_days": 199,
    "issuance_hint": "field",
    "already_revoked": "error",
    "bulk_key_type": "ec-p256",
    "p7b_encoding": "der",
    "list_transfer": "chunked",
}

CHOICES: dict[str, tuple] = {
    "list_wrapper": (None, "certificates", "items", "results", "data"),
    "key_case": ("camel", "pascal", "lower"),
    "cancelled_spelling": ("Cancelled", "Canceled"),
    "certificate_encoding": ("pem", "der_base64"),
    "serial_style": ("upper", "lower_padded"),
    "permission_denied": ("redirect", "status"),
    "issuance_hint": ("field", "flags", "none"),
    "already_revoked": ("error", "success"),
    "bulk_key_type": ("ec-p256", "rsa-2048"),
    "p7b_encoding": ("der", "ber_indefinite"),
    "list_transfer": ("chunked", "content_length"),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def validate_setting(key: str, value: Any) -> None:
    """Raise ApiError naming the key and its allowed values unless the pair is valid."""
    if key in CHOICES:
        if value not in CHOICES[key]:
            allowed = ", ".join("null" if c is None else f'"{c}"' for c in CHOICES[key])
            raise ApiError(f"Invalid value {value!r} for setting {key}: allowed values are {allowed}.")
    elif key == "issuance_delay_seconds":
        if not _is_number(value) or value < 0:
            raise ApiError(f"Invalid value {value!r} for setting {key}: expected a number >= 0.")
    elif key == "ssl_validity_days":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ApiError(f"Invalid value {value!r} for setting {key}: expected an integer >= 1.")
    else:
        known = ", ".join(DEFAULTS)
        raise ApiError(f"Unknown setting {key!r}: known settings are {known}.")


class Settings:
    def __init__(self, store: Store) -> None:
        self.store = store

    def current(self) -> dict[str, Any]:
        stored = self.store.get_meta(SETTINGS_KEY, {})
        return {**DEFAULTS, **stored}

    def get(self, key: str) -> Any:
        return self.current()[key]

    def update(self, changes: Any) -> dict[str, Any]:
        """Validate every change first, then merge them all into the stored settings."""
        if not isinstance(changes, dict):
            raise ApiError("Settings must be a JSON object of setting names and values.")
        for key, value in changes.items():
            validate_setting(key, value)
        stored = self.store.get_meta(SETTINGS_KEY, {})
        stored.update(changes)
        self.store.set_meta(SETTINGS_KEY, stored)
        return self.current()
