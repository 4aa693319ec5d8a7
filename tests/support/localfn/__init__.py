"""A tiny SAM application that exercises the local runtime: an API with a TOKEN authorizer, functions
that echo, crash, time out, call each other, and read seeded data. Not part of the product."""

from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "template.yaml"
