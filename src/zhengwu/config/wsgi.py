import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")

from zhengwu.config.handlers import build_application

# Pages and sessions through settings.MIDDLEWARE; API calls with a bearer token through the
# leaner settings.API_TOKEN_MIDDLEWARE (config/handlers.py, decision 0009).
application = build_application()

# Load jieba's dictionary and the catalogue lexicon now, while the worker starts, instead of
# in the first search, guide or hotline request it serves (≈ 1–5 s, docs/operations.md).
from zhengwu.catalog.search import ensure_jieba  # noqa: E402

ensure_jieba()
# Everything loaded at start-up lives as long as the process: keep it out of the cyclic
# garbage collector's passes (measured +12 % requests/s on the bare view, docs/benchmarks.md).
gc.freeze()
