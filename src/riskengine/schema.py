"""JSON Schemas of every file type, so editors can validate and complete the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from riskengine.source.fields import SCHEMA_ALTERNATIVES
from riskengine.source.writing import write_atomic

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
    written = []
    for name, schema in sorted(json_schemas().items()):
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://riskengine.example/schema/{name}.schema.json"
        path = out_dir / f"{name}.schema.json"
        write_atomic(path, json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


# ---- Markdown reference tables (docs/formats.md and docs/rules.md hold them; a test keeps them equal) ----

MARKDOWN_GROUPS = {
    "catalogo": ("ente", "areas", "units", "factors", "processes", "measures", "trasparenza", "storico", "scenario"),
    "regole": ("method", "policies", "rule-tests", "assessment"),
}
"""The file types whose reference tables each document holds: the catalogue's, and the rule files'."""

_FILE_NAMES = {"rule-tests": "tests/*.yaml", "assessment": "assessment-<anno>.yaml",
               "scenario": "scenario (whatif --scenario)"}


def _type_text(node: dict[str, Any]) -> str:
    """A schema node in words: ``list of Misura``, `` `a`, `b` ``, ``date``, ``number`` …"""
    if "$ref" in node:
        return node["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in node:
        alternatives = [o for o in node["anyOf"] if o.get("type") != "null"]
        # a pattern that only accepts another spelling of a listed value ('Continua') adds nothing to say
        plain = [o for o in alternatives if "pattern" not in o]
        options = [_type_text(o) for o in (plain if any(o.get("type") == "string" or "anyOf" in o for o in plain)
                                           else alternatives)]
        if "text" in options:  # codes also accept numbers (7 is the code '7'): the text is what matters
            options = [o for o in options if o != "integer"]
        return " or ".join(dict.fromkeys(options)) or "null"
    if "enum" in node:  # a code also allowed unquoted (the number 10 for '10') is listed once
        return ", ".join(dict.fromkeys(f"`{v}`" for v in node["enum"]))
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    if kind == "array":
        return f"list of {_type_text(node.get('items', {}))}"
    if kind == "object":
        extra = node.get("additionalProperties")
        return f"map of {_type_text(extra)}" if isinstance(extra, dict) else "mapping"
    if kind == "string":
        return "date" if node.get("format") == "date" else "text"
    if kind in ("number", "integer", "boolean"):
        bounds = [f"{sign} {node[key]}" for key, sign in (("minimum", "≥"), ("maximum", "≤")) if key in node]
        shown = {"number": "number", "integer": "integer", "boolean": "true/false"}[kind]
        return shown + (f" ({' '.join(bounds)})" if bounds else "")
    return "any"


def _refs(node: Any) -> list[str]:
    """The definitions a node refers to, in order of appearance."""
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def _table(name: str, node: dict[str, Any]) -> list[str]:
    required = set(node.get("required", []))
    lines = [f"**{name}**" + (f": {' '.join(node['description'].split())}" if node.get("description") else ""), "",
             "| key | type | required / default |", "|---|---|---|"]
    for key, prop in node.get("properties", {}).items():
        if key in required:
            default = "required"
        elif "default" in prop and prop["default"] not in (None, [], {}, ""):
            default = f"`{json.dumps(prop['default'], ensure_ascii=False)}`"
        else:
            default = "—"
        lines.append(f"| `{key}` | {_type_text(prop).replace('|', '/')} | {default} |")
    return [*lines, ""]


def schema_markdown(group: str) -> str:
    """The reference tables of a group of file types (``catalogo`` or ``regole``), from their JSON Schemas."""
    schemas = json_schemas()
    out: list[str] = []
    for name in MARKDOWN_GROUPS[group]:
        schema = schemas[name]
        out += [f"#### `{_FILE_NAMES.get(name, name + '.yaml')}`", ""]
        out += _table(schema.get("title", name), schema)
        defs = schema.get("$defs", {})
        seen: list[str] = []
        pending = _refs(schema.get("properties", {}))
        while pending:
            ref = pending.pop(0)
            if ref in seen or ref not in defs:
                continue
            seen.append(ref)
            out += _table(ref, defs[ref])
            pending += _refs(defs[ref].get("properties", {}))
    return "\n".join(out).rstrip("\n") + "\n"
