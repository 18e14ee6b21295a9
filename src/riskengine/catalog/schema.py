"""JSON Schemas of every file type, so editors can validate and complete the files."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel


def schema_models() -> dict[str, type[BaseModel]]:
    """File type name → model, for every file a user edits."""
    from riskengine.catalog.models import CATALOG_FILES

    models = {name.removesuffix(".yaml"): model for name, model in CATALOG_FILES.items()}
    try:
        from riskengine.rules.models import RULE_FILES
    except ImportError:
        RULE_FILES = {}
    models.update(RULE_FILES)
    return models


def write_schemas(out_dir: Path) -> list[Path]:
    """Write ``<name>.schema.json`` for every file type; return the paths, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in sorted(schema_models().items()):
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://riskengine.example/schema/{name}.schema.json"
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
