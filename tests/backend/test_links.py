"""Every link Linli sends routes to a page, or is a page the pages issue has not built yet.

(a) `PENDING_PAGES` names only pages the URLconf does not have: once a page exists its
    entry must go, and links to it are reversed like any other.
(b) Realistic flows run through the GraphQL API, the Celery tasks and the WeChat commands;
    every link they produce (notification urls, urls inside notification texts and WeChat
    replies, check-in, certificate, calendar links) must resolve, unless it has the shape
    of a pending page, in which case it must not resolve (yet) and its id must be a Relay
    global id, as `API.md` pins for page paths.

One test per flow, so a flow that still builds a link by hand fails on its own.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from graphql_relay import from_global_id, to_global_id

from backend.accounts.models import Role
from backend.celery import app
from backend.certificates import services as certificate_services
from backend.core.links import PENDING_PAGES
from backend.notifications.models import Notification, NotificationKind
from frontend_api.wechat.commands import dispatch
from tests.factories.accounts import user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import ClassSessionFactory, CourseRunFactory, make_tutor, publish_slot
from tests.factories.volunteers import (
    ALL_WEEK,
    VolunteerFactory,
    commitment,
    give_skill,
    set_availability,
    skill,
)
from tests.factories.wechat import WeChatAccountFactory, WeChatBindingFactory
from tests.helpers.graphql import gql
from volunteers import services as volunteer_services
from volunteers.models import CommitmentKind, CommitmentStatus, Offer, ServiceRequest

pytestmark = pytest.mark.django_db

# Routes that answer machines, not people: a message must never send someone there.
NOT_A_PAGE = {"graphql", "api-token", "healthz", "wechat-callback", "wechat-oauth"}


def _pending_patterns() -> dict[str, re.Pattern]:
    patterns = {}
    for name, path in PENDING_PAGES.items():
        regex = re.escape(path).replace(re.escape("{id}"), r"(?P<id>[^/]+)")
        patterns[name] = re.compile(f"^{regex}$")
    return patterns


def _links_in(text: str) -> list[str]:
    base = re.escape(settings.PUBLIC_BASE_URL.rstrip("/"))
    return re.findall(base + r"[^\s，。；、）)」》\"'<>]*", text or "")


def dead_links(links: list[str]) -> list[str]:
    """The links that do not route (or route to a machine endpoint), with why."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    problems = []
    for link in links:
        if not link.startswith(base + "/"):
            problems.append(f"{link}: not under PUBLIC_BASE_URL")
            continue
        path = link[len(base):].split("?", 1)[0].split("#", 1)[0]
        pending = [(name, m) for name, p in _pending_patterns().items() if (m := p.match(path))]
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if pending:
            name, m = pending[0]
            if match is not None:
                problems.append(f"{link}: {name} is still listed as pending but now routes")
            if "id" in m.groupdict() and not _is_global_id(m.group("id")):
                problems.append(f"{link}: {name} needs a Relay global id, not {m.group('id')!r}")
            continue
        if match is None:
            problems.append(f"{link}: does not route")
        elif match.url_name in NOT_A_PAGE:
            problems.append(f"{link}: routes to {match.url_name}, which is not a page")
    return problems


def _is_global_id(value: str) -> bool:
    try:
        type_name, pk = from_global_id(value)
        return bool(type_name) and int(pk) > 0
    except (ValueError, TypeError, UnicodeDecodeError):
        return False


def notification_links(**filters) -> list[str]:
    links = []
    for n in Notification.objects.filter(**filters):
        if n.url:
            links.append(n.url)
        links += _links_in(n.title) + _links_in(n.body)
    return links


def assert_links_route(links: list[str]):
    assert links, "the flow produced no link at all: the test would prove nothing"
    assert dead_links(links) == []


# --- (a) pending pages -----------------------------------------------------------------------
def test_no_page_is_pending_and_a_pending_one_would_have_to_be_missing():
    # Every page a link points to exists today. A page added to PENDING_PAGES must not be
    # routed yet (its links are checked by shape until it is).
    assert PENDING_PAGES == {}
    for name, path in {**PENDING_PAGES, "page-none-such": "/none/{id}/"}.items():
        kwargs = {"id": to_global_id("Thing", 1)} if "{id}" in path else {}
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs=kwargs or None)


def test_the_checker_itself_catches_dead_and_machine_links():
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    assert dead_links([f"{base}/verify/ABC", f"{base}/wechat/x/bind"]) == []
    assert dead_links([f"{base}/volunteer/offers/{to_global_id('Offer', 3)}/"]) == []
    assert len(dead_links([f"{base}/no/such/page"])) == 1
    assert len(dead_links([f"{base}/graphql/"])) == 1
    # a pending page's link with a raw pk, not a global id (while any such page is pending)
    for pattern in [p for p in PENDING_PAGES.values() if "{id}" in p][:1]:
        assert len(dead_links([base + pattern.format(id=12)])) == 1
    assert len(dead_links(["https://elsewhere.example/verify/ABC"])) == 1


