"""Run inside a clean interpreter (`python -I -S -B lambda_probe.py SPEC`), as the Lambda runtime would.

sys.path holds only the standard library, then what Lambda puts there: the function's code folder
(/var/task), the layer's python/ folder (/opt/python) and the runtime's own AWS SDK. First a cold start
(the handler module, the Tracer, the given events), then every module the artifacts ship: all of
`cockpit` and of the function's package, each third-party top-level package of the layer and of the
function. Writes one JSON report to the file the spec names (stdout is the function's log). Standard
library only: it must not depend on anything the artifacts lack.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import traceback
from pathlib import Path
from typing import Any


class Context:
    """The attributes of the Lambda context object the handlers read."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "probe"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def top_level_names(folder: Path) -> list[str]:
    names = set()
    for entry in folder.iterdir():
        if entry.name.startswith(("_", ".")) and not entry.name.startswith("_cffi"):
            continue
        if entry.is_dir() and (entry / "__init__.py").exists():
            names.add(entry.name)
        elif entry.suffix == ".py":
            names.add(entry.stem)
        elif entry.suffix == ".so":
            names.add(entry.name.split(".")[0])
    return sorted(names)


def submodules(package: str) -> list[str]:
    module = importlib.import_module(package)
    found = [package]
    for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
        found.append(info.name)
    return found


def shipped_modules(layer: str, task_root: str, package: str) -> list[str]:
    return [
        *top_level_names(Path(layer)),
        *submodules("cockpit"),
        *top_level_names(Path(task_root)),
        *submodules(package),
    ]


def main() -> None:
    spec = json.loads(sys.argv[1])
    task_root, layer, sdk = spec["task_root"], spec["layer"], spec["runtime_sdk"]
    os.chdir(task_root)  # Lambda starts the function in /var/task
    sys.path[:0] = [task_root, layer, sdk]
    report: dict[str, Any] = {"sys_path": sys.path, "imported": [], "failures": {}, "calls": []}

    def load(name: str) -> None:
        try:
            importlib.import_module(name)
            report["imported"].append(name)
        except BaseException as exc:  # any failure to import is the finding
            report["failures"][name] = "".join(traceback.format_exception_only(type(exc), exc)).strip()

    # First as a cold start: the handler module, the Tracer, then the given events.
    module_name, _, attribute = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    from cockpit.observability import tracer

    made = tracer()
    report["tracer"] = None if made is None else {"disabled": bool(made.disabled)}
    report["snapstart_hook"] = bool(getattr(sys.modules.get("cockpit.snapstart"), "INSTALLED", False))

    def answer_events() -> None:
        for event in spec["events"]:
            try:
                answer = handler(event, Context(spec["name"]))
                report["calls"].append({"answer": answer})
            except Exception as exc:  # the authorizer answers 401 by raising
                report["calls"].append({"raised": f"{type(exc).__name__}: {exc}"})

    answer_events()
    # A SnapStart restore, as the runtime performs it: the registered after-restore hooks, then the same
    # events again on what the hooks left.
    import snapshot_restore_py

    hooks = snapshot_restore_py.get_after_restore()
    report["restore_hooks"] = len(hooks)
    for func, args, kwargs in hooks:
        func(*args, **kwargs)
    answer_events()
    report["xray_loaded"] = "aws_xray_sdk" in sys.modules

    # Then everything shipped, whether this handler reaches it or not.
    for name in shipped_modules(layer, task_root, spec["handler"].split(".")[0]):
        load(name)

    report["origins"] = sorted(
        {
            str(Path(getattr(m, "__file__", None) or "").resolve())
            for name, m in list(sys.modules.items())
            if getattr(m, "__file__", None) and name != "__main__"
        }
    )
    Path(spec["report"]).write_text(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
