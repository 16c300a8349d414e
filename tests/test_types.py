"""The pipeline's types: built by their slots (types._init_by_slots), still frozen dataclasses."""
from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from graphkit import types

TYPES = [cls for cls in vars(types).values()
         if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == types.__name__]


def _sample(cls) -> dict:
    return {f.name: f"{f.name}-value" for f in dataclasses.fields(cls)}


def test_types_all_found():
    assert {"Mention", "Relation", "Evidence", "Extraction", "Resolved"} <= {c.__name__ for c in TYPES}


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_types_init_signature_is_the_dataclass_one(cls):
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [p.name for p in params] == [f.name for f in dataclasses.fields(cls)]
    for p, f in zip(params, dataclasses.fields(cls)):
        assert p.default == (inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_types_init_fills_every_field_and_stays_frozen(cls):
    values = _sample(cls)
    positional = cls(*values.values())
    by_name = cls(**values)
    assert positional == by_name and hash(positional) == hash(by_name)
    assert dataclasses.asdict(by_name) == values
    assert pickle.loads(pickle.dumps(by_name)) == by_name
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(by_name, name, "other")
    assert getattr(dataclasses.replace(by_name, **{name: "other"}), name) == "other"
    with pytest.raises(TypeError):
        cls(*list(values.values())[:-1] if all(f.default is dataclasses.MISSING
                                                for f in dataclasses.fields(cls)) else ())


def test_types_defaults_apply():
    m = types.Mention("a", "ORG", "Huawei", 0, 6, "rule")
    assert (m.key, m.confidence, m.attrs) == ("", 1.0, ())
    assert types.Resolved((), ()).merge_candidates == ()
