#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_request_info
short_description: List certificate requests waiting for or handled by an approver
version_added: 0.1.0
description:
  - Reads the SSL, S/MIME or client-authentication requests an Enterprise Approver sees in
    HARICA CertManager, by transaction id, by status or all, filtered by names and
    requester.
  - Returns each request in the normalised form that M(harica.certmanager.harica_ssl_request)
    returns.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)).
  - The API key must belong to an approver of O(request_type) (SSL, S/MIME or Client
    Auth Enterprise Approver).
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
  - harica.certmanager.attributes.INFO_MODULE
options:
  request_type:
    description:
      - Type of the requests.
    type: str
    choices: [ssl, smime, clientauth]
    default: ssl
  transaction_id:
    description:
      - Read only the request with this transaction id. A request that does not exist
        gives an empty list.
    type: str
  status:
    description:
      - Only requests with this status. V(all) reads every request in one call.
    type: str
    choices: [pending, ready, completed, cancelled, all]
    default: all
  names:
    description:
      - Only requests that cover one of these names (DNS names for SSL, email addresses
        for the other types), compared without regard to case or a trailing dot.
    type: list
    elements: str
  requester_email:
    description:
      - Only requests submitted by this email address, compared without regard to case.
    type: str
seealso:
  - module: harica.certmanager.harica_ssl_request
"""

EXAMPLES = r"""
- name: List the SSL requests waiting for approval
  harica.certmanager.harica_request_info:
    api_key: "{{ vault_harica_ssl_approver_key }}"
    status: pending
  delegate_to: localhost
  register: waiting

- name: Show who asked for what
  ansible.builtin.debug:
    msg: "{{ item.transaction_id }}: {{ item.names | join(', ') }} from {{ item.requester_email }}"
  loop: "{{ waiting.requests }}"
"""

RETURN = r"""
requests:
  description:
    - The requests found, newest first, in the normalised form of
      RV(harica.certmanager.harica_ssl_request#module:request).
  returned: always
  type: list
  elements: dict
  contains:
    transaction_id:
      description: Transaction id.
      type: str
      sample: 6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10
    type:
      description: Request type.
      type: str
      sample: ssl
    status:
      description: One of V(pending), V(ready), V(completed) and V(cancelled).
      type: str
      sample: pending
    names:
      description: The names the request covers.
      type: list
      elements: str
      sample: [app.example.org]
    requester_email:
      description: Email address of the requester.
      type: str
      sample: developer@example.org
    requested_at:
      description: When the request was submitted, in UTC.
      type: str
      sample: "2026-12-01T09:30:00Z"
    is_high_risk:
      description: Whether HARICA flags the request for its own review.
      type: bool
      sample: false
    serial_number:
      description: Serial number of the issued certificate, or null.
      type: str
      sample: null
    raw:
      description: The record exactly as the server sent it.
      type: dict
      sample: {"transactionId": "6f1c2a52-93a4-4c49-9d38-1f7e2e1b8a10", "transactionStatus": "Pending"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils import _api
from ansible_collections.harica.certmanager.plugins.module_utils._approvals import RequestStore, request_age_key
from ansible_collections.harica.certmanager.plugins.module_utils._argspec import (
    connection_argument_spec,
    module_client,
    require_libraries,
)
from ansible_collections.harica.certmanager.plugins.module_utils._values import normalize_dns_name


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(
        {
            "request_type": {"type": "str", "default": "ssl", "choices": ["ssl", "smime", "clientauth"]},
            "transaction_id": {"type": "str"},
            "status": {"type": "str", "default": "all", "choices": [*_api.REQUEST_LIST_STATUSES, "all"]},
            "names": {"type": "list", "elements": "str"},
            "requester_email": {"type": "str"},
        }
    )
    return spec


def read_requests(store: RequestStore, params: dict) -> list[dict]:
    if params["transaction_id"] is not None:
        found = store.get(params["transaction_id"].strip())
        return [found] if found else []
    if params["status"] == "all":
        return store.all()
    return store.list(params["status"])


def keep(request: dict, params: dict, names: set[str] | None) -> bool:
    if params["status"] != "all" and request["status"] != params["status"]:
        return False
    requester = (params["requester_email"] or "").strip().lower()
    if requester and (request["requester_email"] or "").lower() != requester:
        return False
    return names is None or bool(names & {name.lower() for name in request["names"]})


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    require_libraries(module)
    params = module.params
    names = {normalize_dns_name(name) for name in params["names"]} if params["names"] is not None else None
    with module_client(module) as client:
        store = RequestStore(client, params["request_type"])
        requests = [request for request in read_requests(store, params) if keep(request, params, names)]
        requests.sort(key=request_age_key, reverse=True)
        module.exit_json(changed=False, requests=requests)


if __name__ == "__main__":
    main()
