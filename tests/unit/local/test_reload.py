"""What the runtime's watcher counts as a code change."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit_dev.reload import changed, snapshot


def test_edits_additions_and_removals_of_code_are_changes_and_caches_are_not(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    service = tmp_path / "pkg" / "service.py"
    service.write_text("A = 1\n")
    (tmp_path / "pkg" / "catalog.json").write_text("{}")
    before = snapshot([tmp_path])
    assert set(before) == {service, tmp_path / "pkg" / "catalog.json"}

    (tmp_path / "pkg" / "__pycache__" / "service.cpython-311.pyc").write_bytes(b"x")
    (tmp_path / "pkg" / "notes.txt").write_text("not code")
    assert changed(before, snapshot([tmp_path])) == []

    service.write_text("A = 2\n")  # same size: the modification time tells
    stat = service.stat()
    os.utime(service, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    added = tmp_path / "pkg" / "models.py"
    added.write_text("")
    (tmp_path / "pkg" / "catalog.json").unlink()
    after = snapshot([tmp_path])
    assert changed(before, after) == sorted([service, added, tmp_path / "pkg" / "catalog.json"])
    assert snapshot([service]) == {service: after[service]}  # a single file can be watched too


def test_the_gateway_watches_every_functions_code_and_the_layer() -> None:
    """Item 6: edits under functions/ and the layer restart the workers; the watcher's roots are where
    the template's CodeUri and layer ContentUri point."""
    from cockpit_dev.runtime import DEV_FILES, Options, Runtime

    root = Path(__file__).resolve().parents[3]
    runtime = Runtime(Options(template=root / "template.yaml"))
    template = runtime.load()
    watched = runtime._code_folders(template)
    functions = {p for p in (root / "functions").iterdir() if p.is_dir() and p.name[0] not in "._"}
    assert len(functions) >= 9 and functions | {root / "layers" / "cockpit"} <= watched, watched
    assert {f.code_uri for f in template.functions.values()} <= watched
    assert root / "dev" / "cockpit_dev" in DEV_FILES  # the worker restarts with them; the rest says so
