"""The one place that builds the links Linli sends (messages, QR codes, PDFs, notices).

A link is a named URL route (`reverse`) under `PUBLIC_BASE_URL`, never an f-string in a
service, so a renamed or missing page fails a test instead of a resident's tap.
Ids in page paths are the Relay global ids the API returns (`API.md`, "Pages").

`PENDING_PAGES` holds the phone pages whose routes the pages issue has not built yet, with
the path `API.md` pins for each. A pending name is used only while the URLconf lacks it;
`tests/backend/test_links.py` asserts that, so once a page exists it is reversed like any
other and its entry here must go.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from graphql_relay import to_global_id

PENDING_PAGES: dict[str, str] = {
}


def node_id(type_name: str, pk) -> str:
    """The Relay global id of a row, as the API and the page paths use it."""
    return to_global_id(type_name, str(pk))


def path_for(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        if name not in PENDING_PAGES:
            raise
        return PENDING_PAGES[name].format(**kwargs)


def absolute_url(name: str, *, query: dict | None = None, wx: str | None = None,
                 **kwargs) -> str:
    """`PUBLIC_BASE_URL` + the route `name` reversed with `kwargs`, plus a query string.

    `wx`: the slug of the official account the link is sent through (WeChat replies and
    template messages); adds `?wx=<slug>` so a page opened inside WeChat signs the follower
    in through that account's OAuth (frontend_api/wechat/signin.py)."""
    url = settings.PUBLIC_BASE_URL.rstrip("/") + path_for(name, **kwargs)
    if wx:
        query = {**(query or {}), "wx": wx}
    if query:
        url += "?" + urlencode(query)
    return url
