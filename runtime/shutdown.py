"""Ending a short-lived command that used a Temporal client.

The client's Rust core keeps threads that can outlive the event loop; when CPython then
finalizes, they may crash the process (SIGSEGV or SIGABRT, temporalio/sdk-python#300) after
the command has already succeeded. Once a command's own cleanup has run (its `async with`
blocks have stopped the servers it started), the process exits without interpreter teardown.
"""

from __future__ import annotations

import logging
import os
import sys


def exit_code(status: object) -> int:
    """`SystemExit.code` as a process status: None is 0, a message is 1."""
    if status is None:
        return 0
    return status if isinstance(status, int) else 1


def exit_without_finalizing(status: object = 0) -> None:
    code = exit_code(status)
    if isinstance(status, str):
        print(status, file=sys.stderr)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
