"""Querysets shaped by what the GraphQL query selects.

The selectors own the prefetches a screen needs (annotated querysets, the viewer's own rows);
this module adapts them to the actual selection, walking graphene's `info`:

- a prefetch or a join the selectors set up for a field nobody selected is dropped
  ("fetch what is asked": `courseRuns { edges { node { code } } }` no longer loads the
  sessions, instructors and the viewer's enrolments);
- a model relation that is selected but not loaded is added, joined (`select_related`) while
  the path stays on to-one relations from the list, prefetched (one query per level, however
  many rows) past a to-many relation or past a selector's own prefetch. So a nested path the
  selectors did not foresee (`courseRuns { course { lessons } }`) costs the same at 1 and at
  50 rows; tests/frontend_api/test_no_n_plus_one.py walks the whole schema to prove it.

A type whose field reads a relation under another name (a selector's `to_attr`, a custom
resolver) says so in `selection_lookups = {"graphql_field": ("lookup", ...)}`: the field
keeps those lookups alive. graphene-django-optimizer was not used: its last release (2023)
predates graphene-django 3.2 and breaks on it; graphene-django-query-optimizer needs its own
base classes on every type and would replace, not respect, the selectors' annotated
prefetches (see docs/architecture.md, "GraphQL reads").
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from graphene.utils.str_converters import to_snake_case
from graphene_django import DjangoObjectType
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLObjectType,
    InlineFragmentNode,
    get_named_type,
    get_nullable_type,
)

from .execution import is_plain_read


def selected_fields(nodes, fragments) -> dict[str, list[FieldNode]]:
    """{response field name: its nodes} under `nodes`, fragments expanded."""
    found: dict[str, list[FieldNode]] = {}
    stack = [s for node in nodes if node.selection_set for s in node.selection_set.selections]
    while stack:
        selection = stack.pop()
        if isinstance(selection, FieldNode):
            found.setdefault(selection.name.value, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            stack.extend(selection.selection_set.selections)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                stack.extend(fragment.selection_set.selections)
    return found


def is_connection(gql_type) -> bool:
    return (isinstance(gql_type, GraphQLObjectType)
            and "edges" in gql_type.fields and "pageInfo" in gql_type.fields)


def node_selection(nodes, gql_type, fragments):
    """(node type, node field nodes) of a connection's `edges { node { ... } }`."""
    edges = selected_fields(nodes, fragments).get("edges", [])
    node_nodes = selected_fields(edges, fragments).get("node", [])
    edge_type = get_named_type(gql_type.fields["edges"].type)
    return get_named_type(edge_type.fields["node"].type), node_nodes


def _django_type(gql_type):
    graphene_type = getattr(gql_type, "graphene_type", None)
    if isinstance(graphene_type, type) and issubclass(graphene_type, DjangoObjectType):
        return graphene_type
    return None


def _lookup_root(lookup) -> str:
    path = lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup
    return path.split("__", 1)[0]


class _Plan:
    """What one level of the selection needs: which roots stay, which paths to add."""

    def __init__(self, gql_type, nodes, fragments):
        self.gql_type = gql_type
        self.fragments = fragments
        self.graphene_type = _django_type(gql_type)
        self.model = self.graphene_type._meta.model if self.graphene_type else None
        self.fields = selected_fields(nodes, fragments)
        hints = getattr(self.graphene_type, "selection_lookups", {}) if self.model else {}
        self.hints = hints
        self.extra = (getattr(self.graphene_type, "selection_prefetches", {})
                      if self.model else {})
        self.known_roots = set(getattr(self.graphene_type, "_meta", None).fields
                               if self.model else ())
        self.known_roots |= {root for lookups in hints.values() for root in lookups}
        # Relations the type does not expose and none of its resolvers reads (the selectors
        # join them for pages): droppable like an unselected field's.
        self.known_roots |= set(getattr(self.graphene_type, "selection_unread", ())
                                if self.model else ())
        self.needed_roots: set[str] = set()
        for name in self.fields:
            snake = to_snake_case(name)
            self.needed_roots.add(snake)
            self.needed_roots.update(hints.get(snake, ()))
            self.needed_roots.update(_lookup_root(lookup)
                                     for lookup in self.extra.get(snake, ()))

    def reads_beyond_selection(self) -> bool:
        """Whether a selected field's resolver may read relations nobody selected: any
        resolver but graphene's plain attribute read and the global `id`, unless its reads
        are declared in `selection_prefetches` (`()` for none). `selection_lookups` names
        only the list a resolver reads, not what else it checks (`bookings` reads the
        tutor too), so it declares nothing here."""
        for name in self.fields:
            definition = self.gql_type.fields.get(name)
            if definition is None or name == "id":
                continue
            if to_snake_case(name) in self.extra:
                continue
            if not is_plain_read(definition.resolve):
                return True
        return False

    def extra_lookups(self):
        """Relations a selected non-relation field's resolver reads (a permission check on
        the row's roles or community): `selection_prefetches = {"field": ("lookup", ...)}`;
        a lookup may be a Prefetch, when the field shows only some of the related rows."""
        for name in self.fields:
            yield from self.extra.get(to_snake_case(name), ())

    def keeps(self, root: str) -> bool:
        return root not in self.known_roots or root in self.needed_roots

    def relations(self):
        """(path segment, model field or None, sub type, sub nodes) for each selected
        relation; a hinted field continues under its first lookup (a `to_attr` list)."""
        for name, nodes in self.fields.items():
            definition = self.gql_type.fields.get(name)
            if definition is None:
                continue
            sub_type = get_named_type(definition.type)
            if _django_type(sub_type) is None:
                continue  # a connection, a scalar, a plain object: not a model relation
            snake = to_snake_case(name)
            lookup = self.hints[snake][0] if snake in self.hints else snake
            field = _model_field(self.model, lookup)
            if snake in self.hints and field is None:
                yield lookup, None, sub_type, nodes
                continue
            if field is None:
                continue
            if field.is_relation and field.related_model is _django_type(sub_type)._meta.model:
                yield lookup, field, sub_type, nodes


