"""The `zhengwu` console script: Django's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")
    from django.core.management import execute_from_command_line

    from zhengwu.config.env import ConfigurationError

    try:
        execute_from_command_line([sys.argv[0], *sys.argv[1:]])
    except ConfigurationError as exc:
        # A configuration problem is the operator's to fix: say what, not where in the code.
        sys.stderr.write(f"zhengwu: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
