# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write every task result of a run to the JSON file named by HARICA_TEST_RESULTS.

The integration tests read this file to assert what each module returned, while the
default stdout callback stays in place so that its output can be searched too.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record task results to a JSON file for the integration tests
description:
  - Appends one entry per task result to the file named by E(HARICA_TEST_RESULTS).
requirements:
  - The E(HARICA_TEST_RESULTS) environment variable names the output file.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[dict] = []

    def _record(self, result, status: str) -> None:
        self._entries.append(
            {
                "task": result._task.get_name(),
                "host": result._host.get_name(),
                "status": status,
                "result": self._convert(result._result),
            }
        )

    @staticmethod
    def _convert(value):
        # Results may hold Ansible's own string and mapping types; JSON round-trips them.
        return json.loads(json.dumps(value, default=str))

    def v2_runner_on_ok(self, result) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors: bool = False) -> None:
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result) -> None:
        self._record(result, "skipped")

    def v2_playbook_on_stats(self, stats) -> None:
        path = os.environ.get("HARICA_TEST_RESULTS")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(self._entries, handle, indent=1)
