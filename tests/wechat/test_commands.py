import pytest

from backend.certificates.services import certificate_revoke
from tests.factories.certificates import CertificateFactory
from tests.helpers.queries import assert_query_count

from . import wire

pytestmark = pytest.mark.django_db


def test_help_for_an_unbound_follower_lists_commands_and_the_bind_link(say, account, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    text = say(account, "oStranger", "帮助")
    for word in ("课程", "报名", "我的", "辅导", "证书", "帮助"):
        assert f"【{word}" in text
    assert "https://linli.example.cn/wechat/weishinan/bind" in text


def test_help_for_a_bound_follower_has_no_bind_link(say, account, bound):
    text = say(account, "oResident0001", "帮助")
    assert "【证书】" in text
    assert "/bind" not in text


@pytest.mark.parametrize("text", ["  帮助 ", "帮助\n", "help", "？"])
def test_help_tolerates_spaces_and_aliases(say, account, text):
    assert "【证书】" in say(account, "oX", text)


def test_unknown_text_points_to_help(say, account):
    assert "帮助" in say(account, "oX", "今天天气怎么样")


@pytest.mark.parametrize("word", ["证书", "我的", "报名 WX2611-01"])
def test_commands_needing_an_account_ask_unbound_followers_to_bind(say, account, word):
    text = say(account, "oStranger", word)
    assert "绑定" in text
    assert "/wechat/weishinan/bind" in text


def test_certificates_lists_the_holders_certificates_with_verify_links(
        say, account, bound, resident, district_admin, settings):
    # given two certificates of the resident, one revoked, and one of someone else
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    valid = CertificateFactory(holder=resident, snapshot={"title": "微信入门"})
    revoked = CertificateFactory(holder=resident, snapshot={"title": "公众号运营"})
    certificate_revoke(actor=district_admin, certificate=revoked, reason="测试撤销")
    stranger = CertificateFactory(snapshot={"title": "别人的证书"})

    # when they send 证书
    text = say(account, "oResident0001", "证书")

    # then both of theirs are listed with status and the public verify URL
    assert "《微信入门》有效" in text
    assert "《公众号运营》已撤销" in text
    assert f"https://linli.example.cn/verify/{valid.code}" in text
    assert valid.display_code in text
    assert "别人的证书" not in text and stranger.code not in text


def test_certificates_when_there_are_none(say, account, bound):
    assert "还没有证书" in say(account, "oResident0001", "证书")


def test_certificates_of_an_inactive_user_ask_to_bind(say, account, bound, resident):
    resident.is_active = False
    resident.save()
    assert "绑定" in say(account, "oResident0001", "证书")


def _certificates_reply_queries(send, account, n, resident):
    for i in range(n):
        CertificateFactory(holder=resident, snapshot={"title": f"课程{i}"})
    xml = wire.text_xml(from_user="oResident0001", content="证书")
    with assert_query_count("wechat.certificates") as ctx:
        send(account, xml)
    return len(ctx)


def test_certificates_reply_query_count_does_not_grow(send, account, bound, resident):
    one = _certificates_reply_queries(send, account, 1, resident)
    fifty = _certificates_reply_queries(send, account, 49, resident)
    assert one == fifty


def test_long_replies_are_cut_to_what_wechat_accepts(say, account, bound, resident):
    # given many certificates with very long titles
    for i in range(5):
        CertificateFactory(holder=resident, snapshot={"title": f"{i}" + "很长的课程名称" * 40})

    # then the reply still fits WeChat's 2048-byte limit
    text = say(account, "oResident0001", "证书")
    assert len(text.encode("utf-8")) <= 2048
    assert text.endswith("……")


def test_text_that_would_break_the_reply_xml_is_defused(send, account, bound):
    # (WeChat escapes what the follower typed; CDATA can't hold "]]>", so entities here)
    xml = wire.text_xml(from_user="oResident0001", content="X").replace(
        "<![CDATA[X]]>", "报名 ]]&gt;&lt;x&gt;WX-1")
    response = send(account, xml)
    assert response.status_code == 200
    assert "没有找到" in wire.reply_content(response.content)


def test_help_in_capitals(say, account):
    assert "【证书】" in say(account, "oX", "HELP")