def _model_field(model, name):
    """The model relation or field `name` (a hint may name a real relation: Offer's
    serviceRequest reads `request`), or None."""
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _prefetch(path: str, sub_type):
    """A prefetch of `path`; through the rows' own queryset when their type has one
    (`selection_queryset`, e.g. runs annotated with their waitlist count)."""
    rows = getattr(_django_type(sub_type), "selection_queryset", None)
    return Prefetch(path, queryset=rows()) if rows is not None else path


def _to_one(field) -> bool:
    return bool(field.many_to_one or field.one_to_one)


def _paths(lookups) -> set[str]:
    return {lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup
            for lookup in lookups}


def _prefetched_paths(qs: QuerySet) -> set[str]:
    paths: set[str] = set()
    for lookup in qs._prefetch_related_lookups:  # type: ignore[attr-defined]
        path = lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup
        parts = path.split("__")
        paths.update("__".join(parts[:i]) for i in range(1, len(parts) + 1))
    return paths


def _walk(plan: _Plan, prefix: str, joinable: bool, blocked: set[str],
          joins: list[str], prefetches: list, depth: int,
          owned: frozenset | set = frozenset()) -> None:
    if plan.model is None or depth > 8:
        return
    for lookup in plan.extra_lookups():
        if isinstance(lookup, Prefetch):
            path = prefix + lookup.prefetch_through
            if path not in blocked and path not in _paths(prefetches):
                rows = lookup.queryset.all() if lookup.queryset is not None else None
                prefetches.append(Prefetch(path, queryset=rows, to_attr=lookup.to_attr))
        elif prefix + lookup not in blocked and prefix + lookup not in _paths(prefetches):
            prefetches.append(prefix + lookup)
    for snake, field, sub_type, nodes in plan.relations():
        path = prefix + snake
        if path in owned:
            continue  # shaped inside the selector's own Prefetch queryset
        if field is None:  # a hinted lookup: only where the selector made it
            if path not in blocked:
                continue
            join = False
        else:
            join = joinable and _to_one(field) and path not in blocked
            if join:
                joins.append(path)
            elif path not in blocked:
                prefetches.append(_prefetch(path, sub_type) if field.many_to_many
                                  or field.one_to_many else path)
        _walk(_Plan(sub_type, nodes, plan.fragments), path + "__", join, blocked,
              joins, prefetches, depth + 1, owned)


def _prune(qs: QuerySet, plan: _Plan, owned: set[str]) -> QuerySet:
    """Drops unselected prefetches; a selector's own Prefetch queryset that is selected is
    shaped by its sub-selection in turn, and its path is then `owned` (not walked again)."""
    lookups = []
    changed = False
    for lookup in qs._prefetch_related_lookups:  # type: ignore[attr-defined]
        root = _lookup_root(lookup)
        if not plan.keeps(root):
            changed = True
            continue
        if (isinstance(lookup, Prefetch) and lookup.queryset is not None
                and lookup.prefetch_through == root and root in plan.needed_roots):
            inner = _sub_plan(plan, root)
            if inner is not None:
                lookup = Prefetch(root, queryset=_optimize_plan(lookup.queryset, inner),
                                  to_attr=lookup.to_attr)
                owned.add(root)
                changed = True
        lookups.append(lookup)
    if changed:
        qs = qs.prefetch_related(None).prefetch_related(*lookups)
    joins = qs.query.select_related
    if isinstance(joins, dict) and joins:
        kept = _kept_joins(joins, plan)
        if kept != joins:
            # Every joined row is a model built per row (its columns parsed, its timestamps
            # converted): in `courseRuns` the venue's community and street were a third of it.
            qs = qs.all()
            qs.query.select_related = kept or False
    return qs


