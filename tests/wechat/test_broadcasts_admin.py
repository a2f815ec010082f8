"""The broadcasts admin: plan through the add form (the same service as broadcastCreate),
send and cancel with the list's actions, progress in the list."""

import pytest

from backend.wechat.models import Broadcast, BroadcastStatus, WeChatBinding
from tests.factories.wechat import WeChatAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(community):
    account = WeChatAccountFactory(slug="jinkoulu", community=community)
    WeChatBinding.objects.bulk_create([WeChatBinding(account=account, openid=f"oA{i}")
                                       for i in range(5)])
    return account


def _add(client, **fields):
    data = {"title": "重阳节活动", "body": "周六包饺子。", "url": "/courses/", **fields}
    return client.post("/admin/wechat/broadcast/add/", data)


def test_a_coordinator_plans_and_cancels_from_the_admin(client, coordinator, community,
                                                         followed):
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)

    response = _add(client, community=community.pk)
    assert response.status_code == 302, response.content.decode()[:2000]
    broadcast = Broadcast.objects.get()
    assert (broadcast.status, broadcast.planned, broadcast.created_by) == (
        BroadcastStatus.PLANNED, 5, coordinator)

    listing = client.get("/admin/wechat/broadcast/")
    assert "重阳节活动" in listing.content.decode() and "0/1" in listing.content.decode()

    client.post("/admin/wechat/broadcast/", {"action": "cancel",
                                             "_selected_action": [broadcast.pk]})
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED


def test_the_add_form_shows_the_services_refusal(client, other_coordinator, community,
                                                 followed):
    other_coordinator.is_staff = True
    other_coordinator.save()
    client.force_login(other_coordinator)

    response = _add(client, district="on")

    assert response.status_code == 200
    assert "不是您负责的单位" in response.content.decode()
    assert Broadcast.objects.count() == 0
