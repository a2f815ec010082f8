"""Query cost, computed from the document before anything runs (API.md "Query cost").

Every field costs 1; a connection multiplies its selection by `first` (or `last`, default
100); an unpaged list multiplies its selection by 10; aliases are separate fields."""

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

CONNECTION_DEFAULT_PAGE = 100
LIST_FACTOR = 10


def _is_connection(named_type) -> bool:
    return (isinstance(named_type, GraphQLObjectType)
            and "edges" in named_type.fields and "pageInfo" in named_type.fields)


def _page_size(node: FieldNode, variables: dict) -> int:
    for argument in node.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 0)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            if isinstance(given, int) and not isinstance(given, bool):
                return max(given, 0)
    return CONNECTION_DEFAULT_PAGE


class _Cost:
    def __init__(self, schema, fragments: dict, variables: dict):
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.fragment_costs: dict[str, int] = {}
        self.visiting: set[str] = set()

    def selection_set(self, selection_set, parent_type) -> int:
        if selection_set is None or parent_type is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent_type)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = (self.schema.get_type(condition.name.value) if condition
                         else parent_type)
                total += self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        # A fragment costs the same wherever it is spread; memoised so that fragments
        # spreading fragments cannot make this walk exponential. Cycles are refused by
        # the standard NoFragmentCycles rule; here they just count 0.
        if name in self.fragment_costs:
            return self.fragment_costs[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0
        self.visiting.add(name)
        cost = self.selection_set(definition.selection_set,
                                  self.schema.get_type(definition.type_condition.name.value))
        self.visiting.discard(name)
        self.fragment_costs[name] = cost
        return cost

    def field(self, node: FieldNode, parent_type) -> int:
        fields = getattr(parent_type, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None:  # __typename and friends, or an unknown field
            return 1
        named = get_named_type(definition.type)
        inner = self.selection_set(node.selection_set, named)
        if _is_connection(named):
            return 1 + _page_size(node, self.variables) * inner
        if (isinstance(get_nullable_type(definition.type), GraphQLList)
                and not _is_connection(parent_type)):
            # `edges` inside a connection is already paid for by `first`.
            return 1 + LIST_FACTOR * inner
        return 1 + inner


def operation_cost(schema, document, operation_name: str | None,
                   variables: dict | None) -> int:
    """The cost of the operation that would run (the most expensive one if unnamed)."""
    fragments = {d.name.value: d for d in document.definitions
                 if not isinstance(d, OperationDefinitionNode)}
    walker = _Cost(schema, fragments, variables or {})
    costs = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name and (definition.name is None
                               or definition.name.value != operation_name):
            continue
        root = schema.get_root_type(definition.operation)
        costs.append(walker.selection_set(definition.selection_set, root))
    return max(costs, default=0)
