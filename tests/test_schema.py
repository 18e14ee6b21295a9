"""`riskengine schema --out DIR`: JSON Schemas that every valid catalogue file satisfies, and that refuse
what the loader refuses."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
from catalog_helpers import MINI, REPO, run_cli
from pydantic import ValidationError

from riskengine.schema import json_schemas, schema_models
from riskengine.source.document import load_yaml

# JSON Schema 2020-12 keywords (core, applicator, validation, meta-data, format, unevaluated, content)
KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "prefixItems", "items",
    "contains", "properties", "patternProperties", "additionalProperties", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "type", "enum", "const", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems",
    "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired", "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
    "format", "contentEncoding", "contentMediaType", "contentSchema", "discriminator",
}


def catalogue_files() -> list[Path]:
    """Every YAML file of tests/data/mini and of each directory under catalogs/ (globbed at run time)."""
    dirs = [MINI] + sorted(p for p in (REPO / "catalogs").glob("*") if p.is_dir())
    return [f for d in dirs for f in sorted(d.glob("*.yaml"))]


def schema_name(path: Path) -> str:
    """The file type of a catalogue file: ``assessment-2026.yaml`` is an ``assessment``."""
    return re.sub(r"^assessment-\d{4}$", "assessment", path.stem)


def as_json(value):
    """YAML data as JSON data: dates become ISO strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("schemas")
    result = run_cli("schema", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert written == sorted(out / f"{name}.schema.json" for name in json_schemas())
    assert "risultato" in json_schemas() and set(schema_models()) < set(json_schemas())
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    return {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8")) for p in written}


def validator(schema: dict) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_every_file_type_has_a_valid_schema(schemas):
    for name in ("ente", "areas", "units", "factors", "processes", "measures"):
        assert name in schemas
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://riskengine.example/schema/{name}.schema.json"


def _keywords(node, found: set[str]) -> set[str]:
    if isinstance(node, list):
        for item in node:
            _keywords(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
                for sub in value.values():
                    _keywords(sub, found)
            elif key not in ("default", "examples", "const", "enum"):
                _keywords(value, found)
    return found


def test_schemas_use_only_json_schema_keywords(schemas):
    """pydantic's own 'ge'/'le' (ignored by every validator) are written as minimum/maximum."""
    for name, schema in schemas.items():
        assert _keywords(schema, set()) <= KEYWORDS, name


def test_catalogue_files_are_found():
    names = {(p.parent.name, p.name) for p in catalogue_files()}
    assert {("mini", f"{n}.yaml") for n in ("ente", "areas", "units", "processes", "measures")} <= names


@pytest.mark.parametrize("path", catalogue_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_catalogue_file_validates_against_its_schema(path, schemas):
    name = schema_name(path)
    assert name in schemas, f"no schema for {path.name}"
    data = as_json(load_yaml(path).data)
    errors = sorted(validator(schemas[name]).iter_errors(data), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


# Variants of mini files: (file, edit, accepted?). The schema must agree with the model on each.
def _set(path: tuple, value):
    def edit(data):
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return edit


def _drop(path: tuple):
    def edit(data):
        node = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return edit


VARIANTS = {
    "code-as-integer": ("areas.yaml", _set(("aree", 0, "codice"), 1), True),
    "target-as-integer": ("measures.yaml", _set(("misure", 6, "target"), 10), True),
    "deadline-Continua": ("measures.yaml", _set(("misure", 6, "scadenza"), "Continua"), True),
    "deadline-date": ("measures.yaml", _set(("misure", 6, "scadenza"), dt.date(2026, 3, 1)), True),
    "efficacia-as-text": ("measures.yaml", _set(("misure", 6, "efficacia"), "0.25"), True),
    "efficacia-1": ("measures.yaml", _set(("misure", 6, "efficacia"), 1), True),
    "efficacia-above-1": ("measures.yaml", _set(("misure", 6, "efficacia"), 1.3), False),
    "efficacia-negative": ("measures.yaml", _set(("misure", 6, "efficacia"), -0.1), False),
    "unknown-key": ("measures.yaml", _set(("misure", 0, "responsabili"), "DIR"), False),
    "invalid-literal": ("measures.yaml", _set(("misure", 0, "ambito"), "generalle"), False),
    "deadline-not-a-date": ("measures.yaml", _set(("misure", 6, "scadenza"), "fine anno"), False),
    "missing-required": ("ente.yaml", _drop(("metodo",)), False),
    "staff-as-boolean": ("ente.yaml", _set(("dipendenti",), True), False),
    "plan-year-too-early": ("ente.yaml", _set(("piano", "dal"), 1999), False),
    "ente-code-not-a-slug": ("ente.yaml", _set(("codice",), "Mini CCIAA"), False),
    "reference-date-not-a-date": ("ente.yaml", _set(("data_riferimento",), "31/01/2026"), False),
    "no-units": ("units.yaml", _set(("unita",), []), False),
    "unit-type": ("units.yaml", _set(("unita", 0, "tipo"), "direzione"), False),
    "nested-phase-unknown-key": ("processes.yaml", _set(("processi", 0, "fasi", 0, "livello"), 1), False),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_schema_agrees_with_the_model(variant, schemas):
    file, edit, accepted = VARIANTS[variant]
    from riskengine.catalog.models import CATALOG_FILES

    data = copy.deepcopy(load_yaml(MINI / file).data)
    edit(data)
    try:
        CATALOG_FILES[file].model_validate(data)
        model_ok = True
    except ValidationError:
        model_ok = False
    schema_ok = validator(schemas[file.removesuffix(".yaml")]).is_valid(as_json(data))
    assert (model_ok, schema_ok) == (accepted, accepted)


def test_a_result_validates_against_the_published_result_schema(schemas, assessed):
    """The result ``assess`` writes is what the published schema (and the declared model) describes."""
    result = json.loads(json.dumps(assessed("mini"), ensure_ascii=False))
    validator(schemas["risultato"]).validate(result)
    broken = copy.deepcopy(result)
    scored = next(p for p in broken["processi"] if p["valutato"])
    del scored["inerente"]["livello"]
    assert list(validator(schemas["risultato"]).iter_errors(broken))
