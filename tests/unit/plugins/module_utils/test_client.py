"""Tests of the HTTP client against a scripted loopback server."""

from __future__ import annotations

import email.utils
import json
import http.client
import logging
import time
import typing as t

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._client import (
    MAX_ATTEMPTS,
    ClientSettings,
    HaricaClient,
    proxy_passwords,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaAuthError,
    HaricaConnectionError,
    HaricaInputError,
    HaricaNotFoundError,
    HaricaRedirectError,
    HaricaResponseError,
    HaricaServerError,
    HaricaTimeoutError,
)

from ansible_collections.harica.certmanager.plugins.module_utils._responses import Redactor
from ansible_collections.harica.certmanager.tests.unit.utils.scripted_server import Answer, json_answer

KEY = "unit-test-key-5f2b9c0e"
SSL_LIST = "/cm/v1/enterprise/requests/ssl/list/pending"
ADMIN_LIST = "/cm/v1/admin/certificates"
ACCEPT = "/cm/v1/enterprise/accept/ssl"


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.logs: list[str] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def log(self, message: str) -> None:
        self.logs.append(message)


def make_client(url: str, recorder: Recorder | None = None, **options: t.Any) -> HaricaClient:
    recorder = recorder or Recorder()
    settings = ClientSettings(api_url=url, api_key=options.pop("api_key", KEY), **options)
    return HaricaClient(settings, log=recorder.log, sleep=recorder.sleep)


def raised(call: t.Callable[[], t.Any]) -> HaricaAPIError:
    with pytest.raises(HaricaAPIError) as info:
        call()
    return info.value


# Successful calls and what is sent


def test_get_sends_key_only_in_header(server):
    server.queue(json_answer([{"transactionId": "a"}]))
    client = make_client(server.url)
    assert client.get_json(SSL_LIST, action="list") == [{"transactionId": "a"}]
    request = server.received[0]
    assert request.headers["X-API-Key"] == KEY
    assert KEY not in request.path
    assert request.headers["Accept"] == "application/json"


def test_empty_body_reads_as_none(server):
    server.queue(Answer(200, b""))
    assert make_client(server.url).get_json(SSL_LIST, action="list") is None


def test_api_prefix_in_url_is_tolerated(server):
    server.queue(json_answer([]))
    make_client(server.url + "/cm/v1/").get_json(SSL_LIST, action="list")
    assert server.received[0].path == SSL_LIST


def test_invalid_api_url_is_rejected():
    with pytest.raises(HaricaInputError, match="api_url 'cm.harica.gr' is invalid"):
        make_client("cm.harica.gr")


def test_post_uses_fresh_connection(server):
    server.queue(json_answer([]), json_answer([]), Answer(200, b""), json_answer([]))
    client = make_client(server.url)
    client.get_json(SSL_LIST, action="list")
    client.get_json(SSL_LIST, action="list")
    client.post_json(ACCEPT, action="accept", json_body={"transactionId": "a"})
    client.get_json(SSL_LIST, action="list")
    ports = [request.client_port for request in server.received]
    assert ports[0] == ports[1] == ports[3]
    assert ports[2] != ports[0]
    assert server.received[2].headers["Connection"] == "close"
    assert server.received[2].body == b'{"transactionId": "a"}'


def test_post_accepts_empty_or_json_body(server):
    server.queue(Answer(200, b""), json_answer({"ok": True}), Answer(200, b"done", {"Content-Type": "text/plain"}))
    client = make_client(server.url)
    assert client.post_json(ACCEPT, action="accept", json_body={}) is None
    assert client.post_json(ACCEPT, action="accept", json_body={}) == {"ok": True}
    assert client.post_json(ACCEPT, action="accept", json_body={}) is None


# Status codes, redirects and bodies


def test_401_names_the_key_option(server):
    server.queue(json_answer({"message": "Invalid API key"}, status=401))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list pending requests"))
    assert isinstance(error, HaricaAuthError)
    assert error.status == 401
    assert "Failed to list pending requests: GET " + SSL_LIST in error.message
    assert "HARICA_API_KEY" in error.message
    assert error.server_message == "Invalid API key"


