import pytest
from django.core.management import call_command

from courses.models import Course, CourseRun, Enrollment, EnrollmentStatus, Quiz

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_course_catalogue(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert list(Course.objects.values_list("title", flat=True)) == [
        "微信是什么", "微信如何改变生活", "如何运营微信", "如何利用新媒体服务于民"]
    assert Quiz.objects.count() == 4
    assert all(c.lessons.exists() for c in Course.objects.all())
    assert Course.objects.get(code="WX03").grants_credential_type == "new_media_training"
    runs = CourseRun.objects.all()
    assert runs.values("street").distinct().count() >= 3
    nearly_full = [r for r in runs if r.capacity - r.enrolled_count == 1]
    assert nearly_full
    run = nearly_full[0]
    assert Enrollment.objects.filter(run=run, status=EnrollmentStatus.ENROLLED).count() == \
        run.enrolled_count
    assert CourseRun.objects.filter(instructors__username="instructor").exists()
    assert all(r.sessions.count() == 3 for r in runs)
