"""Tests of the request judges of the API check (B1, B7, C1, C3, C4, C5, C8)."""

from __future__ import annotations

import pytest

from ansible_collections.harica.certmanager.plugins.module_utils._errors import (
    HaricaAuthError,
    HaricaNotFoundError,
    HaricaResponseError,
    HaricaServerError,
)
from ansible_collections.harica.certmanager.tests.unit.plugins.module_utils.test_api_check import (
    ADMIN_ROLE,
    CLIENTAUTH,
    SMIME,
    SSL,
    account,
    check_entries,
    completed_request,
    email_request,
    entry,
    full_request,
)
from ansible_collections.harica.certmanager.tests.unit.utils.certificates import make_chain

LIST = "/cm/v1/enterprise/requests/ssl"


def ssl_only(**options):
    return account(admin=None, smime=None, clientauth=None, **({"ssl": options} if options else {}))


def judged(apis, check_id, role=SSL):
    return entry(check_entries(apis), check_id, role)


# B1


def test_request_paths_held():
    result = judged(ssl_only(), "B1")
    assert result["status"] == "held"
    assert "lookup by id returned a bare JSON object" in result["detail"]
    assert LIST + "/id/{transactionId}" in result["observed"]["answered"]


def test_request_paths_differ_on_404():
    apis = ssl_only()
    path = LIST + "/list/ready"
    apis["ssl"].answers[path] = HaricaNotFoundError("Failed: 404.", method="GET", path=path, status=404)
    result = judged(apis, "B1")
    assert result["status"] == "differs"
    assert result["observed"]["not_served"] == {path: "HTTP 404"}


def test_request_paths_not_checked_when_key_rejected():
    apis = ssl_only()
    apis["ssl"].prefix = "/nowhere"
    result = judged(apis, "B1")
    assert result["status"] == "not_checked"
    assert "Check that the key belongs to a user with this role" in result["detail"]


def test_request_paths_lookup_of_other_request():
    apis = ssl_only()
    apis["ssl"].answers[LIST + "/id/tx-ssl-1"] = full_request("tx-other")
    result = judged(apis, "B1")
    assert result["status"] == "differs"
    assert "another request than the one asked for" in result["detail"]
    assert "tx-other" not in result["detail"]


def test_request_paths_lookup_empty():
    apis = ssl_only()
    apis["ssl"].answers[LIST + "/id/tx-ssl-1"] = None
    result = judged(apis, "B1")
    assert result["status"] == "differs"
    assert "no record for a listed transaction id" in result["detail"]


def test_request_paths_lookup_wrapped():
    apis = ssl_only()
    apis["ssl"].answers[LIST + "/id/tx-ssl-1"] = {"data": [full_request("tx-ssl-1")]}
    result = judged(apis, "B1")
    assert result["status"] == "held"
    assert result["observed"]["lookup_shape"] == 'an object with the array under "data"'


def test_request_paths_without_requests():
    result = judged(ssl_only(requests=[]), "B1")
    assert result["status"] == "held"
    assert "lookup by id was not tried" in result["detail"]


def test_request_paths_server_error_not_judged():
    apis = ssl_only()
    path = LIST + "/list/cancelled"
    apis["ssl"].answers[path] = HaricaServerError("Failed: 503.", method="GET", path=path, status=503)
    result = judged(apis, "B1")
    assert result["status"] == "held"
    assert result["observed"]["not_served"] == {}
    assert result["observed"]["not_read"] == [path]
    assert "not judged: " + path in result["detail"]


def test_request_paths_body_not_json():
    apis = ssl_only()
    path = LIST + "/list/pending"
    apis["ssl"].answers[path] = HaricaResponseError("Failed: not JSON.", method="GET", path=path, status=200)
    result = judged(apis, "B1")
    assert result["status"] == "differs"
    assert result["observed"]["not_served"] == {path: "the body is not JSON the client can read"}


