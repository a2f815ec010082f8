"""Login, the 大字 switch, page ids, friendly error pages, the landing and the home page."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from graphql_relay import to_global_id

from backend.core.formatting import when_range_zh
from backend.core.links import PENDING_PAGES, absolute_url
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_form_has_the_contract_fields():
    html = Client().get("/login/").content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert '<button type="submit" class="btn-main" data-testid="main-action">登录</button>' in html


def test_login_goes_back_to_a_local_next(resident):
    response = Client().post("/login/", {"username": resident.username, "password": PASSWORD,
                                         "next": "/courses/"})
    assert response.status_code == 302 and response["Location"] == "/courses/"


@pytest.mark.parametrize("bad", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_login_never_goes_to_another_site(resident, bad):
    response = Client().post("/login/", {"username": resident.username, "password": PASSWORD,
                                         "next": bad})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_wrong_password_says_what_to_do_beside_the_field_and_keeps_the_name(resident):
    response = Client().post("/login/", {"username": resident.username, "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="err_password"' in html and "用户名或密码不对" in html
    assert f'value="{resident.username}"' in html
    assert "_auth_user_id" not in Client().session


def test_empty_fields_are_named():
    html = Client().post("/login/", {"username": "", "password": ""}).content.decode()
    assert "请填写用户名" in html and "请填写密码" in html


def test_logout_is_a_post(client_for, resident):
    client = client_for(resident)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/courses/").status_code == 302


def test_the_large_text_switch_is_remembered_without_javascript():
    client = Client()
    assert 'class="large-text"' not in client.get("/login/").content.decode()
    response = client.post("/text-size/", {"next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    html = client.get("/login/").content.decode()
    assert 'class="large-text"' in html and "标准字" in html
    client.post("/text-size/", {"next": "https://evil.example/"})
    assert 'class="large-text"' not in client.get("/login/").content.decode()


def test_the_stylesheet_keeps_text_large_and_never_blocks_text_size_adjust():
    css = Path(finders.find("pages/pages.css")).read_text(encoding="utf-8")
    assert "html { font-size: 112.5%; }" in css  # 18px root
    assert "text-size-adjust" not in css
    assert "min-height: 3.5rem" in css and "min-height: 2.75rem" in css  # 63px / 49.5px


def test_anonymous_root_is_the_landing_page(client_for, resident):
    html = Client().get("/").content.decode()
    assert "/graphql/" in html and reverse("page-login") in html
    home = client_for(resident).get("/").content.decode()
    assert "您好" in home and "找课程报名" in home


def test_home_shows_my_next_class_said_the_way_people_say_it(client_for, resident, run,
                                                            sessions, enroll):
    enrollment = enroll(resident, run)
    html = client_for(resident).get("/").content.decode()
    assert run.course.title in html
    assert when_range_zh(sessions[0].starts_at, sessions[0].ends_at) in html
    assert reverse("page-learn", kwargs={"id": to_global_id("Enrollment", enrollment.pk)}) in html


def test_pages_that_were_pending_are_real_routes_now():
    for name in ("page-learn", "page-course-run", "page-certificates"):
        assert name not in PENDING_PAGES
    assert absolute_url("page-learn", id="RW5yb2xsbWVudDox").endswith("/learn/RW5yb2xsbWVudDox/")
    assert absolute_url("page-course-run", id="x").endswith("/courses/runs/x/")
    assert absolute_url("page-certificates").endswith("/me/certificates/")


@pytest.mark.parametrize("path", ["/courses/", "/me/certificates/", "/learn/1/",
                                  "/courses/runs/1/"])
def test_anonymous_visitors_go_through_login_and_back(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_bare_number_redirects_to_the_global_id_keeping_the_query(client_for, resident,
                                                                    run):
    response = client_for(resident).get(f"/courses/runs/{run.pk}/?wx=weishinan")
    gid = to_global_id("CourseRun", run.pk)
    assert response.status_code == 302
    assert response["Location"] == f"/courses/runs/{gid}/?wx=weishinan"


@pytest.mark.parametrize("raw", ["bm9wZQ==", "%E4%B8%AD", "Q291cnNlUnVuOjA=", "0",
                                 "RW5yb2xsbWVudDox", "Q291cnNlUnVuOjk5OTk5"])
def test_bad_ids_are_a_friendly_404_never_a_500(client_for, resident, raw):
    # garbage, non-ASCII, pk 0, a bare 0, another type's id, an unknown run
    response = client_for(resident).get(f"/courses/runs/{raw}/", follow=True)
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到这个页面" in html and 'href="/"' in html
