"""Settings for the test suite: the normal settings in test mode, tasks run inline."""

import os

os.environ.setdefault("ZHENGWU_MODE", "test")
os.environ.setdefault("ZHENGWU_TASKS", "immediate")
# A Redis database of its own, so tests never touch a real deployment's queues; each pytest-xdist
# worker (gw0, gw1, …) counts down from 15 so parallel workers never flush each other's data.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
os.environ.setdefault("ZHENGWU_REDIS_URL", f"redis://127.0.0.1:6379/{15 - int(_WORKER or 0) % 8}")

from zhengwu.config.settings import *  # noqa: E402, F403

# Tests change the catalogue between assertions: no page served from an earlier test's state.
# (tests/kernel/test_pagecache.py switches the real cache on where it is under test.)
CACHES = {
    **CACHES,  # noqa: F405
    "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}

# Uploaded files and rendered documents of the tests go to a throwaway directory, never to
# ./var/files of the checkout (S3 settings are left alone: tests of S3 set their own).
if STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):  # noqa: F405
    import tempfile

    STORAGES = {
        **STORAGES,  # noqa: F405
        "default": {
            **STORAGES["default"],  # noqa: F405
            "OPTIONS": {
                **STORAGES["default"].get("OPTIONS", {}),  # noqa: F405
                "location": tempfile.mkdtemp(prefix="zhengwu-test-files-"),
            },
        },
    }
