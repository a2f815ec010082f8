"""graphql-core's executor with a shortcut for the commonest field of all: a scalar read
straight off the row by graphene's default resolver (`code`, `startsAt`, `capacity` …).

Profiles of `courseRuns(first: 50)` showed graphql-core spending most of a list's time on
the machinery around such fields (a resolve-info record, argument coercion, the completion
dispatch), about 550 times a page. For those fields the value is read and serialized here
directly; anything else — a resolver of our own, arguments, an object or a list, a null
where none is allowed, a value the scalar refuses, middleware — takes graphql-core's own
path, which also produces the errors, so results and errors are unchanged."""

from functools import partial

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver
from graphql import ExecutionContext, GraphQLNonNull, Undefined, is_leaf_type
from graphql.execution.execute import get_field_def

# The plan is kept on the field definition itself (one per schema, built once).
_PLAN = "_linli_fast_read"
_NO = ()


def is_plain_read(resolve) -> bool:
    """Whether a field resolves by graphene's default: reading one attribute off the row."""
    return (isinstance(resolve, partial) and not resolve.keywords and len(resolve.args) == 2
            and resolve.func in (dict_or_attr_resolver, attr_resolver))


def _plan(field_def):
    resolve = field_def.resolve
    if field_def.args or not is_plain_read(resolve):
        return _NO
    return_type = field_def.type
    required = isinstance(return_type, GraphQLNonNull)
    leaf = return_type.of_type if required else return_type
    if not is_leaf_type(leaf):
        return _NO
    attname, default = resolve.args
    return attname, default, required, leaf.serialize


class LinliExecutionContext(ExecutionContext):
    def execute_field(self, parent_type, source, field_nodes, path):
        manager = self.middleware_manager
        if manager is None or not manager.middlewares:
            field_def = get_field_def(self.schema, parent_type, field_nodes[0])
            plan = getattr(field_def, _PLAN, None) if field_def is not None else _NO
            if plan is None:
                plan = _plan(field_def)
                setattr(field_def, _PLAN, plan)
            if plan:
                attname, default, required, serialize = plan
                try:
                    value = (source.get(attname, default) if isinstance(source, dict)
                             else getattr(source, attname, default))
                    if value is None:
                        if not required:
                            return None
                    elif not isinstance(value, Exception):
                        serialized = serialize(value)
                        if serialized is not Undefined:
                            return serialized
                except Exception:  # noqa: BLE001, S110 - graphql-core's path reports it below
                    pass
        return super().execute_field(parent_type, source, field_nodes, path)
