"""Server process: ready file, TLS, plain HTTP, restart persistence, file modes, shutdown."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import requests

from harica_simulator.testing import Control, start_simulator

SSL_LIST = "/cm/v1/enterprise/requests/ssl"


def test_ready_file_and_tls(tmp_path):
    with start_simulator(tmp_path / "state") as sim:
        ready = json.loads((tmp_path / "state" / "ready.json").read_text())

        assert ready["url"] == sim.url
        assert ready["url"].startswith("https://127.0.0.1:")
        assert ready["pid"] == sim.process.pid
        assert ready["tls_ca"] == str(tmp_path / "state" / "tls-ca.pem")
        assert ready["root_ca"] == str(tmp_path / "state" / "root-ca.pem")
        response = requests.get(sim.url + "/_sim/health", verify=sim.tls_ca, timeout=30)
        assert response.json() == {"status": "ok"}
        localhost = sim.url.replace("127.0.0.1", "localhost")
        assert requests.get(localhost + "/_sim/health", verify=sim.tls_ca, timeout=30).status_code == 200


def test_tls_ca_is_not_the_issuing_root(tmp_path):
    with start_simulator(tmp_path / "state") as sim:
        ca = Control(sim.url, sim.tls_ca).ca()

        assert ca["tls_ca_pem"] != ca["root_ca_pem"]
        try:
            requests.get(sim.url + "/_sim/health", verify=sim.root_ca, timeout=30)
        except requests.exceptions.SSLError:
            pass
        else:
            raise AssertionError("the root CA of the issuing hierarchy must not validate the TLS server")


def test_plain_http(tmp_path):
    with start_simulator(tmp_path / "state", tls=False) as sim:
        ready = json.loads((tmp_path / "state" / "ready.json").read_text())

        assert sim.url.startswith("http://127.0.0.1:")
        assert ready["tls_ca"] is None
        assert Control(sim.url).health() == {"status": "ok"}


def test_restart_keeps_state(tmp_path):
    with start_simulator(tmp_path / "state") as sim:
        control = Control(sim.url, sim.tls_ca)
        enterprise = control.create_enterprise("Example University", ["example.org"])
        control.create_user("approver@example.org", ["ssl_approver"], api_key="restart-key")
        transaction_id = control.create_ssl_request(["www.example.org"], "r@example.org")["transactionId"]
        control.settings(key_case="lower")
        control.set_clock(offset_seconds=3600)
        session = requests.Session()
        session.headers["X-API-Key"] = "restart-key"
        session.post(
            sim.url + "/cm/v1/enterprise/accept/ssl", json={"transactionId": transaction_id}, verify=sim.tls_ca
        )
        before_state = control.request_state(transaction_id)
        before_ca = control.ca()
        old_url = sim.url

        sim.restart()

        control = Control(sim.url, sim.tls_ca)
        assert sim.url == old_url
        assert control.ca() == before_ca
        assert control.request_state(transaction_id) == before_state
        assert control.settings()["key_case"] == "lower"
        assert control.clock()["offset_seconds"] == 3600
        assert control.call("GET", "enterprises")[0]["organization_id"] == enterprise["organization_id"]
        response = requests.get(
            sim.url + f"{SSL_LIST}/id/{transaction_id}", headers={"X-API-Key": "restart-key"}, verify=sim.tls_ca
        )
        assert response.status_code == 200
        assert response.json()["transactionstatus"] == "Completed"


def test_key_files_are_private(tmp_path):
    with start_simulator(tmp_path / "state"):
        keys = sorted(path.name for path in (tmp_path / "state").glob("*.key"))

        assert keys == ["issuing-ca.key", "root-ca.key", "tls-ca.key", "tls-server.key"]
        for name in keys:
            mode = stat.S_IMODE(os.stat(tmp_path / "state" / name).st_mode)
            assert mode == 0o600, name


def test_sigterm_and_sigint_stop_cleanly(tmp_path):
    for signum in (signal.SIGTERM, signal.SIGINT):
        sim = start_simulator(tmp_path / f"state-{signum}")

        sim.process.send_signal(signum)
        code = sim.process.wait(timeout=10)

        log = sim.stderr_path.read_text()
        assert code == 0, log
        assert "HARICA simulator stopped" in log
        assert "listening on " + sim.url in log


def test_start_failure_reports_stderr(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")

    command = [sys.executable, "-m", "harica_simulator", "serve", "--state-dir", str(blocker / "x"), "--port", "0"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "NotADirectoryError" in result.stderr or "Not a directory" in result.stderr


def test_console_script_help():
    started = time.monotonic()

    result = subprocess.run(
        [sys.executable, "-m", "harica_simulator", "serve", "--help"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0
    assert "--state-dir" in result.stdout
    assert "--ready-file" in result.stdout
    assert time.monotonic() - started < 60
