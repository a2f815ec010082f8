"""任务 (a volunteer's offers and upcoming jobs, with links) and 解绑 (unbind), through the
callback like WeChat sends them."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from graphql_relay import from_global_id

from backend.core.models import AuditLog
from backend.wechat.models import WeChatBinding
from tests.factories.volunteers import VolunteerFactory, commitment, skill
from tests.factories.wechat import WeChatBindingFactory
from volunteers.models import Offer, OfferStatus, ServiceRequest

pytestmark = pytest.mark.django_db

OPENID = "oVolunteer0001"


@pytest.fixture
def volunteer(community):
    return VolunteerFactory(community=community)


@pytest.fixture
def bound_volunteer(account, volunteer):
    return WeChatBindingFactory(account=account, openid=OPENID, user=volunteer.user)


def _offer(volunteer, community, *, status=OfferStatus.OFFERED, expires_in=timedelta(minutes=30),
           starts_in=timedelta(days=1)):
    starts_at = timezone.now() + starts_in
    request = ServiceRequest.objects.create(
        skill=skill("haircut"), starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
        community=community)
    return Offer.objects.create(request=request, volunteer=volunteer, status=status,
                                expires_at=timezone.now() + expires_in)


def _links(text):
    return re.findall(r"https?://[^\s，。）]+", text)


def test_tasks_lists_an_open_offer_with_a_link_to_its_page(say, account, bound_volunteer,
                                                          volunteer, community, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    offer = _offer(volunteer, community)
    _offer(volunteer, community, status=OfferStatus.DECLINED)             # answered
    _offer(volunteer, community, expires_in=timedelta(minutes=-1))        # expired
    other = VolunteerFactory(community=community)
    _offer(other, community)                                              # someone else's

    reply = say(account, OPENID, "任务")

    assert "等您答复的派单" in reply
    assert skill("haircut").name in reply
    offer_links = [u for u in _links(reply) if "/volunteer/offers/" in u]
    assert len(offer_links) == 1
    url = urlparse(offer_links[0])
    assert f"{url.scheme}://{url.netloc}" == "https://linli.example.cn"
    match = re.fullmatch(r"/volunteer/offers/([^/]+)/", url.path)
    assert match and from_global_id(match.group(1)) == ("Offer", str(offer.pk))
    assert parse_qs(url.query) == {"wx": [account.slug]}


def test_tasks_lists_upcoming_jobs_with_the_commitments_page(say, account, bound_volunteer,
                                                            volunteer, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    start = timezone.now() + timedelta(days=2)
    commitment(volunteer, start, start + timedelta(hours=2))

    reply = say(account, OPENID, "任务")

    assert "接下来的服务" in reply
    assert (f"https://linli.example.cn/volunteer/commitments/?wx={account.slug}"
            in _links(reply))


def test_tasks_with_nothing_to_do_says_so(say, account, bound_volunteer):
    assert "没有待答复的派单" in say(account, OPENID, "任务")


def test_tasks_for_someone_who_is_not_a_volunteer(say, account, bound):
    assert "您还不是志愿者" in say(account, "oResident0001", "任务")


def test_tasks_for_an_unbound_follower_asks_to_bind(say, account):
    assert "绑定" in say(account, "oStranger", "任务")


def test_unbind_releases_the_openid_and_says_so_plainly(say, account, bound, resident):
    reply = say(account, "oResident0001", "解绑")

    assert "已解绑" in reply
    binding = WeChatBinding.objects.get(account=account, openid="oResident0001")
    assert binding.user is None and binding.bound_at is None
    assert AuditLog.objects.filter(action="wechat.binding.unbind",
                                   object_id=str(binding.pk)).count() == 1
    # and the follower is now treated as unbound
    assert "还没有绑定" in say(account, "oResident0001", "我的")


def test_unbind_when_not_bound_tells_the_follower(say, account):
    assert "还没有绑定邻里账号" in say(account, "oStranger", "解绑")
    assert not AuditLog.objects.filter(action="wechat.binding.unbind").exists()


def test_help_lists_the_new_commands(say, account):
    reply = say(account, "oStranger", "帮助")
    assert "【任务】" in reply and "【解绑】" in reply
