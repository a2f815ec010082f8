"""graphene-django's connection field with its paging arguments checked before use, the
rows shaped by the selection, and no COUNT(*) unless the query needs the total."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from graphene.relay.connection import connection_adapter, page_info_adapter
from graphene_django import DjangoConnectionField
from graphql_relay import (
    connection_from_array_slice,
    cursor_to_offset,
    get_offset_with_default,
    offset_to_cursor,
)

from .selection import optimize_for_info, selects

# Set by resolve_queryset (which sees `info`) for resolve_connection (which does not).
_NEEDS_TOTAL = "_linli_needs_total"


class LinliConnectionField(DjangoConnectionField):
    """Refuses a negative `offset` and an `after` that is not a cursor of ours when given
    with `offset` (graphene-django would slice with a negative index or add None to an
    int): both are the client's input, so BAD_USER_INPUT rather than an internal error.

    Without `totalCount` in the selection (or `last`, which counts from the end), the page
    is read as `first + 1` rows: the extra row answers `hasNextPage`, and the COUNT(*) that
    graphene-django runs on every connection is skipped."""

    @classmethod
    def connection_resolver(cls, resolver, connection, default_manager, queryset_resolver,
                            max_limit, enforce_first_or_last, root, info, **args):
        offset = args.get("offset")
        if offset is not None and offset < 0:
            raise ValidationError("offset 不能是负数。", code="invalid")
        after = args.get("after")
        position = cursor_to_offset(after) if after else None
        if (offset and after and position is None) or (position is not None and position < 0):
            raise ValidationError("after 不是有效的游标。", code="invalid")
        return super().connection_resolver(
            resolver, connection, default_manager, queryset_resolver, max_limit,
            enforce_first_or_last, root, info, **args)

    @classmethod
    def resolve_queryset(cls, connection, iterable, info, args):
        iterable = super().resolve_queryset(connection, iterable, info, args)
        if isinstance(iterable, QuerySet):
            iterable = optimize_for_info(iterable, info)
            args[_NEEDS_TOTAL] = selects(info, "totalCount")
        return iterable

    @classmethod
    def resolve_connection(cls, connection, args, iterable, max_limit=None):
        needs_total = args.pop(_NEEDS_TOTAL, True)
        first = args.get("first")
        if first is None and args.get("last") is None:
            first = max_limit
        if (needs_total or not isinstance(iterable, QuerySet) or first is None
                or args.get("last") is not None):
            return super().resolve_connection(connection, args, iterable, max_limit)
        return cls._page_without_count(connection, args, iterable, first)

    @classmethod
    def _page_without_count(cls, connection, args, iterable, first):
        # graphene-django's resolve_connection, reading one row past the page instead of
        # counting: a row more than `first` means hasNextPage. The length handed to
        # graphql-relay is then "the rows up to one past this page", which is all paging
        # needs without `last` (checked by the caller).
        offset = args.pop("offset", None)
        after = args.get("after")
        if offset:
            if after:
                offset += cursor_to_offset(after) + 1
            args["after"] = offset_to_cursor(offset - 1)
        args["first"] = first
        start = get_offset_with_default(args.get("after"), -1) + 1
        rows = list(iterable[start:start + first + 1])
        page = connection_from_array_slice(
            rows, args, slice_start=start, array_length=start + len(rows),
            array_slice_length=len(rows),
            connection_type=partial(connection_adapter, connection),
            edge_type=connection.Edge, page_info_type=page_info_adapter)
        page.iterable = iterable
        page.length = start + len(rows)
        return page
