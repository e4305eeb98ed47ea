"""Administrators edit search synonyms in the Django admin (audited); search picks a saved
synonym up at its next stamp check."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from zhengwu.catalog import search
from zhengwu.catalog.admin import SearchSynonymAdmin
from zhengwu.catalog.models import SearchSynonym
from zhengwu.kernel.admin_audit import AuditedAdmin
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

ADD = "/admin/catalog/searchsynonym/add/"
TERM = "喜添丁"  # not a word of the catalogue nor of the built-in synonyms


@pytest.fixture
def admin_client(client, imported_small_catalog):
    client.force_login(UserFactory(username="root-admin", is_superuser=True, is_staff=True))
    search.set_index(None)
    yield client
    search.set_index(None)


def names(q: str) -> list[str]:
    return [hit.name for hit in search.get_index(force_check=True).search(q)[1]]


def test_synonym_admin_is_audited_and_explains_itself(admin_client):
    assert SearchSynonymAdmin.__mro__[1] is AuditedAdmin
    page = admin_client.get(ADD).content.decode()
    assert "每行一个" in page and "one per line" in page


def test_saved_synonym_reaches_search(admin_client):
    assert "出生登记" not in names(TERM)
    response = admin_client.post(
        ADD, {"term": TERM, "expansions": "出生登记\n出生医学证明、出生登记", "note": "口语"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    synonym = SearchSynonym.objects.get(term=TERM)
    assert synonym.expansions == ["出生登记", "出生医学证明"]
    assert AuditEntry.objects.filter(action="admin.added", object_id=str(synonym.pk)).exists()
    assert names(TERM)[:2] == ["出生登记", "出生医学证明"] or set(names(TERM)[:2]) == {
        "出生登记",
        "出生医学证明",
    }

    # a change is picked up too; without force_check, once the check interval has passed
    change = f"/admin/catalog/searchsynonym/{synonym.pk}/change/"
    assert "出生登记\n出生医学证明" in admin_client.get(change).content.decode()
    response = admin_client.post(change, {"term": TERM, "expansions": "食品经营许可", "note": ""})
    assert response.status_code == 302
    assert names(TERM)[0] == "食品经营许可"


def test_change_is_seen_after_the_check_interval(admin_client, settings):
    search.get_index(force_check=True)
    settings.CATALOG_SEARCH_CHECK_SECONDS = 0
    admin_client.post(ADD, {"term": TERM, "expansions": "出生登记", "note": ""})
    assert search.get_index().search(TERM)[1][0].name == "出生登记"


def test_empty_expansions_refused(admin_client):
    response = admin_client.post(ADD, {"term": TERM, "expansions": " 、\n", "note": ""})
    assert response.status_code == 200
    assert not SearchSynonym.objects.filter(term=TERM).exists()
