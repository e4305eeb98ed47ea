"""The product's URLs plus one bare Django JSON view, for the HTTP baseline only."""

from django.http import JsonResponse
from django.urls import path

from zhengwu.config.urls import urlpatterns as product_urls


def bare_json(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare-json", bare_json), *product_urls]
