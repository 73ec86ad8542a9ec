"""Endpoint discovery over HTTP (Webmention §3.1.2): the 23 webmention.rocks discovery cases are
served from a loopback server with their exact headers and bodies, and plnet fetches them
through the guarded client. webmention.rocks' own absolute URLs are rewritten to the local
server's address in what is served and in what is expected."""

import json

import pytest

from plnet.linkbacks.services import discover
from tests.conftest import CORPUS

ROCKS = "https://webmention.rocks"
CASES = json.loads((CORPUS / "webmention" / "cases.json").read_text())["cases"]
KEYS = {"{KEY1}": "k1abc", "{KEY2}": "k2def"}


def _local(text: str, base: str) -> str:
    text = text.replace(ROCKS, base)
    for key, value in KEYS.items():
        text = text.replace(key, value)
    return text


def _serve(server, case) -> str:
    base = server.url("").rstrip("/")
    path = case["url"].removeprefix(ROCKS)
    pairs = [(h["name"], _local(h["value"], base)) for h in case["headers"]]
    html = (CORPUS / "webmention" / case["html_file"]).read_text()

    def handler(request):
        request.send_response(case["status"])
        for name, value in pairs:  # repeated names (test 18) are sent as separate headers
            request.send_header(name, value)
        body = _local(html, base).encode()
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    server.routes[path] = handler
    for hop in case.get("redirect_chain") or []:
        hop_path = _local(hop["request"].split(" ", 1)[1], base).removeprefix(base)
        hop_headers = {h["name"]: _local(h["value"], base) for h in hop["headers"]}
        hop_body = _local(hop.get("html", ""), base).encode()
        if "html" in hop:
            hop_headers["Content-Type"] = "text/html; charset=UTF-8"
        server.routes[hop_path] = (hop["status"], hop_headers, hop_body)
    start = case.get("send_to_target") or case["url"]
    return _local(start, base)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"test-{c['id']:02d}")
def test_each_webmention_rocks_discovery_case(case, local_server, allow_loopback_fetch):
    start = _serve(local_server, case)
    found = discover(start)
    base = local_server.url("").rstrip("/")
    assert found.webmention == _local(case["expected_endpoint"], base)
    assert found.webmention not in [_local(w, base) for w in case.get("wrong_endpoints") or []]


def test_all_23_cases_are_exercised():
    assert len(CASES) == 23


def test_redirected_target_resolves_against_the_final_url(local_server, allow_loopback_fetch):
    case = next(c for c in CASES if c["id"] == 23)
    start = _serve(local_server, case)
    found = discover(start)
    assert found.url == local_server.url("/test/23/page/k1abc")
    assert found.webmention == local_server.url("/test/23/page/webmention-endpoint/k2def")


def test_pingback_server_found_when_no_webmention_endpoint(local_server, allow_loopback_fetch):
    local_server.routes["/wp/post/"] = (
        200,
        {"Content-Type": "text/html; charset=UTF-8", "X-Pingback": local_server.url("/xmlrpc.php")},
        b'<html><head><link rel="pingback" href="/other.php"></head></html>',
    )
    found = discover(local_server.url("/wp/post/"))
    assert (found.webmention, found.pingback) == (None, local_server.url("/xmlrpc.php"))
