"""WSGI entry for the HTTP baseline: production settings with the bench URLconf.

Mirrors ``zhengwu.config.wsgi`` (the same two-handler application, ``gc.freeze()``), with the
two reference views.
"""

import gc

import django
from django.conf import settings

django.setup(set_prefix=False)
settings.ROOT_URLCONF = "bench.bench_urls"

from zhengwu.config.handlers import Application  # noqa: E402

application = Application()
gc.freeze()
