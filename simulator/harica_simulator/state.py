"""The simulator's shared objects, created once per server process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .ca import CertificateAuthority
from .clock import SimulatorClock
from .key_pool import EC_P256, KeyPool
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
    # Pools of other key types, created on first use by pool_of().
    other_pools: dict[str, KeyPool] = field(default_factory=dict)

    def pool_of(self, key_type: str) -> KeyPool:
        """Return the key pool of `key_type` (a key_pool.KEY_TYPES value), creating it when missing."""
        if key_type == EC_P256:
            return self.key_pool
        if key_type not in self.other_pools:
            self.other_pools[key_type] = KeyPool(self.state_dir, key_type)
        return self.other_pools[key_type]

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
