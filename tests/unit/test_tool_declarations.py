"""Each tool is declared once (`<domain>/tools.py`); the catalog JSON the layer ships is what `make catalog`
generates from the declarations, and each function serves exactly the tools it declares."""

from __future__ import annotations

import json

import pytest

from cockpit.tools.catalog import first_party
from cockpit_dev.catalog import CATALOG_DIR, SOURCES, declarations, generated, main
from tests.support.tool_contract import served

GENERATED = sorted(SOURCES)


@pytest.mark.parametrize("domain", GENERATED)
def test_the_committed_catalog_is_what_the_declarations_generate(domain: str) -> None:
    committed = (CATALOG_DIR / f"{domain}.json").read_text(encoding="utf-8")
    assert committed == generated(domain), f"cockpit/catalog/{domain}.json drifted: run `make catalog`"


def test_the_check_fails_on_drift(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    for domain in GENERATED:
        (folder / f"{domain}.json").write_text(generated(domain), encoding="utf-8")
    assert main(["--output-dir", str(folder), "--check"]) == 0
    stale = folder / f"{GENERATED[0]}.json"
    doc = json.loads(stale.read_text(encoding="utf-8"))
    doc["tools"][0]["description"] = "edited by hand"
    stale.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["--output-dir", str(folder), "--check"]) == 1
    assert main(["--output-dir", str(folder)]) == 0  # regenerates
    assert stale.read_text(encoding="utf-8") == generated(GENERATED[0])


@pytest.mark.parametrize("domain", [d for d in GENERATED if d != "cockpit"])
def test_each_function_serves_exactly_what_it_declares(domain: str) -> None:
    handlers = served(domain)
    declared = declarations(domain)
    assert handlers.names == {t.name for t in declared}
    for tool in declared:
        assert handlers.arguments_of(tool.name) is tool.arguments
        assert tool.target == f"lambda:{domain}"
        spec = first_party().get(tool.name)
        assert spec is not None and spec.target == tool.target


def test_every_first_party_tool_is_declared_and_every_catalog_file_generated() -> None:
    declared = {t.name: t for d in GENERATED for t in declarations(d)}
    assert {t.name for t in first_party()} == set(declared)
    assert {p.stem for p in CATALOG_DIR.glob("*.json")} == set(GENERATED)
    assert declared["cockpit_get_operation"].target == "gateway:operations"
    assert {t.target for t in declared.values()} == {"gateway:operations"} | {
        f"lambda:{d}" for d in GENERATED if d != "cockpit"
    }
