"""Catalogue text is data: scripts stay inert in HTML, formulas stay text in CSV and XLSX."""

from __future__ import annotations

import csv
import io

from test_report_support import hostile, parse_html

from riskengine.report import write_annex


def test_payloads_are_inert_in_every_format(assessed, tmp_path):
    from openpyxl import load_workbook

    bad = hostile(assessed("mini"))
    out = tmp_path / "out"
    write_annex(bad, out, formats=("html", "xlsx", "csv", "json"))

    for page in [out / "allegato-rischi.html", *sorted((out / "schede").iterdir())]:
        text = page.read_text(encoding="utf-8")
        # the register's own script is the only one (allowed by its hash); no payload becomes a script
        assert text.count("<script") == (1 if page.name == "allegato-rischi.html" else 0), page.name
        assert "<script>alert" not in text, page.name
        assert "red;}" not in text, "a colour that is not #rrggbb never reaches CSS"
        parse_html(text)  # still well-formed: nothing closed the <style> or an attribute early
    html = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert '=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)' in html

    for name in ("misure-generali.csv", "misure-specifiche.csv", "registro.csv"):
        rows = list(csv.reader(io.StringIO((out / "csv" / name).read_text(encoding="utf-8-sig"))))
        cells = [c for row in rows for c in row]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), name
    general = list(csv.reader(io.StringIO((out / "csv" / "misure-generali.csv").read_text(encoding="utf-8-sig")),
                              delimiter=";"))
    assert general[1][2] == "'@SUM(1+1)" and general[1][3] == "'=HYPERLINK(\"http://x\",\"y\")"
    register = (out / "csv" / "registro.csv").read_text(encoding="utf-8-sig")
    assert "<script>alert(1)</script>" in register  # plain text in CSV, not a formula

    wb = load_workbook(out / "allegato-rischi.xlsx")
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@")), f"{ws.title}!{cell.coordinate}"
    assert "'=HYPERLINK(\"http://x\",\"y\")" in texts and "'@SUM(1+1)" in texts


def test_hostile_process_code_stays_in_the_output_directory(assessed, tmp_path):
    import copy

    bad = copy.deepcopy(assessed("mini"))
    codes = ["../../etc/x", "C:\\x", "..", "/abs"]
    for p, code in zip(bad["processi"], codes, strict=True):
        p["codice"] = code
    out = tmp_path / "deep" / "out"
    write_annex(bad, out, formats=("html",))
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert all(out.resolve() in p.resolve().parents for p in written)
    sheets = sorted(p.name for p in (out / "schede").iterdir())
    assert len(sheets) == 4 and all(".." not in s and "\\" not in s and ":" not in s for s in sheets)
    doc = parse_html((out / "allegato-rischi.html").read_text(encoding="utf-8"))
    ids = [n.attrs["id"] for n in doc.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
