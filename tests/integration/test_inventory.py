"""The harica.certmanager.harica inventory plugin against the simulator."""

from __future__ import annotations

import ast
import datetime
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.release import __version__ as ansible_core_version

from conftest import (
    ADMIN_KEY,
    ALL_KEYS,
    HERE,
    PROXY_PASSWORD,
    _environment,
    assert_no_proxy_password,
    closed_port,
    unwrapped,
)

GOLDEN = HERE / "golden" / "inventory_list.json"
PLUGIN = HERE.parents[1] / "plugins" / "inventory" / "harica.py"
AUDIT_GUIDE = HERE.parents[1] / "docs" / "docsite" / "rst" / "workflow_audit.rst"
ORGANIZATION = "0b9c7f2e-5a3d-4c1b-9e8f-6a7b8c9d0e1f"
FAR_START, FAR_END = "2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z"
REVOCATION = {"reason_code": "4.9.1.1.1.1", "at": "2026-06-01T00:00:00Z"}
CORE_VERSION = tuple(int(part) for part in ansible_core_version.split(".")[:2])
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def data_set(world):
    """Seed a fixed data set; return the not_after of the certificate that expires soon."""
    control = world.control
    control.reset()
    control.create_enterprise("Example University", ["example.org"], organization_id=ORGANIZATION)
    control.create_user("admin@example.org", ["enterprise_admin"], api_key=ADMIN_KEY)
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10, hours=12)).replace(microsecond=0)
    fixed = {"not_before": FAR_START, "not_after": FAR_END}
    seeds = [
        ("A1", "ssl", {"names": ["WWW.Example.org."]}, fixed),
        ("B2", "ssl", {"names": ["*.example.org"]}, fixed),
        ("C3", "ssl", {"names": ["bücher.example.org"]}, fixed),
        ("D4", "ssl", {"names": ["app.example.org"]}, {"not_before": "2025-06-01T00:00:00Z", "not_after": FAR_END}),
        ("D5", "ssl", {"names": ["App.example.org", "api.example.org"]}, fixed),
        ("E6", "smime", {"emails": ["Maria@Example.org"]}, fixed),
        ("F7", "ssl", {"names": ["old.example.org"]}, {"not_before": "2024-01-01T00:00:00Z", "not_after": "2025-01-01T00:00:00Z"}),
        ("A8", "ssl", {"names": ["gone.example.org"], "revoked": REVOCATION}, fixed),
        ("B9", "ssl", {"names": ["soon.example.org"]}, {"not_after": soon.strftime("%Y-%m-%dT%H:%M:%SZ"), "validity_days": 90}),
        ("CA", "clientauth", {"emails": ["device1@example.org"]}, fixed),
    ]
    for serial, kind, names, dates in seeds:
        control.create_certificate(type=kind, serial=serial, requester_email="admin@example.org", **names, **dates)
    return soon


def write_source(world, **options):
    source = {
        "plugin": "harica.certmanager.harica",
        "api_url": world.simulator.url,
        "ca_path": world.simulator.tls_ca,
        "statuses": ["valid", "expired", "revoked"],
        **options,
    }
    path = world.tmp_path / "demo.harica.yml"
    path.write_text(yaml.safe_dump(source))
    return path


def run_inventory(world, collections_path, source, *arguments, api_key=ADMIN_KEY, env=None,
                  command="ansible-inventory"):
    environment = _environment(collections_path, world.tmp_path / "unused.json", world, api_key)
    environment.update(env or {})
    before = world.control.log()["last_seq"]
    command = [str(Path(sys.executable).with_name(command)), "-i", str(source), *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600, check=False)
    log = world.control.log(since=before)["entries"]
    return completed, log


