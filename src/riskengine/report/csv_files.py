"""One CSV file per table of the annex: UTF-8 with BOM (Excel opens it right), header row, CRLF.

Office conventions follow the language: in Italian the separator is ``;`` and numbers have a decimal
comma (Excel in Italian then opens the file in columns), dates are dd/mm/yyyy; in English ``,``, a
decimal point and ISO dates. Numbers keep exactly the digits of the result JSON; levels are written
as their label; every text cell is neutralised so that a spreadsheet never evaluates it as a formula.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskengine.errors import Location, shorten
from riskengine.i18n import refuse
from riskengine.report import tables as tb
from riskengine.report.safety import neutralise
from riskengine.report.view import View

CSV_DIR = "csv"
DELIMITERS = (",", ";", "\t")
# The separator each language's spreadsheet expects when it opens a .csv file.
LANGUAGE_DELIMITERS = {"it": ";", "en": ","}


def default_delimiter(lang: str) -> str:
    """The CSV separator of ``lang``: ``;`` in Italian (where the comma is the decimal mark), ``,`` in English."""
    return LANGUAGE_DELIMITERS.get(lang, ",")


def check_delimiter(delimiter: str) -> str:
    """``delimiter`` if it is one of ``, ; TAB``; a :class:`RiskengineError` otherwise."""
    if delimiter not in DELIMITERS:
        raise refuse(Location("--csv-delimiter"), "problemi.uscita.separatore", code="report",
                     hint_key="problemi.uscita.suggerimento.separatore", separatore=shorten(delimiter))
    return delimiter


def _text(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value).replace(".", ",") if lang == "it" else str(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "it" else value.isoformat()
    return neutralise(str(value))


def table_text(table: tb.Table, view: View, delimiter: str | None = None) -> str:
    """The CSV text of one table (without BOM); ``delimiter`` None: the language's."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter or default_delimiter(view.lang), lineterminator="\r\n",
                        quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_text(tb.header(view, c), view.lang) for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(v, view.lang) for v in row])
    return buffer.getvalue()


def write_csv(view: View, staging: Path, delimiter: str | None = None) -> list[Path]:
    """Write ``csv/<table>.csv`` for every table (and the method's legend) into ``staging``."""
    delimiter = check_delimiter(delimiter or default_delimiter(view.lang))
    directory = staging / CSV_DIR
    directory.mkdir()
    written = []
    for table in itertools.chain(tb.data_tables(view), [tb.legend(view)]):
        path = directory / f"{table.name}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + table_text(table, view, delimiter).encode("utf-8"))
        written.append(path)
    return written