# B7


def test_pagination_held():
    result = judged(ssl_only(), "B7")
    assert result["status"] == "held"
    assert "returned 2 requests" in result["detail"]


def test_pagination_keys_differ():
    apis = ssl_only()
    apis["ssl"].answers[LIST] = {"items": [full_request("tx-ssl-1")], "totalCount": 40, "pageSize": 1}
    result = judged(apis, "B7")
    assert result["status"] == "differs"
    assert result["observed"]["pagination_keys"] == ["pageSize", "totalCount"]


def test_pagination_full_list_cut_off():
    apis = ssl_only()
    apis["ssl"].answers[LIST] = [full_request("tx-ssl-1")]
    result = judged(apis, "B7")
    assert result["status"] == "differs"
    assert result["observed"]["missing_from_full_list"] == 1


def test_pagination_without_requests():
    result = judged(ssl_only(requests=[]), "B7")
    assert result["status"] == "not_checked"
    assert "No SSL request was listed" in result["detail"]


# C1


def test_request_fields_held_per_type():
    entries = check_entries(account())
    for role in (SSL, SMIME, CLIENTAUTH):
        assert entry(entries, "C1", role)["status"] == "held", role
        assert entry(entries, "C1", role)["observed"]["key_casing"] == "as documented"


def test_request_fields_missing():
    record = full_request("tx-ssl-1")
    del record["friendlyName"]
    del record["isHighRisk"]
    result = judged(ssl_only(requests=[record]), "C1")
    assert result["status"] == "differs"
    assert result["observed"]["missing_fields"] == ["friendlyName", "isHighRisk"]
    assert "No record has friendlyName or isHighRisk" in result["detail"]


def test_request_fields_alternate_and_partial():
    first = full_request("tx-ssl-1")
    first["transactionType"] = first.pop("transactionTypeName")
    second = full_request("tx-ssl-3")
    del second["user"]
    result = judged(ssl_only(requests=[first, second]), "C1")
    assert result["status"] == "held"
    assert result["observed"]["fields_under_other_names"] == {"transactionTypeName": "transactionType"}
    assert result["observed"]["fields_in_some_records"] == ["user"]


def test_request_fields_not_applicable_to_pending():
    pending = full_request("tx-ssl-1")
    for field in ("reviewedAt", "reviewedBy", "certificateValidTo"):
        del pending[field]
    result = judged(ssl_only(requests=[pending]), "C1")
    assert result["status"] == "held"
    assert result["observed"]["fields_not_applicable"] == ["reviewedAt", "reviewedBy", "certificateValidTo"]


def test_request_fields_completed_needs_validity():
    completed = completed_request("tx-ssl-2")
    del completed["certificateValidTo"]
    result = judged(ssl_only(requests=[completed]), "C1")
    assert result["status"] == "differs"
    assert result["observed"]["missing_fields"] == ["certificateValidTo"]


def test_request_fields_pascal_case():
    result = judged(ssl_only(key_case="pascal"), "C1")
    assert result["status"] == "held"
    assert result["observed"]["key_casing"] == "PascalCase"
    assert result["observed"]["fields_under_other_names"] == {}


def test_request_fields_email_types_accept_san():
    record = email_request("tx-smime-1")
    apis = account(admin=None, ssl=None, clientauth=None, smime={"requests": [record]})
    result = judged(apis, "C1", SMIME)
    assert result["status"] == "held"


def test_request_fields_ssl_needs_domains():
    record = full_request("tx-ssl-1")
    record.pop("domains")
    record["sANS"] = "DNS Name=app.example.org"
    result = judged(ssl_only(requests=[record]), "C1")
    assert result["status"] == "differs"
    assert result["observed"]["missing_fields"] == ["domains"]


def test_request_fields_without_requests():
    result = judged(ssl_only(requests=[]), "C1")
    assert result["status"] == "not_checked"


# C3