def plain(value):
    """Remove the markers that ansible-core 2.19 and later put on untrusted strings in --list."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def listed(world, collections_path, source, *arguments, **options):
    completed, log = run_inventory(world, collections_path, source, "--list", *arguments, **options)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return plain(json.loads(completed.stdout)), log


def normalized(inventory, soon):
    """Check and blank the values that depend on the time of the run and on random ids."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for variables in inventory["_meta"]["hostvars"].values():
        not_after = datetime.datetime.strptime(variables["harica_not_after"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        expected = math.floor((not_after - now).total_seconds() / 86400)
        assert variables["harica_days_remaining"] in (expected, expected - 1)
        variables["harica_days_remaining"] = "<recomputed>"
        if variables["harica_not_after"] == soon.strftime("%Y-%m-%dT%H:%M:%SZ"):
            variables["harica_not_after"] = "<soon>"
            variables["harica_not_before"] = "<soon minus 90 days>"
        if UUID.match(variables["harica_transaction_id"] or ""):
            variables["harica_transaction_id"] = "<uuid>"
        if "ansible_python_interpreter" in variables:
            assert variables["ansible_python_interpreter"] == sys.executable
            variables["ansible_python_interpreter"] = "<controller python>"
    # ansible-core 2.19 and later add a serialisation profile; the order of groups and
    # hosts is not part of the plugin's contract.
    inventory["_meta"].pop("profile", None)
    for name, group in inventory.items():
        if name != "_meta":
            for key in ("hosts", "children"):
                if key in group:
                    group[key] = sorted(group[key])
    return inventory


def test_list_matches_golden(world, collections_path, data_set):
    inventory, log = listed(world, collections_path, write_source(world))
    assert [entry["path"] for entry in log] == [f"/cm/v1/admin/certificates/list/{status}"
                                                for status in ("valid", "expired", "revoked")]
    actual = normalized(inventory, data_set)
    assert actual == json.loads(GOLDEN.read_text())


def test_graph_shows_groups(world, collections_path, data_set):
    completed, _log = run_inventory(world, collections_path, write_source(world), "--graph")
    assert completed.returncode == 0, completed.stderr
    for group in ("@harica_valid", "@harica_expired", "@harica_revoked", "@harica_expiring", "@harica_ssl",
                  "@harica_smime", "@harica_clientauth"):
        assert group in completed.stdout
    assert "|--www.example.org" in completed.stdout


def test_default_reads_valid_only(world, collections_path, data_set):
    source = write_source(world)
    text = yaml.safe_load(source.read_text())
    del text["statuses"]
    source.write_text(yaml.safe_dump(text))
    inventory, log = listed(world, collections_path, source)
    assert [entry["path"] for entry in log] == ["/cm/v1/admin/certificates/list/valid"]
    assert "old.example.org" not in inventory["_meta"]["hostvars"]
    assert "gone.example.org" not in inventory["_meta"]["hostvars"]


def test_constructed_options(world, collections_path, data_set):
    source = write_source(
        world,
        compose={"tls_port": "8000 + 443", "short_serial": "harica_serial_number | lower"},
        groups={"example_hosts": "'example.org' in inventory_hostname",
                "series_a": "harica_serial_number.startswith('A')"},
        keyed_groups=[{"key": "harica_type", "prefix": "kind"}],
        certificate_types=["ssl"],
        local_connection=False,
        hostname_source="serial",
    )
    inventory, _log = listed(world, collections_path, source)
    hostvars = inventory["_meta"]["hostvars"]
    assert sorted(hostvars) == ["A1", "A8", "B2", "B9", "C3", "D4", "D5", "F7"]
    assert str(hostvars["A1"]["tls_port"]) == "8443"
    assert hostvars["A1"]["short_serial"] == "a1"
    assert "ansible_connection" not in hostvars["A1"]
    assert "ansible_python_interpreter" not in hostvars["A1"]
    assert sorted(inventory["kind_ssl"]["hosts"]) == sorted(hostvars)
    assert sorted(inventory["series_a"]["hosts"]) == ["A1", "A8"]
    assert "example_hosts" not in inventory


def test_cache_serves_second_run(world, collections_path, data_set):
    cache_dir = world.tmp_path / "cache"
    source = write_source(world, cache=True, cache_plugin="ansible.builtin.jsonfile",
                          cache_connection=str(cache_dir), cache_timeout=3600)
    first, first_log = listed(world, collections_path, source)
    assert len(first_log) == 3
    stamps = {path: path.stat().st_mtime_ns for path in cache_dir.iterdir()}
    assert stamps, "the first run wrote no cache file"
    second, second_log = listed(world, collections_path, source)
    assert second_log == []
    assert second == first
    assert {path: path.stat().st_mtime_ns for path in cache_dir.iterdir()} == stamps
    flushed, flushed_log = run_inventory(world, collections_path, source, str(HERE / "playbooks" / "noop.yml"),
                                         "--flush-cache", command="ansible-playbook")
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert len(flushed_log) == 3


@pytest.mark.parametrize("key_source", ["option", "environment", "lookup_file"])
def test_key_hidden_at_high_verbosity(world, collections_path, data_set, key_source):
    key_file = world.tmp_path / "admin.key"
    key_file.write_text(ADMIN_KEY + "\n")
    cache_dir = world.tmp_path / "cache"
    options = {"option": {"api_key": ADMIN_KEY}, "environment": {},
               "lookup_file": {"api_key": "{{ lookup('ansible.builtin.file', '%s') }}" % key_file}}[key_source]
    source = write_source(world, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                          **options)
    environment_key = ADMIN_KEY if key_source == "environment" else None
    completed, log = run_inventory(world, collections_path, source, "--list", "-vvvv", api_key=environment_key)
    assert completed.returncode == 0, completed.stderr
    assert log and all(entry["user"] == "admin@example.org" for entry in log)
    assert list(cache_dir.iterdir()), "the run wrote no cache file"
    for key in ALL_KEYS:
        assert key not in unwrapped(completed.stdout + completed.stderr)
        for path in cache_dir.iterdir():
            assert key not in path.read_text()
    assert "harica: GET /cm/v1/admin/certificates/list/valid:" in completed.stdout


def test_unknown_key_hidden_at_high_verbosity(world, collections_path, data_set):
    unknown_key = "unknown-inventory-key-6b1f0c"
    cache_dir = world.tmp_path / "cache"
    source = write_source(world, api_key=unknown_key, cache=True, cache_plugin="ansible.builtin.jsonfile",
                          cache_connection=str(cache_dir))
    completed, log = run_inventory(world, collections_path, source, "--list", "-vvvv", api_key=None)
    output = completed.stdout + completed.stderr
    assert "returned HTTP 401 Unauthorized" in " ".join(output.split())
    assert "HARICA_API_KEY" in output
    assert [entry["status"] for entry in log] == [401]
    cache_files = list(cache_dir.iterdir()) if cache_dir.exists() else []
    for key in (unknown_key, *ALL_KEYS):
        assert key not in unwrapped(output)
        for path in cache_files:
            assert key not in path.read_text()


def test_progress_only_when_verbose(world, collections_path, data_set):
    completed, _log = run_inventory(world, collections_path, write_source(world), "--list")
    assert "harica: GET" not in completed.stdout + completed.stderr


def test_approver_key_is_refused(world, collections_path, data_set):
    world.control.create_user("ssl@example.org", ["ssl_approver"], api_key="approver-only-key-0f9e8d")
    completed, _log = run_inventory(world, collections_path, write_source(world), "--list",
                                    api_key="approver-only-key-0f9e8d")
    assert "needs the Enterprise Admin role" in completed.stderr
    assert "approver-only-key-0f9e8d" not in unwrapped(completed.stdout + completed.stderr)


def test_play_runs_on_certificate_hosts(world, collections_path, data_set):
    playbook = world.tmp_path / "on_hosts.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Act on valid SSL certificates", "hosts": "harica_ssl:&harica_valid", "gather_facts": False,
        "tasks": [{"name": "Read each certificate", "harica.certmanager.harica_certificate_info": {
            "serial_numbers": ["{{ harica_serial_number }}"], "api_url": world.simulator.url,
            "ca_path": world.simulator.tls_ca}}],
    }]))
    completed, _log = run_inventory(world, collections_path, write_source(world), str(playbook),
                                    command="ansible-playbook")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "ok=1" in completed.stdout


