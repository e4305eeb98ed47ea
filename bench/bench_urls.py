"""The product's URLs plus two reference views, for the HTTP baseline only.

- ``bench/bare-json``: the cheapest Django JSON view (full middleware, no database).
- ``bench/raw-row``: the same, reading one row through a raw cursor — no ORM, no auth, no
  django-ninja: the most any Django view that reads a row from the database can do here.
"""

from django.db import connection
from django.http import JsonResponse
from django.urls import path

from zhengwu.config.urls import urlpatterns as product_urls


def bare_json(request):
    return JsonResponse({"ok": True})


def raw_row(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, username FROM accounts_user ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    return JsonResponse({"id": row[0], "username": row[1]})


urlpatterns = [
    path("bench/bare-json", bare_json),
    path("bench/raw-row", raw_row),
    *product_urls,
]
