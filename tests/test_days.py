"""Days in the files: a date, or a date and time taken for its day; a number is refused, never read as a day.

pydantic reads a number given for a date as seconds since 1970 (``0`` is 01/01/1970): every field that
holds a day, in the catalogue, the assessment and the rule tests, refuses it instead.
"""

from __future__ import annotations

import datetime as dt
import inspect
import typing

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from riskengine.catalog import models as catalog_models
from riskengine.method import models as method_models


def _holds_a_day(annotation: object) -> bool:
    if annotation is dt.date:
        return True
    return any(_holds_a_day(arg) for arg in typing.get_args(annotation))


_MODELS = {f"{module.__name__.split('.')[1]}.{model.__name__}": model
           for module in (catalog_models, method_models) for model in vars(module).values()
           if inspect.isclass(model) and issubclass(model, BaseModel) and model.__module__ == module.__name__}
DAY_FIELDS = sorted((model, name) for model, cls in _MODELS.items() for name, info in cls.model_fields.items()
                    if _holds_a_day(info.rebuild_annotation()))


def _field(model: str, name: str) -> TypeAdapter:
    return TypeAdapter(_MODELS[model].model_fields[name].rebuild_annotation())


def test_the_fields_that_hold_a_day_are_found() -> None:
    assert ("catalog.Ente", "data_riferimento") in DAY_FIELDS and ("catalog.Obbligo", "aggiornamento") in DAY_FIELDS
    assert ("method.AssessmentFile", "data_valutazione") in DAY_FIELDS and ("catalog.Misura", "scadenza") in DAY_FIELDS
    assert len(DAY_FIELDS) >= 12


@pytest.mark.parametrize(("model", "name"), DAY_FIELDS)
@pytest.mark.parametrize("number", [0, 86400, 1767139200, 20260131, 1.5])
def test_a_number_is_never_read_as_a_day(model: str, name: str, number: float) -> None:
    with pytest.raises(ValidationError):
        _field(model, name).validate_python(number)


@pytest.mark.parametrize(("model", "name"), DAY_FIELDS)
def test_a_date_and_time_is_taken_for_its_day(model: str, name: str) -> None:
    field = _field(model, name)
    assert field.validate_python(dt.date(2026, 1, 31)) == dt.date(2026, 1, 31)
    assert field.validate_python(dt.datetime(2026, 1, 31, 10, 30)) == dt.date(2026, 1, 31)  # a workbook's cell
