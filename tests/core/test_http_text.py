"""plnet.core.http.FetchResponse.text on compressed answers (regression: a gzip-encoded page,
as Apache's mod_deflate serves WordPress pages, made .text raise a DecodingError)."""

import gzip

from plnet.core.http import fetch


def test_text_of_a_gzip_encoded_page(local_server, allow_loopback_fetch):
    page = "<title>Café – WordPress</title>".encode()
    local_server.routes["/wp"] = (
        200,
        {"Content-Type": "text/html; charset=UTF-8", "Content-Encoding": "gzip"},
        gzip.compress(page),
    )
    response = fetch(local_server.url("/wp"))
    assert response.content == page
    assert response.text == "<title>Café – WordPress</title>"


def test_text_uses_the_declared_charset(local_server, allow_loopback_fetch):
    local_server.routes["/latin"] = (
        200,
        {"Content-Type": "text/plain; charset=iso-8859-1"},
        "Café".encode("latin-1"),
    )
    assert fetch(local_server.url("/latin")).text == "Café"
