#!/usr/bin/python
# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: harica_enterprise_info
short_description: List the enterprises of a HARICA CertManager account
version_added: 0.1.0
description:
  - Reads the enterprises (organizations) an Enterprise Admin manages, with their ids,
    names and validated domains.
  - HARICA may list an enterprise once per domain; the module returns one record per
    enterprise with all its domains.
author:
  - HARICA CertManager collection maintainers (@harica-certmanager)
requirements:
  - requests >= 2.28
  - cryptography >= 3.4
notes:
  - This is an API module. It runs where the task runs, normally on the controller
    (C(delegate_to) set to C(localhost)).
  - The API key must belong to an Enterprise Admin.
extends_documentation_fragment:
  - harica.certmanager.connection
  - harica.certmanager.attributes
  - harica.certmanager.attributes.INFO_MODULE
options:
  name:
    description:
      - Only the enterprise with this name, localized name or domain, compared without
        regard to case.
    type: str
seealso:
  - module: harica.certmanager.harica_bulk_issue
  - module: harica.certmanager.harica_user_info
"""

EXAMPLES = r"""
- name: List the enterprises of the account
  harica.certmanager.harica_enterprise_info:
    api_key: "{{ vault_harica_admin_key }}"
  delegate_to: localhost
  register: account

- name: Warn about domains whose validation ends within 30 days
  ansible.builtin.debug:
    msg: "{{ item.1.name }} of {{ item.0.name }} is validated until {{ item.1.validated_until }}"
  loop: "{{ account.enterprises | subelements('domains') }}"
  when: item.1.validated_until is not none
"""

RETURN = r"""
enterprises:
  description: The enterprises, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    organization_id:
      description: Id of the enterprise, which harica.certmanager.harica_bulk_issue takes.
      type: str
      sample: 2b0e4c9e-7f55-4d1b-8f0e-8c8b3f1d9a77
    name:
      description: Name of the enterprise.
      type: str
      sample: Example University
    localized_name:
      description: Name in the local language, if HARICA has one.
      type: str
      sample: Πανεπιστήμιο Παραδείγματος
    domains:
      description: Validated domains, each with C(name) and C(validated_until) (UTC, or null).
      type: list
      elements: dict
      sample: [{"name": "example.org", "validated_until": "2027-03-01T00:00:00Z"}]
    country:
      description: Country code.
      type: str
      sample: GR
    state:
      description: State or province.
      type: str
      sample: Attica
    locality:
      description: City.
      type: str
      sample: Athens
    organizational_unit:
      description: Organizational unit, if any.
      type: str
      sample: null
    dn:
      description: Distinguished name HARICA uses for the enterprise.
      type: str
      sample: O=Example University, L=Athens, C=GR
    group_id:
      description: HARICA's group id of the enterprise.
      type: str
      sample: null
    raw:
      description: The records exactly as the server sent them, one per domain.
      type: list
      elements: dict
      sample: [{"organizationId": "2b0e4c9e-7f55-4d1b-8f0e-8c8b3f1d9a77", "domain": "example.org"}]
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
    spec["name"] = {"type": "str"}
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    require_libraries(module)
    with module_client(module) as client:
        enterprises = EnterpriseStore(client).enterprises()
        wanted = (module.params["name"] or "").strip().lower()
        if wanted:
            enterprises = [entry for entry in enterprises if _matches(entry, wanted)]
        module.exit_json(changed=False, enterprises=enterprises)


def _matches(entry: dict, wanted: str) -> bool:
    names = {str(entry.get(key) or "").lower() for key in ("name", "localized_name")}
    return wanted in names or wanted.rstrip(".") in {domain["name"] for domain in entry["domains"]}


if __name__ == "__main__":
    main()
