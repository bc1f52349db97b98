"""The HTTP client the vendor SDKs speak through when none is injected: it follows no redirect.

The SDKs' own clients follow redirects, and a 307 re-posts the whole prompt (and the key
header) to wherever the server points. Here a redirect response stops the request before
anything more is sent: the response hook raises ``RedirectRefused``, a ``ProviderError`` naming
the host it pointed to (exit 3, not retried). The SDKs wrap the hook's exception as a connection
error; ``specrun.providers.calls.translate`` unwraps it again.
"""

from typing import Any

import httpx2

from specrun.errors import ProviderError


class RedirectRefused(ProviderError):
    """The provider answered with a redirect, which specrun does not follow."""


def _host(url: httpx2.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else url.host or "an unnamed host"


def _refuse_redirects(response: httpx2.Response) -> None:
    if not response.has_redirect_location:
        return
    try:
        target = _host(response.url.join(response.headers["location"]))
    except (httpx2.InvalidURL, KeyError):
        target = "an unreadable location"
    raise RedirectRefused(
        f"the provider at {_host(response.url)} answered HTTP {response.status_code}, redirecting "
        f"to {target}; specrun follows no redirects, so nothing was sent there: set base_url "
        "to the endpoint that answers directly"
    )


def unredirected_client() -> Any:
    """An ``httpx2.Client`` for one SDK client: no redirects, the SDK's timeouts per request."""
    return httpx2.Client(follow_redirects=False, event_hooks={"response": [_refuse_redirects]})