# --- (b) flows ---------------------------------------------------------------------------------
@pytest.fixture
def run_tomorrow(community):
    start = timezone.now() + timedelta(days=1)
    run = CourseRunFactory(venue__community=community, capacity=1, starts_at=start,
                           ends_at=start + timedelta(days=20))
    ClassSessionFactory(run=run, starts_at=start)
    return run


ENROLL = """mutation E($runId: ID!) { courseEnroll(runId: $runId) {
  enrollment { id status } errors { code } } }"""
CANCEL_ENROLMENT = """mutation C($id: ID!) { enrollmentCancel(enrollmentId: $id) {
  promoted { id status } errors { code } } }"""


def test_links_of_enrolment_waitlist_and_class_reminders(
        run_tomorrow, community, django_capture_on_commit_callbacks):
    # Produces: ENROLLMENT_CONFIRMED (courses/notifications.py: url, today /graphql/),
    # WAITLIST_PROMOTED, CLASS_REMINDER (no url today; any url in the text is checked).
    first = user_with_role(Role.RESIDENT, community=community)
    second = user_with_role(Role.RESIDENT, community=community)
    run_id = to_global_id("CourseRun", run_tomorrow.pk)
    with django_capture_on_commit_callbacks(execute=True):
        mine = gql(ENROLL, {"runId": run_id}, user=first).data["courseEnroll"]
        waiting = gql(ENROLL, {"runId": run_id}, user=second).data["courseEnroll"]
        assert (mine["enrollment"]["status"], waiting["enrollment"]["status"]) == (
            "ENROLLED", "WAITLISTED")
        cancel = gql(CANCEL_ENROLMENT, {"id": mine["enrollment"]["id"]},
                     user=first).data["enrollmentCancel"]
        assert cancel["errors"] == []
        app.tasks["courses.send_reminders"].apply().get()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {NotificationKind.ENROLLMENT_CONFIRMED, NotificationKind.WAITLIST_PROMOTED,
            NotificationKind.CLASS_REMINDER} <= kinds
    assert_links_route(notification_links())


CHECK_IN_CODE = """mutation K($id: ID!) { sessionCheckInCode(sessionId: $id) {
  checkInUrl errors { code } } }"""


def test_links_of_the_check_in_code(coordinator, community):
    # Produces: the check-in QR link (courses/services.py session_checkin_code; today
    # /checkin/<pk>?t=..., pending page "page-checkin" with a global id once switched).
    now = timezone.now()
    run = CourseRunFactory(venue__community=community, starts_at=now - timedelta(minutes=10),
                           ends_at=now + timedelta(days=10))
    session = ClassSessionFactory(run=run, starts_at=now - timedelta(minutes=10))
    payload = gql(CHECK_IN_CODE, {"id": to_global_id("ClassSession", session.pk)},
                  user=coordinator).data["sessionCheckInCode"]
    assert payload["errors"] == []
    assert_links_route([payload["checkInUrl"]])


BOOK = """mutation B($slotId: ID!) { tutoringBook(slotId: $slotId) {
  booking { id status } errors { code } } }"""
SLOT_CANCEL = """mutation S($id: ID!) { tutoringSlotCancel(slotId: $id) {
  slot { status } errors { code } } }"""


