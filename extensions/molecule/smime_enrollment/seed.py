"""Seed the simulator of the smime_enrollment scenario. simulator_world.py calls ``seed``.

The seed creates an enterprise and an Enterprise Admin, and returns the people that
converge enrolls: four with pickup passwords and one with a CSR of a key that the
scenario creates. It also writes the CSV that verify.yml enrolls one more person from.
The pickup passwords are random, so that verify.yml can look for them in Ansible's
output.
"""

from __future__ import annotations

import csv
import io
import secrets
import typing as t

ADMIN_EMAIL = "admin@example.org"
CSV_HEADER = ["FriendlyName", "Email", "Email2", "Email3", "GivenName", "Surname", "PickupPassword", "CertType", "CSR"]


def make_pickup_password() -> str:
    return f"pickup-{secrets.token_urlsafe(12)}"


def seed(world: t.Any) -> dict[str, t.Any]:
    control = world.control
    control.create_enterprise("Example University", ["example.org"])
    admin_key = f"admin-{secrets.token_hex(16)}"
    control.create_user(ADMIN_EMAIL, ["enterprise_admin"], name="Ari Admin", api_key=admin_key)

    csr_path = world.write_file("chris.csr", world.key_and_csr("chris", "chris@example.org"))
    people = [
        {"email": "alice@example.org", "pickup_password": make_pickup_password()},
        {"email": "bob@example.org", "email2": "robert@example.org", "pickup_password": make_pickup_password()},
        {"email": "chris@example.org", "csr_path": str(csr_path)},
        {
            "email": "dana@example.org",
            "given_name": "Dana",
            "surname": "Δημητρίου",
            "profile": "natural_legal_lcp",
            "pickup_password": make_pickup_password(),
        },
        {"email": "eve@example.org", "friendly_name": "Eve Security", "pickup_password": make_pickup_password()},
    ]

    csv_person = {"email": "frank@example.org", "pickup_password": make_pickup_password()}
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerow(["Frank", csv_person["email"], "", "", "", "", csv_person["pickup_password"], "email_only", ""])
    csv_path = world.write_file("frank.csv", rows.getvalue())

    return {
        "admin_key": admin_key,
        "people": people,
        "csv_path": str(csv_path),
        "csv_person": csv_person,
        "chris_key_path": str(world.key_path("chris")),
    }
