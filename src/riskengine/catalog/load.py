"""Load a catalogue directory: every file validated, every problem of every file reported together."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from riskengine.catalog.lookalikes import look_alike_codes
from riskengine.catalog.models import (
    CATALOG_FILES,
    AreasFile,
    Ente,
    FactorsFile,
    MeasuresFile,
    ProcessesFile,
    TrasparenzaFile,
    UnitsFile,
)
from riskengine.errors import Location, Problem, RiskengineError, Severity
from riskengine.gcpause import paused
from riskengine.i18n import os_cause, refuse, said
from riskengine.source.document import Document, PositionCache, load_yaml
from riskengine.source.validate import validate_document

REQUIRED_FILES = ("ente.yaml", "areas.yaml", "units.yaml", "processes.yaml", "measures.yaml")
DEFAULT_FACTORS = "fattori.yaml"
OPTIONAL_FILES = ("trasparenza.yaml",)  # the schedule of publication obligations: absent, none is checked
# Entries of a folder looked at for the folder a path that holds no catalogue meant; catalogues named in its hint.
FOLDERS_LOOKED_AT = 1000
CATALOGUES_NAMED = 8
FINDINGS = {"earlier-method-is-current": Severity.WARNING}  # by code, its severity (``rules-list`` lists it)


@dataclass
class Catalog:
    """A validated catalogue and the documents it came from.

    The documents locate any value; their plain data is released once validated (the models hold it).
    """

    root: Path
    ente: Ente
    areas: AreasFile
    units: UnitsFile
    factors: FactorsFile
    processes: ProcessesFile
    measures: MeasuresFile
    transparency: TrasparenzaFile | None = None
    documents: dict[str, Document] = field(repr=False, default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # found while loading (catalog_warnings)

    def locate(self, file: str, keys: tuple[Any, ...], *, key: bool = False) -> Location:
        """Where ``keys`` is in ``file`` (a catalogue file name such as ``measures.yaml``)."""
        doc = self.documents.get(file)
        if doc is None:
            return Location(str(self.root / file))
        return doc.locate(keys, key=key)

    def position_cache(self) -> PositionCache | None:
        """The cache its files' position indexes are kept in (see riskengine.graph.cache), if any: files read
        beside the catalogue, such as its assessments, use it too."""
        return next((doc.positions for doc in self.documents.values() if doc.positions is not None), None)

    def release_positions(self) -> None:
        """Forget the files' bytes and position indexes (read again if a value is located later)."""
        for doc in self.documents.values():
            doc.release_positions()

    def assessment_files(self) -> dict[int, Path]:
        """The ``assessment-<year>.yaml`` files of the catalogue, by year; a file named otherwise that would be
        taken for one (``assessment-2026.yml``, ``Assessment-2026.yaml``, ``assessment-02026.yaml``, the year in
        full-width digits: its answers would be ignored, or another's) is refused."""
        found: dict[int, Path] = {}
        misnamed: list[tuple[Path, int]] = []
        for path in sorted(self.root.iterdir()):
            written = _ASSESSMENT_NAME.fullmatch(path.name)
            if written is None:
                continue
            year = int(written["anno"])  # any script's digits ('２０２７': refused below, as another spelling)
            if path.name == f"assessment-{year}.yaml":
                found[year] = path
            else:
                misnamed.append((path, year))
        # beside the year's file, a second one to merge or remove; alone, a file to rename
        problems = [said(Location(str(path)), "problemi.valutazione_nome", anno=year,
                         hint_key="problemi.suggerimento.valutazione_doppia" if year in found
                         else "problemi.suggerimento.nome_valutazione") for path, year in misnamed]
        if problems:
            raise RiskengineError(problems)
        return found


# A name that reads as an assessment file's, in any case and either YAML extension.
_ASSESSMENT_NAME = re.compile(r"(?i)assessment-(?P<anno>\d+)\.ya?ml")


def default_factors_document() -> Document:
    """The package's factors.yaml: the enabling factors of a catalogue without its own."""
    ref = resources.files("riskengine") / "data" / DEFAULT_FACTORS
    with resources.as_file(ref) as path:
        return load_yaml(path)


def load_catalog(root: str | os.PathLike) -> Catalog:
    """Load and validate every file of a catalogue directory.

    Raises :class:`RiskengineError` listing every problem found (file, line, column, fix).
    Cross-references are not checked here: that is the job of the integrity rules (graph).
    """
    with paused():  # one pause for every file (riskengine.gcpause)
        return _load_catalog(Path(root))


def folder_refusal(root: Path, *, methods: bool = False) -> RiskengineError | None:
    """Why ``root`` is no catalogue folder (None: it holds a catalogue's files), with what was most likely meant:
    the catalogue folder a file is in (or a mistyped file would be in), the one beside it that its name looks like
    (a typo of a folder), or the catalogues inside it (their parent). ``methods``: method folders are meant too (as
    for ``check``, which reads them)."""
    # A folder with none of a catalogue's files (a typo of the path, its parent) is not a catalogue missing five.
    try:
        holds = root.is_dir() and any((root / name).exists() for name in CATALOG_FILES if name not in OPTIONAL_FILES)
    except OSError as exc:  # a name too long for the system, a folder that cannot be read
        return refuse(Location(str(root)), "problemi.cartella_illeggibile", **os_cause(exc))
    return None if holds else _not_a_catalogue(root, methods)


