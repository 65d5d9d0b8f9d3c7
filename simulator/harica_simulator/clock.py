"""Simulator clock: real time plus an offset stored in the database.

Setting the clock to a fixed instant stores the offset to that instant, so the clock
keeps running from there. Every simulator time (records, validity, issuance delay) uses
this clock. The request log uses the real wall clock instead.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from .errors import ApiError
from .store import Store

OFFSET_KEY = "clock_offset_seconds"


class SimulatorClock:
    def __init__(self, store: Store) -> None:
        self.store = store

    def offset(self) -> float:
        return float(self.store.get_meta(OFFSET_KEY, 0.0))

    def now(self) -> float:
        """Return the simulator time in Unix seconds."""
        return time.time() + self.offset()

    def set_offset(self, seconds: float) -> None:
        self.store.set_meta(OFFSET_KEY, float(seconds))

    def set_now(self, instant: datetime) -> None:
        self.set_offset(instant.timestamp() - time.time())

    def reset(self) -> None:
        self.store.delete_meta(OFFSET_KEY)

    def describe(self) -> dict:
        offset = self.offset()
        now = datetime.fromtimestamp(time.time() + offset, tz=timezone.utc)
        return {
            "now": now.isoformat().replace("+00:00", "Z"),
            "offset_seconds": offset,
            "real_time": offset == 0.0,
        }


def parse_instant(raw, field: str) -> datetime:
    """Parse an ISO 8601 date and time from a control payload, reading it as UTC when it has no zone."""
    try:
        instant = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(f"Invalid {field} {raw!r}: expected an ISO 8601 date and time.") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant


def format_iso(seconds: float | None) -> str | None:
    """Format Unix seconds as ISO 8601 UTC with a `Z`, the form of control API responses."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")
