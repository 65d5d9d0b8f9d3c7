# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection options of every harica.certmanager module and plugin."""

from __future__ import annotations


class ModuleDocFragment:
    # Modules read the environment through argument spec fallbacks, so their part names
    # the variables in the descriptions; validate-modules rejects env entries in modules.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the HARICA CertManager, without the C(/cm/v1) API prefix.
      - HARICA's production service is V(https://cm.harica.gr) and its staging service
        V(https://cm-stg.harica.gr), with separate accounts.
      - If not set, the value of the E(HARICA_API_URL) environment variable is used.
    type: str
    default: https://cm.harica.gr
  api_key:
    description:
      - API key of an Enterprise Admin or an Enterprise Approver, created in the CertManager
        web UI. The key carries the role of its user, and each call needs a specific role;
        the notes of each module say which.
      - If not set, the value of the E(HARICA_API_KEY) environment variable is used.
      - The key is sent only in the C(X-API-Key) header and never appears in results.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to check the TLS certificate of O(api_url).
      - B(Turn this off only on a private test server:) without the check, anyone who can
        intercept the connection can read the API key.
      - Environment variables such as E(REQUESTS_CA_BUNDLE) never change this setting.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificates that may sign the server's certificate.
      - If not set, the certificate bundle of the C(certifi) package, which C(requests)
        uses, is trusted. E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) are ignored.
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each response.
      - The default allows for HARICA's staging service, which can take 60 to 120 seconds
        to respond.
    type: int
    default: 120
  proxy_url:
    description:
      - URL of the HTTP proxy to use, for example V(http://proxy.example.org:3128).
      - When set, it is used whatever the proxy environment variables say.
      - The URL may carry a user name and password, as in
        V(http://user:password@proxy.example.org:3128). The option is C(no_log), so
        results and the module's log entries show it masked, and the password is
        removed from error messages.
    type: str
  use_proxy:
    description:
      - When O(proxy_url) is not set, whether to use the proxy that the E(HTTPS_PROXY),
        E(HTTP_PROXY) and E(NO_PROXY) environment variables name.
      - Set to V(false) to connect directly whatever the environment sets.
      - The password of a proxy URL from these variables is removed from error messages too.
    type: bool
    default: true
"""

    # Plugins read the environment through Ansible's configuration system.
    PLUGINS = r"""
options:
  api_url:
    description:
      - Base URL of the HARICA CertManager, without the C(/cm/v1) API prefix.
      - HARICA's production service is V(https://cm.harica.gr) and its staging service
        V(https://cm-stg.harica.gr), with separate accounts.
    type: str
    default: https://cm.harica.gr
    env:
      - name: HARICA_API_URL
  api_key:
    description:
      - API key of an Enterprise Admin, created in the CertManager web UI. The key carries
        the role of its user, and the admin certificate lists need the Enterprise Admin role;
        the plugin's notes say more.
      - The value may be a template, for example a lookup of a vault-encrypted variable.
      - The key is sent only in the C(X-API-Key) header and never appears in results.
    type: str
    required: true
    env:
      - name: HARICA_API_KEY
  validate_certs:
    description:
      - Whether to check the TLS certificate of O(api_url).
      - B(Turn this off only on a private test server:) without the check, anyone who can
        intercept the connection can read the API key.
      - Environment variables such as E(REQUESTS_CA_BUNDLE) never change this setting.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificates that may sign the server's certificate.
      - If not set, the certificate bundle of the C(certifi) package, which C(requests)
        uses, is trusted. E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) are ignored.
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each response.
      - The default allows for HARICA's staging service, which can take 60 to 120 seconds
        to respond.
    type: int
    default: 120
  proxy_url:
    description:
      - URL of the HTTP proxy to use, for example V(http://proxy.example.org:3128).
      - When set, it is used whatever the proxy environment variables say.
      - The URL may carry a user name and password, as in
        V(http://user:password@proxy.example.org:3128). The password is removed from
        error messages, and the cache does not store the proxy settings.
    type: str
  use_proxy:
    description:
      - When O(proxy_url) is not set, whether to use the proxy that the E(HTTPS_PROXY),
        E(HTTP_PROXY) and E(NO_PROXY) environment variables name.
      - Set to V(false) to connect directly whatever the environment sets.
      - The password of a proxy URL from these variables is removed from error messages too.
    type: bool
    default: true
"""
