"""Validation rules applied to every request: depth, aliases, and introspection."""

import contextlib
from functools import cache

from graphene.validation import DisableIntrospection, depth_limit_validator
from graphql import GraphQLError, ValidationRule, specified_rules
from graphql.language import FieldNode


def guarded_depth_limit(max_depth: int) -> type[ValidationRule]:
    """graphene's depth rule raises KeyError on an undefined fragment (graphene#1538);
    the standard KnownFragmentNames rule already reports that, so we stay quiet then."""
    base = depth_limit_validator(max_depth=max_depth)

    class GuardedDepthLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            with contextlib.suppress(KeyError, RecursionError):
                base(context)

    return GuardedDepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """At most `max_aliases` aliases of any one field in a document (alias batching)."""

    class AliasLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            self.counts: dict[str, int] = {}
            self.reported: set[str] = set()

        def enter_field(self, node: FieldNode, *_args):
            if node.alias is None:
                return
            name = node.name.value
            self.counts[name] = self.counts.get(name, 0) + 1
            if self.counts[name] > max_aliases and name not in self.reported:
                self.reported.add(name)
                self.report_error(GraphQLError(
                    f"Field '{name}' is aliased more than {max_aliases} times.", node))

    return AliasLimit


class IntrospectionOff(DisableIntrospection):
    """Introspection refused, but `__typename` is plain GraphQL every client may ask for."""

    def enter_field(self, node: FieldNode, *args):
        if node.name.value != "__typename":
            super().enter_field(node, *args)


@cache
def _rules(debug: bool, max_depth: int, max_aliases: int) -> tuple:
    # Passing rules to graphql.validate replaces the standard ones, so include them.
    rules = [*specified_rules, guarded_depth_limit(max_depth), alias_limit(max_aliases)]
    if not debug:
        rules.append(IntrospectionOff)
    return tuple(rules)


def validation_rules(*, debug: bool, max_depth: int, max_aliases: int) -> list:
    """The rules for these limits, their classes made once per process: Django builds the
    view anew for every request, and making the classes was a tenth of a millisecond."""
    return list(_rules(debug, max_depth, max_aliases))
