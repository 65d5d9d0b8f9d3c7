"""Shared test helpers: a /cm/v1 client that never follows redirects, and seeded state.

The module name is unique so that it cannot clash with another suite's conftest.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from harica_simulator.testing import Control, RunningSimulator

APPROVER_KEY = "approver-key-0001"
ADMIN_KEY = "admin-key-0001"
REQUESTER = "requester@example.org"
APPROVER = "approver@example.org"


class HaricaClient:
    """Minimal /cm/v1 client for the tests: never follows redirects."""

    def __init__(self, simulator: RunningSimulator, api_key: str | None) -> None:
        self.url = simulator.url
        self.session = requests.Session()
        self.verify = simulator.tls_ca
        if api_key is not None:
            self.session.headers["X-API-Key"] = api_key

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, allow_redirects=False, timeout=30, verify=self.verify, **kwargs)

    def post(self, path: str, payload=None, **kwargs) -> requests.Response:
        return self.session.post(
            self.url + path, json=payload, allow_redirects=False, timeout=30, verify=self.verify, **kwargs
        )

    def accept(self, transaction_id: str, message: str = "approved", *, request_type: str = "ssl") -> requests.Response:
        payload = {"transactionId": transaction_id, "message": message}
        return self.post(f"/cm/v1/enterprise/accept/{request_type}", payload)

    def cancel(
        self, transaction_id: str, message: str = "not needed", inform_user: bool = True, *, request_type: str = "ssl"
    ) -> requests.Response:
        payload = {"TransactionId": transaction_id, "Message": message, "InformUser": inform_user}
        return self.post(f"/cm/v1/enterprise/cancel/{request_type}", payload)

    def request(self, transaction_id: str, *, request_type: str = "ssl") -> requests.Response:
        return self.get(f"/cm/v1/enterprise/requests/{request_type}/id/{transaction_id}")


@dataclass
class World:
    """A seeded enterprise with an SSL approver and an enterprise admin."""

    control: Control
    simulator: RunningSimulator
    organization_id: str
    approver: HaricaClient
    admin: HaricaClient

    def client(self, api_key: str | None) -> HaricaClient:
        return HaricaClient(self.simulator, api_key)

    def seed(self, domains=("www.example.org",), **options) -> str:
        record = self.control.create_ssl_request(list(domains), options.pop("requester_email", REQUESTER), **options)
        return record["transactionId"]
