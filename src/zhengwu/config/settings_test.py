"""Settings for the test suite: the normal settings in test mode, tasks run inline."""

import os

os.environ.setdefault("ZHENGWU_MODE", "test")
os.environ.setdefault("ZHENGWU_TASKS", "immediate")

from zhengwu.config.settings import *  # noqa: E402,F403