def _not_a_catalogue(root: Path, methods: bool) -> RiskengineError:
    from riskengine.suggest import DID_YOU_MEAN, closest

    where = Location(str(root))
    if os.path.lexists(root) and not os.path.isfile(root):
        inside = [root / name for name in _folders(root) if _holder(root / name, methods) == "catalogo"]
        if not inside:
            return refuse(where, "problemi.non_catalogo", hint_key="problemi.suggerimento.cartella_catalogo")
        shown = ", ".join(map(str, inside[:CATALOGUES_NAMED])) + (", …" if len(inside) > CATALOGUES_NAMED else "")
        hint_key = "problemi.suggerimento.catalogo_dentro" if len(inside) == 1 else \
            "problemi.suggerimento.cataloghi_dentro"
        return refuse(where, "problemi.non_catalogo", hint_key=hint_key, cataloghi=shown)
    said_key = "problemi.non_catalogo" if os.path.lexists(root) else "problemi.percorso_inesistente"
    around = _holder(root.parent, methods)
    if around:
        hint_key = "problemi.suggerimento.cartella_del_catalogo" if around == "catalogo" else \
            "problemi.suggerimento.cartella_del_metodo"
        return refuse(where, said_key, hint_key=hint_key, cartella=root.parent)
    if not os.path.lexists(root):
        nearest = closest(root.name, [name for name in _folders(root.parent) if _holder(root.parent / name, methods)])
        if nearest is not None:
            return refuse(where, said_key, hint=DID_YOU_MEAN.format(root.parent / nearest))
    return refuse(where, said_key, hint_key="problemi.suggerimento.cartella_catalogo")


def _holder(folder: Path, methods: bool) -> str:
    """What ``folder`` holds: "catalogo" (its ente.yaml), "metodo" (its method.yaml, when ``methods``), else ""."""
    if os.path.isfile(folder / "ente.yaml"):
        return "catalogo"
    return "metodo" if methods and os.path.isfile(folder / "method.yaml") else ""


def _folders(parent: Path) -> list[str]:
    """The names of the folders in ``parent``, sorted; none when it has more than ``FOLDERS_LOOKED_AT`` entries (a
    suggestion is not worth listing millions, nor one made from whichever came first) or cannot be listed. Hidden
    names are left out, and names that cannot be typed (a byte of another encoding is a lone surrogate here, which
    is not printable)."""
    try:
        with os.scandir(parent) as listing:
            entries = list(itertools.islice(listing, FOLDERS_LOOKED_AT + 1))
    except OSError:
        return []
    if len(entries) > FOLDERS_LOOKED_AT:
        return []
    return sorted(entry.name for entry in entries
                  if not entry.name.startswith(".") and entry.name.isprintable() and entry.is_dir())


def _load_catalog(root: Path) -> Catalog:
    refused = folder_refusal(root)
    if refused is not None:
        raise refused
    problems: list[Problem] = []
    documents: dict[str, Document] = {}
    parsed: dict[str, Any] = {}
    for name, model in CATALOG_FILES.items():
        path = root / name
        if not path.exists():
            if name in OPTIONAL_FILES:
                continue
            if name == "factors.yaml":
                doc = default_factors_document()
            else:
                problems.append(said(Location(str(path)), "problemi.file_mancante", file=name,
                                     hint_key="problemi.suggerimento.file_richiesti", files=", ".join(REQUIRED_FILES)))
                continue
        else:
            try:
                doc = load_yaml(path, within=root)
            except RiskengineError as exc:
                problems.extend(exc.problems)
                continue
        documents[name] = doc
        parsed[name] = validate_document(doc, model, problems)
    if problems or any(v is None for v in parsed.values()):
        raise RiskengineError(sorted(problems, key=Problem.sort_key))
    for doc in documents.values():  # kept for locating values only: the models hold the data
        doc.release_data()
    catalog = Catalog(
        root=root,
        ente=parsed["ente.yaml"],
        areas=parsed["areas.yaml"],
        units=parsed["units.yaml"],
        factors=parsed["factors.yaml"],
        processes=parsed["processes.yaml"],
        measures=parsed["measures.yaml"],
        transparency=parsed.get("trasparenza.yaml"),
        documents=documents,
    )
    catalog.warnings = catalog_warnings(catalog)
    return catalog


def catalog_warnings(catalog: Catalog) -> list[Problem]:
    """The warnings found while loading a catalogue: codes that look alike, and years ``metodi_precedenti`` gives
    the catalogue's own ``metodo``."""
    ente = catalog.ente
    # A warning, not an error: the year is read with ``metodo`` either way, and a year may be listed before
    # ``metodo`` moves on; but the entry most likely names the new method where the old one was meant.
    return look_alike_codes(catalog) + [
        said(catalog.locate("ente.yaml", ("metodi_precedenti", year)), "integrita.earlier-method-is-current",
             code="earlier-method-is-current", severity=FINDINGS["earlier-method-is-current"],
             hint_key="problemi.suggerimento.earlier-method-is-current", anno=year, metodo=name)
        for year, name in sorted(ente.metodi_precedenti.items()) if name == ente.metodo]
