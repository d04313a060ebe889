"""``python -m app`` and the ``psoas-atlas`` command: Ctrl+C and SIGTERM are answered in one
line even while the modules load (about a second), not with a traceback."""

from __future__ import annotations

import sys

from app.interrupts import interruption, stopped, unwinding


def run() -> int:
    try:
        with unwinding():
            from app.cli import main

            return main()
    except BaseException as error:
        if (signum := interruption(error)) is None:
            raise
        return stopped(signum)


if __name__ == "__main__":
    sys.exit(run())
