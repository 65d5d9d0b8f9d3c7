#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_user_info
short_description: List the users of a HARICA enterprise
version_added: 0.1.0
description:
  - Reads the users of the enterprises an Enterprise Admin manages, all of them or one by
    email address, with their roles and, where the API gives them, their certificates.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)).
  - The API key must belong to an Enterprise Admin.
  - Which user fields HARICA returns is not documented; the fields below are read when
    present, and the record as sent is in RV(users[].raw).
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
  - harica.certmanager.attributes.INFO_MODULE
options:
  email:
    description:
      - Look up the user with this email address only. A user that does not exist gives
        an empty list, not an error.
    type: str
seealso:
  - module: harica.certmanager.harica_enterprise_info
"""

EXAMPLES = r"""
- name: Look up one user with their certificates
  harica.certmanager.harica_user_info:
    api_key: "{{ vault_harica_admin_key }}"
    email: maria.papadopoulou@example.org
  delegate_to: localhost
  register: user_lookup

- name: List the Enterprise Admins
  ansible.builtin.debug:
    msg: "{{ user_lookup.users | selectattr('roles', 'contains', 'Enterprise Admin') | map(attribute='email') }}"
"""

RETURN = r"""
users:
  description: The users found.
  returned: always
  type: list
  elements: dict
  contains:
    email:
      description: Email address, lower case.
      type: str
      sample: maria.papadopoulou@example.org
    given_name:
      description: Given name, if given.
      type: str
      sample: Maria
    surname:
      description: Surname, if given.
      type: str
      sample: Papadopoulou
    full_name:
      description: Full name, if given.
      type: str
      sample: Maria Papadopoulou
    roles:
      description: The user's roles as HARICA names them.
      type: list
      elements: str
      sample: [SSL Enterprise Approver]
    is_active:
      description: Whether the account is active, or null when not given.
      type: bool
      sample: true
    enterprise_id:
      description: Id of the user's enterprise, if given.
      type: str
      sample: 2b0e4c9e-7f55-4d1b-8f0e-8c8b3f1d9a77
    created_at:
      description: When the user was created, in UTC, or null.
      type: str
      sample: "2025-09-01T08:00:00Z"
    certificates:
      description:
        - The user's certificates with C(serial_number), C(product), C(not_after) and
          C(is_revoked), when the API gives them (the lookup by email does).
      type: list
      elements: dict
      sample: [{"serial_number": "5A3F0C19E2B74D01", "product": "S/MIME", "not_after": "2027-12-04T10:02:14Z", "is_revoked": false}]
    raw:
      description: The record exactly as the server sent it.
      type: dict
      sample: {"email": "maria.papadopoulou@example.org"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.harica.certmanager.plugins.module_utils._argspec import (
    connection_argument_spec,
    module_client,
    require_libraries,
)
from ansible_collections.harica.certmanager.plugins.module_utils._enterprises import EnterpriseStore


def main() -> None:
    spec = connection_argument_spec()
    spec["email"] = {"type": "str"}
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    require_libraries(module)
    with module_client(module) as client:
        store = EnterpriseStore(client)
        email = module.params["email"]
        if email is None:
            users = store.users()
        else:
            found = store.user(email.strip())
            users = [found] if found else []
        module.exit_json(changed=False, users=users)


if __name__ == "__main__":
    main()
