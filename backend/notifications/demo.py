"""Demo call list: a few messages WeChat could not carry to people of 金口路社区 in the last
days, so the desk's 电话通知名单 has rows. Rows are inserted directly (not through `notify`,
which would enqueue a delivery and stamp them now) with past `created_at` times; each has a
fixed `demo:` dedup key, so a second run creates nothing."""

from datetime import timedelta

from django.utils import timezone

from backend.accounts.models import User
from backend.core.demo import DemoContext

from .models import Notification, NotificationKind, NotificationStatus, SkipReason

DEMO_COMMUNITY = "金口路社区"
# (dedup key, username, kind, status, skip reason, days ago, title, body, last error)
ROWS = [
    ("demo:call:1", "resident", NotificationKind.CLASS_REMINDER, NotificationStatus.SKIPPED,
     SkipReason.NO_SENDABLE_ACCOUNT, 1, "上课提醒：智能手机入门",
     "明天上午9:00在金口路社区活动室上课，请带上手机和充电器。",
     "NO_SENDABLE_ACCOUNT: 只关注了订阅号"),
    ("demo:call:2", "resident", NotificationKind.TUTORING_CANCELLED, NotificationStatus.FAILED,
     "", 3, "辅导取消：微信视频通话", "志愿者临时有事，周四15:00的辅导取消了，请重新预约。",
     "43004: 用户已取消关注"),
]


def seed(ctx: DemoContext) -> None:
    users = {u.username: u for u in User.objects.filter(
        username__in={row[1] for row in ROWS}, community__name=DEMO_COMMUNITY)}
    existing = set(Notification.objects.filter(dedup_key__in=[row[0] for row in ROWS])
                   .values_list("dedup_key", flat=True))
    now = timezone.now()
    created = 0
    for key, username, kind, status, reason, days, title, body, error in ROWS:
        if key in existing or username not in users:
            continue
        row = Notification.objects.create(
            user=users[username], kind=kind, dedup_key=key, title=title, body=body,
            status=status, skip_reason=reason, last_error=error, attempts=1)
        when = now - timedelta(days=days, hours=2)
        Notification.objects.filter(pk=row.pk).update(created_at=when, updated_at=when,
                                                      next_attempt_at=when)
        created += 1
    ctx.count("电话通知名单", created, Notification.objects.filter(
        dedup_key__startswith="demo:call:").count())
