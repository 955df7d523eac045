"""The client's address behind trusted proxies (issue 14, item 9): throttling.client_address."""

import pytest

from cms.accounts.throttling import client_address

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


@pytest.fixture(autouse=True)
def _trusted_proxies(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES


def _meta(remote: str | None, forwarded: str | None = None) -> dict[str, str]:
    meta = {} if remote is None else {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # No proxy: the peer is the client.
        ("203.0.113.7", None, "203.0.113.7"),
        # A client that is no trusted proxy cannot choose its address.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ("203.0.113.7", "10.0.0.1", "203.0.113.7"),
        # Through the proxy: the address it appended.
        ("10.0.0.2", "198.51.100.8", "198.51.100.8"),
        # A client's own header comes first; the proxy's entry (the right) wins.
        ("10.0.0.2", "192.0.2.1, 198.51.100.8", "198.51.100.8"),
        ("10.0.0.2", "10.9.9.9, 198.51.100.8", "198.51.100.8"),
        # A chain of trusted proxies is walked through, right to left.
        ("10.0.0.2", "192.0.2.1, 198.51.100.8, 10.1.0.1, 10.2.0.1", "198.51.100.8"),
        # Several headers, joined by the server with commas.
        ("10.0.0.2", "192.0.2.1,198.51.100.8 ,  10.1.0.1", "198.51.100.8"),
        # Only trusted addresses: the farthest is the client (a machine inside).
        ("10.0.0.2", "10.3.0.1, 10.1.0.1", "10.3.0.1"),
        # The proxy sent no header: it is the client as far as we know.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        # IPv6, with and without brackets and ports; IPv4-mapped addresses read as IPv4.
        ("2001:db8:ffff::1", "2001:db8:1::7", "2001:db8:1::7"),
        ("2001:db8:ffff::1", "[2001:db8:1::7]:443", "2001:db8:1::7"),
        ("::ffff:10.0.0.2", "198.51.100.8:52100", "198.51.100.8"),
        ("2001:db8:1::7", "198.51.100.8", "2001:db8:1::7"),
        ("::ffff:203.0.113.7", None, "203.0.113.7"),
    ],
)
def test_the_client_address(remote, forwarded, client):
    assert client_address(_meta(remote, forwarded)) == client


@pytest.mark.parametrize(
    "forwarded",
    [
        "garbage",
        "unknown",
        "198.51.100.8, ",
        ",,,",
        "198.51.100.8, 999.1.1.1",
        "198.51.100.8, [2001:db8::1",
        "198.51.100.8, 2001:db8::zz",
        "\x00, \u200b",
        "a" * 10_000,
        "198.51.100.8, _hidden",
    ],
)
def test_a_malformed_header_never_raises_and_ends_at_the_proxy(forwarded):
    """What a trusted proxy did not vouch for is no client address: the proxy is."""
    assert client_address(_meta("10.0.0.2", forwarded)) == "10.0.0.2"


def test_a_malformed_entry_left_of_the_client_is_never_reached():
    assert client_address(_meta("10.0.0.2", "garbage, 198.51.100.8")) == "198.51.100.8"


def test_no_trusted_proxy_means_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_meta("10.0.0.2", "198.51.100.8")) == "10.0.0.2"


def test_a_peer_without_an_address_is_unknown():
    assert client_address(_meta(None, "198.51.100.8")) is None
    assert client_address(_meta("", "198.51.100.8")) is None
