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
from riskengine.i18n import RefusalError
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


def _refusal(model: str, name: str, value: object) -> str:
    """The key of the refusal of ``value`` (a worded one, or pydantic's kind of error)."""
    with pytest.raises(ValidationError) as info:
        _field(model, name).validate_python(value)
    error = info.value.errors()[0]
    cause = error.get("ctx", {}).get("error")
    return cause.key if isinstance(cause, RefusalError) else error["type"]


# a field that also takes words refuses what is no day with its own key (scadenza: a date or 'continua')
_OWN_KEY = {("catalog.Misura", "scadenza"): "problemi.valore.scadenza",
            ("catalog.Obbligo", "aggiornamento"): "problemi.valore.aggiornamento"}


@pytest.mark.parametrize(("model", "name"), DAY_FIELDS)
@pytest.mark.parametrize("number", [0, 0.0, 86400, 1767139200, 20260131, 1.5, "0", "1767139200", " 86400 "])
def test_a_number_is_never_read_as_a_day(model: str, name: str, number: object) -> None:
    kind = "testo" if isinstance(number, str) else "numero"
    assert _refusal(model, name, number) == _OWN_KEY.get((model, name), f"problemi.valore.data_{kind}")


@pytest.mark.parametrize(("model", "name"), DAY_FIELDS)
def test_a_date_and_time_is_taken_for_its_day(model: str, name: str) -> None:
    field = _field(model, name)
    assert field.validate_python(dt.date(2026, 1, 31)) == dt.date(2026, 1, 31)
    assert field.validate_python(dt.datetime(2026, 1, 31, 10, 30)) == dt.date(2026, 1, 31)  # a workbook's cell
    for text in ("2026-01-31", " 2026-01-31 10:00", "2026-01-31T10:00:00"):  # YAML leaves these as text
        assert field.validate_python(text) == dt.date(2026, 1, 31)


@pytest.mark.parametrize(("model", "name"), DAY_FIELDS)
def test_a_day_before_1901_is_a_number_typed_into_a_date_cell(model: str, name: str) -> None:
    assert _refusal(model, name, dt.datetime(1900, 1, 1, 12)) == "problemi.valore.data_remota"  # 1.5 in Excel
    assert _refusal(model, name, dt.date(1900, 12, 31)) == "problemi.valore.data_remota"
    assert _field(model, name).validate_python(dt.date(1901, 1, 1)) == dt.date(1901, 1, 1)


@pytest.mark.parametrize("text", ["20260131", "2026-W05-6", "2026-031", "2026-1-5", "2026-02-30", "31-01-2026"])
def test_only_a_day_written_year_month_day_is_read_from_text(text: str) -> None:
    # Python reads 20260131 and 2026-W05-6 as days too: a number, a week
    assert _refusal("catalog.Ente", "data_riferimento", text) == "problemi.valore.data_testo"


def test_a_day_written_the_italian_way_is_said_with_the_day_to_write() -> None:
    with pytest.raises(ValidationError) as info:
        _field("catalog.Ente", "data_riferimento").validate_python("31/1/2026")
    refusal = info.value.errors()[0]["ctx"]["error"]
    assert (refusal.key, refusal.values["scritto"]) == ("problemi.valore.data_italiana", "2026-01-31")
    assert _refusal("catalog.Misura", "scadenza", "31.12.2026") == "problemi.valore.data_italiana"
    # no day to suggest where there is none: 31 February, month 25, before 1901
    for text in ("31/02/2026", "13/25/2026", "31/01/1899", "31/12/1900"):
        assert _refusal("catalog.Ente", "data_riferimento", text) == "problemi.valore.data_testo"
    assert _refusal("catalog.Ente", "data_riferimento", "1/1/1901") == "problemi.valore.data_italiana"


def test_true_is_no_day_nor_a_number() -> None:
    assert _refusal("catalog.Ente", "data_riferimento", True) == "date_type"
