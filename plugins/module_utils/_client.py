# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The one HTTP client of the collection, built on requests.

It sends the API key only in the ``X-API-Key`` header, never follows redirects, lets
explicit TLS and proxy options win over the environment, retries reads under one policy,
and turns every failure into an exception of the ``HaricaAPIError`` family.
"""

from __future__ import annotations

import contextlib
import http.client
import time
import traceback
import typing as t
import warnings
from urllib.parse import unquote, urlsplit

from ansible_collections.harica.certmanager.plugins.module_utils import _jsonstream, _responses
from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAPIError,
    HaricaConnectionError,
    HaricaInputError,
    HaricaResponseError,
    HaricaTimeoutError,
)

try:
    import requests
    import urllib3
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

USER_AGENT = "harica.certmanager/0.1.0"

# Retry policy for reads. POSTs are resent only when nothing was sent (see _not_sent).
RETRYABLE_STATUSES = frozenset((429, 502, 503, 504))
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
MAX_RETRY_AFTER_SECONDS = 60.0

_STREAM_CHUNK_BYTES = 256 * 1024


class ClientSettings(t.NamedTuple):
    """Connection options, as the doc fragment documents them."""

    api_url: str
    api_key: str
    validate_certs: bool = True
    ca_path: str | None = None
    timeout: float = 120
    proxy_url: str | None = None
    use_proxy: bool = True


class HaricaClient:
    """A client of the CertManager API for one base URL and one API key."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        log: t.Callable[[str], None] | None = None,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings._replace(
            api_url=_base_url(settings.api_url),
            api_key=_checked_key(settings.api_key),
        )
        self._proxies = _proxy_setting(self._settings)
        self._redactor = _responses.Redactor(self._settings.api_key, *proxy_passwords(self._proxies.values()))
        self._log = log or (lambda message: None)
        self._sleep = sleep
        self._session: requests.Session | None = None

    @property
    def api_url(self) -> str:
        return self._settings.api_url

    def get_json(self, path: str, *, action: str) -> t.Any:
        """Send a GET and return the decoded JSON body, or None for an empty body."""
        response = self._send("GET", path, action=action)
        return self._checker(response, "GET", path, action).json_body()

    def iter_list(self, path: str, *, action: str, wrapper_keys: t.Collection[str]) -> t.Iterator[t.Any]:
        """Send a GET and yield the elements of its JSON list as they arrive.

        The list may be a bare array or wrapped under one of ``wrapper_keys`` (lower case).
        Only the request is retried; a failure after elements were yielded raises.
        """
        response = self._send("GET", path, action=action, stream=True)
        try:
            checker = self._checker(response, "GET", path, action)
            checker.checked()
            if "html" in response.headers.get("Content-Type", "").lower():
                checker.json_body()
            yield from _jsonstream.iter_list(response.iter_content(_STREAM_CHUNK_BYTES), wrapper_keys)
        except _jsonstream.StreamError as exc:
            raise HaricaResponseError(
                f"Failed to {action}: GET {path} returned a list that cannot be read: {exc}.",
                method="GET",
                path=path,
                status=response.status_code,
            ) from None
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, "GET", path, action, status=response.status_code) from None
        finally:
            response.close()

    def post(
        self,
        path: str,
        *,
        action: str,
        json_body: t.Any = None,
        files: dict[str, t.Any] | None = None,
        data: dict[str, str] | None = None,
        accept: str | None = None,
    ) -> requests.Response:
        """Send a POST once on a fresh connection and return the checked response."""
        headers = {"Accept": accept} if accept else None
        response = self._send("POST", path, action=action, json=json_body, files=files, data=data, headers=headers)
        return self._checker(response, "POST", path, action).checked()

    def post_json(self, path: str, *, action: str, json_body: t.Any) -> t.Any:
        """Send a POST and return its JSON body, or None when the body is empty or not JSON."""
        response = self._send("POST", path, action=action, json=json_body)
        return self._checker(response, "POST", path, action).optional_json_body()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # Sending and retrying

    def _send(self, method: str, path: str, *, action: str, **kwargs: t.Any) -> requests.Response:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            try:
                response = self._transmit(method, path, **kwargs)
            except requests.exceptions.RequestException as exc:
                if last or not _may_retry_exception(method, exc):
                    raise self._transport_error(exc, method, path, action) from None
                self._wait_before_retry(method, path, attempt, _describe_exception(exc), None)
                continue
            if method == "GET" and response.status_code in RETRYABLE_STATUSES and not last:
                retry_after = _responses.retry_after_seconds(response.headers.get("Retry-After"))
                self._wait_before_retry(method, path, attempt, f"HTTP {response.status_code}", retry_after)
                continue
            return response
        raise AssertionError("the retry loop always returns or raises")  # pragma: no cover

    def _wait_before_retry(
        self, method: str, path: str, attempt: int, reason: str, retry_after: float | None
    ) -> None:
        if retry_after is None:
            delay = min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
        else:
            delay = min(retry_after, MAX_RETRY_AFTER_SECONDS)
        self._log(
            self._redactor.redact(
                f"Retrying {method} {path} in {delay:.1f} s (attempt {attempt + 1} of {MAX_ATTEMPTS})"
                f" after {reason}"
            )
        )
        self._sleep(delay)

    def _transmit(self, method: str, path: str, **kwargs: t.Any) -> requests.Response:
        url = self._settings.api_url + path
        options = {
            "timeout": (self._settings.timeout, self._settings.timeout),
            "allow_redirects": False,
            **{key: value for key, value in kwargs.items() if value is not None},
        }
        with _quiet_transport():
            if method == "GET":
                return self._reused_session().request(method, url, **options)
            # HARICA's load balancer drops idle keep-alive connections without notice, so a
            # request that may change state never travels on a reused connection.
            headers = {"Connection": "close", **options.pop("headers", {})}
            with self._new_session() as session:
                return session.request(method, url, headers=headers, **options)

    def _reused_session(self) -> requests.Session:
        if self._session is None:
            self._session = self._new_session()
        return self._session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        # Without trust_env, requests ignores REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, the
        # *_PROXY variables and .netrc, so only the options below decide.
        session.trust_env = False
        session.headers.update(
            {"X-API-Key": self._settings.api_key, "Accept": "application/json", "User-Agent": USER_AGENT}
        )
        session.verify = _verify_setting(self._settings)
        session.proxies.update(self._proxies)
        return session

    # Building errors

    def _checker(self, response: requests.Response, method: str, path: str, action: str) -> _responses.ResponseChecker:
        return _responses.ResponseChecker(
            response, method=method, path=path, action=action, redactor=self._redactor
        )

    def _transport_error(
        self,
        exc: requests.exceptions.RequestException,
        method: str,
        path: str,
        action: str,
        *,
        status: int | None = None,
    ) -> HaricaAPIError:
        """Turn a requests error into a HaricaAPIError. ``status`` is that of a response whose body broke off."""
        sent = not _not_sent(exc)
        unknown = sent and method != "GET"
        where = f"{method} {path}"
        if isinstance(exc, requests.exceptions.Timeout) and sent:
            message = (
                f"Failed to {action}: {where} got no response within the timeout of {self._settings.timeout:g} s."
                " Raise the timeout option (HARICA's staging service can take 60 to 120 seconds)."
            )
            error_class: type[HaricaAPIError] = HaricaTimeoutError
        elif isinstance(exc, requests.exceptions.SSLError):
            message = (
                f"Failed to {action}: the TLS connection to {self._host()} failed: {_describe_exception(exc)}."
                " Set ca_path to the CA file that signed the server's certificate."
            )
            error_class = HaricaConnectionError
        elif isinstance(exc, requests.exceptions.ProxyError):
            message = (
                f"Failed to {action}: the connection through {self._proxy_name()} failed during"
                f" {where}: {_describe_exception(exc)}. Check proxy_url and use_proxy, or the HTTPS_PROXY"
                " and HTTP_PROXY variables."
            )
            error_class = HaricaConnectionError
        elif isinstance(exc, _INVALID_SETTING_ERRORS):
            message = (
                f"Failed to {action}: {where} could not be sent: {_describe_exception(exc)}."
                " Check api_url and the proxy settings."
            )
            error_class = HaricaConnectionError
        elif isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
            message = f"Failed to {action}: the response to {where} was truncated (the connection closed mid-body)."
            error_class = HaricaResponseError
        elif sent:
            message = f"Failed to {action}: the connection to {self._host()} dropped during {where}."
            error_class = HaricaConnectionError
        else:
            message = (
                f"Failed to {action}: could not connect to {self._host()}: {_describe_exception(exc)}."
                " Check api_url and the proxy settings."
            )
            error_class = HaricaConnectionError
        if unknown:
            message += " The request was sent, so it may have taken effect on the server."
        return error_class(
            self._redactor.redact(message), method=method, path=path, status=status, outcome_unknown=unknown
        )

    def _host(self) -> str:
        return urlsplit(self._settings.api_url).netloc

    def _proxy_name(self) -> str:
        """Return "the proxy" and the host and port of the proxy in use, without user information."""
        proxy = requests.utils.select_proxy(self._settings.api_url, self._proxies)
        return f"the proxy {_authority(proxy).rpartition('@')[2]}" if proxy else "the proxy"


