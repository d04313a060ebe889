"""``python -m app`` and the ``psoas-atlas`` command: Ctrl+C and SIGTERM are answered in one
line even while the modules load (about a second), not with a traceback."""

from __future__ import annotations

import sys

from app.interrupts import Terminated, stopped, unwinding


def run() -> int:
    try:
        with unwinding():
            from app.cli import main

            return main()
    except (KeyboardInterrupt, Terminated) as interruption:
        return stopped(interruption)


if __name__ == "__main__":
    sys.exit(run())
