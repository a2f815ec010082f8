"""A bounded per-process cache of parsed and validated documents, keyed by the document's
text and the caller class, so a huge or repeated document is parsed and validated once."""

import threading
from collections import OrderedDict

from django.conf import settings
from graphql import DocumentNode, GraphQLError, parse, validate

_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def parsed_and_validated(schema, query: str, rules: list, caller: str, max_errors: int):
    """(document or None, errors): parse errors or validation errors of `query`."""
    key = (query, caller, settings.DEBUG)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    result: tuple[DocumentNode | None, list[GraphQLError]]
    try:
        document = parse(query)
    except GraphQLError as exc:
        result = (None, [exc])
    else:
        result = (document, validate(schema, document, rules, max_errors))
    with _lock:
        _cache[key] = result
        while len(_cache) > settings.GRAPHQL_DOCUMENT_CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def clear() -> None:
    with _lock:
        _cache.clear()
