"""A learner on a phone (390×844) enrols in a full class: she joins the waitlist and sees
her place; a double tap on 加入候补 still makes one waitlisted enrolment."""

import pytest

from backend.accounts.models import Role
from courses.models import Enrollment, EnrollmentStatus
from tests.factories.accounts import PASSWORD, user_with_role
from tests.factories.courses import CourseFactory, CourseRunFactory, VenueFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy,
              pytest.mark.browser]


def test_a_learner_joins_the_waitlist_of_a_full_class_and_sees_her_place(
        live_server, phone, screenshot, community):
    venue = VenueFactory(community=community, name="金口路社区活动中心")
    run = CourseRunFactory(course=CourseFactory(code="WX01", title="智能手机入门"),
                           venue=venue, capacity=2)
    for name in ("张阿姨", "李大爷", "王奶奶"):  # two seats taken, one already waiting
        learner = user_with_role(Role.RESIDENT, community=community, display_name=name)
        Enrollment.objects.create(
            run=run, user=learner,
            status=(EnrollmentStatus.WAITLISTED if name == "王奶奶"
                    else EnrollmentStatus.ENROLLED),
            waitlist_seq=1 if name == "王奶奶" else None)
    type(run).objects.filter(pk=run.pk).update(enrolled_count=2, waitlist_counter=1)
    resident = user_with_role(Role.RESIDENT, community=community, display_name="林奶奶")
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # she opens the class from the list, signing in on the way
    page.goto(f"{live_server.url}/courses/")
    page.fill("input[name=username]", resident.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("智能手机入门").first.click()
    main = page.get_by_role("button", name="加入候补")
    main.wait_for()
    assert "已满" in page.content()
    screenshot(page, "1-full")

    # a double tap on the main action
    main.dblclick()
    page.get_by_text("候补第2位").first.wait_for()
    screenshot(page, "2-waitlisted")

    mine = Enrollment.objects.filter(run=run, user=resident)
    assert mine.count() == 1
    assert mine.get().status == EnrollmentStatus.WAITLISTED
    run.refresh_from_db()
    assert run.enrolled_count == 2
    assert errors == []
