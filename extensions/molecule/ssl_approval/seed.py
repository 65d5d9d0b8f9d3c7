"""Seed the simulator of the ssl_approval scenario. simulator_world.py calls ``seed``.

Converge runs the role on two hosts: web1.example.org with its default domains, and
mail.example.org with the domains mail.example.org and smtp.example.org. Each pending
request is made from a CSR of a key that the scenario creates, in ``DIR/keys``.
``REQUESTS`` lists each request, who submitted it, and its status after converge.
"""

from __future__ import annotations

import secrets
import typing as t

APPROVER_EMAIL = "approver@example.org"
REQUESTERS = {"developer@example.org": "Dana Developer", "mallory@example.org": "Mallory Outsider"}

# label: (domains, requester, status after converge). The order is the order of
# submission, so web1_old is older than web1.
REQUESTS: dict[str, tuple[list[t.Any], str, str]] = {
    # Accepted by the seed: the certificate that web1.example.org had before.
    "web1_old": (["web1.example.org"], "developer@example.org", "completed"),
    "web1": (["web1.example.org"], "developer@example.org", "completed"),
    # Names web1.example.org and www.web1.example.org, not exactly web1's domains.
    "web1_www": ([{"fqdn": "web1.example.org", "includes_www": True}], "mallory@example.org", "pending"),
    "mail": (["smtp.example.org", "mail.example.org"], "developer@example.org", "completed"),
    # For verify.yml: a request from a requester whom verify does not allow, and one for
    # the check mode run.
    "other": (["other.example.org"], "mallory@example.org", "pending"),
    "staged": (["staged.example.org"], "developer@example.org", "pending"),
}

# Seconds between an accept and the issuance, so that the role waits.
ISSUANCE_DELAY_SECONDS = 2


def seed(world: t.Any) -> dict[str, t.Any]:
    control = world.control
    control.create_enterprise("Example University", ["example.org"])
    approver_key = f"approver-{secrets.token_hex(16)}"
    control.create_user(APPROVER_EMAIL, ["ssl_approver"], name="Alex Approver", api_key=approver_key)

    transaction_ids = {}
    for label, (domains, requester, _status) in REQUESTS.items():
        names = [domain if isinstance(domain, str) else domain["fqdn"] for domain in domains]
        csr = world.key_and_csr(label, names[0], names)
        request = control.create_ssl_request(domains, requester, requester_name=REQUESTERS[requester], csr=csr)
        transaction_ids[label] = request["transactionId"]
        if label == "web1_old":
            world.api(
                "POST",
                "/cm/v1/enterprise/accept/ssl",
                approver_key,
                {"transactionId": request["transactionId"], "message": "ssl_approval scenario"},
            )
    control.settings(issuance_delay_seconds=ISSUANCE_DELAY_SECONDS)

    return {
        "approver_key": approver_key,
        "transaction_ids": transaction_ids,
        "key_paths": {label: str(world.key_path(label)) for label in REQUESTS},
        "status_after_converge": {label: entry[2] for label, entry in REQUESTS.items()},
    }
