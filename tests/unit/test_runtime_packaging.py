"""One runtime everywhere: template.yaml's Globals, the layer's resource and build, and what the Makefile
checks wheels for and builds the layer with all name the same Python and architecture."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit_dev.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
WHEEL_ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}


def _make_variable(path: Path, name: str) -> str:
    found = re.search(rf"^(?:export )?{name} [:?]?= (.+)$", path.read_text(), re.M)
    assert found, f"{name} not set in {path}"
    return found.group(1).split("#")[0].strip()


def test_template_makefile_and_layer_build_agree_on_the_runtime() -> None:
    template = load_yaml(ROOT / "template.yaml")
    function = template["Globals"]["Function"]
    (architecture,) = function["Architectures"]
    python = _make_variable(ROOT / "Makefile", "LAMBDA_PYTHON")
    platforms = _make_variable(ROOT / "Makefile", "LAMBDA_PLATFORMS").split()

    assert function["Runtime"] == f"python{python}"
    assert platforms and all(p.endswith("_" + WHEEL_ARCH[architecture]) for p in platforms)

    layer = template["Resources"]["CockpitLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == [function["Runtime"]]
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    layer_make = ROOT / "layers" / "cockpit" / "Makefile"
    assert _make_variable(layer_make, "COCKPIT_LAYER_PYTHON") == python  # a bare `sam build` too
    assert _make_variable(layer_make, "COCKPIT_LAYER_PLATFORMS").split() == platforms
    for name, resource in template["Resources"].items():  # no function overrides the runtime
        if resource["Type"] == "AWS::Serverless::Function":
            assert {"Runtime", "Architectures"}.isdisjoint(resource["Properties"]), name
