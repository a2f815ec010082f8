"""In-process: GraphQL read overhead against plain Django views on the same data, through
the whole Django stack (middleware, URL routing, the GraphQL view), interleaved A/B so the
machine's load hits both sides alike.

    python -m bench.graphql_overhead [--rounds 40]

Builds its own SQLite database in a temporary directory (or uses DATABASE_URL). Reports
requests/s for `courseRuns` (50 rows) against a view doing one `.values()` query of the
same rows, and for `me` against a static JsonResponse (issue 14: targets 0.5 and 0.12)."""

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402

RUNS = """query { courseRuns(first: 50) { edges { node {
  id code startsAt endsAt capacity enrolledCount seatsLeft course { id title }
  venue { name address } } } } }"""
ME = "query { me { id displayName } }"


def plain_runs(request):
    from courses.models import CourseRun  # noqa: PLC0415 - after setup
    rows = list(CourseRun.objects.filter(course__published=True).order_by("starts_at", "id")
                .values("id", "code", "starts_at", "ends_at", "capacity", "enrolled_count",
                        "course_id", "course__title", "venue__name", "venue__address")[:50])
    return JsonResponse({"runs": rows})


def static_me(request):
    return JsonResponse({"me": {"id": "VXNlcjox", "displayName": "张阿姨"}})


urlpatterns = [path("bench/runs/", plain_runs), path("bench/me/", static_me),
               path("", include("backend.urls"))]


def _data():
    from tests.factories.accounts import CommunityFactory, UserFactory  # noqa: PLC0415
    from tests.factories.courses import (  # noqa: PLC0415
        CourseFactory,
        CourseRunFactory,
        VenueFactory,
    )
    from tests.helpers.graphql import token_for  # noqa: PLC0415
    community = CommunityFactory()
    venue = VenueFactory(community=community)
    for _ in range(50):
        CourseRunFactory(course=CourseFactory(), venue=venue)
    user = UserFactory(community=community)
    return token_for(user)


def _rate(fn, n) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=10)
    args = parser.parse_args()
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    token = _data()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}

    def gql(query):
        response = client.post("/graphql/", json.dumps({"query": query}),
                               content_type="application/json", **auth)
        assert response.status_code == 200 and b'"errors"' not in response.content, \
            response.content[:300]

    pairs = {
        "courseRuns (50 rows) vs .values() view": (lambda: gql(RUNS),
                                                   lambda: client.get("/bench/runs/")),
        "me vs static JsonResponse": (lambda: gql(ME), lambda: client.get("/bench/me/", **auth)),
    }
    for name, (ours, reference) in pairs.items():
        ours(), reference()  # warm: document cache, connections
        a, b = [], []
        for i in range(args.rounds):  # interleaved, order alternating
            first, second = (ours, reference) if i % 2 == 0 else (reference, ours)
            r1, r2 = _rate(first, args.per_round), _rate(second, args.per_round)
            (a if first is ours else b).append(r1)
            (b if first is ours else a).append(r2)
        ours_rate, ref_rate = sorted(a)[len(a) // 2], sorted(b)[len(b) // 2]
        print(f"{name}: {ours_rate:.1f} req/s vs {ref_rate:.1f} req/s, "
              f"ratio {ours_rate / ref_rate:.2f}")


if __name__ == "__main__":
    main()
