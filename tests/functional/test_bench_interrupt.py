"""`make bench` stopped with Ctrl-C says so in one line: no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_in_bench_is_one_line() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline()  # it is measuring now
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("bench: interrupted"), err
