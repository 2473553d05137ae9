"""The client's address (tenancy.client_ip): REMOTE_ADDR with no trusted proxy; behind N,
the Nth address from the right of X-Forwarded-For, whatever the client wrote left of it."""

import pytest
from django.test import RequestFactory

from tenancy.client_ip import client_ip


def request(forwarded=None, remote="10.0.0.2"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_no_trusted_proxy_uses_remote_addr_and_ignores_the_header(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("198.51.100.9")) == "10.0.0.2"
    assert client_ip(request()) == "10.0.0.2"


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (2, "203.0.113.7", "10.0.0.2"),  # shorter than the proxies: not through them
        (1, "", "10.0.0.2"),
        (1, None, "10.0.0.2"),
        (1, "not-an-address", None),
    ],
)
def test_behind_trusted_proxies_the_nth_address_from_the_right(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded)) == expected
