"""The catalog's JSON Schemas and the payments function's argument models describe the same arguments."""

from __future__ import annotations

from pydantic import BaseModel

from cockpit.tools.catalog import first_party
from payments.models import AmountArg


def agree(schema: dict[str, object], model: type[BaseModel]) -> None:
    assert set(schema["properties"]) == set(model.model_fields)  # type: ignore[arg-type]
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert set(schema.get("required", [])) == required  # type: ignore[call-overload]
    assert schema["additionalProperties"] is False


def test_the_nested_amount_agrees_with_its_model() -> None:
    """Top-level arguments are checked for every tool in tests/unit/test_catalog_matches_functions.py."""
    with_amount = [
        t for t in first_party() if t.target == "lambda:payments" and "amount" in t.input_schema["properties"]
    ]
    assert {t.name for t in with_amount} == {"payments_create_payment", "payments_refund_payment"}
    for spec in with_amount:
        agree(spec.input_schema["properties"]["amount"], AmountArg)


def test_money_moving_tools_need_confirmation() -> None:
    for spec in first_party():
        if spec.target == "lambda:payments":
            assert spec.requires_confirmation is (spec.effect.value == "payment")
