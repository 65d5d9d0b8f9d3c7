#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_api_check
short_description: Check the collection's API assumptions against a HARICA CertManager service
version_added: 0.1.0
description:
  - Reads a HARICA CertManager service, normally HARICA's staging service, with one API key
    per role and reports, for each assumption of the collection's API assumptions page
    (C(docs/api-assumptions.md)) that it can judge, whether it V(held), V(differs) (with what
    was seen) or was V(not_checked) (with the reason).
  - The module sends only GET requests, and each key only to the paths of its role. The one
    exception is a GET of C(/cm/v1/admin/enterprises) with one approver key, to see how
    HARICA rejects a key that lacks the role. Its response body is not kept.
  - The result contains field names, list shapes, counts, and the formats of timestamps and
    serial numbers. It never contains a key, a whole record, a PEM, a transaction id or an
    email address. Short words such as status words and C(certificateType) values are shown.
  - Give as many of the four keys as you have. Checks that need a missing role are
    V(not_checked).
  - The playbook C(harica.certmanager.staging_check) runs this module and prints its report.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)).
  - O(api_key) is accepted but not used, so that C(module_defaults) of the group
    C(harica.certmanager.harica), which set it for the other modules, can stay in place.
    Give the keys per role instead.
  - The approver checks read every request list of their type once, and the admin checks
    every certificate list once, so on an account with many certificates the run takes
    as long as listing them four times.
extends_documentation_fragment:
  - harica.certmanager.attributes
  - harica.certmanager.attributes.INFO_MODULE
options:
  api_url:
    description:
      - Base URL of the HARICA CertManager, without the C(/cm/v1) API prefix.
      - HARICA's staging service is V(https://cm-stg.harica.gr) and its production service
        V(https://cm.harica.gr), with separate accounts.
      - If not set, the value of the E(HARICA_API_URL) environment variable is used.
    type: str
    default: https://cm.harica.gr
  api_key:
    description:
      - Not used. The check needs to know the role of each key, so it takes one option per
        role; this option only lets the action group's C(module_defaults) apply.
    type: str
  admin_key:
    description:
      - API key of an Enterprise Admin. The admin checks (C9, D1 to D8, E9, E10 and the admin
        part of C3 and C4) need it.
      - If not set, the value of the E(HARICA_ADMIN_KEY) environment variable is used.
    type: str
  ssl_approver_key:
    description:
      - API key of an SSL Enterprise Approver, for the request checks (B1, B7, C1, C3, C4, C5,
        C8) of SSL requests.
      - If not set, the value of the E(HARICA_SSL_APPROVER_KEY) environment variable is used.
    type: str
  smime_approver_key:
    description:
      - API key of an S/MIME Enterprise Approver, for the request checks of S/MIME requests.
      - If not set, the value of the E(HARICA_SMIME_APPROVER_KEY) environment variable is used.
    type: str
  clientauth_approver_key:
    description:
      - API key of a Client Auth Enterprise Approver, for the request checks of
        client-authentication requests.
      - If not set, the value of the E(HARICA_CLIENTAUTH_APPROVER_KEY) environment variable is
        used.
    type: str
  validate_certs:
    description:
      - Whether to check the TLS certificate of O(api_url).
      - B(Turn this off only on a private test server:) without the check, anyone who can
        intercept the connection can read the API keys.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificates that may sign the server's certificate.
      - If not set, the certificate bundle of the C(certifi) package is trusted.
        E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) are ignored.
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each response.
      - After a timeout or a failed connection, the module sends no further GET with that key.
    type: int
    default: 120
  proxy_url:
    description:
      - URL of the HTTP proxy to use, for example V(http://proxy.example.org:3128).
    type: str
  use_proxy:
    description:
      - When O(proxy_url) is not set, whether to use the proxy that the E(HTTPS_PROXY),
        E(HTTP_PROXY) and E(NO_PROXY) environment variables name.
    type: bool
    default: true
seealso:
  - module: harica.certmanager.harica_request_info
  - module: harica.certmanager.harica_certificate_info
"""

EXAMPLES = r"""
- name: Check the API assumptions on HARICA's staging service
  harica.certmanager.harica_api_check:
    api_url: https://cm-stg.harica.gr
    admin_key: "{{ vault_staging_admin_key }}"
    ssl_approver_key: "{{ vault_staging_ssl_approver_key }}"
  delegate_to: localhost
  register: api_check

- name: Show the assumptions that differ
  ansible.builtin.debug:
    msg: "{{ item.id }} ({{ item.role }}): {{ item.detail }}"
  loop: "{{ api_check.checks | selectattr('status', 'equalto', 'differs') }}"
"""

RETURN = r"""
api_url:
  description: The base URL that was checked.
  returned: always
  type: str
  sample: https://cm-stg.harica.gr
checks:
  description:
    - One entry per assumption, and per approver role for the request checks, in the order
      of the API assumptions page.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the assumption on the API assumptions page.
      type: str
      sample: C3
    role:
      description:
        - HARICA role whose key the check used, such as V(SSL Enterprise Approver), or V(any)
          for a check of every key given.
      type: str
      sample: Enterprise Admin
    status:
      description: V(held), V(differs) or V(not_checked).
      type: str
      sample: held
    detail:
      description: What was seen, or why the assumption was not checked.
      type: str
      sample: Every list (7) was a bare JSON array.
    assumption:
      description: The assumption in short.
      type: str
      sample: Lists are bare JSON arrays, or arrays wrapped under certificates, items, results, data, requests or value.
    observed:
      description:
        - What the check saw, as field names, counts, shapes and formats. The keys depend on
          the check.
      type: dict
      sample: {"shapes": {"/cm/v1/admin/certificates": "a bare JSON array"}, "wrapper_keys": []}
summary:
  description: Number of checks per status, and in total.
  returned: always
  type: dict
  sample: {"held": 30, "differs": 2, "not_checked": 6, "total": 38}
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.harica.certmanager.plugins.module_utils._api_check import run_api_check
from ansible_collections.harica.certmanager.plugins.module_utils._api_check_reads import ROLES
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import (
    connection_argument_spec,
    plain_http_warning,
    require_libraries,
)
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaError


def argument_spec() -> dict:
    """Return the connection options with one key option per role in place of api_key."""
    spec = connection_argument_spec()
    # Kept, unused, so that module_defaults of the action group, which set api_key for
    # the other modules, do not make this module fail.
    spec["api_key"] = {"type": "str", "no_log": True}
    for role in ROLES:
        spec[role.option] = {"type": "str", "no_log": True, "fallback": (env_fallback, [role.environment])}
    return spec


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_one_of=[[role.option for role in ROLES]],
    )
    require_libraries(module)
    api_url = module.params["api_url"] or ""
    if plain_http_warning(api_url):
        module.warn(f"api_url {api_url} uses plain HTTP, so the API keys travel unencrypted. Use https://.")
    if not module.params["validate_certs"]:
        module.warn(
            f"validate_certs is false: the TLS certificate of {api_url} is not checked,"
            " so the API keys can be read by anyone who can intercept the connection."
        )
    try:
        report = run_api_check(module.params, log=module.log)
    except HaricaError as exc:
        module.fail_json(**exc.fail_kwargs())
    module.exit_json(changed=False, **report)


if __name__ == "__main__":
    main()
