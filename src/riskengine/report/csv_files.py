"""One CSV file per table of the annex: UTF-8 with BOM (Excel opens it right), header row, CRLF.

Numbers are written exactly as in the result JSON (decimal point); levels as their label; every
text cell is neutralised so that a spreadsheet never evaluates it as a formula.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from riskengine.errors import Location, fail
from riskengine.report import tables as tb
from riskengine.report.safety import neutralise
from riskengine.report.view import View

CSV_DIR = "csv"
DELIMITERS = (",", ";", "\t")


def check_delimiter(delimiter: str) -> str:
    """``delimiter`` if it is one of ``, ; TAB``; a :class:`RiskengineError` otherwise."""
    if delimiter not in DELIMITERS:
        raise fail(Location("--csv-delimiter"), f"unsupported CSV delimiter {delimiter!r}", code="report",
                   hint="use ',' (default), ';' or a tab")
    return delimiter


def _text(value: Any) -> str:
    if value is None:
        return ""
    return neutralise(str(value))


def table_text(table: tb.Table, view: View, delimiter: str = ",") -> str:
    """The CSV text of one table (without BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_text(tb.header(view, c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue()


def write_csv(view: View, staging: Path, delimiter: str = ",") -> list[Path]:
    """Write ``csv/<table>.csv`` for every table (and the method's legend) into ``staging``."""
    check_delimiter(delimiter)
    directory = staging / CSV_DIR
    directory.mkdir()
    written = []
    for table in tb.data_tables(view) + [tb.legend(view)]:
        path = directory / f"{table.name}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + table_text(table, view, delimiter).encode("utf-8"))
        written.append(path)
    return written
