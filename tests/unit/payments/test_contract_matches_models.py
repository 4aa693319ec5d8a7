"""The catalog's JSON Schemas and the payments function's argument models describe the same arguments."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from cockpit.tools.catalog import first_party
from payments.handler import tools
from payments.models import AmountArg, CreatePaymentArgs, ListMethodsArgs, PaymentArgs, RefundArgs

MODELS: dict[str, type[BaseModel]] = {
    "payments_list_methods": ListMethodsArgs,
    "payments_create_payment": CreatePaymentArgs,
    "payments_get_payment": PaymentArgs,
    "payments_refund_payment": RefundArgs,
}


def agree(schema: dict[str, object], model: type[BaseModel]) -> None:
    assert set(schema["properties"]) == set(model.model_fields)  # type: ignore[arg-type]
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert set(schema.get("required", [])) == required  # type: ignore[call-overload]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(("name", "model"), MODELS.items())
def test_fields_and_required_agree(name: str, model: type[BaseModel]) -> None:
    spec = first_party().get(name)
    assert spec is not None
    agree(spec.input_schema, model)
    if "amount" in spec.input_schema["properties"]:
        agree(spec.input_schema["properties"]["amount"], AmountArg)


def test_the_function_serves_exactly_the_catalogs_payments_tools() -> None:
    catalog_names = {t.name for t in first_party() if t.target == "lambda:payments"}
    assert tools.names == catalog_names == set(MODELS)


def test_money_moving_tools_need_confirmation() -> None:
    for spec in first_party():
        if spec.target == "lambda:payments":
            assert spec.requires_confirmation is (spec.effect.value == "payment")
