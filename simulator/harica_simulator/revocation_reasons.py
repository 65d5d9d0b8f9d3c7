"""Revocation reason codes that HARICA accepts, kept as data in one table."""

from __future__ import annotations

import json

from .errors import ApiError

# Reason codes that the revoke paths accept: the number of the event in section 4.9.1.1
# of the CA/Browser Forum Baseline Requirements. Public clients only ever send
# 4.9.1.1.1.1, so the other four are inferred from that numbering.
REVOCATION_REASONS = {
    "4.9.1.1.1.1": "the subscriber requested revocation in writing",
    "4.9.1.1.1.2": "the certificate request was not authorized",
    "4.9.1.1.1.3": "the private key was compromised",
    "4.9.1.1.1.5": "the domain validation can no longer be relied on",
    "4.9.1.1.2.9": "use of the name is no longer permitted",
}


def check_reason_code(value) -> str:
    """Return `value` if it is an accepted reason code. Raises ApiError (400) otherwise."""
    if value is None or value == "":
        raise ApiError("Missing value in the request body: expected a revocation reason code such as 4.9.1.1.1.1.")
    if not isinstance(value, str) or value not in REVOCATION_REASONS:
        text = value if isinstance(value, str) else json.dumps(value)
        raise ApiError(f"Invalid revocation reason: {text}")
    return value
