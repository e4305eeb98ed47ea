"""The portal pages: language, landmarks, vendored assets, error pages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def test_home_is_chinese_by_default(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert html_lang(response) == "zh-Hans"
    body = response.content.decode()
    assert '<h1 id="welcome-heading">欢迎使用政务服务网</h1>' in body
    assert "<title>政务服务网</title>" in body


def test_home_in_english_once_english_is_chosen(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("web:home"))
    assert html_lang(response) == "en"
    assert "Welcome to the government service portal" in response.content.decode()


def test_language_switch_posts_to_set_language_and_sticks(client, settings):
    home = client.get(reverse("web:home")).content.decode()
    # The switch offers the other language, as a button of Django's set_language form.
    assert 'action="/preferences/language/"' in home
    assert re.search(r'name="language" value="en" lang="en"', home)

    response = client.post("/preferences/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get("/")
    assert html_lang(english) == "en"
    assert 'value="zh-hans" lang="zh-Hans"' in english.content.decode()

    client.post("/preferences/language/", {"language": "zh-hans", "next": "/"})
    assert html_lang(client.get("/")) == "zh-Hans"


def test_layout_has_skip_link_landmarks_and_vendored_htmx(client):
    body = client.get("/").content.decode()
    assert re.search(r'<a class="skip-link" href="#main">跳到主要内容</a>', body)
    assert '<main id="main"' in body
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in body
    assert re.search(r'<script src="/static/vendor/htmx/htmx\.min\.js" defer></script>', body)
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]+\"\}'", body)
    # Nothing is fetched from another origin.
    assert not re.search(r'(src|href)="(https?:)?//', body)
    assert finders.find("vendor/htmx/htmx.min.js")
    assert finders.find("web/site.css")


def test_home_offers_login_to_visitors_and_identity_to_citizens(client, citizen):
    anonymous = client.get("/").content.decode()
    assert 'href="/accounts/login/?next=/"' in anonymous
    client.force_login(citizen)
    signed_in = client.get("/").content.decode()
    assert "您已登录：张伟。" in signed_in
    assert "进入工作台" not in signed_in  # citizens have no workbench


def test_404_is_plain_and_bilingual(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert "Page not found" in body
    assert html_lang(response) == "zh-Hans"


def test_500_page_is_bilingual_and_reads_no_database(django_assert_num_queries):
    from django.test import RequestFactory

    from zhengwu.web.views import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body
    assert "Server error" in body


def test_unhandled_error_renders_the_500_page(settings):
    settings.ROOT_URLCONF = "tests.web.urls_failing"
    client = Client(raise_request_exception=False)
    response = client.get("/fail/")
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()


def test_every_vendored_file_is_listed_with_its_checksum():
    import hashlib
    from pathlib import Path

    import zhengwu.web

    vendor = Path(zhengwu.web.__file__).parent / "static" / "vendor"
    listing = (vendor / "LICENSES.md").read_text()
    files = [p for p in vendor.rglob("*") if p.is_file() and p.name != "LICENSES.md"]
    assert files
    for path in files:
        relative = path.relative_to(vendor).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        row = re.search(rf"^\| `{re.escape(relative)}` \|.*$", listing, re.MULTILINE)
        assert row, f"{relative} is not listed in vendor/LICENSES.md"
        assert digest in row.group(0), f"{relative} changed: update its checksum"


def test_no_template_loads_anything_from_another_origin():
    from pathlib import Path

    import zhengwu

    root = Path(zhengwu.__file__).parent
    remote = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)=["']?(https?:)?//""", re.I)
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if remote.search(path.read_text())
    ]
    assert not offenders, f"templates loading remote resources: {offenders}"
