import factory
from factory.django import DjangoModelFactory

from backend.notifications.models import Notification, NotificationKind, NotificationStatus

from .accounts import UserFactory


class NotificationFactory(DjangoModelFactory):
    """An outbox row as `notify` leaves it: PENDING, due now."""

    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = NotificationKind.JOB_OFFERED
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    title = "您有一个新的上门服务派单"
    body = "服务：理发；时间：11月26日 14:00–15:00；社区：金口路社区。"
    url = "https://linli.example/volunteer/offers/1"
    data = factory.LazyFunction(lambda: {"keywords": ["理发", "11月26日 14:00–15:00"]})
    status = NotificationStatus.PENDING
