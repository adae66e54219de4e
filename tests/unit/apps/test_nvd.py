"""NVD CVE API 2.0 app against a stand-in that checks parameters, bare flags and apiKey."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import nvd
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

KNOWN_PARAMS = {
    "cveId",
    "keywordSearch",
    "cpeName",
    "cvssV3Severity",
    "resultsPerPage",
    "startIndex",
}
FLAGS = {"keywordExactMatch", "hasKev", "noRejected"}
LOG4SHELL: dict[str, Any] = {
    "id": "CVE-2021-44228",
    "sourceIdentifier": "security@apache.org",
    "published": "2021-12-10T10:15:09.143",
    "lastModified": "2024-04-03T17:15:00.000",
    "vulnStatus": "Analyzed",
    "cisaExploitAdd": "2021-12-10",
    "cisaRequiredAction": "For all affected software assets ... apply updates",
    "descriptions": [
        {
            "lang": "en",
            "value": "Apache Log4j2 JNDI features do not protect against attacker controlled LDAP.",
        },
        {"lang": "es", "value": "Las funciones JNDI de Apache Log4j2 no protegen..."},
    ],
    "metrics": {
        "cvssMetricV31": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": {
                    "version": "3.1",
                    "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                    "baseScore": 10.0,
                    "baseSeverity": "CRITICAL",
                },
                "exploitabilityScore": 3.9,
                "impactScore": 6.0,
            }
        ],
        "cvssMetricV2": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": {"version": "2.0", "baseScore": 9.3},
                "baseSeverity": "HIGH",
            }
        ],
    },
    "weaknesses": [
        {
            "source": "nvd@nist.gov",
            "type": "Primary",
            "description": [{"lang": "en", "value": "CWE-917"}],
        },
        {
            "source": "security@apache.org",
            "type": "Secondary",
            "description": [{"lang": "en", "value": "CWE-502"}, {"lang": "en", "value": "CWE-917"}],
        },
    ],
    "references": [
        {
            "url": "https://logging.apache.org/log4j/2.x/security.html",
            "source": "security@apache.org",
        }
    ],
}


def page(cves: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    return {
        "resultsPerPage": len(cves),
        "startIndex": 0,
        "totalResults": len(cves) if total is None else total,
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2024-06-10T08:14:02.123",
        "vulnerabilities": [{"cve": c} for c in cves],
    }


def nvd_api(request: httpx.Request) -> httpx.Response:
    assert request.method == "GET" and request.url.path == "/rest/json/cves/2.0"
    raw = request.url.query.decode()
    pairs = [p.partition("=") for p in raw.split("&") if p]
    for name, sep, _ in pairs:
        assert (name in KNOWN_PARAMS and sep) or (name in FLAGS and not sep), (
            f"bad parameter {name}{sep}"
        )
    params = dict(request.url.params)
    if "resultsPerPage" in params:
        assert 1 <= int(params["resultsPerPage"]) <= 2000
    if params.get("cveId") == "CVE-2099-0001":
        return httpx.Response(200, json=page([]))
    return httpx.Response(200, json=page([LOG4SHELL], total=1))


def run(
    action: str, params: dict[str, Any], creds: dict[str, str] | None = None
) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(nvd_api)
    return run_action(nvd.app, action, params, creds or {}, transport), transport


def test_test_connection_fetches_one_cve() -> None:
    result, transport = run("test_connection", {}, {"api_key": "nvd-key"})
    assert result == {"ok": True, "version": "2.0", "timestamp": "2024-06-10T08:14:02.123"}
    assert str(transport.requests[0].url) == (
        "https://services.nvd.nist.gov/rest/json/cves/2.0?cveId=CVE-2021-44228"
    )


def test_get_cve_summarizes_the_record() -> None:
    result, transport = run("get_cve", {"cve_id": "CVE-2021-44228"}, {"api_key": "nvd-key"})
    assert transport.requests[0].headers["apikey"] == "nvd-key"
    assert transport.requests[0].url.params["cveId"] == "CVE-2021-44228"
    assert result["found"] is True and result["known_exploited"] is True
    assert result["cvss"] == {
        "version": "3.1",
        "score": 10.0,
        "severity": "CRITICAL",
        "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "source": "nvd@nist.gov",
    }
    assert result["cwe"] == ["CWE-502", "CWE-917"]
    assert result["description"].startswith("Apache Log4j2")
    assert result["cve"]["id"] == "CVE-2021-44228"


def test_get_cve_without_key_and_unknown_cve() -> None:
    result, transport = run("get_cve", {"cve_id": "CVE-2099-0001"})
    assert result == {"found": False, "id": "CVE-2099-0001"}
    assert "apikey" not in transport.requests[0].headers


def test_get_cve_checks_the_id() -> None:
    with pytest.raises(ActionError) as caught:
        run("get_cve", {"cve_id": "log4shell"})
    assert caught.value.error_type == "params"


def test_search_by_keyword_sends_bare_flags() -> None:
    result, transport = run(
        "search_cves",
        {"keyword": "log4j jndi", "exact": True, "known_exploited": True, "severity": "CRITICAL"},
    )
    query = transport.requests[0].url.query.decode()
    assert "keywordExactMatch" in query.split("&") and "hasKev" in query.split("&")
    assert "noRejected" in query.split("&")
    assert transport.requests[0].url.params["cvssV3Severity"] == "CRITICAL"
    assert result["total"] == 1 and result["cves"][0]["cvss"]["score"] == 10.0


def test_search_by_cpe_name() -> None:
    cpe = "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
    _, transport = run(
        "search_cves", {"cpe_name": cpe, "include_rejected": True, "results_per_page": 100}
    )
    params = transport.requests[0].url.params
    assert params["cpeName"] == cpe and params["resultsPerPage"] == "100"
    assert "noRejected" not in transport.requests[0].url.query.decode()


def test_search_rejects_malformed_cpe() -> None:
    with pytest.raises(ActionError):
        run("search_cves", {"cpe_name": "apache log4j"})


@pytest.mark.parametrize(
    ("status", "retryable"), [(403, False), (404, False), (429, True), (503, True)]
)
def test_errors_come_from_the_message_header(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"message": "Invalid apiKey"})

    with pytest.raises(HttpError) as caught:
        run_action(nvd.app, "get_cve", {"cve_id": "CVE-2021-44228"}, {}, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Invalid apiKey" in str(caught.value)
