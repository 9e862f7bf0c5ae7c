"""The `fengqiao` console command: Django's manage command, which also runs the project's own
commands (demo, serve, loaddemo, sweep…)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fengqiao", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