@pytest.mark.parametrize("case", ["through_proxy", "proxy_down"])
def test_proxy_password_hidden(world, collections_path, data_set, proxy, case):
    proxy_url = proxy.url()
    if case == "proxy_down":
        proxy_url = proxy_url.replace(f":{proxy.port}", f":{closed_port()}")
    cache_dir = world.tmp_path / "cache"
    log_file = world.tmp_path / "ansible.log"
    source = write_source(world, proxy_url=proxy_url, cache=True, cache_plugin="ansible.builtin.jsonfile",
                          cache_connection=str(cache_dir))
    completed, log = run_inventory(world, collections_path, source, "--list", "-vvvv",
                                   env={"ANSIBLE_LOG_PATH": str(log_file)})
    output = completed.stdout + completed.stderr
    cache_files = list(cache_dir.iterdir()) if cache_dir.exists() else []
    assert_no_proxy_password(output, log_file, *cache_files)
    assert PROXY_PASSWORD in source.read_text()
    if case == "through_proxy":
        assert completed.returncode == 0, output
        assert cache_files, "the run wrote no cache file"
        assert len(log) == 3
        assert set(proxy.authorizations) == {proxy.expected_authorization}
        return
    # ansible-core 2.16 wraps warnings at the terminal width.
    assert "the connection through the proxy 127.0.0.1:" in " ".join(output.split())
    assert "Traceback" not in output
    assert log == []