@pytest.mark.parametrize(
    "path, role",
    [
        (ADMIN_LIST, "Enterprise Admin role"),
        (SSL_LIST, "SSL Enterprise Approver role"),
        ("/cm/v1/enterprise/accept/smime", "S/MIME Enterprise Approver role"),
        ("/cm/v1/bulk/create/clientauth", "Enterprise Admin role"),
    ],
)
def test_403_names_the_needed_role(server, path, role):
    server.queue(json_answer({"Message": "Forbidden"}, status=403))
    error = raised(lambda: make_client(server.url).get_json(path, action="read"))
    assert isinstance(error, HaricaAuthError)
    assert role in error.message


def test_login_redirect_is_auth_error(server):
    server.queue(Answer(302, b"", {"Location": "/login?ReturnUrl=%2Fcm%2Fv1%2Fadmin"}))
    error = raised(lambda: make_client(server.url).get_json(ADMIN_LIST, action="list certificates"))
    assert isinstance(error, HaricaAuthError)
    assert "redirected to the login page" in error.message
    assert "Enterprise Admin role" in error.message
    assert len(server.received) == 1


def test_other_redirect_names_location(server):
    server.queue(Answer(301, b"", {"Location": "https://elsewhere.example.org/cm/v1/admin"}))
    error = raised(lambda: make_client(server.url).get_json(ADMIN_LIST, action="list certificates"))
    assert isinstance(error, HaricaRedirectError)
    assert "https://elsewhere.example.org/cm/v1/admin" in error.message
    assert "Check api_url" in error.message


def test_html_page_where_json_expected(server):
    page = b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"
    server.queue(Answer(200, page, {"Content-Type": "text/html; charset=utf-8"}))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaAuthError)
    assert "HTML page where JSON was expected" in error.message
    assert "SSL Enterprise Approver role" in error.message


def test_html_error_page_keeps_status(server):
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    server.queue(*[Answer(502, page, {"Content-Type": "text/html"})] * MAX_ATTEMPTS)
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaServerError)
    assert error.status == 502
    assert error.body_excerpt == "502 Bad Gateway nginx"
    assert "HTTP 502" in error.message


def test_non_json_body(server):
    server.queue(Answer(200, b"hello", {"Content-Type": "application/json"}))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaResponseError)
    assert "not JSON" in error.message
    assert error.body_excerpt == "hello"


def test_incomplete_json_body(server):
    server.queue(Answer(200, b'[{"transactionId": "a", "transac', {"Content-Type": "application/json"}))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaResponseError)
    assert "incomplete JSON" in error.message


def test_truncated_transfer(server):
    body = b'[{"transactionId": "0123456789"}]'
    server.queue(*[Answer(200, body, {"Content-Type": "application/json"}, action="truncate")] * MAX_ATTEMPTS)
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaResponseError)
    assert "truncated" in error.message
    assert len(server.received) == MAX_ATTEMPTS


def test_404_is_not_found(server):
    server.queue(json_answer({"title": "Not Found"}, status=404))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST + "/x", action="read"))
    assert isinstance(error, HaricaNotFoundError)
    assert error.server_message == "Not Found"


def test_400_carries_validation_errors(server):
    server.queue(json_answer({"errors": {"TransactionId": ["The field is required."]}}, status=400))
    error = raised(lambda: make_client(server.url).post_json(ACCEPT, action="accept", json_body={}))
    assert error.status == 400
    assert error.server_message == "TransactionId: The field is required."
    assert not error.outcome_unknown


# Retries


def test_get_429_honours_retry_after_seconds(server):
    recorder = Recorder()
    server.queue(json_answer({"message": "slow down"}, status=429, **{"Retry-After": "2"}), json_answer([]))
    assert make_client(server.url, recorder).get_json(SSL_LIST, action="list") == []
    assert recorder.sleeps == [2.0]
    assert len(server.received) == 2
    assert "Retrying GET " + SSL_LIST in recorder.logs[0]
    assert "HTTP 429" in recorder.logs[0]


def test_get_retry_after_http_date(server):
    recorder = Recorder()
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    server.queue(json_answer({}, status=503, **{"Retry-After": when}), json_answer([]))
    make_client(server.url, recorder).get_json(SSL_LIST, action="list")
    assert 3.0 <= recorder.sleeps[0] <= 5.0


def test_retry_after_is_capped(server):
    recorder = Recorder()
    server.queue(json_answer({}, status=429, **{"Retry-After": "86400"}), json_answer([]))
    make_client(server.url, recorder).get_json(SSL_LIST, action="list")
    assert recorder.sleeps == [60.0]


