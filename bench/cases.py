"""The benchmarks: each runs an operation and its reference in the same run, interleaved
(A B, then B A, …), through the same gunicorn, and returns one row of the table."""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench import load
from bench.dataset import Fixtures
from bench.load import Req, Sample

TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Knobs:
    """How long each benchmark runs; per scale in suite.py."""

    slice_s: float  # one A or B slice of a closed-loop pair
    rounds: int  # A/B pairs, order rotated each round
    concurrency: int
    match_cases: int
    stats_reps: int
    burst: int
    burst_rounds: int
    callback_s: float
    cert_concurrency: int = 2
    settle_s: float = 1.0  # pause between bursts


@dataclass
class Row:
    operation: str
    p50: str
    p95: str
    throughput: str
    reference: str
    ratio: str
    target: str
    met: str


@dataclass
class Ctx:
    base: str
    fx: Fixtures
    knobs: Knobs
    rng: random.Random


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def gql(query: str, variables: dict | None = None, token: str = "") -> Req:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    return ("POST", "/graphql/", json.dumps({"query": query, "variables": variables or {}})
            .encode(), headers)


def get(path: str, token: str = "", cookie: str = "") -> Req:
    headers = {}
    if token:
        headers["Authorization"] = f"Token {token}"
    if cookie:
        headers["Cookie"] = cookie
    return ("GET", path, None, headers)


def _fail(name: str, sample: Sample) -> None:
    if sample.failures:
        raise load.BenchError(f"{name}: {sample.failures} failed requests, first: "
                              f"{sample.first_failure}")


def interleaved(name: str, rounds: int, run_a, run_b) -> tuple[Sample, Sample]:
    """A then B, then B then A, …: drift on a shared machine hits both sides alike."""
    a, b = Sample(), Sample()
    for r in range(rounds):
        order = [(run_a, a), (run_b, b)] if r % 2 == 0 else [(run_b, b), (run_a, a)]
        for runner, total in order:
            total.add(runner())
    _fail(name, a)
    _fail(f"{name} (reference)", b)
    return a, b


def throughput_pair(ctx: Ctx, name: str, make_a, make_b, *, ref_label: str, target: float,
                    check_a=load.ok_graphql, concurrency: int | None = None) -> Row:
    k = ctx.knobs
    c = concurrency or k.concurrency

    def run(make, check):
        return lambda: load.closed_loop(ctx.base, make, concurrency=c, seconds=k.slice_s,
                                        check=check)

    # warm both (connections, caches, imports) before timing
    warm = min(1.0, k.slice_s / 2)
    load.closed_loop(ctx.base, make_a, concurrency=c, seconds=warm, check=check_a)
    load.closed_loop(ctx.base, make_b, concurrency=c, seconds=warm)
    a, b = interleaved(name, k.rounds, run(make_a, check_a), run(make_b, load.ok_200))
    ratio = a.throughput / b.throughput
    return Row(name, ms(a.pct(50)), ms(a.pct(95)), f"{a.throughput:,.1f}/s",
               f"{ref_label} {b.throughput:,.1f}/s", f"{ratio:.3g}",
               f"≥ {target:g} (req/s)" if target else "—",
               ("yes" if ratio >= target else "no") if target else "—")


COURSES = """query { courses(first: 50) { edges { node {
  id code title summary audience hours } } } }"""
COURSE_RUNS = """query { courseRuns(first: 50) { edges { node {
  id code capacity enrolledCount startsAt endsAt course { title } venue { name } } } } }"""
ME = "query { me { id username displayName roles } }"
MY_ENROLLMENTS = """query { myEnrollments { id status createdAt completedAt
  run { code startsAt course { title } } } }"""
TUTORING_SLOTS = """query { tutoringSlots(first: 50) { edges { node {
  id startsAt endsAt topic place doorstep tutor { displayName } } } } }"""


def catalogue(ctx: Ctx) -> Row:
    return throughput_pair(ctx, "catalogue (`courses`, 50)", lambda n: gql(COURSES),
                           lambda n: get("/bench/courses"), ref_label="plain view",
                           target=0.5)


def course_runs(ctx: Ctx) -> Row:
    return throughput_pair(ctx, "`courseRuns` (50)", lambda n: gql(COURSE_RUNS),
                           lambda n: get("/bench/course-runs"), ref_label="plain view",
                           target=0.5)


def me(ctx: Ctx) -> Row:
    token = ctx.fx.reader_tokens[0]
    return throughput_pair(ctx, "`me`", lambda n: gql(ME, token=token),
                           lambda n: get("/bench/static"), ref_label="static JSON",
                           target=0.12)


