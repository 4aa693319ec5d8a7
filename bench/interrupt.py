"""How a bench command ends on an expected condition: Ctrl-C is one line on stderr (status 130), a reader
that went away (`make bench | head`) is a quiet 0 — never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def friendly(main: Callable[[], int], interrupted: str) -> int:
    """Run `main`; on Ctrl-C say `interrupted` in one line."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        sys.stderr.write(interrupted.rstrip("\n") + "\n")
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    return code