def test_gateway_error_is_reported(world, collections_path, data_set):
    valid = "/cm/v1/admin/certificates/list/valid"
    world.control.add_fault(valid, "html", method="GET", status=502, times=None)
    completed, log = run_inventory(world, collections_path, write_source(world), "--list",
                                   env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1"})
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    # ansible-core 2.16 wraps warnings at the terminal width.
    message = f"Failed to list the valid certificates: GET {valid} returned HTTP 502 Bad Gateway."
    assert message in " ".join(output.split())
    assert "Traceback" not in output
    assert [entry["path"] for entry in log] == [valid] * 4


def test_expiring_group_in_any_zone(world, collections_path, data_set):
    # The server sends validTo without an offset. Read as local time, it would move by the
    # zone's offset and push one of these two certificates across the 30-day threshold.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    edges = {"inside.example.org": now + datetime.timedelta(days=30, hours=-3),
             "outside.example.org": now + datetime.timedelta(days=30, hours=3)}
    for serial, (name, not_after) in zip(("E1", "E2"), edges.items()):
        world.control.create_certificate(type="ssl", serial=serial, requester_email="admin@example.org", names=[name],
                                         not_after=not_after.strftime("%Y-%m-%dT%H:%M:%SZ"), validity_days=90)
    source = write_source(world)
    runs = [listed(world, collections_path, source, env={"TZ": zone})[0]
            for zone in ("UTC", "Asia/Tokyo", "Asia/Tokyo", "America/Los_Angeles")]
    expiring = [sorted(inventory["harica_expiring"]["hosts"]) for inventory in runs]
    assert expiring[0] == ["inside.example.org", "soon.example.org"]
    assert expiring[1] == expiring[0]
    assert expiring[2] == expiring[0]
    assert expiring[3] == expiring[0]
    remaining = [
        {host: variables["harica_days_remaining"] for host, variables in inventory["_meta"]["hostvars"].items()}
        for inventory in runs
    ]
    assert remaining[0]["inside.example.org"] == 29
    assert remaining[0]["outside.example.org"] == 30
    assert remaining[1] == remaining[0]
    assert remaining[2] == remaining[0]
    assert remaining[3] == remaining[0]


def plugin_examples():
    """Return the EXAMPLES string of the inventory plugin, read without importing it."""
    for node in ast.parse(PLUGIN.read_text()).body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["EXAMPLES"]:
            return node.value.value
    raise AssertionError(f"{PLUGIN} has no EXAMPLES")


def documented_jq_filter():
    """Return the jq filter that the plugin's EXAMPLES give for reading --list."""
    found = re.findall(r"^#\s+jq '([^']+)'$", plugin_examples(), re.MULTILINE)
    assert len(found) == 1, plugin_examples()
    return found[0]


