"""JSON Schemas of every file type, so editors can validate and complete the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from riskengine.source.fields import SCHEMA_ALTERNATIVES

# pydantic writes constraints it cannot place on a converted type (Field(ge=0) on a Decimal read
# through a validator) as its own keywords, which JSON Schema validators ignore: rename them.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_SCHEMA_MAPS = {"properties", "$defs", "patternProperties", "dependentSchemas"}


class _FileSchema(GenerateJsonSchema):
    """JSON Schema of what a file may hold: also the values the validators convert (``codice: 7``)."""

    def function_before_schema(self, schema: Any) -> dict[str, Any]:
        inner = super().function_before_schema(schema)
        extra = SCHEMA_ALTERNATIVES.get(schema.get("function", {}).get("function"))
        if self.mode != "validation" or not extra:
            return inner
        return {"anyOf": [inner, *extra]}


def _standard_keywords(node: Any) -> Any:
    """Rename pydantic's ``ge``/``le``/``gt``/``lt`` to JSON Schema's bounds, with numeric values."""
    if isinstance(node, list):
        return [_standard_keywords(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: _standard_keywords(sub) for name, sub in value.items()}
        elif key in _BOUNDS and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            number = float(value)
            result[_BOUNDS[key]] = int(number) if number.is_integer() else number
        else:
            result[key] = _standard_keywords(value)
    return result


def schema_models() -> dict[str, type[BaseModel]]:
    """File type name → model, for every file a user edits."""
    from riskengine.catalog.models import CATALOG_FILES
    from riskengine.history.scenario import Scenario
    from riskengine.history.storico import StoricoFile
    from riskengine.method.models import RULE_FILES

    models: dict[str, type[BaseModel]] = {name.removesuffix(".yaml"): model for name, model in CATALOG_FILES.items()}
    models.update(cast("dict[str, type[BaseModel]]", RULE_FILES))  # the mapping is inferred as of metaclasses
    models.update({"storico": StoricoFile, "scenario": Scenario})
    return models


def json_schemas() -> dict[str, dict[str, Any]]:
    """File type name → JSON Schema: every file a user edits, ``risultato`` (the result ``assess`` writes)
    and ``differenze`` (what ``diff --format json`` prints)."""
    from riskengine.result.model import CHANGES, RESULT

    schemas = {name: _standard_keywords(model.model_json_schema(schema_generator=_FileSchema))
               for name, model in schema_models().items()}
    schemas["risultato"] = RESULT.json_schema()
    schemas["differenze"] = CHANGES.json_schema()
    return schemas


def write_schemas(out_dir: Path) -> list[Path]:
    """Write ``<name>.schema.json`` for every file type; return the paths, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(json_schemas().items()):
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://riskengine.example/schema/{name}.schema.json"
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
