"""Seed the simulator of the decommission scenario. simulator_world.py calls ``seed``.

Two hosts are decommissioned in converge: app1.example.org, whose ansible_host is an IP
address, and app2.example.org, whose ansible_host is the DNS name
app2.internal.example.org. ``CERTIFICATES`` lists what each certificate covers and what
converge must leave it as. verify.yml runs the role again on the other names.
"""

from __future__ import annotations

import datetime
import secrets
import typing as t

ADMIN_EMAIL = "admin@example.org"

# label: (names, how HARICA issued it, extra seed options, status after converge)
CERTIFICATES: dict[str, tuple[list[str], str, dict[str, t.Any], str]] = {
    "app1_single": (["app1.example.org"], "single", {}, "revoked"),
    "app1_bulk": (["app1.example.org"], "bulk", {}, "revoked"),
    # Covers two decommissioned hosts only, so it is not shared.
    "app1_app2": (["app1.example.org", "app2.example.org"], "single", {}, "revoked"),
    "app2_internal": (["app2.internal.example.org"], "acme", {}, "revoked"),
    "app1_expired": (["app1.example.org"], "single", {"expired": True}, "expired"),
    "app2_revoked": (["app2.example.org"], "single", {"revoked": {"reason_code": "4.9.1.1.1.3"}}, "revoked"),
    "keep": (["keep.example.org"], "single", {}, "valid"),
    # For verify.yml: a certificate shared with keep.example.org, and three for one name,
    # one more than the safety limit that verify sets.
    "shared": (["shared.example.org", "keep.example.org"], "single", {}, "valid"),
    "limit_1": (["limit.example.org"], "single", {}, "valid"),
    "limit_2": (["limit.example.org"], "single", {}, "valid"),
    "limit_3": (["limit.example.org"], "bulk", {}, "valid"),
}


def seed(world: t.Any) -> dict[str, t.Any]:
    control = world.control
    control.create_enterprise("Example University", ["example.org"])
    admin_key = f"admin-{secrets.token_hex(16)}"
    control.create_user(ADMIN_EMAIL, ["enterprise_admin"], name="Ari Admin", api_key=admin_key)

    serials = {}
    for label, (names, issued_via, extra, _status) in CERTIFICATES.items():
        options: dict[str, t.Any] = {"names": names, "issued_via": issued_via}
        if extra.get("expired"):
            ended = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=3)
            options["not_after"] = ended.strftime("%Y-%m-%dT%H:%M:%SZ")
        if "revoked" in extra:
            options["revoked"] = extra["revoked"]
        serials[label] = control.create_certificate("ssl", **options)["serial"]

    return {
        "admin_key": admin_key,
        "serials": serials,
        "issued_via": {label: entry[1] for label, entry in CERTIFICATES.items()},
        "status_after_converge": {label: entry[3] for label, entry in CERTIFICATES.items()},
    }
