"""Public catalogue pages: browsing, search, the guide with its summary, the situation
checklist (plain GET and htmx partial), ``?at=``, printing, downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.catalog.helpers_pages import build_small_catalog
from zhengwu.catalog import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    search.set_index(None)  # the per-process index is rebuilt from these rows
    built = build_small_catalog()
    yield built
    search.set_index(None)


def guide_url(catalog, **params) -> str:
    url = reverse("catalog:guide", args=[catalog.code])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def checklist_html(response) -> str:
    html = response.content.decode()
    start = html.index('<section id="checklist"')
    return html[start : html.index("</section>", start)]


def checklist_names(response) -> list[str]:
    import re

    html = response.content.decode()
    section = html[html.index('id="checklist-materials"') :]
    section = section[: section.index("</ol>")]
    return re.findall(r'<span class="material-name">([^<]+)</span>', section)


def test_catalogue_home_and_browsing_pages(client, catalog):
    response = client.get(reverse("catalog:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业准营一件事" in html
    assert "西安市灞桥区市场监督管理局" in html
    assert "准营" in html
    assert 'action="/services/search/"' in html

    dept = client.get(reverse("catalog:department", args=[catalog.department.pk]))
    assert dept.status_code == 200 and "食品经营许可" in dept.content.decode()
    theme = client.get(reverse("catalog:life_event", args=["lp-permit"]))
    assert theme.status_code == 200 and "食品经营许可" in theme.content.decode()
    online = client.get(reverse("catalog:items") + "?online=1")
    assert "食品经营许可" in online.content.decode()
    cross = client.get(reverse("catalog:items") + "?cross_province=1")
    assert "食品经营许可" not in cross.content.decode().split("<h1>")[1]


def test_unknown_things_are_404(client, catalog):
    assert client.get(reverse("catalog:guide", args=["NOPE"])).status_code == 404
    assert client.get(reverse("catalog:bundle", args=["nope"])).status_code == 404
    assert client.get(reverse("catalog:life_event", args=["nope"])).status_code == 404
    assert client.get(reverse("catalog:department", args=[99999])).status_code == 404


def test_bundle_page_members_materials_form_and_limit(client, catalog):
    response = client.get(reverse("catalog:bundle", args=["permit"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业准营一件事" in html
    assert "食品经营许可申请书" in html and "营业执照" in html
    assert "店铺名称" in html
    assert "5 个工作日内办结" in html
    assert "西安市灞桥区市场监督管理局" in html


def test_search_page_highlights_and_links_to_the_guide(client, catalog):
    response = client.get(reverse("catalog:search"), {"q": "食品经营许可"})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("catalog:guide", args=[catalog.code]) in html
    assert "<mark>" in html
    # the same call as the API
    result = search.search_catalog("食品经营许可", limit=50)
    assert result.hits and result.hits[0].code in html


def test_guide_summary_and_full_guide(client, catalog):
    response = client.get(guide_url(catalog))
    assert response.status_code == 200
    html = response.content.decode()
    summary = html[html.index('class="summary-box"') : html.index('id="checklist"')]
    for expected in (
        "食品经营许可证",
        "自然人",
        "5 个工作日内办结",
        "营业执照",
        "灞桥区政务服务中心二楼",
    ):
        assert expected in summary, expected
    assert "https://zwfw.example.cn/apply/food" in summary
    for badge in ("告知承诺", "容缺受理", "周末不打烊"):
        assert badge in html
    assert "跨省通办)" not in html.split('class="badges"')[1].split("</ul>")[0]
    for section in ("basics", "conditions", "materials", "process", "limits", "fees", "where"):
        assert f'id="{section}"' in html
    assert "《中华人民共和国食品安全法》第三十五条" in html
    assert "开饭馆需要办什么证？" in html
    assert "租赁房屋" in html  # "when needed" of the lease contract


def test_guide_in_english(client, catalog, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(guide_url(catalog)).content.decode()
    assert "At a glance" in html and "What you get" in html
    assert "natural person" in html


def test_checklist_follows_answers_through_get_params(client, catalog):
    base = checklist_names(client.get(guide_url(catalog)))
    assert base == ["食品经营许可申请书", "营业执照"]

    own = client.get(guide_url(catalog, **{"a.premises": "own"}))
    assert checklist_names(own) == ["食品经营许可申请书", "营业执照", "房屋产权证明"]
    assert "是否为转租？" not in checklist_html(own)  # follow-up hidden

    rent = client.get(guide_url(catalog, **{"a.premises": "rent"}))
    assert "房屋租赁合同" in checklist_names(rent)
    assert "是否为转租？" in checklist_html(rent)  # follow-up appears
    assert "7 工作日" in checklist_html(rent)  # the option's promised limit

    sublet = client.get(
        guide_url(catalog, **{"a.premises": "rent", "a.sublease": "yes", "a.agent": "yes"})
    )
    assert checklist_names(sublet) == [
        "食品经营许可申请书", "营业执照", "房屋租赁合同", "产权人同意转租证明", "授权委托书",
    ]  # fmt: skip
    # a stale follow-up answer is ignored once the parent answer changes
    back = client.get(guide_url(catalog, **{"a.premises": "own", "a.sublease": "yes"}))
    assert "产权人同意转租证明" not in checklist_names(back)


def test_checklist_htmx_partial(client, catalog):
    response = client.get(
        guide_url(catalog, **{"a.premises": "rent"}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="checklist",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="checklist"')
    assert "<html" not in html and "summary-box" not in html
    assert "房屋租赁合同" in checklist_names(response)
    # any other htmx request (the elderly switch following its redirect) gets the whole page
    whole = client.get(guide_url(catalog), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="app")
    assert 'id="app"' in whole.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_answer_is_422_with_bilingual_message(client, catalog, htmx):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "checklist"} if htmx else {}
    response = client.get(guide_url(catalog, **{"a.premises": "castle"}), **headers)
    assert response.status_code == 422
    html = response.content.decode()
    assert "没有选项 castle" in html and "has no option castle" in html
    assert 'role="alert"' in html


def test_at_date_selects_the_old_version(client, catalog):
    old = client.get(guide_url(catalog, at="2025-06-01"))
    assert old.status_code == 200
    html = old.content.decode()
    assert "旧址：灞桥区纺织城西街1号" in html and "10 工作日" in html
    assert "v1" in html
    current = client.get(guide_url(catalog, at="2026-03-01")).content.decode()
    assert "灞桥区政务服务中心二楼" in current and "v2" in current
    assert client.get(guide_url(catalog, at="2020-01-01")).status_code == 404


def test_bad_at_date_is_422(client, catalog):
    response = client.get(guide_url(catalog, at="yesterday"))
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.content.decode()


def test_print_stylesheet(client, catalog):
    html = client.get(guide_url(catalog)).content.decode()
    assert "web/catalog.css" in html
    from django.contrib.staticfiles import finders

    css = Path(finders.find("web/catalog.css")).read_text(encoding="utf-8")
    assert "@media print" in css
    print_rules = css[css.index("@media print") :]
    assert ".site-header" in print_rules and "display: none" in print_rules


def test_guide_page_query_count_is_pinned(client, catalog, django_assert_max_num_queries):
    client.get(guide_url(catalog))  # warm: session, language
    with django_assert_max_num_queries(12):
        response = client.get(guide_url(catalog, **{"a.premises": "rent", "a.sublease": "yes"}))
    assert response.status_code == 200


def test_downloads_are_attachments_of_published_versions_only(client, catalog, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    material = catalog.current.materials.get(key="application-form")
    material.blank_form.save("application.pdf", ContentFile(b"%PDF-1.4 blank"), save=True)
    old_material = catalog.old.materials.get(key="application-form")
    old_material.sample_file.save("old-sample.pdf", ContentFile(b"%PDF-1.4 old"), save=True)

    url = reverse("catalog:download", args=[catalog.code, "application-form", "form"])
    assert url in client.get(guide_url(catalog)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 blank"
    # the sample exists only on the superseded version: not served
    sample = reverse("catalog:download", args=[catalog.code, "application-form", "sample"])
    assert client.get(sample).status_code == 404
    bad_kind = reverse("catalog:download", args=[catalog.code, "application-form", "x"])
    assert client.get(bad_kind).status_code == 404
