"""``plain_fields``: a file model's fields as ``model_dump`` gives them, read without building its serializer."""

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from riskengine.method.load import load_method
from riskengine.source.fields import plain_fields

RULES = Path(__file__).resolve().parents[1] / "rules"


def _models(value: Any) -> list[BaseModel]:
    """Every model in ``value``, itself and those its fields hold, at any depth."""
    if isinstance(value, BaseModel):
        return [value, *(m for name in type(value).model_fields for m in _models(getattr(value, name)))]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _models(item)]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _models(item)]
    return []


@pytest.mark.parametrize("method", sorted(p.name for p in RULES.iterdir() if (p / "method.yaml").exists()))
def test_every_model_of_a_bundled_method_reads_as_model_dump_gives_it(method):
    """Keys, their order, and values (Decimals stay Decimals), with and without ``exclude_none``."""
    loaded = load_method(RULES / method)
    models = _models(loaded.model) + _models(loaded.policies)
    assert len({type(m) for m in models}) > 15  # the method's tables, levels, rules and their actions
    for model in models:
        for exclude_none in (False, True):
            dumped = model.model_dump(exclude_none=exclude_none)
            plain = plain_fields(model, exclude_none=exclude_none)
            assert plain == dumped and repr(plain) == repr(dumped), type(model).__name__