def _base_url(api_url: str) -> str:
    parts = urlsplit(api_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HaricaInputError(
            f"api_url {api_url!r} is invalid: use an absolute http or https URL such as https://cm.harica.gr."
        )
    base = api_url.strip().rstrip("/")
    # Users often paste the API prefix too; every path the client sends already has it.
    if base.endswith("/cm/v1"):
        base = base[: -len("/cm/v1")]
    return base


def _checked_key(api_key: str) -> str:
    key = (api_key or "").strip()
    if not key:
        raise HaricaInputError("api_key is empty: set the api_key option or the HARICA_API_KEY variable.")
    if any(ord(char) < 32 or ord(char) == 127 for char in key):
        # The key itself is never shown, not even in this message.
        raise HaricaInputError("api_key contains a control character: check how the key was read.")
    return key


def _verify_setting(settings: ClientSettings) -> bool | str:
    if not settings.validate_certs:
        return False
    return settings.ca_path or True


def _proxy_setting(settings: ClientSettings) -> dict[str, str]:
    if settings.proxy_url:
        return {"http": settings.proxy_url, "https": settings.proxy_url}
    if not settings.use_proxy:
        return {}
    # The environment decides only when no proxy option is given.
    return dict(requests.utils.get_environ_proxies(settings.api_url))


def proxy_passwords(proxy_urls: t.Iterable[str | None]) -> list[str]:
    """Return the passwords in the user information of proxy URLs, as written and decoded."""
    passwords = []
    for url in proxy_urls:
        userinfo, at, _host = _authority(url or "").rpartition("@")
        password = userinfo.partition(":")[2] if at else ""
        if password:
            passwords.extend({password, unquote(password)})
    return passwords


def _authority(url: str) -> str:
    """Return the part of a URL after the scheme, up to its path, user information included.

    It uses string operations only, so it accepts a malformed URL that urlsplit rejects, and
    it keeps a password that contains "/" or "@".
    """
    rest = url.partition("://")[2] if "://" in url else url
    userinfo, at, host = rest.rpartition("@")
    return userinfo + at + host.split("/", 1)[0]


# Errors that a setting causes (a malformed URL, or a proxy scheme requests cannot use),
# so the request was never sent and sending it again fails the same way.
_INVALID_SETTING_ERRORS = (
    (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) if HAS_REQUESTS else ()
)

# urllib3 2 raises ProxyError only while it connects to the proxy or opens the tunnel
# through it, so the server has received nothing. urllib3 1.26 also raises it for a
# connection that failed after the request was sent.
_PROXY_ERROR_MEANS_NOT_SENT = HAS_REQUESTS and int(urllib3.__version__.split(".")[0]) >= 2


def _not_sent(exc: requests.exceptions.RequestException) -> bool:
    """Tell whether the request failed before any byte of it reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return True
    if isinstance(exc, _INVALID_SETTING_ERRORS):
        return True
    if isinstance(exc, requests.exceptions.ProxyError):
        return _PROXY_ERROR_MEANS_NOT_SENT
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _may_retry_exception(method: str, exc: requests.exceptions.RequestException) -> bool:
    if isinstance(exc, (requests.exceptions.SSLError, *_INVALID_SETTING_ERRORS)):
        return False
    if isinstance(exc, requests.exceptions.ProxyError):
        # A proxy that could not be reached may be back for the next attempt. A proxy that
        # rejected the tunnel, for example with 407 for a wrong password, rejects it again.
        unreachable = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.TimeoutError)
        return isinstance(_root_cause(exc), unreachable) and (method == "GET" or _not_sent(exc))
    if _not_sent(exc):
        return True
    # A read timeout is not retried: the server is slow, and each retry would add the whole
    # timeout again. A dropped connection or a truncated response to a read is retried.
    if method != "GET" or isinstance(exc, requests.exceptions.ReadTimeout):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError))


def _root_cause(exc: BaseException) -> t.Any:
    """Return the urllib3 error inside a requests error, unwrapped from urllib3's ProxyError."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return getattr(reason, "original_error", reason)


def _describe_exception(exc: BaseException) -> str:
    # The messages that use this add their own full stop.
    return str(_root_cause(exc)).rstrip(".") or type(exc).__name__


@contextlib.contextmanager
def _quiet_transport() -> t.Iterator[None]:
    """Keep http.client from printing request headers, and so the key, while sending.

    ``http.client.HTTPConnection.debuglevel`` makes the standard library print every
    header it sends to stdout. Validation warnings are replaced by the module's own.
    """
    saved_level = http.client.HTTPConnection.debuglevel
    http.client.HTTPConnection.debuglevel = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            yield
    finally:
        http.client.HTTPConnection.debuglevel = saved_level


__all__ = (
    "HAS_REQUESTS",
    "MAX_ATTEMPTS",
    "REQUESTS_IMPORT_ERROR",
    "RETRYABLE_STATUSES",
    "ClientSettings",
    "HaricaClient",
    "proxy_passwords",
)
