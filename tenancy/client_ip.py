"""The client's IP address, behind as many reverse proxies as the settings trust
(TRUSTED_PROXY_COUNT, docs/tenancy.md): recorded by waiver signing, used by django-axes's
lockouts (AXES_CLIENT_IP_CALLABLE)."""

import ipaddress

from django.conf import settings


def _valid(value):
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request):
    """REMOTE_ADDR with no trusted proxy (0, the default). Behind N trusted proxies, the
    Nth address from the right of X-Forwarded-For: each proxy appends the address it got
    the request from, so the ones left of that are whatever the client sent, and not to be
    believed. A header shorter than that did not come through the proxies: REMOTE_ADDR.
    None when the address is not an IP address."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return _valid(remote)
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return _valid(remote)
    return _valid(forwarded[-count])