def my_enrollments(ctx: Ctx) -> Row:
    tokens = ctx.fx.reader_tokens
    return throughput_pair(
        ctx, "`myEnrollments`", lambda n: gql(MY_ENROLLMENTS, token=tokens[n % len(tokens)]),
        lambda n: get("/bench/my-enrollments", token=tokens[n % len(tokens)]),
        ref_label="plain view", target=0.5)


def tutoring_slots(ctx: Ctx) -> Row:
    return throughput_pair(ctx, "`tutoringSlots` (50)", lambda n: gql(TUTORING_SLOTS),
                           lambda n: get("/bench/tutoring-slots"), ref_label="plain view",
                           target=0.5)


def certificates(ctx: Ctx) -> Row:
    return throughput_pair(ctx, "certificate rendering (PDF)",
                           lambda n: get("/bench/certificate/render"),
                           lambda n: get("/bench/certificate/empty"),
                           ref_label="empty ReportLab page", target=0.0,
                           check_a=load.ok_200, concurrency=ctx.knobs.cert_concurrency)


MATCHES = """query M($skill: String!, $s: DateTime!, $c: ID!) {
  volunteerMatches(skill: $skill, startsAt: $s, durationMinutes: 60, communityId: $c) {
    evaluatedAt excluded { reason count }
    candidates { score reasons { code weight detail }
                 volunteer { id displayName community { name } } } } }"""


def latency_pair(ctx: Ctx, name: str, pairs: list[tuple[Req, Req]], *, ref_label: str,
                 target: float, check_a=load.ok_graphql) -> Row:
    """Sequential requests, A and B alternating case by case (order rotated)."""
    a, b = Sample(), Sample()
    for i, (req_a, req_b) in enumerate(pairs):
        first = [(req_a, check_a, a), (req_b, load.ok_200, b)]
        for req, check, total in (first if i % 2 == 0 else first[::-1]):
            total.add(load.sequential(ctx.base, [req], check=check))
    _fail(name, a)
    _fail(f"{name} (reference)", b)
    ratio = a.pct(95) / b.pct(95)
    one_at_a_time = len(a.latencies) / sum(a.latencies)
    return Row(name, ms(a.pct(50)), ms(a.pct(95)), f"{one_at_a_time:.1f}/s",
               f"{ref_label} p95 {ms(b.pct(95))}", f"{ratio:.3g}",
               f"p95 ≤ {target:g}× ref" if target else "—",
               ("yes" if ratio <= target else "no") if target else "—")


def volunteer_matches(ctx: Ctx) -> Row:
    fx, rng = ctx.fx, ctx.rng
    from django.db import connection  # noqa: PLC0415 - the suite process has Django set up

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, street_id FROM accounts_community WHERE id = ANY(%s)",
                       [fx.communities])
        streets = dict(cursor.fetchall())
    today = datetime.now(TZ).date()
    pairs = []
    for _ in range(ctx.knobs.match_cases + 2):
        day = today + timedelta(days=rng.randint(1, 20))
        start = datetime(day.year, day.month, day.day, rng.randint(8, 18),
                         rng.choice([0, 30]), tzinfo=TZ)
        skill, community = rng.choice(fx.skills), rng.choice(fx.communities)
        assert community in streets
        pairs.append((
            gql(MATCHES, {"skill": skill, "s": start.isoformat(),
                          "c": _gid("Community", community)}, token=fx.admin_token),
            get("/bench/match?" + urlencode({"skill": skill, "community": community,
                                             "start": start.isoformat()}))))
    load.sequential(ctx.base, [p[0] for p in pairs[:2]], check=load.ok_graphql)  # warm-up
    load.sequential(ctx.base, [p[1] for p in pairs[:2]])
    return latency_pair(ctx, "`volunteerMatches`", pairs[2:],
                        ref_label="hand-tuned SQL", target=2.0)


def _gid(kind: str, pk: int) -> str:
    from graphql_relay import to_global_id  # noqa: PLC0415 - as above

    return to_global_id(kind, pk)


STATS = """query S($from: Date!, $to: Date!) { stats(from: $from, to: $to) {
  enrollments completions volunteerHours dispatches } }"""


def dashboards(ctx: Ctx) -> list[Row]:
    """/admin/dashboard/ and the `stats` query against the selector alone; the console
    issue's target is under a second."""
    fx = ctx.fx
    today = datetime.now(TZ).date()
    variables = {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}
    ref = get("/bench/stats", token=fx.admin_token)
    rows = []
    for name, req, check in (
            ("console dashboard `/admin/dashboard/`",
             get("/admin/dashboard/", cookie=f"sessionid={fx.admin_session}"), load.ok_200),
            ("console `stats` query", gql(STATS, variables, token=fx.admin_token),
             load.ok_graphql)):
        row = latency_pair(ctx, name, [(req, ref)] * ctx.knobs.stats_reps,
                           ref_label="`district_stats` alone", target=0.0, check_a=check)
        p95 = float(row.p95.split()[0].replace(",", "")) / 1000
        row.target, row.met = "p95 < 1 s", "yes" if p95 < 1 else "no"
        rows.append(row)
    return rows