def test_list_shape_bare_arrays():
    result = judged(ssl_only(), "C3")
    assert result["status"] == "held"
    assert result["detail"] == "Every list (5) was a bare JSON array."


def test_list_shape_wrapped_items():
    entries = check_entries(account(
        admin={"wrapper": "items", "key_case": "pascal"}, ssl={"wrapper": "items", "key_case": "pascal"}
    ))
    for role in (SSL, ADMIN_ROLE):
        result = entry(entries, "C3", role)
        assert result["status"] == "held"
        assert result["observed"]["wrapper_keys"] == ["Items"]
        assert 'under "Items"' in result["detail"]


def test_list_shape_unknown_wrapper_differs():
    apis = ssl_only()
    apis["ssl"].answers[LIST] = {"rows": [full_request("tx-ssl-1")], "count": 1}
    result = judged(apis, "C3")
    assert result["status"] == "differs"
    assert "no known wrapper key (keys: count, rows)" in result["detail"]


def test_list_shape_mixed_and_empty():
    apis = ssl_only()
    apis["ssl"].answers[LIST + "/list/ready"] = {"value": []}
    apis["ssl"].answers[LIST + "/list/cancelled"] = None
    result = judged(apis, "C3")
    assert result["status"] == "held"
    assert result["detail"].startswith("The lists came in several shapes")
    assert "These had an empty body: " + LIST + "/list/cancelled." in result["detail"]


def test_list_shape_string_differs():
    apis = ssl_only()
    apis["ssl"].answers[LIST] = "no requests"
    result = judged(apis, "C3")
    assert result["status"] == "differs"


def test_list_shape_body_not_json():
    apis = ssl_only()
    path = LIST + "/list/ready"
    apis["ssl"].answers[path] = HaricaResponseError("Failed: not JSON.", method="GET", path=path, status=200)
    result = judged(apis, "C3")
    assert result["status"] == "differs"
    assert result["observed"]["shapes"][path] == "a body that is not JSON"


def test_list_shape_not_checked_when_rejected():
    apis = ssl_only()
    apis["ssl"].prefix = "/nowhere"
    result = judged(apis, "C3")
    assert result["status"] == "not_checked"


# C4


def test_timestamps_held_and_utc():
    result = judged(ssl_only(), "C4")
    assert result["status"] == "held"
    assert result["observed"]["formats"] == {"YYYY-MM-DDThh:mm:ss": 2, "YYYY-MM-DDThh:mm:ss.fffffff": 2}
    assert result["observed"]["compared_with_certificate"] == 1
    assert "so the timestamps are UTC" in result["detail"]


def test_timestamps_unreadable_format():
    record = full_request("tx-ssl-1", requestedAt="/Date(1782806400000)/")
    result = judged(ssl_only(requests=[record]), "C4")
    assert result["status"] == "differs"
    assert result["observed"]["unreadable_formats"] == ["/Date(9999999999999)/"]
    assert "1782806400000" not in result["detail"]


def test_timestamps_local_time_differs():
    record = completed_request("tx-ssl-2", certificateValidTo="2030-01-01T14:00:00.0000000")
    result = judged(ssl_only(requests=[record]), "C4")
    assert result["status"] == "differs"
    assert "by +2:00 h" in result["detail"]
    assert result["observed"]["offsets_seconds"] == [7200]


def test_timestamps_with_zone_read():
    record = completed_request("tx-ssl-2", certificateValidTo="2030-01-01T14:00:00+02:00")
    result = judged(ssl_only(requests=[record]), "C4")
    assert result["status"] == "held"
    assert "YYYY-MM-DDThh:mm:ss+hh:mm (1)" in result["detail"]


def test_timestamps_without_certificate():
    result = judged(ssl_only(requests=[full_request("tx-ssl-1")]), "C4")
    assert result["status"] == "held"
    assert "UTC was not confirmed" in result["detail"]


