"""The admin by role: what each role is shown and what it may change on the roster, course
and tutoring pages. Coordinators hold no Django model permissions; every page, inline and
picker follows Linli's roles (a coordinator's own units only)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.models import AuditLog
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.courses import (
    ClassSessionFactory,
    TutoringSlotFactory,
    VenueFactory,
    book,
    make_tutor,
)
from tests.helpers.admin_forms import add_inline_row, change_form_data, inline_prefixes
from tests.helpers.graphql import gql
from volunteers import services
from volunteers.models import (
    AvailabilityRule,
    Credential,
    CredentialType,
    Event,
    Offer,
    OfferStatus,
    ServiceRequest,
    Shift,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
)

pytestmark = pytest.mark.django_db

STAFF_ROLES = ("district_admin", "coordinator")
NO_ADMIN = ("community_staff", "volunteer", "anonymous")


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def roster(make_volunteer, other_community):
    """One volunteer in 金口路 (the coordinator's street), one in another street."""
    return {"mine": make_volunteer(availability=[]),
            "theirs": make_volunteer(community_=other_community, availability=[])}


@pytest.fixture
def event(community):
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(title="义剪日", community=community, starts_at=start,
                                 ends_at=start + timedelta(hours=3))
    Shift.objects.create(event=event, title="上午", starts_at=start,
                         ends_at=start + timedelta(hours=1), capacity=2)
    return event


@pytest.fixture
def service_request(community, roster, coordinator):
    start = timezone.now() + timedelta(days=2)
    request = ServiceRequest.objects.create(
        skill=Skill.objects.get(code="haircut"), community=community, starts_at=start,
        ends_at=start + timedelta(hours=1), created_by=coordinator)
    Offer.objects.create(request=request, volunteer=roster["mine"], status=OfferStatus.DECLINED,
                         expires_at=start, responded_at=timezone.now(), reason="腿脚不便",
                         score=50)
    return request


def _pages(roster, event, service_request):
    mine = roster["mine"].pk
    return {
        "volunteer_list": "/admin/volunteers/volunteer/",
        "volunteer_change": f"/admin/volunteers/volunteer/{mine}/change/",
        "volunteer_add": "/admin/volunteers/volunteer/add/",
        "event_change": f"/admin/volunteers/event/{event.pk}/change/",
        "request_change": f"/admin/volunteers/servicerequest/{service_request.pk}/change/",
        "search": "/admin/volunteers/volunteer/available/",
    }


@pytest.mark.parametrize("who", [*STAFF_ROLES, "other_coordinator", *NO_ADMIN])
def test_volunteer_admin_pages_by_role(who, role_users, roster, event, service_request):
    pages = _pages(roster, event, service_request)
    client = _client(role_users[who])
    responses = {name: client.get(url) for name, url in pages.items()}
    if who in NO_ADMIN:
        # Not staff: every page sends them to the admin's login, nothing rendered.
        assert {r.status_code for r in responses.values()} == {302}
        assert all("/admin/login/" in r["Location"] for r in responses.values())
        return
    if who == "other_coordinator":
        assert responses["volunteer_list"].status_code == 200
        listed = {v.pk for v in responses["volunteer_list"].context["cl"].result_list}
        assert listed == {roster["theirs"].pk}
        for name in ("volunteer_change", "event_change", "request_change"):
            assert responses[name].status_code == 404, name
        return
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(pages, 200)
    listed = {v.pk for v in responses["volunteer_list"].context["cl"].result_list}
    expected = {roster["mine"].pk} | ({roster["theirs"].pk} if who == "district_admin" else set())
    assert listed == expected
    assert inline_prefixes(responses["volunteer_change"]) == [
        "skills", "credentials", "availability_rules"]
    assert inline_prefixes(responses["volunteer_add"]) == [
        "skills", "credentials", "availability_rules"]
    assert inline_prefixes(responses["event_change"]) == ["shifts"]
    offers = responses["request_change"]
    assert inline_prefixes(offers) == ["offers"]
    assert "腿脚不便" in offers.content.decode()  # the timeline: who declined and why
    assert "week-grid" in responses["volunteer_change"].content.decode()


def test_pickers_are_scoped_to_the_coordinators_units(coordinator, community, other_community):
    neighbour = UserFactory(community=community, display_name="金口邻居")
    stranger = UserFactory(community=other_community, display_name="湛山路人")
    client = _client(coordinator)
    page = client.get("/admin/volunteers/volunteer/add/")
    form = page.context["adminform"].form
    assert set(form.fields["community"].queryset) == {community}
    users = set(form.fields["user"].queryset)
    assert neighbour in users and stranger not in users
    # The autocomplete behind the pickers: her units only, never a list of every user.
    found = client.get("/admin/autocomplete/", {
        "app_label": "volunteers", "model_name": "volunteer", "field_name": "user",
        "term": ""}).json()
    names = {row["text"] for row in found["results"]}
    assert "金口邻居" in names and "湛山路人" not in names
    found = client.get("/admin/autocomplete/", {
        "app_label": "volunteers", "model_name": "volunteer", "field_name": "community",
        "term": ""}).json()
    assert {row["id"] for row in found["results"]} == {str(community.pk)}
    # The autocomplete is the only way in: the user admin itself stays closed to her.
    assert client.get("/admin/accounts/user/").status_code == 403


def test_course_run_instructor_picker_is_scoped(coordinator, community, other_community):
    UserFactory(community=other_community, display_name="湛山讲师")
    client = _client(coordinator)
    page = client.get("/admin/courses/courserun/add/")
    assert page.status_code == 200
    instructors = page.context["adminform"].form.fields["instructors"].queryset
    assert not instructors.filter(community=other_community).exists()
    found = client.get("/admin/autocomplete/", {
        "app_label": "courses", "model_name": "courserun", "field_name": "instructors",
        "term": "湛山"}).json()
    assert found["results"] == []


# Courses keep Django's answer for a row outside the unit: back to the index, nothing shown.
@pytest.mark.parametrize("who, status", [("coordinator", 200), ("district_admin", 200),
                                         ("other_coordinator", 302)])
def test_course_and_tutoring_pages_by_role(who, status, role_users, community, resident):
    run = ClassSessionFactory(run__venue=VenueFactory(community=community)).run
    slot = TutoringSlotFactory(tutor=make_tutor(community))
    book(slot, resident)
    client = _client(role_users[who])
    page = client.get(f"/admin/courses/courserun/{run.pk}/change/")
    assert page.status_code == status
    slot_page = client.get(f"/admin/courses/tutoringslot/{slot.pk}/change/")
    assert slot_page.status_code == status
    if status == 200:
        assert inline_prefixes(page) == ["sessions"]
        assert inline_prefixes(slot_page) == ["bookings"]
        assert str(resident) in slot_page.content.decode()
    else:
        assert page["Location"] == slot_page["Location"] == "/admin/"
    listed = client.get("/admin/courses/tutoringslot/").context["cl"].result_list
    assert (slot in listed) == (status == 200)
    course_page = client.get(f"/admin/courses/course/{run.course_id}/change/")
    assert course_page.status_code == 200  # course content is the district's
    assert inline_prefixes(course_page) == ["lessons"]


def test_inline_edit_of_her_volunteer_goes_through_the_services(coordinator, roster, community):
    volunteer = roster["mine"]
    client = _client(coordinator)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/change/"
    data = change_form_data(client.get(url))
    add_inline_row(data, "availability_rules",
                   {"weekday": "2", "start_time": "14:00", "end_time": "17:00"})
    add_inline_row(data, "skills", {"skill": str(Skill.objects.get(code="plumbing").pk),
                                    "level": "2"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"][0].formset.forms]
    volunteer.refresh_from_db()
    # The service rebuilt the hour mask: Tuesday 14:00-17:00 is positions 24+14.. (0-based).
    assert volunteer.hour_mask[24 + 14:24 + 17] == "111"
    assert volunteer.hour_mask.count("1") == 3
    skill = VolunteerSkill.objects.get(volunteer=volunteer, skill__code="plumbing")
    assert skill.level == 2 and skill.verified_by == coordinator


def test_inline_edit_of_another_streets_volunteer_is_refused(other_coordinator, coordinator,
                                                             roster):
    volunteer = roster["mine"]
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/change/"
    data = change_form_data(_client(coordinator).get(url))
    add_inline_row(data, "availability_rules",
                   {"weekday": "2", "start_time": "14:00", "end_time": "17:00"})
    response = _client(other_coordinator).post(url, data)
    assert response.status_code == 404
    assert not AvailabilityRule.objects.filter(volunteer=volunteer).exists()


MATCHES = """query M($c: ID!, $s: DateTime!) { volunteerMatches(skill: "haircut", startsAt: $s,
  durationMinutes: 60, communityId: $c) { candidates { volunteer { id } }
  excluded { reason count } } }"""


def test_availability_edited_in_the_admin_changes_volunteer_matches(
        coordinator, roster, community, job_start):
    volunteer = roster["mine"]
    variables = {"c": to_global_id("Community", community.pk), "s": job_start.isoformat()}
    before = gql(MATCHES, variables, user=coordinator).data["volunteerMatches"]
    assert before["candidates"] == []
    client = _client(coordinator)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/change/"
    data = change_form_data(client.get(url))
    local = timezone.localtime(job_start)
    add_inline_row(data, "availability_rules", {
        "weekday": str(local.isoweekday()), "start_time": "13:00", "end_time": "18:00"})
    assert client.post(url, data).status_code == 302
    after = gql(MATCHES, variables, user=coordinator).data["volunteerMatches"]
    assert [c["volunteer"]["id"] for c in after["candidates"]] == [
        to_global_id("Volunteer", volunteer.pk)]
    # And removing it in the admin takes the volunteer out again.
    data = change_form_data(client.get(url))
    data["availability_rules-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    again = gql(MATCHES, variables, user=coordinator).data["volunteerMatches"]
    assert again["candidates"] == []


# --- Issue 13 row 1: a roster entry pointing at anyone ---------------------------------------
def _add_data(user, community):
    data = {"user": str(user.pk), "community": str(community.pk), "status": "ACTIVE",
            "joined_on": timezone.localdate().isoformat(), "dispatch_consent": "on"}
    for prefix in ("skills", "credentials", "availability_rules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


VOLUNTEERS = """{ volunteers(first: 100) { edges { node { displayName phone } } } }"""


def test_probe_enrolling_another_streets_person_is_refused(coordinator, community,
                                                          other_community):
    stranger = user_with_role(Role.RESIDENT, community=other_community, phone="13912345678")
    client = _client(coordinator)
    response = client.post("/admin/volunteers/volunteer/add/", _add_data(stranger, community))
    assert response.status_code == 200  # the form again, with the error beside the field
    assert response.context["adminform"].form.errors["user"]
    assert not Volunteer.objects.filter(user=stranger).exists()
    listed = gql(VOLUNTEERS, user=coordinator).data["volunteers"]["edges"]
    assert "13912345678" not in str(listed)
    # The service refuses it too, whoever calls it.
    with pytest.raises(PermissionDenied):
        services.volunteer_create(actor=coordinator, user=stranger, community=community)


def test_enrolling_her_own_resident_through_the_admin_uses_the_service(coordinator, community):
    neighbour = user_with_role(Role.RESIDENT, community=community)
    response = _client(coordinator).post("/admin/volunteers/volunteer/add/",
                                         _add_data(neighbour, community))
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=neighbour)
    assert neighbour.role_assignments.filter(role=Role.VOLUNTEER).exists()  # the service's
    assert volunteer.community == community


def test_the_person_of_a_roster_entry_cannot_be_changed(coordinator, roster, community):
    volunteer = roster["mine"]
    other = UserFactory(community=community)
    client = _client(coordinator)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/change/"
    data = change_form_data(client.get(url))
    data["user"] = str(other.pk)
    assert client.post(url, data).status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.user_id != other.pk
    with pytest.raises(PermissionDenied):
        services.volunteer_update(actor=coordinator, volunteer=volunteer, user=other)


def test_re_pointing_to_another_streets_community_is_refused(coordinator, roster,
                                                             other_community):
    volunteer = roster["mine"]
    client = _client(coordinator)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/change/"
    data = change_form_data(client.get(url))
    data["community"] = str(other_community.pk)
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    volunteer.refresh_from_db()
    assert volunteer.community_id != other_community.pk
    with pytest.raises(PermissionDenied):
        services.volunteer_update(actor=coordinator, volunteer=volunteer,
                                  community=other_community)



def test_a_credential_added_in_the_admin_is_recorded_by_the_service(coordinator, roster):
    volunteer = roster["mine"]
    client = _client(coordinator)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/change/"
    data = change_form_data(client.get(url))
    ctype = CredentialType.objects.get(code="health_certificate")
    until = (timezone.localdate() + timedelta(days=200)).isoformat()
    add_inline_row(data, "credentials", {"type": str(ctype.pk), "number": "JK-2026-01",
                                         "valid_from": timezone.localdate().isoformat(),
                                         "valid_until": until})
    assert client.post(url, data).status_code == 302
    # The number is encrypted at rest: compare after reading.
    (credential,) = [c for c in Credential.objects.filter(volunteer=volunteer)
                     if c.number == "JK-2026-01"]
    assert credential.verified_by == coordinator and credential.source == "coordinator"
    assert AuditLog.objects.filter(action="credential.add", actor=coordinator).exists()


def test_time_off_added_in_the_admin_is_scoped_and_through_the_service(coordinator, roster):
    start = timezone.localtime() + timedelta(days=3)
    data = {"volunteer": str(roster["theirs"].pk), "reason": "探亲",
            "starts_at_0": start.strftime("%Y-%m-%d"), "starts_at_1": "09:00",
            "ends_at_0": start.strftime("%Y-%m-%d"), "ends_at_1": "18:00"}
    client = _client(coordinator)
    refused = client.post("/admin/volunteers/timeoff/add/", data)
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["volunteer"]
    data["volunteer"] = str(roster["mine"].pk)
    assert client.post("/admin/volunteers/timeoff/add/", data).status_code == 302
    assert list(TimeOff.objects.values_list("volunteer_id", flat=True)) == [roster["mine"].pk]
