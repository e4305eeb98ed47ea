"""Situation questions and options edited in the workbench draft editor: the department's
editors (and administrators) only; a cycle or a bad limit is refused with the bilingual
message and nothing is saved."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.catalog import helpers_manage as h
from tests.factories import DepartmentFactory, make_citizen, make_staff
from zhengwu.catalog.models import Situation, SituationOption
from zhengwu.catalog.selectors import situation_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    department = DepartmentFactory()
    return h.add_materials_and_situations(h.new_draft(department))


def client_for(user, language: str = "zh-hans") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def url(version) -> str:
    return f"/workbench/catalog/versions/{version.pk}/edit/"


def tree(version) -> list:
    """(question key, parent path, [(option key, label, [material keys], limits)]) per question."""
    rows = []
    for situation in Situation.objects.filter(version=version).order_by("key"):
        parent = situation.parent_option
        rows.append(
            (
                situation.key,
                situation.question,
                f"{parent.situation.key}.{parent.key}" if parent else "",
                sorted(
                    (
                        o.key,
                        o.label,
                        sorted(m.key for m in o.materials.all()),
                        o.promised_limit,
                        o.statutory_limit,
                    )
                    for o in situation.options.all()
                ),
            )
        )
    return rows


def test_editor_page_lists_questions_options_and_material_checkboxes(draft):
    editor = make_staff(department=draft.department, roles=["approver"])
    html = client_for(editor).get(url(draft)).content.decode()
    assert "经营场所是否为租赁？" in html and "是否委托代理人？" in html
    assert 'value="premises.rented"' in html  # a possible parent of a follow-up
    assert 'name="materials" value="lease" checked' in html  # the rented option's material


def test_permissions(draft):
    other_department = DepartmentFactory()
    post = {"form": "situation", "key": "scope", "question": "是否含冷食？"}
    before = tree(draft)
    assert Client().post(url(draft), post).status_code == 302
    refused = [
        make_citizen(),
        make_staff(department=draft.department, roles=["window_clerk"]),
        make_staff(department=other_department, roles=["approver"]),
    ]
    for user in refused:
        assert client_for(user).post(url(draft), post).status_code in (403, 404)
    assert tree(draft) == before


def test_department_editor_adds_changes_and_deletes(draft):
    client = client_for(make_staff(department=draft.department, roles=["department_head"]))
    r = client.post(
        url(draft),
        {"form": "situation", "key": "scope", "question": "是否含冷食？", "parent_option": ""},
    )
    assert r.status_code == 302
    r = client.post(
        url(draft),
        {
            "form": "option",
            "situation_key": "scope",
            "key": "cold",
            "label": "含冷食",
            "materials": ["lease", "proxy"],
            "conditions": "设专间",
            "promised_limit": "8",
            "statutory_limit": "",
        },
    )
    assert r.status_code == 302
    option = SituationOption.objects.get(situation__version=draft, key="cold")
    assert sorted(m.key for m in option.materials.all()) == ["lease", "proxy"]
    assert (option.promised_limit, option.statutory_limit, option.conditions) == (8, None, "设专间")

    # change: fewer materials, no override; the question becomes a follow-up
    r = client.post(
        url(draft),
        {"form": "option", "situation_key": "scope", "key": "cold", "label": "含冷食类",
         "materials": ["lease"], "promised_limit": ""},
    )  # fmt: skip
    assert r.status_code == 302
    option.refresh_from_db()
    assert [m.key for m in option.materials.all()] == ["lease"]
    assert (option.label, option.promised_limit) == ("含冷食类", None)
    r = client.post(
        url(draft),
        {"form": "situation", "key": "scope", "question": "是否含冷食？",
         "parent_option": "premises.owned"},
    )  # fmt: skip
    assert r.status_code == 302
    nested = {
        n.key: [f.key for o in n.options for f in o.follow_ups] for n in situation_tree(draft)
    }
    assert nested["premises"] == ["agent", "scope"]
    assert "scope" in client.get(url(draft)).content.decode()

    r = client.post(url(draft), {"form": "option_delete", "situation_key": "scope", "key": "cold"})
    assert r.status_code == 302
    assert not SituationOption.objects.filter(situation__version=draft, key="cold").exists()
    r = client.post(url(draft), {"form": "situation_delete", "key": "premises"})
    assert r.status_code == 302
    # the follow-ups go with their question
    assert not Situation.objects.filter(version=draft).exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "办事情形不能形成循环"), ("en", "The situation tree would have a cycle")],
)
def test_cycle_refused_with_the_bilingual_message(draft, language, message):
    client = client_for(make_staff(department=draft.department, roles=["approver"]), language)
    before = tree(draft)
    # "agent" follows premises.rented: hanging "premises" under agent.yes is a cycle
    r = client.post(
        url(draft),
        {"form": "situation", "key": "premises", "question": "改过的问题",
         "parent_option": "agent.yes"},
    )  # fmt: skip
    assert r.status_code == 422
    html = r.content.decode()
    assert message in html and 'role="alert"' in html
    assert tree(draft) == before


def test_bad_option_input_saves_nothing(draft):
    client = client_for(make_staff(department=draft.department, roles=["administrator"]))
    before = tree(draft)
    bad = [
        {"label": "含冷食", "materials": ["no-such-material"]},
        {"label": "", "materials": ["lease"]},
        {"label": "含冷食", "promised_limit": "abc"},
        {"label": "含冷食", "promised_limit": "99"},  # above the statutory limit (20)
    ]
    for fields in bad:
        r = client.post(
            url(draft), {"form": "option", "situation_key": "premises", "key": "rented", **fields}
        )
        assert r.status_code == 422, fields
        # the main form keeps the draft's values, not the option form's
        assert 'id="f-name" name="name" value="食品经营许可"' in r.content.decode()
    r = client.post(
        url(draft), {"form": "option", "situation_key": "nope", "key": "x", "label": "x"}
    )
    assert r.status_code == 404
    r = client.post(url(draft), {"form": "situation", "key": "bad key!", "question": "问题"})
    assert r.status_code == 422
    assert tree(draft) == before


def test_published_version_cannot_be_edited(draft):
    h.approve(draft)
    client = client_for(make_staff(department=draft.department, roles=["approver"]))
    before = tree(draft)
    r = client.post(url(draft), {"form": "situation_delete", "key": "premises"})
    assert r.status_code in (409, 422)
    assert tree(draft) == before
