"""The access matrix (issue #13, item 6): every root query field and mutation of
frontend_api/schema.graphql, called as each role through the real GraphQL view, must give
the outcome declared in tests/access/matrix.py. A field without a rule fails; so does a rule
for a field the schema no longer has.

To add a rule for a new field, see the docstring of tests/access/matrix.py (one line). When
a rule is missing or wrong, the failure prints the observed line, ready to paste — after
checking it against API.md's "who" column.
"""

import random

import pytest

from .matrix import ABBREVIATIONS, MATRIX, ROLE_ORDER
from .runner import observe, root_fields
from .world import ROLES, build_world

pytestmark = [pytest.mark.django_db]


def parse(rule: str) -> dict[str, str]:
    outcomes = rule.split()
    assert len(outcomes) == len(ROLE_ORDER), f"{rule!r}: {len(ROLE_ORDER)} outcomes needed"
    return {role: ABBREVIATIONS.get(o, o) for role, o in zip(ROLE_ORDER, outcomes, strict=True)}


def abbreviate(outcome: str) -> str:
    return {v: k for k, v in ABBREVIATIONS.items()}.get(outcome, outcome)


def missing_rules(table: dict[str, str]) -> list[str]:
    return [name for _kind, name in root_fields() if name not in table]


def check(world, table: dict[str, str], roles=ROLE_ORDER, fields=None,
          observed: dict | None = None) -> list[str]:
    """Run every field (or `fields`) as each of `roles`; the list of disagreements with
    `table`, each naming the field, the role, what was declared and what happened. What
    was seen goes into `observed` (field -> role -> outcome) when given."""
    problems = [f"{name}: no rule in tests/access/matrix.py" for name in missing_rules(table)
                if fields is None or name in fields]
    for kind, name in root_fields():
        if fields is not None and name not in fields:
            continue
        declared = parse(table[name]) if name in table else {}
        for role in roles:
            seen = observe(world, role, kind, name)
            if observed is not None:
                observed.setdefault(name, {})[role] = seen
            if declared.get(role) != seen:
                problems.append(f"{name} as {role}: declared {declared.get(role)}, got {seen}")
    return problems


def observed_line(name: str, seen: dict[str, str]) -> str:
    return f'    "{name}": "' + " ".join(abbreviate(seen[r]) for r in ROLE_ORDER) + '",'


def test_the_table_and_the_world_agree_on_roles():
    assert tuple(ROLES) == ROLE_ORDER


def test_every_field_has_a_rule_and_every_rule_a_field():
    names = {name for _kind, name in root_fields()}
    assert not missing_rules(MATRIX), (
        f"fields without an access rule in tests/access/matrix.py: {missing_rules(MATRIX)}")
    assert not set(MATRIX) - names, f"rules for fields the schema lacks: {set(MATRIX) - names}"
    for name, rule in MATRIX.items():
        parse(rule)  # nine well-formed outcomes each


@pytest.mark.heavy  # ~600 requests: 40 s on an idle 2-core machine, minutes on a busy one
def test_every_field_as_every_role_gives_the_declared_outcome():
    world = build_world()
    observed: dict[str, dict[str, str]] = {}
    problems = check(world, MATRIX, observed=observed)
    if problems:
        failing = {p.split(":")[0].split(" as ")[0] for p in problems}
        lines = [observed_line(name, observed[name]) for _kind, name in root_fields()
                 if name in failing]
        pytest.fail("\n".join(problems) + "\n\nobserved (paste after review):\n"
                    + "\n".join(lines))


def test_removing_a_rule_is_noticed():
    """The meta-test: drop one rule (seeded; the seed and the rule are printed) and run the
    check in-process against the reduced table; then corrupt one outcome of another rule
    and run that field: both must be reported."""
    seed = 13
    rng = random.Random(seed)
    dropped = rng.choice(sorted(MATRIX))
    print(f"access matrix meta-test: seed {seed}, dropped the rule for {dropped!r}")
    reduced = {k: v for k, v in MATRIX.items() if k != dropped}
    assert missing_rules(reduced) == [dropped]
    world = build_world()
    problems = check(world, reduced, roles=("resident",), fields={dropped})
    assert problems and problems[0] == f"{dropped}: no rule in tests/access/matrix.py"
    # a wrong outcome (not just a missing line) is noticed too
    target = rng.choice(sorted(reduced))
    role = rng.choice(ROLE_ORDER)
    rules = parse(reduced[target])
    wrong = "OK" if rules[role] != "OK" else "PERMISSION_DENIED"
    print(f"access matrix meta-test: declared {target} as {role} -> {wrong}")
    corrupted = {**reduced, target: " ".join(
        abbreviate(wrong if r == role else rules[r]) for r in ROLE_ORDER)}
    found = check(world, corrupted, roles=(role,), fields={target})
    assert any(p.startswith(f"{target} as {role}: declared {wrong}") for p in found), found
