"""Broadcasts against the bundled fake WeChat over loopback: planning into chunks, each
person once across accounts, counts from the fake's MASSSENDJOBFINISH, quota, access,
idempotency and cancel."""

import time

import pytest
from django.contrib.auth import get_user_model
from graphql_relay import from_global_id

from backend.accounts.models import Role
from backend.core.links import node_id
from backend.core.models import IdempotencyKey
from backend.wechat import selectors, services
from backend.wechat.models import (
    AccountType,
    Broadcast,
    BroadcastChunk,
    BroadcastStatus,
    ChunkStatus,
    WeChatBinding,
)
from backend.wechat.services import broadcasts
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.graphql import mutation_errors

CREATE = """
mutation($communityId: ID, $streetId: ID, $district: Boolean, $key: String) {
  broadcastCreate(communityId: $communityId, streetId: $streetId, district: $district,
                  title: "重阳节活动", body: "本周六上午九点，社区广场包饺子。",
                  url: "/courses/", idempotencyKey: $key) {
    broadcast { id status planned sent failed }
    errors { field code message }
  }
}"""
SEND = """
mutation($id: ID!) {
  broadcastSend(broadcastId: $id) { broadcast { id status planned } errors { code } }
}"""
CANCEL = """
mutation($id: ID!) {
  broadcastCancel(broadcastId: $id) { broadcast { id status } errors { code } }
}"""


def _gid(type_name, pk):
    return node_id(type_name, pk)


def _wait_for(predicate, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(autouse=True)
def _fast_rate(settings):
    settings.LINLI_BROADCAST_RATE_PER_SECOND = 200
    settings.LINLI_BROADCAST_BURST = 5


def _followers(account, people, *, by_user, users):
    """Binding rows for `people` (ints) on `account`: people in `by_user` are known by
    their bound Linli user, the others by unionid."""
    rows = []
    for p in people:
        if p in by_user:
            rows.append(WeChatBinding(account=account, openid=f"o{account.pk}x{p}",
                                      user_id=users[p], unionid=""))
        else:
            rows.append(WeChatBinding(account=account, openid=f"o{account.pk}x{p}",
                                      unionid=f"u{p}"))
    WeChatBinding.objects.bulk_create(rows, batch_size=2000)
    return [r.openid for r in rows]


@pytest.mark.django_db(transaction=True)
def test_a_street_broadcast_reaches_each_person_once_across_three_accounts(
        fake_wechat, live_server, street, gql):
    # Given a street without its own account and three community accounts whose 25,000
    # followers overlap: A has people 0–10,999, B 9,000–16,999, C 16,000–21,999; every
    # tenth person is known by a bound Linli user, the others by unionid
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street)
    accounts = [WeChatAccountFactory(slug=f"c{i}", community=CommunityFactory(street=street))
                for i in range(3)]
    ranges = [range(0, 11_000), range(9_000, 17_000), range(16_000, 22_000)]
    by_user = {p for p in range(22_000) if p % 10 == 0}
    User = get_user_model()
    User.objects.bulk_create([User(username=f"person{p}") for p in sorted(by_user)],
                             batch_size=2000)
    users = dict(User.objects.filter(username__startswith="person")
                 .values_list("username", "pk"))
    users = {int(name[6:]): pk for name, pk in users.items()}
    person_of = {}
    for account, people in zip(accounts, ranges, strict=True):
        openids = _followers(account, people, by_user=by_user, users=users)
        person_of.update({o: p for o, p in zip(openids, people, strict=True)})
        # WeChat knows the same followers, except one of A's who has left in the meantime
        fake_wechat.register(account, callback_url=f"{live_server.url}/wechat/{account.slug}/",
                             followers=[{"openid": o, "subscribed": o != "o%dx5" % accounts[0].pk}
                                        for o in openids])
    # and one who left Linli's records too, who is not planned at all
    WeChatBinding.objects.create(account=accounts[0], openid="oGone", subscribed=False)
    assert WeChatBinding.objects.filter(subscribed=True).count() == 25_000

    # When the coordinator plans it
    created = gql(CREATE, {"streetId": _gid("Street", street.pk)}, user=coordinator)
    assert created.errors is None, created.errors
    payload = created.data["broadcastCreate"]
    assert payload["errors"] == []
    assert payload["broadcast"]["status"] == "PLANNED"
    assert payload["broadcast"]["planned"] == 22_000
    broadcast = Broadcast.objects.get()
    chunks = list(BroadcastChunk.objects.filter(broadcast=broadcast).order_by("seq"))
    assert [(c.account_id, c.size) for c in chunks] == [
        (accounts[0].pk, 10_000), (accounts[0].pk, 1_000), (accounts[1].pk, 6_000),
        (accounts[2].pk, 5_000)]
    assert fake_wechat.control.calls(kind="mass") == []  # nothing sent yet

    # and sends it
    sent = gql(SEND, {"id": payload["broadcast"]["id"]}, user=coordinator)
    assert sent.data["broadcastSend"]["errors"] == []

    # Then WeChat got four calls, every person exactly once
    assert _wait_for(lambda: Broadcast.objects.get().status == BroadcastStatus.SENT)
    received = [o for m in fake_wechat.control.calls(kind="mass") for o in m["body"]["touser"]]
    assert len(received) == 22_000
    people = [person_of[o] for o in received]
    assert sorted(people) == list(range(22_000))
    # and the counts are WeChat's, from its MASSSENDJOBFINISH events
    broadcast.refresh_from_db()
    assert (broadcast.planned, broadcast.sent, broadcast.failed) == (22_000, 21_999, 1)
    assert set(broadcast.chunks.values_list("status", flat=True)) == {ChunkStatus.DONE}
    assert broadcast.finished_at is not None
    text = fake_wechat.control.calls(kind="mass")[0]["body"]["text"]["content"]
    assert "重阳节活动" in text and "包饺子" in text and text.rstrip().endswith("/courses/")


