"""plnet.protocols.pingback: safe XML-RPC parsing, faults, the client call, discovery, and the
excerpt around the link (Zinnia's cases from the corpus)."""

import json
import xmlrpc.client

import pytest

from plnet.protocols import pingback
from tests.conftest import CORPUS

ZINNIA = json.loads((CORPUS / "pingback" / "zinnia-pingback-cases.json").read_text())
FAULTS = json.loads((CORPUS / "pingback" / "fault-codes.json").read_text())


def test_fault_codes_are_the_specs():
    assert sorted(pingback.FAULT_CODES) == sorted(f["code"] for f in FAULTS["fault_codes"])
    assert [int(f["hex"], 16) for f in FAULTS["fault_codes"]] == [
        f["code"] for f in FAULTS["fault_codes"]
    ]


def test_parse_call_reads_a_ping():
    body = xmlrpc.client.dumps(("https://s.example/a", "https://t.example/b"), "pingback.ping")
    call = pingback.parse_call(body.encode())
    assert call == pingback.MethodCall(
        "pingback.ping", ("https://s.example/a", "https://t.example/b")
    )


def test_build_ping_call_round_trips_through_the_standard_library():
    params, name = xmlrpc.client.loads(
        pingback.build_ping_call("https://s.example/é", "https://t/")
    )
    assert (name, params) == ("pingback.ping", ("https://s.example/é", "https://t/"))


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE methodCall [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>pingback.ping</methodName><params>
<param><value><string>&xxe;</string></value></param></params></methodCall>"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>&lol3;</methodName></methodCall>"""


@pytest.mark.parametrize(
    "body",
    [XXE, BOMB, b"", b"<methodCall>", b"<notxmlrpc/>", b"<methodCall><params/></methodCall>"],
    ids=["xxe", "entity-bomb", "empty", "truncated", "other-xml", "no-method-name"],
)
def test_parse_call_refuses_unsafe_or_malformed_documents(body):
    with pytest.raises(pingback.MalformedCall):
        pingback.parse_call(body)


def test_fault_response_is_a_real_xmlrpc_fault():
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(pingback.build_fault(17, "no link"))
    assert (caught.value.faultCode, caught.value.faultString) == (17, "no link")


def test_parse_ping_response_success_and_fault():
    ok = pingback.parse_ping_response(pingback.build_response("Pingback registered."))
    assert ok == pingback.PingResult(True, "Pingback registered.")
    # what stock WordPress answers to any refused ping: fault 0 with an empty string
    masked = pingback.parse_ping_response(pingback.build_fault(0, ""))
    assert masked == pingback.PingResult(False, "", 0)
    with pytest.raises(pingback.MalformedCall):
        pingback.parse_ping_response(b"<html>500</html>")


def test_discover_server_header_first_then_link_rel():
    html = '<link rel="pingback" href="/xmlrpc.php">'
    assert (
        pingback.discover_server(
            "http://w.example/p/", [("X-Pingback", "http://w.example/h.php")], html, "text/html"
        )
        == "http://w.example/h.php"
    )
    assert (
        pingback.discover_server("http://w.example/p/", [], html, "text/html")
        == "http://w.example/xmlrpc.php"
    )
    assert pingback.discover_server("http://w.example/p/", [], "<p>none</p>", "text/html") is None


def _fill(text: str) -> str:
    for key, value in ZINNIA["placeholders"].items():
        text = text.replace(key, value)
    return text


@pytest.mark.parametrize(
    "case", ZINNIA["excerpt_generation_cases"], ids=lambda c: str(c["max_length"])
)
def test_excerpt_generation_matches_zinnia(case):
    html = case["source_html"]
    if html == "SECOND.content_html":
        html = ZINNIA["fixture_site"]["second_entry"]["content_html"]
    target = _fill(case["target"])
    html = _fill(html)
    got = pingback.excerpt_around_link(
        html, ZINNIA["placeholders"]["SECOND"], target, case["max_length"], ellipsis="..."
    )
    assert got == case["expected"]


def test_excerpt_is_none_without_a_link_and_title():
    html = "<html><head><title> A   page </title></head><body><p>text</p></body></html>"
    assert pingback.excerpt_around_link(html, "https://s/", "https://t/") is None
    assert pingback.title_of(html) == "A page"
    assert pingback.title_of("<p>no title</p>") == ""
