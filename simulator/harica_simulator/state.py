"""The simulator's shared objects, created once per server process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .ca import CertificateAuthority
from .clock import SimulatorClock
from .key_pool import KeyPool
from .settings import Settings
from .store import Store, open_store


@dataclass
class Simulator:
    state_dir: Path
    store: Store
    ca: CertificateAuthority
    clock: SimulatorClock
    settings: Settings
    key_pool: KeyPool

    @classmethod
    def open(cls, state_dir: Path) -> "Simulator":
        """Open or create the database and the CA material in `state_dir`."""
        state_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(state_dir)
        return cls(
            state_dir=state_dir,
            store=store,
            ca=CertificateAuthority(state_dir),
            clock=SimulatorClock(store),
            settings=Settings(store),
            key_pool=KeyPool(state_dir),
        )