@pytest.fixture
def community_account(community):
    return WeChatAccountFactory(slug="jinkoulu", community=community)


@pytest.fixture
def followed(community_account):
    WeChatBinding.objects.bulk_create([
        WeChatBinding(account=community_account, openid=f"oF{i}", unionid=f"uF{i}")
        for i in range(7)])
    return community_account


def test_the_same_idempotency_key_returns_the_same_broadcast(gql, coordinator, community,
                                                             followed):
    variables = {"communityId": _gid("Community", community.pk), "key": "bc-1"}
    first = gql(CREATE, variables, user=coordinator).data["broadcastCreate"]
    again = gql(CREATE, variables, user=coordinator).data["broadcastCreate"]

    assert first["errors"] == [] and again["errors"] == []
    assert first["broadcast"]["id"] == again["broadcast"]["id"]
    assert Broadcast.objects.count() == 1 and BroadcastChunk.objects.count() == 1


def test_a_key_reused_for_other_input_is_refused(gql, coordinator, community, followed):
    gql(CREATE, {"communityId": _gid("Community", community.pk), "key": "bc-2"},
        user=coordinator)
    other = gql(CREATE.replace("重阳节活动", "另一个活动"),
                {"communityId": _gid("Community", community.pk), "key": "bc-2"},
                user=coordinator)

    assert mutation_errors(other, "broadcastCreate")[0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Broadcast.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_quota_exceeded_for_a_subscription_account(fake_wechat, gql, coordinator, community,
                                                   followed, django_capture_on_commit_callbacks):
    # Given a subscription account (one mass send a day) and two planned broadcasts
    followed.account_type = AccountType.SUBSCRIPTION
    followed.save()
    fake_wechat.register(followed, followers=[f"oF{i}" for i in range(7)])
    variables = {"communityId": _gid("Community", community.pk)}
    first = gql(CREATE, variables, user=coordinator).data["broadcastCreate"]["broadcast"]
    second = gql(CREATE, variables, user=coordinator).data["broadcastCreate"]["broadcast"]

    # When the first is sent, the second cannot be
    with django_capture_on_commit_callbacks(execute=True):
        assert gql(SEND, {"id": first["id"]},
                   user=coordinator).data["broadcastSend"]["errors"] == []
    refused = gql(SEND, {"id": second["id"]}, user=coordinator).data["broadcastSend"]
    assert [e["code"] for e in refused["errors"]] == ["QUOTA_EXCEEDED"]
    assert Broadcast.objects.get(pk=int(_pk(second))).status == "PLANNED"
    assert len(fake_wechat.control.calls(kind="mass")) == 1
    # and a new one is refused at once, nothing created
    third = gql(CREATE, variables, user=coordinator).data["broadcastCreate"]
    assert [e["code"] for e in third["errors"]] == ["QUOTA_EXCEEDED"]
    assert Broadcast.objects.count() == 2


def _pk(node):
    return from_global_id(node["id"])[1]


def test_a_service_account_allows_four_sends_a_month(community_account):
    assert community_account.capabilities.mass_sends_per_period == 4
    assert services.mass_sends_used(community_account) == 0


def test_another_streets_coordinator_is_refused_and_nothing_is_created(
        gql, other_coordinator, resident, community, followed):
    variables = {"communityId": _gid("Community", community.pk)}
    refused = gql(CREATE, variables, user=other_coordinator).data["broadcastCreate"]

    assert [e["code"] for e in refused["errors"]] == ["OUTSIDE_YOUR_UNIT"]
    assert refused["broadcast"] is None
    assert gql(CREATE, variables, user=resident).error_codes == ["PERMISSION_DENIED"]
    district = gql(CREATE, {"district": True}, user=other_coordinator).data["broadcastCreate"]
    assert [e["code"] for e in district["errors"]] == ["OUTSIDE_YOUR_UNIT"]
    assert Broadcast.objects.count() == 0 and BroadcastChunk.objects.count() == 0


def test_another_streets_coordinator_cannot_send_it(gql, coordinator, other_coordinator,
                                                    community, followed):
    created = gql(CREATE, {"communityId": _gid("Community", community.pk)},
                  user=coordinator).data["broadcastCreate"]["broadcast"]
    refused = gql(SEND, {"id": created["id"]}, user=other_coordinator).data["broadcastSend"]

    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    assert Broadcast.objects.get().status == BroadcastStatus.PLANNED


def test_cancel_stops_the_chunks_not_yet_sent(fake_wechat, coordinator, community, followed,
                                              monkeypatch, django_capture_on_commit_callbacks):
    # Given a broadcast planned in chunks of 3 (7 followers: 3, 2, 2 — WeChat takes at
    # least two openids a call, so the last page of one borrows from the chunk before)
    monkeypatch.setattr(broadcasts, "CHUNK_MAX", 3)
    fake_wechat.register(followed, followers=[f"oF{i}" for i in range(7)])
    broadcast = services.broadcast_create(actor=coordinator, community=community,
                                          title="通知", body="明天停水。")
    assert list(broadcast.chunks.values_list("size", flat=True)) == [3, 2, 2]
    openids = [selectors.broadcast_chunk_openids(c, limit=3) for c in broadcast.chunks.all()]
    assert [len(o) for o in openids] == [3, 2, 2]
    assert sorted(o for chunk in openids for o in chunk) == sorted(f"oF{i}" for i in range(7))

    # When it is sent, the first chunk reaches WeChat, and then it is cancelled
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.broadcast_send(actor=coordinator, broadcast=broadcast)
    assert len(callbacks) == 3
    first = broadcast.chunks.order_by("seq").first()
    assert services.broadcast_chunk_deliver(chunk_id=first.pk) == "submitted"
    services.broadcast_cancel(actor=coordinator, broadcast=broadcast)
    for callback in callbacks:  # the delivery tasks run after all
        callback()

    # Then only the first chunk went out
    assert len(fake_wechat.control.calls(kind="mass")) == 1
    statuses = list(broadcast.chunks.order_by("seq").values_list("status", flat=True))
    assert statuses == [ChunkStatus.SUBMITTED, ChunkStatus.CANCELLED, ChunkStatus.CANCELLED]
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED


def test_a_result_arriving_before_the_msg_id_is_recorded_is_applied(community_account,
                                                                     coordinator, community):
    WeChatBinding.objects.bulk_create([
        WeChatBinding(account=community_account, openid=f"oR{i}") for i in range(4)])
    broadcast = services.broadcast_create(actor=coordinator, community=community,
                                          title="通知", body="明天停水。")
    chunk = broadcast.chunks.get()
    Broadcast.objects.filter(pk=broadcast.pk).update(status=BroadcastStatus.SENDING)
    BroadcastChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.SENDING)
    # WeChat's event first (the sender has not written the msg_id yet): kept, not applied
    assert services.mass_send_finished(account=community_account, msg_id="77",
                                       status="send success", total=4, filtered=4, sent=3,
                                       errors=1) is None
    # then the sender records the msg_id and finds the result waiting
    broadcasts._chunk_submitted(BroadcastChunk.objects.select_related("account").get(
        pk=chunk.pk), "77")

    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.sent, broadcast.failed) == ("SENT", 3, 1)


def test_a_lone_follower_cannot_be_mass_sent_and_is_counted_failed(community_account,
                                                                    coordinator, community):
    WeChatBinding.objects.create(account=community_account, openid="oOnly")
    broadcast = services.broadcast_create(actor=coordinator, community=community,
                                          title="通知", body="明天停水。")
    chunk = broadcast.chunks.get()
    assert (chunk.status, chunk.failed, broadcast.planned) == (ChunkStatus.FAILED, 1, 1)