def broadcast(ctx: Ctx) -> Row:
    street = ctx.fx.street_id
    pairs = [(get(f"/bench/broadcast/plan?street={street}"),
              get(f"/bench/broadcast/reference?street={street}"))] * max(6, ctx.knobs.rounds)
    row = latency_pair(ctx, "broadcast planning (1 street)", pairs,
                       ref_label="keyset read", target=3.0, check_a=load.ok_200)
    return row


ENROLL = """mutation E($r: ID!) { courseEnroll(runId: $r) {
  enrollment { status } errors { code message } } }"""


def _enrolled(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    data = json.loads(body)
    return "errors" not in data and not data["data"]["courseEnroll"]["errors"]


def enrolment_burst(ctx: Ctx) -> Row:
    fx, k = ctx.fx, ctx.knobs
    hot, spread = Sample(), Sample()
    for r, runs in enumerate(fx.burst_runs):
        one = [gql(ENROLL, {"r": runs[0]}, token=t) for t in fx.burst_tokens]
        many = [gql(ENROLL, {"r": runs[1 + i]}, token=t) for i, t in enumerate(fx.burst_tokens)]
        order = [(one, hot), (many, spread)] if r % 2 == 0 else [(many, spread), (one, hot)]
        for reqs, total in order:
            total.add(load.burst(ctx.base, reqs, check=_enrolled))
            time.sleep(k.settle_s)  # let the server settle between bursts
    _fail("enrolment burst", hot)
    _fail("enrolment burst (reference)", spread)
    ratio = hot.pct(95) / spread.pct(95)
    return Row(f"enrolment burst ({k.burst} × `courseEnroll`, one run)", ms(hot.pct(50)),
               ms(hot.pct(95)), f"{len(hot.latencies) / hot.elapsed:.1f}/s",
               f"same burst over {k.burst} runs p95 {ms(spread.pct(95))}", f"{ratio:.3g}",
               "p95 ≤ 1.25× ref", "yes" if ratio <= 1.25 else "no")


CALLBACK_FOLLOWERS = 50  # the senders, registered with the fake WeChat


def _callback_message(wechat: dict, n: int) -> Req:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = _sign(wechat["token"], timestamp, nonce)
    content = ("帮助", "课程", "辅导", "我的")[n % 4]
    xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
           f"<FromUserName><![CDATA[obench{n % CALLBACK_FOLLOWERS}]]></FromUserName>"
           f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[{content}]]></Content><MsgId>{secrets.randbelow(10**18)}</MsgId>"
           f"</xml>")
    query = urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce})
    return ("POST", f"/wechat/{wechat['slug']}/?{query}", xml.encode(),
            {"Content-Type": "text/xml"})


def _callback_verify(wechat: dict, n: int) -> Req:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    query = urlencode({"signature": _sign(wechat["token"], timestamp, nonce),
                       "timestamp": timestamp, "nonce": nonce, "echostr": f"e{n}"})
    return get(f"/wechat/{wechat['slug']}/?{query}")


def _sign(*parts: str) -> str:
    """WeChat's scheme, written from its documentation (as tests/wechat/wire.py)."""
    import hashlib  # noqa: PLC0415 - only here

    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def wechat_callback(ctx: Ctx) -> Row:
    wechat, seconds = ctx.fx.wechat, ctx.knobs.callback_s
    a, b = interleaved(
        "WeChat callback", 2,
        lambda: load.open_loop(ctx.base, lambda n: _callback_message(wechat, n), rate=20,
                               seconds=seconds / 2),
        lambda: load.open_loop(ctx.base, lambda n: _callback_verify(wechat, n), rate=20,
                               seconds=seconds / 2))
    p99 = a.pct(99)
    return Row("WeChat callback, signed text at 20 req/s", ms(a.pct(50)), ms(a.pct(95)),
               f"{a.throughput:.1f}/s", f"URL check (echostr) p99 {ms(b.pct(99))}",
               f"{p99 / b.pct(99):.3g}", f"p99 {ms(p99)} < 5 s", "yes" if p99 < 5 else "no")


BENCHMARKS = {
    "catalogue": catalogue, "courseRuns": course_runs, "me": me,
    "myEnrollments": my_enrollments, "tutoringSlots": tutoring_slots,
    "volunteerMatches": volunteer_matches, "burst": enrolment_burst,
    "certificates": certificates, "broadcast": broadcast, "wechat": wechat_callback,
    "dashboards": dashboards,
}