def test_timestamps_none_present():
    record = full_request("tx-ssl-1")
    del record["requestedAt"]
    result = judged(ssl_only(requests=[record]), "C4")
    assert result["status"] == "not_checked"


def test_timestamps_admin_records():
    result = entry(check_entries(account()), "C4", ADMIN_ROLE)
    assert result["status"] == "held"
    assert result["observed"]["compared_with_certificate"] == 2


# C5


def test_status_words_held():
    result = judged(ssl_only(), "C5")
    assert result["status"] == "held"
    assert result["observed"]["status_words"] == ["Pending", "Completed"]
    assert "No request was ready or cancelled" in result["detail"]


def test_status_words_canceled_spelling():
    result = judged(ssl_only(requests=[full_request("tx-ssl-1", "Canceled")]), "C5")
    assert result["status"] == "held"
    assert result["observed"]["words_by_list"]["cancelled"] == ["Canceled"]


def test_status_words_unknown():
    result = judged(ssl_only(requests=[full_request("tx-ssl-1", "Rejected")]), "C5")
    assert result["status"] == "differs"
    assert result["observed"]["unknown_words"] == ["Rejected"]


def test_status_words_misplaced():
    apis = ssl_only()
    apis["ssl"].answers[LIST + "/list/ready"] = [full_request("tx-ssl-1")]
    result = judged(apis, "C5")
    assert result["status"] == "differs"
    assert "list/ready returned Pending" in result["detail"]


# C8


def test_certificate_location_held():
    result = judged(ssl_only(), "C8")
    assert result["status"] == "held"
    assert result["observed"]["certificate_forms"] == {"PEM": 1}
    assert result["observed"]["bundle_block_counts"] == {"2": 1}
    assert result["observed"]["bundles_with_openssl_headers"] == 1


def test_certificate_location_base64_der():
    chain = make_chain(("app.example.org",), serial=0x77)
    record = completed_request("tx-ssl-2", certificate=chain.leaf_der_base64, pemBundle=None)
    result = judged(ssl_only(requests=[record]), "C8")
    assert result["status"] == "held"
    assert result["observed"]["certificate_forms"] == {"base64 DER": 1}
    assert "No record has a pemBundle" in result["detail"]


def test_certificate_location_missing_differs():
    chain = make_chain(("app.example.org",), serial=0x78)
    record = completed_request("tx-ssl-2", certificate=None, pemBundle=None, issuedPem=chain.leaf_pem)
    result = judged(ssl_only(requests=[record]), "C8")
    assert result["status"] == "differs"
    assert result["observed"]["pem_in_other_fields"] == ["issuedPem"]
    assert "A PEM was found in issuedPem" in result["detail"]


def test_certificate_location_without_completed():
    result = judged(ssl_only(requests=[full_request("tx-ssl-1")]), "C8")
    assert result["status"] == "not_checked"
    assert "No completed SSL request was listed" in result["detail"]


def test_certificate_location_unreadable():
    record = completed_request("tx-ssl-2", certificate="not a certificate", pemBundle=None)
    result = judged(ssl_only(requests=[record]), "C8")
    assert result["status"] == "differs"
    assert result["observed"]["certificate_forms"] == {"unreadable": 1}


@pytest.mark.parametrize("check_id", ["B1", "B7", "C1", "C3", "C4", "C5", "C8"])
def test_request_checks_never_show_pem(check_id):
    result = judged(ssl_only(), check_id)
    assert "BEGIN CERTIFICATE" not in str(result)
    assert "tx-ssl" not in str(result)


def test_auth_error_on_one_path_differs():
    apis = ssl_only()
    path = LIST + "/list/completed"
    apis["ssl"].answers[path] = HaricaAuthError("Failed: redirected.", method="GET", path=path, status=302)
    result = judged(apis, "B1")
    assert result["status"] == "differs"
    assert result["observed"]["not_served"] == {path: "HTTP 302"}
