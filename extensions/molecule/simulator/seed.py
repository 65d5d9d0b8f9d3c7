"""Seed the simulator of the simulator scenario. simulator_world.py calls ``seed``.

One enterprise, one Enterprise Admin and two valid SSL certificates: enough for
converge.yml and verify.yml to see that the simulator serves the API with the seeded
state.
"""

from __future__ import annotations

import secrets
import typing as t

NAMES = ["www.example.org", "api.example.org"]


def seed(world: t.Any) -> dict[str, t.Any]:
    control = world.control
    control.create_enterprise("Example University", ["example.org"])
    admin_key = f"admin-{secrets.token_hex(16)}"
    control.create_user("admin@example.org", ["enterprise_admin"], name="Ari Admin", api_key=admin_key)
    serials = {name: control.create_certificate("ssl", names=[name])["serial"] for name in NAMES}
    return {"admin_key": admin_key, "serials": serials}
