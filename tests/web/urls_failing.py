"""The site's URLs plus one view that fails, to exercise handler500."""

from django.urls import path

from zhengwu.config.urls import handler404, handler500, urlpatterns  # noqa: F401


def fail(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("fail/", fail), *urlpatterns]