def test_get_backoff_is_exponential_and_bounded(server):
    recorder = Recorder()
    server.queue(*[json_answer({"message": "busy"}, status=503)] * MAX_ATTEMPTS)
    error = raised(lambda: make_client(server.url, recorder).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaServerError)
    assert recorder.sleeps == [1.0, 2.0, 4.0]
    assert len(server.received) == MAX_ATTEMPTS
    assert len(recorder.logs) == MAX_ATTEMPTS - 1
    assert not error.outcome_unknown


def test_get_retries_dropped_connection(server):
    server.queue(Answer(action="drop"), json_answer([]))
    assert make_client(server.url).get_json(SSL_LIST, action="list") == []
    assert len(server.received) == 2


def test_post_503_is_sent_once_and_unknown(server):
    recorder = Recorder()
    server.queue(json_answer({"message": "busy"}, status=503))
    error = raised(lambda: make_client(server.url, recorder).post_json(ACCEPT, action="accept", json_body={}))
    assert isinstance(error, HaricaServerError)
    assert error.outcome_unknown
    assert "may have taken effect" in error.message
    assert len(server.received) == 1
    assert recorder.sleeps == []


def test_post_dropped_after_sending_is_unknown(server):
    server.queue(Answer(action="drop"))
    error = raised(lambda: make_client(server.url).post_json(ACCEPT, action="accept", json_body={}))
    assert isinstance(error, HaricaConnectionError)
    assert error.outcome_unknown
    assert len(server.received) == 1


def test_post_not_sent_is_resent_then_reported(closed_port):
    recorder = Recorder()
    client = make_client(f"http://127.0.0.1:{closed_port}", recorder)
    error = raised(lambda: client.post_json(ACCEPT, action="accept", json_body={}))
    assert isinstance(error, HaricaConnectionError)
    assert not error.outcome_unknown
    assert "could not connect to 127.0.0.1" in error.message
    assert len(recorder.sleeps) == MAX_ATTEMPTS - 1


def test_read_timeout_is_not_retried(server):
    server.queue(Answer(action="reply", body=b"[]", delay=2.0))
    error = raised(lambda: make_client(server.url, timeout=0.5).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaTimeoutError)
    assert "no response within the timeout of 0.5 s" in error.message
    assert len(server.received) == 1


def test_post_timeout_is_unknown(server):
    server.queue(Answer(action="reply", body=b"", delay=2.0))
    error = raised(lambda: make_client(server.url, timeout=0.5).post_json(ACCEPT, action="accept", json_body={}))
    assert isinstance(error, HaricaTimeoutError)
    assert error.outcome_unknown


# Secrets


def test_key_is_redacted_from_server_echo(server):
    server.queue(json_answer({"message": f"key {KEY} is revoked"}, status=401))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert KEY not in error.message
    assert KEY not in (error.server_message or "")
    assert KEY not in (error.body_excerpt or "")
    assert "key ******** is revoked" in error.message


def test_key_whitespace_is_stripped(server):
    server.queue(json_answer([]))
    make_client(server.url, api_key=f"  {KEY}\n").get_json(SSL_LIST, action="list")
    assert server.received[0].headers["X-API-Key"] == KEY


def test_key_with_control_character_is_rejected_unshown():
    with pytest.raises(HaricaInputError) as info:
        make_client("https://cm.harica.gr", api_key="abc\x00def")
    assert "abc" not in info.value.message


def test_empty_key_is_rejected():
    with pytest.raises(HaricaInputError, match="api_key is empty"):
        make_client("https://cm.harica.gr", api_key=" ")


def test_debug_output_never_shows_key(server, capfd, caplog, monkeypatch):
    monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 1)
    caplog.set_level(logging.DEBUG)
    server.queue(json_answer({"message": "denied"}, status=401))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    captured = capfd.readouterr()
    assert KEY not in captured.out + captured.err
    assert KEY not in caplog.text
    assert KEY not in str(error)
    assert http.client.HTTPConnection.debuglevel == 1


# TLS and proxy precedence


def test_ca_path_wins_over_environment(tls_server, local_ca, monkeypatch, tmp_path):
    bogus = tmp_path / "empty.pem"
    bogus.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bogus))
    tls_server.queue(json_answer([]))
    assert make_client(tls_server.url, ca_path=local_ca.ca_pem_path).get_json(SSL_LIST, action="list") == []


