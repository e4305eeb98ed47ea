"""WSGI entry for the HTTP baseline: production settings with the bench URLconf.

Mirrors ``zhengwu.config.wsgi`` (including ``gc.freeze()``), with the two reference views.
"""

import gc

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

django.setup(set_prefix=False)
settings.ROOT_URLCONF = "bench.bench_urls"
application = WSGIHandler()
gc.freeze()
