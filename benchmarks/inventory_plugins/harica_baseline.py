# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The inventory benchmark's baseline: the harica plugin with its reading replaced.

It loads the trimmed records with one json.load from a file and builds the same hosts,
variables and groups with the same code, so that the difference to the real plugin is
the cost of reading HARICA's lists.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: harica_baseline
short_description: Baseline of the harica inventory benchmark
description:
  - Reads trimmed certificate records from O(records_file) and builds the inventory as
    harica.certmanager.harica does.
extends_documentation_fragment:
  - ansible.builtin.constructed
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [harica_baseline]
  records_file:
    description: JSON file with the list of trimmed records.
    type: path
    required: true
  statuses:
    description: Statuses to keep.
    type: list
    elements: str
    default: [valid]
  hostname_source:
    description: How hosts are named.
    type: str
    default: name
  local_connection:
    description: Whether to set ansible_connection=local.
    type: bool
    default: true
  expiry_warning_days:
    description: Days before expiry that put a certificate in harica_expiring.
    type: int
    default: 30
"""

import json

from ansible_collections.harica.certmanager.plugins.inventory.harica import InventoryModule as HaricaInventory


class InventoryModule(HaricaInventory):
    NAME = "harica_baseline"

    def verify_file(self, path: str) -> bool:
        return path.endswith(("harica_baseline.yml", "harica_baseline.yaml"))

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        super(HaricaInventory, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        with open(self.get_option("records_file"), encoding="utf-8") as handle:
            records = json.load(handle)
        self._populate(records)