def test_environment_cannot_add_trust(tls_server, local_ca, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", local_ca.ca_pem_path)
    error = raised(lambda: make_client(tls_server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaConnectionError)
    assert "Set ca_path" in error.message
    assert tls_server.received == []


def test_validate_certs_false_skips_check(tls_server, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    tls_server.queue(json_answer([]))
    assert make_client(tls_server.url, validate_certs=False).get_json(SSL_LIST, action="list") == []


def test_explicit_proxy_wins_over_environment(server, closed_port, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("NO_PROXY", "")
    server.queue(json_answer([]))
    client = make_client("http://cm.example.invalid", proxy_url=server.url)
    assert client.get_json(SSL_LIST, action="list") == []
    assert server.received[0].path == "http://cm.example.invalid" + SSL_LIST


def test_environment_proxy_used_by_default(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.queue(json_answer([]))
    make_client("http://cm.example.invalid").get_json(SSL_LIST, action="list")
    assert server.received[0].path == "http://cm.example.invalid" + SSL_LIST


def test_use_proxy_false_ignores_environment(server, closed_port, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.queue(json_answer([]))
    assert make_client(server.url, use_proxy=False).get_json(SSL_LIST, action="list") == []
    assert server.received[0].path == SSL_LIST


# Proxy passwords

PROXY_PASSWORD = "proxy-pass-4e7a91"


def test_redactor_removes_url_passwords():
    redactor = Redactor(KEY, "p@ss/word")
    text = redactor.redact(
        f"key {KEY}; http://u:p@ss/word@proxy:3128; https://other:secret%21@host/x; http://plain.example.org/x"
    )
    assert text == (
        "key ********; http://u:********@proxy:3128; https://other:********@host/x; http://plain.example.org/x"
    )


def test_proxy_passwords_as_written_and_decoded():
    urls = ["http://u:p%40ss@proxy:3128", "http://proxy:3128", None, "u:plain@proxy", "http://u@proxy"]
    assert sorted(proxy_passwords(urls)) == ["p%40ss", "p@ss", "plain"]


def _proxy_echo(proxy_url: str) -> Answer:
    return json_answer({"message": f"upstream failed behind {proxy_url} ({PROXY_PASSWORD})"}, status=502)


def test_proxy_password_redacted_from_server_echo(server):
    proxy_url = f"http://proxy-user:{PROXY_PASSWORD}@127.0.0.1:{server.url.rsplit(':', 1)[1]}"
    server.queue(*[_proxy_echo(proxy_url)] * MAX_ATTEMPTS)
    recorder = Recorder()
    client = make_client("http://cm.example.invalid", recorder, proxy_url=proxy_url)
    error = raised(lambda: client.get_json(SSL_LIST, action="list"))
    assert server.received[0].headers["Proxy-Authorization"].startswith("Basic ")
    assert PROXY_PASSWORD not in error.message
    assert PROXY_PASSWORD not in (error.server_message or "")
    assert PROXY_PASSWORD not in (error.body_excerpt or "")
    assert "proxy-user:********@127.0.0.1" in error.message
    assert all(PROXY_PASSWORD not in line for line in recorder.logs)


def test_environment_proxy_password_redacted(server, monkeypatch):
    proxy_url = f"http://proxy-user:{PROXY_PASSWORD}@127.0.0.1:{server.url.rsplit(':', 1)[1]}"
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.queue(*[_proxy_echo(proxy_url)] * MAX_ATTEMPTS)
    error = raised(lambda: make_client("http://cm.example.invalid").get_json(SSL_LIST, action="list"))
    assert server.received[0].path == "http://cm.example.invalid" + SSL_LIST
    assert PROXY_PASSWORD not in error.message
    assert PROXY_PASSWORD not in (error.body_excerpt or "")


@pytest.mark.parametrize("proxy_state, attempts", [("unreachable", MAX_ATTEMPTS), ("rejects_tunnel", 1)])
def test_proxy_failure_is_not_sent(server, closed_port, proxy_state, attempts):
    # The scripted server rejects CONNECT with 501, as a proxy that rejects the tunnel does.
    port = closed_port if proxy_state == "unreachable" else int(server.url.rsplit(":", 1)[1])
    recorder = Recorder()
    proxy_url = f"http://proxy-user:{PROXY_PASSWORD}@127.0.0.1:{port}"
    client = make_client("https://cm.example.invalid", recorder, proxy_url=proxy_url)
    error = raised(lambda: client.post_json(ACCEPT, action="accept", json_body={}))
    assert isinstance(error, HaricaConnectionError)
    assert not error.outcome_unknown
    assert f"the connection through the proxy 127.0.0.1:{port} failed during POST {ACCEPT}" in error.message
    assert PROXY_PASSWORD not in error.message
    assert len(recorder.sleeps) == attempts - 1
    if proxy_state == "rejects_tunnel":
        assert "Tunnel connection failed: 501" in error.message


@pytest.mark.parametrize("proxy_url", [f"http://u:{PROXY_PASSWORD}@[bad", f"ftp://u:{PROXY_PASSWORD}@127.0.0.1:21"])
def test_invalid_proxy_setting_fails_once(proxy_url):
    recorder = Recorder()
    client = make_client("https://cm.example.invalid", recorder, proxy_url=proxy_url)
    error = raised(lambda: client.post_json(ACCEPT, action="accept", json_body={}))
    assert isinstance(error, HaricaConnectionError)
    assert not error.outcome_unknown
    assert f"POST {ACCEPT} could not be sent" in error.message
    assert PROXY_PASSWORD not in error.message
    assert recorder.sleeps == []


def test_401_html_page_keeps_status(server):
    page = b"<html><body><h1>401 Unauthorized</h1></body></html>"
    server.queue(Answer(401, page, {"Content-Type": "text/html"}))
    error = raised(lambda: make_client(server.url).get_json(SSL_LIST, action="list"))
    assert isinstance(error, HaricaAuthError)
    assert error.status == 401
    assert error.body_excerpt == "401 Unauthorized"
    assert "HARICA_API_KEY" in error.message


# Streamed lists

WRAPPERS = ("items", "data")


def test_iter_list_streams_records(server):
    records = [{"serial": str(index)} for index in range(500)]
    server.queue(json_answer({"items": records}))
    streamed = list(make_client(server.url).iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS))
    assert streamed == records


def test_iter_list_retries_before_streaming(server):
    recorder = Recorder()
    server.queue(json_answer({}, status=503), json_answer([{"serial": "1"}]))
    client = make_client(server.url, recorder)
    assert list(client.iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS)) == [{"serial": "1"}]
    assert recorder.sleeps == [1.0]


def test_iter_list_truncated(server):
    body = json.dumps([{"serial": str(index)} for index in range(50)]).encode()
    server.queue(Answer(200, body, {"Content-Type": "application/json"}, action="truncate"))
    with pytest.raises(HaricaAPIError) as info:
        list(make_client(server.url).iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS))
    assert isinstance(info.value, (HaricaResponseError, HaricaConnectionError))
    assert "Failed to list" in info.value.message
    assert info.value.status == 200


def test_iter_list_cut_short_keeps_status(server):
    server.queue(Answer(200, b'[{"serial": "1"}, {"serial": "2", "val', {"Content-Type": "application/json"}))
    with pytest.raises(HaricaResponseError) as info:
        list(make_client(server.url).iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS))
    assert info.value.status == 200
    assert info.value.path == ADMIN_LIST
    assert f"GET {ADMIN_LIST} returned a list that cannot be read" in info.value.message


@pytest.mark.parametrize("status, reason", [(502, "Bad Gateway"), (401, "Unauthorized")])
def test_iter_list_html_error_page(server, status, reason):
    page = f"<html><head><title>{status} {reason}</title></head><body>nginx</body></html>".encode()
    server.queue(*[Answer(status, page, {"Content-Type": "text/html"})] * MAX_ATTEMPTS)
    with pytest.raises(HaricaAPIError) as info:
        list(make_client(server.url).iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS))
    assert info.value.status == status
    assert f"GET {ADMIN_LIST} returned HTTP {status} {reason}" in info.value.message


def test_iter_list_html_is_auth_error(server):
    server.queue(Answer(200, b"<html>login</html>", {"Content-Type": "text/html"}))
    with pytest.raises(HaricaAuthError, match="Enterprise Admin role"):
        list(make_client(server.url).iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS))


def test_iter_list_object_without_list(server):
    server.queue(json_answer({"count": 0}))
    with pytest.raises(HaricaResponseError, match="holds no list"):
        list(make_client(server.url).iter_list(ADMIN_LIST, action="list", wrapper_keys=WRAPPERS))
