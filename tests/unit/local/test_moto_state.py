"""How moto's objects are pickled for the local state file: the shapes moto uses that plain pickle
refuses or restores wrongly, and the file's checks."""

from __future__ import annotations

import json
import pickle
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.ssm.models import ParameterDict

from cockpit_dev import moto_state


class Tagged(dict[str, Any]):
    def __init__(self, owner: str) -> None:
        super().__init__()
        self.owner = owner
        self.writes = 0

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def test_a_lambda_made_nested_defaultdict_round_trips_and_keeps_defaulting() -> None:
    tags: defaultdict[str, defaultdict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    tags["Parameter"]["/a"]["owner"] = "cockpit"
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(tags)  # what moto's SSM backend made plain pickle refuse
    back = moto_state.loads(moto_state.dumps(tags))
    assert back == tags
    back["Document"]["d"]["k"] = "v"  # the factories still make what the lambda made
    assert isinstance(back["Document"], defaultdict) and back["Document"]["d"] == {"k": "v"}


def test_a_defaultdict_subclass_is_rebuilt_without_its_init() -> None:
    parameters = ParameterDict("000000000000", "us-east-1")
    parameters["/a"].append("v1")
    back = moto_state.loads(moto_state.dumps(parameters))
    assert type(back) is ParameterDict and dict(back) == dict(parameters) and back["/a"] == ["v1"]
    assert (back.account_id, back.region_name) == ("000000000000", "us-east-1")
    back["/b"].append("v2")  # list is still the factory
    assert back["/b"] == ["v2"] and len(back) == 2


def test_a_lambda_factory_that_makes_something_else_is_refused() -> None:
    odd: defaultdict[str, int] = defaultdict(lambda: 7)
    with pytest.raises(pickle.PicklingError, match="cannot be saved"):
        moto_state.dumps(odd)


def test_a_checking_dict_is_restored_exactly_without_checking_again() -> None:
    item = LimitedSizeDict({"pk": DynamoType({"S": "a"}), "n": DynamoType({"N": "1"})})
    back = moto_state.loads(moto_state.dumps(item))
    assert type(back) is LimitedSizeDict and back == item
    tagged = Tagged("acme")
    tagged["x"] = 1
    back_tagged = moto_state.loads(moto_state.dumps(tagged))
    assert (back_tagged, back_tagged.owner, back_tagged.writes) == ({"x": 1}, "acme", 1)  # not 2


def test_the_state_file_refuses_what_it_did_not_write_as_it_is(tmp_path: Path) -> None:
    state = moto_state.StateFile(tmp_path / "state.pickle")
    state.write({"ssm": b"pickled"})
    assert state.read().services == {"ssm": b"pickled"}
    raw = state.path.read_bytes()
    magic, header, payload = raw.split(b"\n", 2)
    document = json.loads(header)
    for change, why in (
        ({"python": "3.12"}, "it was saved by another version"),
        ({"format": 0}, "it was saved by another version"),
        ({"sha256": "0" * 64}, "its contents are damaged"),
    ):
        state.path.write_bytes(magic + b"\n" + json.dumps({**document, **change}).encode() + b"\n" + payload)
        with pytest.raises(moto_state.StateError, match=why):
            state.read()
    state.path.write_bytes(magic + b"\n{not json\n" + payload)
    with pytest.raises(moto_state.StateError, match="its header is damaged"):
        state.read()
    assert not list(tmp_path.glob(".state.pickle.*.tmp"))  # the write left no temporary file