def _kept_joins(tree: dict, plan: _Plan) -> dict:
    """The selector's `select_related` tree without the relations of GraphQL fields nobody
    selected. A relation the type does not expose (unless listed in `selection_unread`), or
    one a selected field needs (its `selection_lookups` or `selection_prefetches`), stays
    with everything under it; so does the whole tree where a selected field has a resolver
    of its own not declared in `selection_prefetches` (it may read any relation)."""
    if plan.reads_beyond_selection():
        return tree
    kept = {}
    for name, below in tree.items():
        if not plan.keeps(name):
            continue
        inner = _sub_plan(plan, name) if below else None
        kept[name] = _kept_joins(below, inner) if inner is not None else below
    return kept


def _sub_plan(plan: _Plan, snake: str) -> _Plan | None:
    for name, nodes in plan.fields.items():
        if to_snake_case(name) != snake:
            continue
        definition = plan.gql_type.fields.get(name)
        sub_type = get_named_type(definition.type) if definition else None
        if _django_type(sub_type) is not None:
            return _Plan(sub_type, nodes, plan.fragments)
    return None


def optimize(qs: QuerySet, gql_type, nodes, fragments) -> QuerySet:
    """`qs` (rows of `gql_type`, selected by `nodes`) with only the selected relations
    loaded, each in a number of queries that does not grow with the rows."""
    if isinstance(qs, list):
        return _optimize_rows(qs, gql_type, nodes, fragments)
    if (not isinstance(qs, QuerySet) or qs._result_cache is not None
            or qs._fields is not None):  # type: ignore[attr-defined]
        return qs
    return _optimize_plan(qs, _Plan(gql_type, nodes, fragments))


def _optimize_plan(qs: QuerySet, plan: _Plan) -> QuerySet:
    if plan.model is None or not issubclass(qs.model, plan.model):
        return qs
    owned: set[str] = set()
    qs = _prune(qs, plan, owned)
    joins: list[str] = []
    prefetches: list = []
    _walk(plan, "", True, _prefetched_paths(qs), joins, prefetches, 0, owned)
    if joins:
        qs = qs.select_related(*joins)
    if prefetches:
        qs = qs.prefetch_related(*prefetches)
    return qs


def _optimize_rows(rows: list, gql_type, nodes, fragments) -> list:
    """Rows a selector already loaded as a list: what the selection reads under them is
    prefetched onto them, once for all rows (relations already loaded are skipped)."""
    plan = _Plan(gql_type, nodes, fragments)
    if not rows or plan.model is None or not all(isinstance(r, plan.model) for r in rows):
        return rows
    joins: list[str] = []
    prefetches: list = []
    _walk(plan, "", False, set(), joins, prefetches, 0)
    if prefetches:
        prefetch_related_objects(rows, *prefetches)
    return rows


def optimize_for_info(qs, info):
    """For a resolver returning rows of its own field (a list or a connection)."""
    gql_type = get_named_type(info.return_type)
    nodes = info.field_nodes
    if is_connection(gql_type):
        gql_type, nodes = node_selection(nodes, gql_type, info.fragments)
    return optimize(qs, gql_type, nodes, info.fragments)


def optimize_below(qs, info, *names: str):
    """For rows a resolver loads for a field below its own, through plain objects and lists
    (`volunteerMatches` loads the volunteers of `candidates { volunteer { ... } }`): `qs`
    shaped by that field's selection; unchanged if it is not selected."""
    gql_type = get_named_type(info.return_type)
    nodes = info.field_nodes
    for name in names:
        definition = getattr(gql_type, "fields", {}).get(name)
        nodes = selected_fields(nodes, info.fragments).get(name, [])
        if definition is None or not nodes:
            return qs
        gql_type = get_named_type(definition.type)
    return optimize(qs, gql_type, nodes, info.fragments)


def selects(info, *names: str) -> bool:
    """Whether the current field's selection names any of `names` directly."""
    fields = selected_fields(info.field_nodes, info.fragments)
    return any(name in fields for name in names)


def _optimizing(resolve):
    def resolver(root, info, **args):
        return optimize_for_info(resolve(root, info, **args), info)
    return resolver


def optimize_root_lists(graphql_schema) -> None:
    """Wrap the resolvers of the root query's plain lists of model types (connections shape
    their rows in LinliConnectionField): the selectors' querysets then follow the selection.
    Done once, when the schema is built."""
    for field in graphql_schema.query_type.fields.values():
        named = get_named_type(field.type)
        if (field.resolve is not None and _django_type(named) is not None
                and isinstance(get_nullable_type(field.type), GraphQLList)):
            field.resolve = _optimizing(field.resolve)
