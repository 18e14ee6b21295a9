"""Writing an imported workbook as the catalogue's YAML files, never damaging what is there.

Nothing is written unless every file can be: an existing file is replaced only with ``force``, and
then only when what it says changed (an unchanged file keeps its bytes); a changed file is updated in
place by a YAML round trip (ruamel.yaml), so its comments, key order, quoting and flow style stay
wherever the values did not change. Each file is written whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskengine.catalog.models import CATALOG_FILES
from riskengine.errors import Location, RiskengineError
from riskengine.i18n import said
from riskengine.method.models import AssessmentFile
from riskengine.source.document import load_yaml
from riskengine.source.validate import validate_document
from riskengine.source.writing import make_folder, write_all
from riskengine.workbook.layout import ASSESSMENT_FILE, FILE_ORDER
from riskengine.workbook.read import Imported
from riskengine.workbook.values import plain
from riskengine.workbook.yamlfile import canonical_yaml, updated_yaml

WRITTEN, UNCHANGED, REPLACED = "scritto", "invariato", "riscritto"


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: written (new), unchanged (kept as it was), replaced (--force)."""

    path: Path
    outcome: str


def _existing_data(path: Path, model: type) -> tuple[bool, dict[str, Any] | None]:
    """Whether an existing file reads as YAML (riskengine's safe reader: bounded, UTF-8), and its canonical data,
    None when it is not a valid ``model``."""
    try:
        document = load_yaml(path)
    except RiskengineError:
        return False, None
    parsed = validate_document(document, model, [])
    return True, plain(parsed) if parsed is not None else None


def write_catalog_files(imported: Imported, out_dir: Path, *, force: bool = False) -> list[FileOutcome]:
    """Write the imported files into ``out_dir``; refuse (writing nothing) to replace files without ``force``."""
    names = [n for n in FILE_ORDER if n in imported.models and (n in imported.documents or n == "factors.yaml")]
    if "factors.yaml" not in imported.documents:
        names.remove("factors.yaml")  # the package's default factors: the catalogue has no file of its own
    targets = {n: out_dir / (f"assessment-{imported.year}.yaml" if n == ASSESSMENT_FILE else n) for n in names}
    make_folder(out_dir)  # first: a folder that cannot be made is one located problem, not an error of exists()
    existing = [p for p in targets.values() if p.exists()]
    if existing and not force:
        raise RiskengineError([said(Location(str(p)), "problemi.cartella.file_esistente", code="workbook",
                                    hint_key="problemi.cartella.suggerimento.forza") for p in existing])
    plan: list[tuple[Path, str, str]] = []
    for name in names:
        target, data = targets[name], plain(imported.models[name])
        text = canonical_yaml(data)
        if not target.exists():
            plan.append((target, text, WRITTEN))
            continue
        model = AssessmentFile if name == ASSESSMENT_FILE else CATALOG_FILES[name]
        readable, existing_data = _existing_data(target, model)
        if existing_data == data:
            plan.append((target, "", UNCHANGED))
        else:  # its comments and layout kept where it reads as YAML; a file that does not is replaced whole
            plan.append((target, updated_yaml(target.read_text(encoding="utf-8"), data) if readable else text,
                         REPLACED))
    write_all([(target, text) for target, text, outcome in plan if outcome != UNCHANGED])
    return [FileOutcome(target, outcome) for target, _, outcome in plan]
