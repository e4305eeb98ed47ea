"""WSGI entry for the HTTP baseline: production settings with the bench URLconf."""

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

django.setup(set_prefix=False)
settings.ROOT_URLCONF = "bench.bench_urls"
application = WSGIHandler()
