"""The exact number of SQL queries each measured operation runs: one source of truth.

Tests read these through `tests.helpers.queries.assert_query_count(name)`, which fails with
the list of SQL statements when the count differs, so a creep from 6 to 11 queries is a
failing test rather than a slower page.

Changing a pin: only deliberately. Make the change that moves the count, see the test fail
with the new statements listed, decide the new cost is worth it, then change the number here
in a commit of its own whose message says which query was added or removed and why. A pin
that goes down is a change too: lower it so the saving is kept. To re-measure, run the tests
with QUERY_PINS_RECORD=/tmp/pins.jsonl (each measurement is appended there as a JSON line) on
SQLite and on PostgreSQL (DATABASE_URL=postgres://...).

What is counted: queries to the default database while the block runs, SAVEPOINT and
RELEASE SAVEPOINT included. GraphQL operations are measured through the real endpoint with
`tests.helpers.graphql.gql()`, so for a logged-in caller the count includes the helper's own
token lookup (one SELECT on authtoken_token) next to the request's. After-commit work (Celery
tasks sent with `enqueue_on_commit`) is not counted: tests run inside a transaction that never
commits, and in production that work runs in the worker.

A value is an int, or — rarely, with the reason in a comment — a dict per database vendor
(`connection.vendor`: "postgresql", "sqlite") when the two databases really run a different
number of statements for the same code.

Names: a GraphQL operation is pinned under its root field name ("courses", "courseEnroll");
a variant of it (another caller, another document) as "<field>.<variant>"; code that is not
a GraphQL operation under "<app>.<function>" or "wechat.<command>". Steps of the scripted
scenario (browse courses -> enrol -> book a tutoring slot -> match volunteers -> dispatch,
run in order in tests/test_query_scenario.py with the documents in tests/scenario.py) have
names of their own, "scenario.<operation>", and are pinned separately from the per-operation
tests because they run with the scenario's own data and documents; the performance gate reads
exactly those five.
"""

PINS: dict[str, int | dict[str, int]] = {
    # --- GraphQL lists (each also checked equal at 1 and 50 rows: no N+1) ----------------
    "courses": 8,
    "courses.anonymous": 4,
    "courseRuns": 7,
    "myEnrollments": 6,
    "myEnrollments.certificates": 4,
    "venues": 1,
    "tutoringSlots": 3,
    "myTutoringBookings": 3,
    "myTutoringSlots": 4,
    "myCertificates": 3,
    "myOffers": 7,
    # token (the helper's and the request's), her requests with skill, community and
    # requester, then offers, photos and timeline prefetched; roles and the two permission
    # lookups of the offers' visibility rule: whatever the number of requests.
    "myHelpRequests": 9,
    "myCommitments": 3,
    "streets": 2,
    # +1: the coordinator is shown unmasked phones, audited in one INSERT at the request's
    # end (backend/core/audit.py; issue #13 build item 5), however many rows.
    "volunteers": 12,
    "volunteers.certificates": 8,
    # volunteers.matching runs its statements with PostgreSQL's JIT switched off: an atomic
    # block (a SAVEPOINT and its RELEASE inside the test's transaction) around
    # `SET LOCAL jit = off`, three statements SQLite does not run. Matching itself: the
    # exclusion counts over the candidate table, fairness/recency for the rows that can win,
    # the winners loaded once with what the Volunteer type shows. +1 for the audited phone
    # reads, as for volunteers.
    "volunteerMatches": {"postgresql": 18, "sqlite": 15},
    # --- GraphQL mutations ---------------------------------------------------------------
    "courseEnroll": 12,
    "courseEnroll.waitlist": 14,
    "tutoringBook": 19,
    # Measured making 2 slots; each further slot costs ".perSlot" more (the one-slot path).
    "tutoringSlotsPublishFromAvailability": 46,
    "tutoringSlotsPublishFromAvailability.perSlot": 13,
    # dispatchCreate matches once: PostgreSQL's three extra statements as for volunteerMatches.
    "dispatchCreate": {"postgresql": 38, "sqlite": 35},
    "offerRespond": 12,
    # +1 (issue 15): the accepted offer behind a dispatch commitment, so hours logged for
    # a help request's visit complete the request in the same transaction.
    "serviceHoursLog": 15,
    # --- Code called outside GraphQL (calendar feed, notifications, role checks) ---------
    "courses.calendarItemsForUser": 3,
    "volunteers.calendarItemsForUser": 1,
    # The dispatch board's partial (polled every 10 s): session, user, roles, jobs, their
    # offers. The page adds the admin's two permission lookups (its sidebar) and the create
    # form's skills and communities.
    "volunteers.dispatchBoard": 9,
    "volunteers.dispatchBoardColumns": 5,
    "notifications.notificationsForUser": 1,
    # The community desk's lists, whole request (each equal at 1 and 20 rows).
    "desk.callList": 4,
    "desk.roster": 5,
    "desk.bookings": 5,
    "accounts.rolesPerUserObject": 1,
    # The admin's 可服务志愿者查询 page (Tuesday 14:00-17:00, 60 minutes: 9 starts), whole
    # request: session, user, roles and the form (11), then 3 per start: the rules pass
    # over the candidate table, fairness and recency for the rows that can win, the chosen
    # volunteers (matching.match_volunteers); PostgreSQL adds its three JIT statements per
    # start, as for volunteerMatches.
    "admin.availabilitySearch": {"postgresql": 65, "sqlite": 38},
    # --- WeChat text commands (one callback request each) --------------------------------
    "wechat.courses": 15,
    "wechat.me": 22,
    "wechat.tutoring": 11,
    "wechat.certificates": 11,
    # --- The scripted scenario, in order (read by the performance gate) ------------------
    "scenario.courses": 8,
    "scenario.courseEnroll": 12,
    "scenario.tutoringBook": 19,
    # PostgreSQL's three extra statements: as for volunteerMatches above. The volunteers'
    # skills, credentials and availability are not selected here, so not loaded.
    "scenario.volunteerMatches": {"postgresql": 14, "sqlite": 11},
    "scenario.dispatchCreate": {"postgresql": 38, "sqlite": 35},
    # --- Coordinator console ------------------------------------------------------------
    # token, user, roles, street, enrolments, tutoring, dispatch outcomes, hours by month,
    # hours by skill (kinds without a skill; dispatch and shift skills), acceptance,
    # credentials, help requests (by service and outcome; times and ratings in one
    # aggregate): whatever the number of rows.
    "stats": 14,
    # session, user, roles, streets, communities, the same ten stats queries, and the
    # admin sidebar's two permission lookups.
    "stats.dashboard": 17,
}