def test_links_of_tutoring_booked_reminded_and_cancelled(
        community, django_capture_on_commit_callbacks):
    # Produces: TUTORING_REMINDER (courses/notifications.py), TUTORING_CANCELLED (the slot's
    # bookings, courses/tasks.py); TUTORING_BOOKED if the tutoring services send it.
    tutor = make_tutor(community)
    resident = user_with_role(Role.RESIDENT, community=community)
    slot = publish_slot(tutor, timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        booked = gql(BOOK, {"slotId": to_global_id("TutoringSlot", slot.pk)},
                     user=resident).data["tutoringBook"]
        assert booked["errors"] == []
        app.tasks["courses.send_reminders"].apply().get()
        cancelled = gql(SLOT_CANCEL, {"id": to_global_id("TutoringSlot", slot.pk)},
                        user=tutor.user).data["tutoringSlotCancel"]
        assert cancelled["errors"] == []
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {NotificationKind.TUTORING_REMINDER, NotificationKind.TUTORING_CANCELLED} <= kinds
    links = notification_links()
    # No tutoring notice carries a link today; the flow still proves none of them is dead.
    assert dead_links(links) == []


DISPATCH = """mutation D($startsAt: DateTime!, $communityId: ID!) {
  dispatchCreate(skill: "haircut", startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId, address: "金口一路1号") {
    serviceRequest { status } errors { code } } }"""


def test_links_of_a_dispatch_offer(coordinator, community, django_capture_on_commit_callbacks):
    # Produces: JOB_OFFERED (volunteers/services.py offer_respond_url; today
    # /volunteer/offers/<pk>, pending page "page-offer" with a global id once switched).
    volunteer = VolunteerFactory(community=community)
    give_skill(volunteer, "haircut", 1)
    set_availability(volunteer, ALL_WEEK)
    start = timezone.localtime(timezone.now() + timedelta(days=8)).replace(
        hour=14, minute=0, second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        payload = gql(DISPATCH, {"startsAt": start.isoformat(),
                                 "communityId": to_global_id("Community", community.pk)},
                      user=coordinator).data["dispatchCreate"]
    assert payload["errors"] == []
    assert Notification.objects.filter(kind=NotificationKind.JOB_OFFERED).exists()
    assert_links_route(notification_links(kind=NotificationKind.JOB_OFFERED))


REVIEW = """mutation R($id: ID!) { serviceHoursReview(entryId: $id, approve: true) {
  entry { status } errors { code } } }"""


def test_links_of_hours_reviewed_and_credential_expiring(
        coordinator, community, django_capture_on_commit_callbacks):
    # Produces: HOURS_REVIEWED and CREDENTIAL_EXPIRING (volunteers/services.py; no url
    # today, any url in their texts is checked).
    volunteer = VolunteerFactory(community=community)
    give_skill(volunteer, "wechat_tutoring", 2, credential=True,
               valid_until=timezone.localdate() + timedelta(days=30))
    start = timezone.now() - timedelta(days=2)
    done = commitment(volunteer, start, start + timedelta(hours=2),
                      status=CommitmentStatus.COMPLETED, kind=CommitmentKind.DISPATCH)
    entry = volunteer_services.service_hours_log(actor=volunteer.user, commitment=done, hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        reviewed = gql(REVIEW, {"id": to_global_id("ServiceHoursEntry", entry.pk)},
                       user=coordinator).data["serviceHoursReview"]
        assert reviewed["errors"] == []
        app.tasks["volunteers.credential_expiry_alerts"].apply().get()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {NotificationKind.HOURS_REVIEWED, NotificationKind.CREDENTIAL_EXPIRING} <= kinds
    assert dead_links(notification_links()) == []


def test_links_of_a_certificate(community, django_capture_on_commit_callbacks):
    # Produces: CERTIFICATE_ISSUED (backend/certificates/services.py: verify url), and the
    # certificate's verify and pdf urls (the PDF's QR code, GraphQL, REST).
    holder = user_with_role(Role.RESIDENT, community=community)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = CertificateFactory(holder=holder, issuer_community=community)
    assert Notification.objects.filter(kind=NotificationKind.CERTIFICATE_ISSUED).exists()
    assert_links_route([*notification_links(kind=NotificationKind.CERTIFICATE_ISSUED),
                        certificate_services.verify_url(certificate.code),
                        certificate_services.pdf_url(certificate.code)])


ME = "{ me { calendarUrl } }"


def test_links_of_the_calendar_feed(community):
    # Produces: the secret calendar feed url (frontend_api/accounts/types.py calendar_url).
    resident = user_with_role(Role.RESIDENT, community=community)
    result = gql(ME, user=resident)
    assert result.errors is None, result.errors
    assert_links_route([result.data["me"]["calendarUrl"]])


def test_links_of_wechat_replies(community):
    # Produces: the bind link (帮助, 课程 and any command before binding), certificate
    # verify links (证书), tutoring booking links (辅导), offer and commitments pages (任务):
    # frontend_api/wechat/commands.py.
    account = WeChatAccountFactory(community=community)
    resident = user_with_role(Role.RESIDENT, community=community)
    CertificateFactory(holder=resident, issuer_community=community)
    publish_slot(make_tutor(community), timezone.now() + timedelta(days=2))
    stranger = WeChatBindingFactory(account=account)
    bound = WeChatBindingFactory(account=account, user=resident)
    replies = [dispatch(account=account, binding=stranger, text=text)
               for text in ("帮助", "课程", "我的", "证书")]
    replies += [dispatch(account=account, binding=bound, text=text)
                for text in ("证书", "辅导", "课程", "我的")]
    # 任务: a volunteer's open offer and upcoming job
    volunteer = VolunteerFactory(community=community)
    starts_at = timezone.now() + timedelta(days=1)
    request = ServiceRequest.objects.create(skill=skill("haircut"), starts_at=starts_at,
                                            ends_at=starts_at + timedelta(hours=1),
                                            community=community)
    Offer.objects.create(request=request, volunteer=volunteer,
                         expires_at=timezone.now() + timedelta(minutes=30))
    commitment(volunteer, starts_at + timedelta(days=1), starts_at + timedelta(days=1, hours=1))
    on_duty = WeChatBindingFactory(account=account, user=volunteer.user)
    replies.append(dispatch(account=account, binding=on_duty, text="任务"))
    links = [link for reply in replies for link in _links_in(reply)]
    assert any("/verify/" in link for link in links)
    assert any("/tutoring/" in link for link in links)
    assert any(link.endswith("/bind") for link in links)
    assert any("/volunteer/offers/" in link for link in links)
    assert any("/volunteer/commitments/" in link for link in links)
    assert_links_route(links)
