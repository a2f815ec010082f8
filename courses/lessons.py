"""Reading lessons: the record that a lesson's body was served to a learner, and the rule
lessonComplete checks against it (LESSON_NOT_OPENED: not opened, or opened less than
`lesson_read_seconds()` ago). Only the first opening is kept: a later one changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .error_codes import CourseErrorCode
from .models import Lesson, LessonOpening


def lesson_read_seconds() -> int:
    return int(getattr(settings, "COURSES_LESSON_READ_SECONDS", 20))


def lessons_opened(*, user, lesson_ids) -> None:
    """Record that these lessons' bodies were served to `user`: one INSERT, whatever the
    number of lessons; rows that exist already keep their first time."""
    ids = sorted(set(lesson_ids))
    if user is None or not user.is_authenticated or not ids:
        return
    now = timezone.now()
    LessonOpening.objects.bulk_create(
        [LessonOpening(user_id=user.pk, lesson_id=pk, opened_at=now) for pk in ids],
        ignore_conflicts=True)


def lesson_opened_at(*, user, lesson: Lesson) -> datetime | None:
    return (LessonOpening.objects.filter(user_id=user.pk, lesson_id=lesson.pk)
            .values_list("opened_at", flat=True).first())


def lesson_read_check(*, user, lesson: Lesson, now: datetime | None = None) -> None:
    """Raise LESSON_NOT_OPENED unless the lesson was served to `user` long enough ago."""
    opened_at = lesson_opened_at(user=user, lesson=lesson)
    now = now or timezone.now()
    if opened_at is None:
        message = _("请先打开这一课读一读，读完再点“我读完了”。")
    elif now - opened_at < timedelta(seconds=lesson_read_seconds()):
        message = _("这一课刚打开，请先读一读，过一会儿再点“我读完了”。")
    else:
        return
    raise ValidationError({"lesson_id": ValidationError(
        message, code=CourseErrorCode.LESSON_NOT_OPENED.value)})
