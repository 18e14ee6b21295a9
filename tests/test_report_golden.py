"""Golden files of the mini catalogue's annex in every format (tests/golden/mini*/).

Only SHA-256 digests (of the input files and the rules) are normalised: everything else must match
byte for byte (XLSX as a dump of values and styles, PDF as the text of each page). To accept an
intended change: ``pytest tests/test_report_golden.py --update-golden`` and review ``git diff tests/golden``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from test_report_support import check_golden, pdf_text, xlsx_dump

from riskengine.report import write_annex
from riskengine.report.pdf import font_epoch, pdf_bytes


@pytest.fixture(scope="module")
def mini_annex(assessed, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "mini"
    write_annex(assessed("mini"), out)
    return out


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_golden_html(mini_annex, update_golden):
    check_golden("mini/allegato-rischi.html", _text(mini_annex / "allegato-rischi.html"), update_golden)
    for sheet in sorted((mini_annex / "schede").iterdir()):
        check_golden(f"mini/schede/{sheet.name}", _text(sheet), update_golden)


def test_golden_csv(mini_annex, update_golden):
    names = sorted(p.name for p in (mini_annex / "csv").iterdir())
    assert names == ["criticita.csv", "eventi.csv", "fasi.csv", "fattori.csv", "legenda.csv", "misure-generali.csv",
                     "misure-specifiche.csv", "monitoraggio.csv", "registro.csv", "risposte.csv"]
    for name in names:
        check_golden(f"mini/csv/{name}", _text(mini_annex / "csv" / name), update_golden)


def test_golden_json(mini_annex, update_golden):
    check_golden("mini/risultato.json", _text(mini_annex / "risultato.json"), update_golden)


def test_golden_xlsx(mini_annex, update_golden):
    dump = json.dumps(xlsx_dump(mini_annex / "allegato-rischi.xlsx"), ensure_ascii=False, indent=1) + "\n"
    check_golden("mini/allegato-rischi.xlsx.json", dump, update_golden)


def test_golden_pdf(mini_annex, update_golden):
    pages = pdf_text(mini_annex / "allegato-rischi.pdf")
    text = "".join(f"--- page {i} of {len(pages)} ---\n{page}\n" for i, page in enumerate(pages, start=1))
    check_golden("mini/allegato-rischi.pdf.txt", text, update_golden)


def test_golden_html_english(assessed, tmp_path, update_golden):
    write_annex(assessed("mini"), tmp_path / "en", formats=("html",), lang="en")
    check_golden("mini-en/allegato-rischi.html", _text(tmp_path / "en" / "allegato-rischi.html"), update_golden)


def test_every_format_is_byte_for_byte_reproducible(assessed, mini_annex, tmp_path):
    write_annex(assessed("mini"), tmp_path / "again")

    def digests(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    assert digests(tmp_path / "again") == digests(mini_annex)


DATED_PAGE = """<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Allegato</title>
<meta name="dcterms.created" content="2026-01-15"></head><body><p>Registro dei rischi: àèìòù €</p></body></html>"""


@pytest.mark.parametrize("page", [DATED_PAGE, DATED_PAGE.replace('<meta name="dcterms.created" content="2026-01-15">', "")],
                         ids=["dated", "undated"])
def test_pdf_bytes_do_not_depend_on_the_clock(page, monkeypatch):
    # fontTools dates every font it saves with the current second unless told otherwise: a render
    # years later must still give the same bytes (the embedded font subsets are dated as the document).
    first = pdf_bytes(page)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # 2033-05-18
    assert pdf_bytes(page) == first


@pytest.mark.parametrize(("created", "epoch"), [("2026-01-15", 1_768_435_200), ("2026-01-15T10:30:00+01:00", 1_768_435_200),
                                                ("2026", 1_767_225_600), ("2026-03", 1_772_323_200),
                                                (None, 0), ("ieri", 0)])
def test_font_epoch_is_the_document_date(created, epoch):
    assert font_epoch(created) == epoch
