# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""The connection argument spec, which matches the modules' part of the doc fragment.

The doc fragment ``harica.certmanager.connection`` documents these options; a unit test
checks that both list the same keys with the same types, defaults and choices.
"""

from __future__ import annotations

import contextlib
import typing as t
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.harica.certmanager.plugins.module_utils import _client, _pem
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError

DEFAULT_API_URL = "https://cm.harica.gr"
DEFAULT_TIMEOUT = 120

# Hosts where plain HTTP does not leave the machine, such as a local simulator.
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def connection_argument_spec() -> dict[str, dict[str, t.Any]]:
    """Return the argument spec of the connection options."""
    return {
        "api_url": {"type": "str", "default": DEFAULT_API_URL, "fallback": (env_fallback, ["HARICA_API_URL"])},
        "api_key": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, ["HARICA_API_KEY"])},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "int", "default": DEFAULT_TIMEOUT},
        # no_log, because the URL may carry a password (http://user:password@proxy).
        "proxy_url": {"type": "str", "no_log": True},
        "use_proxy": {"type": "bool", "default": True},
    }


def require_libraries(module: AnsibleModule) -> None:
    """Fail with Ansible's standard message when a required Python library is missing."""
    if not _client.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=_client.REQUESTS_IMPORT_ERROR)
    if not _pem.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=_pem.CRYPTOGRAPHY_IMPORT_ERROR)


def client_settings(params: t.Mapping[str, t.Any]) -> _client.ClientSettings:
    """Build client settings from module or plugin options."""
    timeout = params.get("timeout")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if timeout <= 0:
        raise HaricaError(f"timeout {timeout!r} is invalid: give a number of seconds above 0.")
    return _client.ClientSettings(
        api_url=params.get("api_url") or DEFAULT_API_URL,
        api_key=params.get("api_key") or "",
        validate_certs=params.get("validate_certs", True),
        ca_path=params.get("ca_path"),
        timeout=timeout,
        proxy_url=params.get("proxy_url"),
        use_proxy=params.get("use_proxy", True),
    )


def plain_http_warning(api_url: str) -> str | None:
    """Return a warning for an http:// URL that leaves the machine, else None."""
    parts = urlsplit(api_url.strip())
    if parts.scheme != "http" or (parts.hostname or "") in LOOPBACK_HOSTS:
        return None
    return (
        f"api_url {api_url} uses plain HTTP, so the API key travels unencrypted. Use https://, as"
        " HARICA's services do."
    )


@contextlib.contextmanager
def module_client(module: AnsibleModule) -> t.Iterator[_client.HaricaClient]:
    """Yield a client for the module's options and fail the module on a HaricaError.

    This is the one place where a module turns the collection's exceptions into
    ``fail_json``.
    """
    client = None
    try:
        settings = client_settings(module.params)
        warning = plain_http_warning(settings.api_url)
        if warning:
            module.warn(warning)
        if not settings.validate_certs:
            module.warn(
                f"validate_certs is false: the TLS certificate of {settings.api_url} is not checked,"
                " so the API key can be read by anyone who can intercept the connection."
            )
        client = _client.HaricaClient(settings, log=module.log)
        yield client
    except HaricaError as exc:
        module.fail_json(**exc.fail_kwargs())
    finally:
        if client is not None:
            client.close()


__all__ = (
    "DEFAULT_API_URL",
    "DEFAULT_TIMEOUT",
    "client_settings",
    "connection_argument_spec",
    "module_client",
    "plain_http_warning",
    "require_libraries",
)
