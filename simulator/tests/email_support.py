"""Shared helpers of the S/MIME and client-auth decision tests: one approver per request type.

The module name is unique so that it cannot clash with another suite's conftest.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from sim_support import REQUESTER, HaricaClient, World

REQUEST_TYPES = ("smime", "clientauth")
ROLES = {"smime": "smime_approver", "clientauth": "clientauth_approver"}


@dataclass
class EmailDesk:
    """An approver of one request type (smime or clientauth) in the seeded world."""

    world: World
    request_type: str
    approver: HaricaClient
    approver_email: str

    @property
    def role(self) -> str:
        return ROLES[self.request_type]

    def path(self, action: str) -> str:
        """Return the approver path of `action` (accept, cancel or revoke) for this type."""
        return f"/cm/v1/enterprise/{action}/{self.request_type}"

    def seed(self, emails=("person@example.org",), **options) -> str:
        """Seed a request, Pending unless the `status` option sets another, and return its transaction id."""
        return self.seed_record(emails, **options)["transactionId"]

    def seed_record(self, emails=("person@example.org",), **options) -> dict:
        """Seed a request, Pending unless the `status` option sets another, and return its control record."""
        options.setdefault("status", "pending")
        create = getattr(self.world.control, f"create_{self.request_type}_request")
        return create(list(emails), options.pop("requester_email", REQUESTER), **options)

    def accept(self, transaction_id: str, message: str = "approved", client: HaricaClient | None = None):
        return (client or self.approver).accept(transaction_id, message, request_type=self.request_type)

    def cancel(
        self,
        transaction_id: str,
        message: str = "not needed",
        inform_user: bool = True,
        client: HaricaClient | None = None,
    ) -> requests.Response:
        return (client or self.approver).cancel(transaction_id, message, inform_user, request_type=self.request_type)

    def record(self, transaction_id: str) -> dict:
        """Return the request's approver API record, failing the test unless the read is 200."""
        response = self.approver.request(transaction_id, request_type=self.request_type)
        assert response.status_code == 200, response.text
        return response.json()

    def status(self, transaction_id: str) -> str:
        return self.record(transaction_id)["transactionStatus"]


def open_desk(world: World, request_type: str) -> EmailDesk:
    """Create an approver with the type's role and return the desk that acts through it."""
    email = f"{request_type}.approver@example.org"
    key = f"{request_type}-decision-key-0001"
    world.control.create_user(email, [ROLES[request_type]], name="Email Approver", api_key=key)
    return EmailDesk(world=world, request_type=request_type, approver=world.client(key), approver_email=email)
