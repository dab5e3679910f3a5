"""What every command's output shares: the installed version, and a reader that went away (``| head``)."""
from __future__ import annotations

import os
import sys
from importlib import metadata


def version() -> str:
    try:
        return metadata.version("fleetops")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def quiet_closed_pipe() -> None:
    """After a ``BrokenPipeError`` on stdout: point stdout at /dev/null so the interpreter's final flush does
    not raise again (the recipe of the Python docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
