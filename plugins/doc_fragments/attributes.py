# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Attributes shared by harica.certmanager modules."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description:
      - Use C(group/harica.certmanager.harica) in C(module_defaults) to set the connection
        options once for every module of this collection.
    support: full
    membership:
      - harica.certmanager.harica
  check_mode:
    description:
      - In check mode the module reads the current state, sends no request that changes
        it, and reports C(changed) as a real run would.
  diff_mode:
    description:
      - In diff mode the module returns the state before and after the run.
"""

    # For modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details:
      - The module only reads, so check mode runs it unchanged.
  diff_mode:
    support: N/A
    details:
      - The module only reads, so there is no difference to show.
"""

    FILES = r"""
attributes:
  safe_file_operations:
    description:
      - Files are written to a temporary file and renamed into place, so no reader sees a
        half-written file.
"""
