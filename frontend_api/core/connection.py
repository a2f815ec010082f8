"""graphene-django's connection field with its paging arguments checked before use."""

from django.core.exceptions import ValidationError
from graphene_django import DjangoConnectionField
from graphql_relay import cursor_to_offset


class LinliConnectionField(DjangoConnectionField):
    """Refuses a negative `offset` and an `after` that is not a cursor of ours when given
    with `offset` (graphene-django would slice with a negative index or add None to an
    int): both are the client's input, so BAD_USER_INPUT rather than an internal error."""

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
