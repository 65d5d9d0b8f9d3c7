"""Helpers for test suites and demos: run the simulator as a subprocess and drive it.

    with start_simulator(tmp_path / "sim") as sim:
        control = Control(sim.url, sim.tls_ca)
        control.create_enterprise("Example University", ["example.org"])
        ...

The signatures here are used by the collection's integration tests; keep them stable.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
BATCH_TIMEOUT_SECONDS = 600.0


class SimulatorStartError(RuntimeError):
    """The simulator did not become ready. The message contains its stderr."""


class ControlError(RuntimeError):
    """A control API call failed. `status` is the HTTP status, `message` the server's text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"control call failed with HTTP {status}: {message}")
        self.status = status
        self.message = message


class RunningSimulator:
    """A `harica-simulator serve` subprocess. Use it as a context manager to stop it on exit."""

    def __init__(self, state_dir: Path, *, tls: bool = True) -> None:
        self.state_dir = Path(state_dir)
        self.tls = tls
        self.url: str = ""
        self.tls_ca: str | None = None
        self.root_ca: str = ""
        self.process: subprocess.Popen | None = None
        self._port = 0

    def __enter__(self) -> "RunningSimulator":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def stderr_path(self) -> Path:
        return self.state_dir / "simulator-stderr.log"

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start the server and wait for its ready file. Raises SimulatorStartError on failure."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ready_file = self.state_dir / "ready.json"
        ready_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", "harica_simulator", "serve", "--state-dir", str(self.state_dir)]
        command += ["--port", str(self._port), "--ready-file", str(ready_file)]
        if not self.tls:
            command.append("--no-tls")
        with open(self.stderr_path, "ab") as stderr:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
        self._wait_ready(ready_file, timeout)

    def _wait_ready(self, ready_file: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready_file.exists():
            if self.process.poll() is not None:
                raise SimulatorStartError(
                    f"simulator exited with code {self.process.returncode} before it was ready:\n{self._stderr_text()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise SimulatorStartError(f"simulator not ready after {timeout} s:\n{self._stderr_text()}")
            time.sleep(0.05)
        ready = json.loads(ready_file.read_text())
        self.url = ready["url"]
        self.tls_ca = ready["tls_ca"]
        self.root_ca = ready["root_ca"]
        self._port = int(self.url.rsplit(":", 1)[1])

    def _stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no stderr output)"

    def stop(self) -> None:
        """Send SIGTERM and wait, then kill the process if it has not exited after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Stop and start again with the same state dir, on the same port as before."""
        self.stop()
        self.start()


def start_simulator(state_dir: os.PathLike | str, *, tls: bool = True) -> RunningSimulator:
    """Start the simulator on a free port and return it once it is ready.

    The returned object is a context manager: leaving the `with` block stops the server.
    """
    simulator = RunningSimulator(Path(state_dir), tls=tls)
    simulator.start()
    return simulator


class Control:
    """Client of the simulator's /_sim control API."""

    def __init__(self, url: str, ca_path: str | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # Passed on each call because REQUESTS_CA_BUNDLE in the environment overrides
        # Session.verify in requests.
        self.verify: str | bool = ca_path if ca_path else True

    def call(
        self, method: str, path: str, payload: Any = None, params: dict | None = None, *, timeout: float | None = None
    ) -> Any:
        """Send one control request and return its parsed JSON. Raises ControlError on 4xx or 5xx.

        `timeout` (seconds) overrides the client's timeout for this call.
        """
        response = self.session.request(
            method,
            f"{self.url}/_sim/{path}",
            json=payload,
            params=params,
            timeout=self.timeout if timeout is None else timeout,
            verify=self.verify,
        )
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise ControlError(response.status_code, message)
        return response.json()

    def health(self) -> dict:
        return self.call("GET", "health")

    def reset(self) -> None:
        self.call("POST", "reset")

    def create_enterprise(
        self,
        name: str,
        domains: list[str],
        organization_id: str | None = None,
        country: str = "GR",
        **details,
    ) -> dict:
        """Create an enterprise and return its control record.

        `details`: localized_name, state, locality, organizational_unit, group_id, and
        validity (one ISO 8601 time, or a dict of domain names and times).
        """
        payload = {"name": name, "domains": domains, "country": country, **details}
        if organization_id is not None:
            payload["organization_id"] = organization_id
        return self.call("POST", "enterprises", payload)

    def create_user(
        self,
        email: str,
        roles: list[str],
        *,
        name: str | None = None,
        enterprise_ids: list[str] | None = None,
        api_key: str | None = None,
        given_name: str | None = None,
        surname: str | None = None,
    ) -> dict:
        """Create a user and return {"email", "roles", "api_key"}."""
        payload: dict = {"email": email, "roles": roles}
        optional = {
            "name": name,
            "enterprise_ids": enterprise_ids,
            "api_key": api_key,
            "given_name": given_name,
            "surname": surname,
        }
        for key, value in optional.items():
            if value is not None:
                payload[key] = value
        return self.call("POST", "users", payload)

    def add_api_key(self, email: str, api_key: str | None = None) -> dict:
        payload = {} if api_key is None else {"api_key": api_key}
        return self.call("POST", f"users/{email}/api-keys", payload)

    def create_ssl_request(self, domains: list, requester_email: str, **options) -> dict:
        """Seed a Pending SSL request and return its HARICA record (with `transactionId`).

        Options: requester_name, organization_id, product ("DV", "OV" or "EV"), csr (PEM),
        high_risk, requested_at (ISO 8601), friendly_name.
        """
        return self.call("POST", "ssl-requests", {"domains": domains, "requester_email": requester_email, **options})

    def create_smime_request(self, emails: list[str], requester_email: str, **options) -> dict:
        """Seed an S/MIME request (completed with a certificate by default) and return its HARICA record.

        Options: requester_name, organization_id, status ("completed", "pending", "ready"
        or "cancelled"), issued_via ("single", "bulk" or "acme"), friendly_name,
        common_name, product, requested_at, not_before, not_after, validity_days,
        high_risk and csr (PEM). With high_risk true, an accepted request is held for
        review until release(). Every certificate of the request certifies the public
        key of csr when it is given.
        """
        payload = {"emails": emails, "requester_email": requester_email, **options}
        return self.call("POST", "smime-requests", payload)

    def create_clientauth_request(self, emails: list[str], requester_email: str, **options) -> dict:
        """Seed a client-auth request. It takes the options of create_smime_request."""
        payload = {"emails": emails, "requester_email": requester_email, **options}
        return self.call("POST", "clientauth-requests", payload)

    def create_certificate(self, certificate_type: str = "ssl", **options) -> dict:
        """Seed a certificate as if HARICA had issued it earlier and return its admin API record.

        `certificate_type` is "ssl", "smime" or "clientauth" (a `type` option overrides it).
        Options: issued_via, names, emails, common_name, product, requester_email,
        requester_name, friendly_name, organization_id, not_before, not_after,
        validity_days, revoked ({"reason_code", "at", "message"}), with_transaction_id, serial.
        """
        return self.call("POST", "certificates", {"type": certificate_type, **options})

    def seed_certificates(self, count: int, *, timeout: float = BATCH_TIMEOUT_SECONDS, **options) -> dict:
        """Seed `count` certificates fast and return the counts, the seed and `elapsed_seconds`.

        Options: types, statuses, issued_via (objects of shares), domain, seed,
        organization_id. `timeout` defaults to 600 s, because 100,000 certificates take
        tens of seconds.
        """
        return self.call("POST", "certificates/batch", {"count": count, **options}, timeout=timeout)

    def certificate_state(self, serial: str) -> dict:
        """Return a certificate's internal state. `serial` is hex in any case, with or without leading zeros."""
        return self.call("GET", f"certificates/{serial}")

    def certificates(self) -> list[dict]:
        """Return the internal state of every certificate, in issuance order."""
        return self.call("GET", "certificates")

    def release(self, transaction_id: str) -> dict:
        return self.call("POST", f"requests/{transaction_id}/release")

    def request_state(self, transaction_id: str) -> dict:
        return self.call("GET", f"requests/{transaction_id}")

    def ca(self) -> dict:
        return self.call("GET", "ca")

    def settings(self, **changes) -> dict:
        """Merge `changes` into the settings (when given) and return all settings."""
        if changes:
            return self.call("PUT", "settings", changes)
        return self.call("GET", "settings")

    def add_fault(self, path: str, action: str, *, method: str = "*", times: int | None = 1, **params) -> int:
        """Add a fault and return its id. `params` are the action's own fields, e.g. status=503."""
        payload = {"method": method, "path": path, "action": action, "times": times, **params}
        return self.call("POST", "faults", payload)["id"]

    def faults(self) -> list[dict]:
        return self.call("GET", "faults")

    def clear_faults(self) -> None:
        self.call("DELETE", "faults")

    def log(self, since: int = 0) -> dict:
        """Return {"entries": [...], "last_seq": N} for the entries after sequence `since`."""
        return self.call("GET", "log", params={"since": since})

    def clear_log(self) -> None:
        self.call("DELETE", "log")

    def set_clock(self, now: str | None = None, *, offset_seconds: float | None = None) -> dict:
        """Set the simulator clock to `now` (ISO 8601) or shift it by `offset_seconds`."""
        if (now is None) == (offset_seconds is None):
            raise ValueError("give exactly one of now and offset_seconds")
        payload = {"now": now} if now is not None else {"offset_seconds": offset_seconds}
        return self.call("PUT", "clock", payload)

    def clock(self) -> dict:
        return self.call("GET", "clock")

    def reset_clock(self) -> dict:
        return self.call("DELETE", "clock")