def test_doc_lists_groups_and_variables(world, collections_path, data_set):
    command = [str(Path(sys.executable).with_name("ansible-doc")), "-t", "inventory", "--json",
               "harica.certmanager.harica"]
    environment = _environment(collections_path, world.tmp_path / "unused.json", world, None)
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    doc = json.loads(completed.stdout)["harica.certmanager.harica"]["doc"]
    description = " ".join(doc["description"])
    inventory, _log = listed(world, collections_path, write_source(world, include_pem=True))
    groups = {name for name in inventory if name.startswith("harica_")}
    variables = {name for host in inventory["_meta"]["hostvars"].values() for name in host}
    assert groups == {"harica_valid", "harica_expired", "harica_revoked", "harica_expiring", "harica_ssl",
                      "harica_smime", "harica_clientauth"}
    for group in sorted(groups):
        assert f"C({group})" in description, group
    for variable in sorted(variables):
        assert f"C({variable})" in description, variable
    assert re.search(r"C\(harica_requester\)[^.]*\. For a bulk-issued certificate that is the uploader", description)


def test_values_never_templated(world, collections_path, data_set):
    # Whoever requests a certificate chooses its names, so a template in them must stay text.
    template = "{{ 'tem' ~ 'plated' }}"
    email = "{{'tem'~'plated'}}@example.org"
    world.control.create_certificate(type="smime", serial="7E", requester_email=f"{template}@example.org",
                                     emails=[email], common_name=template, not_before=FAR_START, not_after=FAR_END)
    playbook = world.tmp_path / "show.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Show the values of the certificate 7E", "hosts": "harica_smime", "gather_facts": False,
        "tasks": [{"name": "Show the values", "when": "harica_serial_number == '7E'", "ansible.builtin.debug": {
            "msg": {"host": "{{ inventory_hostname }}", "common_name": "{{ harica_common_name }}",
                    "requester": "{{ harica_requester }}", "names": "{{ harica_names }}"}}}],
    }]))
    completed, _log = run_inventory(world, collections_path, write_source(world), str(playbook),
                                    command="ansible-playbook")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # run_inventory points the record_results callback at unused.json.
    results = json.loads((world.tmp_path / "unused.json").read_text())
    messages = [entry["result"]["msg"] for entry in results if entry["status"] == "ok"]
    assert len(messages) == 1, results
    assert messages[0]["host"] == email
    assert messages[0]["common_name"] == template
    assert messages[0]["requester"] == f"{template}@example.org"
    assert messages[0]["names"] == [email]
    assert "templated" not in completed.stdout


def test_host_output_as_documented(world, collections_path, data_set):
    completed, _log = run_inventory(world, collections_path, write_source(world), "--host", "www.example.org")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    variables = json.loads(completed.stdout)
    # The plugin's notes: --host writes plain values on ansible-core 2.19 and later, and
    # marks them unsafe on earlier cores.
    if CORE_VERSION >= (2, 19):
        assert variables["harica_serial_number"] == "A1"
        assert variables["harica_names"] == ["www.example.org"]
    else:
        assert variables["harica_serial_number"] == {"__ansible_unsafe": "A1"}
        assert variables["harica_names"] == [{"__ansible_unsafe": "www.example.org"}]


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_jq_filter_reads_list_plainly(world, collections_path, data_set):
    jq_filter = documented_jq_filter()
    assert f"jq '{jq_filter}'" in AUDIT_GUIDE.read_text()
    completed, _log = run_inventory(world, collections_path, write_source(world), "--list")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    filtered = subprocess.run(["jq", jq_filter], input=completed.stdout, capture_output=True, text=True,
                              timeout=60, check=False)
    assert filtered.returncode == 0, filtered.stderr
    assert "__ansible_unsafe" not in filtered.stdout
    assert json.loads(filtered.stdout) == plain(json.loads(completed.stdout))
    hostvars = json.loads(filtered.stdout)["_meta"]["hostvars"]
    assert hostvars["www.example.org"]["harica_type"] == "ssl"
    assert hostvars["www.example.org"]["harica_names"] == ["www.example.org"]
