"""The annex in Word: --format docx from the shipped template or the catalogue's own, and template-check."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from catalog_helpers import run_cli
from edition_helpers import leaks
from workbook_helpers import RULES, example_copy

from riskengine import api
from riskengine.report import canonical_copy
from riskengine.report.docx import FIELDS, PACKAGE_TEMPLATE, VARIABLES, docx_bytes, docx_context
from riskengine.report.messages import Messages
from riskengine.report.view import View


@pytest.fixture(scope="module")
def annex(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("docx") / "allegato"
    result = run_cli("assess", str(Path(RULES).parent / "catalogs" / "esempio-cciaa"), "--out", str(out),
                     "--format", "json,docx", "-q")
    assert result.exit_code == 0, result.stderr
    return out / "allegato-rischi.docx", json.loads((out / "risultato.json").read_text(encoding="utf-8"))


def _word(paragraphs: list[str], path: Path, header: str = "", cell: str = "") -> Path:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if cell:
        document.add_table(rows=1, cols=1).cell(0, 0).text = cell
    if header:
        document.sections[0].header.paragraphs[0].text = header
    document.save(path)
    return path


def test_the_word_annex_has_every_process_code_and_level_in_tables_with_header_rows(annex) -> None:
    from docx import Document
    from docx.oxml.ns import qn

    path, result = annex
    document = Document(str(path))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    view = View(canonical_copy(result), Messages("it"))
    for process in result["processi"]:
        assert process["codice"] in cells
        assert view.level_of(process["livello"])["etichetta"] in cells
    register = document.tables[0]
    assert [c.text for c in register.rows[0].cells][:2] == ["Codice", "Processo"]
    assert len(register.rows) == len(result["processi"]) + 1
    for table in document.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
        assert all(run.bold for cell in table.rows[0].cells for p in cell.paragraphs for run in p.runs)
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Heading 3"} <= styles
    texts = [p.text for p in document.paragraphs]
    assert "Registro dei rischi" in texts and "Piano di monitoraggio" in texts and "Schede di rischio" in texts
    assert not any("monitoraggio/" in c for c in cells)  # internal rule identifiers are not published
    assert "Data di riferimento del piano: 31/01/2026" in texts


def test_the_word_annex_is_the_publication_edition_and_shows_nothing_internal(annex) -> None:
    """The Word annex is edited and published: the publication edition's content, with the same scan."""
    from docx import Document

    path, result = annex
    document = Document(str(path))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    assert {kind: found for kind, found in leaks(text, result).items() if found} == {}
    # (the scan itself can fail: test_report_editions shows it finding every kind in the complete edition)


def test_the_word_annex_s_unit_section_has_what_its_introduction_says(annex) -> None:
    # it said "every measure, general or specific, overdue first; the processes it owns; its implementation", and
    # gave the specific measures only, overdue ones unmarked: MS08, overdue, looked like any other row
    from docx import Document

    path, result = annex
    document = Document(str(path))
    view = View(canonical_copy(result), Messages("it"))
    dossiers = view.unit_dossiers()
    rows = {row.cells[0].text: [c.text for c in row.cells] for table in document.tables
            if [c.text for c in table.rows[0].cells][:3] == ["Misura", "Ambito", "Ruolo"] for row in table.rows[1:]}
    listed = {f"{m['codice']} {m['nome']}": m for d in dossiers for m in d["misure"]}
    assert set(rows) == set(listed)
    assert any(m["ambito"] == "generale" for m in listed.values())
    overdue = [name for name, m in listed.items() if m.get("scaduta")]
    assert overdue and all(rows[name][5].startswith("⚠ Scaduta\n") for name in overdue)
    assert not [name for name, m in listed.items() if not m.get("scaduta") and "Scaduta" in rows[name][5]]
    texts = [p.text for p in document.paragraphs]
    owners = [d for d in dossiers if d["processi"]]
    assert owners and all(f"{d['unita']['nome']} ({d['unita']['codice']})" in texts for d in owners)
    assert sum(t.startswith("Processi di cui è titolare: ") for t in texts) == len(owners)
    assert any(t.startswith("Attuazione delle misure di cui è responsabile") for t in texts)


def test_the_word_annex_is_deterministic(annex) -> None:
    path, result = annex
    view = View(canonical_copy(result), Messages("it"))
    assert docx_bytes(view, PACKAGE_TEMPLATE) == path.read_bytes()


def _texts(data: bytes) -> list[str]:
    """Every paragraph and table cell of a Word document, in order."""
    from docx import Document

    document = Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]


@pytest.mark.parametrize(("lang", "deadline", "general", "reference", "score"),
                         [("it", "31/12/2026", "31/05/2026", "31/01/2026", ","),
                          ("en", "2026-12-31", "2026-05-31", "2026-01-31", ".")])
def test_the_word_annex_writes_dates_and_decimals_as_the_other_formats_do(annex, lang, deadline, general, reference,
                                                                         score) -> None:
    """Deadlines of the general and per-unit measure tables, the reference date and the scores: dd/mm/yyyy and a
    decimal comma in Italian, as written in English (as HTML, XLSX and CSV show them); never ISO in Italian."""
    _, result = annex
    result = canonical_copy(result)
    for m in result["misure"]:
        if m["codice"] == "MG01":  # the example's general measures are all continuous: one with a day
            m["scadenza"] = "2026-05-31"
    texts = _texts(docx_bytes(View(result, Messages(lang)), PACKAGE_TEMPLATE))
    assert deadline in texts and general in texts
    assert f"{Messages(lang)('documento.data_riferimento')}: {reference}" in texts  # with its label
    assert Messages(lang).value("scadenza", "continua") in texts
    if lang == "it":
        assert [t for t in texts if re.search(r"\b20\d\d-\d\d-\d\d\b", t)] == []
    scores = [t for t in texts if re.fullmatch(r"\d+[.,]\d+", t)]
    assert scores and all(score in t for t in scores)


def test_the_word_annex_of_the_simplified_regime_is_the_map_and_the_measures_per_art6_area(tmp_path) -> None:
    # under 50 staff the Word annex had the register, the monitoring plan and the sheets, but neither the process
    # map nor the measures per art. 6 area that the HTML and PDF annex publish
    from docx import Document

    out = tmp_path / "piccolo"
    result = run_cli("assess", str(Path(RULES).parent / "catalogs" / "esempio-piccolo"), "--out", str(out),
                     "--format", "json,docx", "-q")
    assert result.exit_code == 0, result.stderr
    data = json.loads((out / "risultato.json").read_text(encoding="utf-8"))
    document = Document(out / "allegato-rischi.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Mappatura dei processi (art. 6 DM 132/2022)", "Misure per area di rischio (art. 6)",
                            "a) Autorizzazioni/concessioni"]
    assert "Misure generali" in headings
    assert not {"Registro dei rischi", "Piano di monitoraggio", "Schede di rischio"} & set(headings)
    mapped = [row.cells[0].text for row in document.tables[0].rows[1:]]
    assert sorted(mapped) == sorted(p["codice"] for p in data["processi"])
    assert not [p.text for p in document.paragraphs if "{%" in p.text or "{{" in p.text]


def test_a_draft_word_annex_says_so_first(annex) -> None:
    # the Word annex of a draft (the complete edition, while error findings remain) carried no mark: it could be
    # pasted into the PIAO as final
    _, result = annex
    draft = canonical_copy(result)
    draft["sintesi"]["criticita_per_gravita"]["error"] = 1
    texts = _texts(docx_bytes(View(draft, Messages("it")), PACKAGE_TEMPLATE))
    marked = [t for t in texts if "BOZZA – contiene criticità gravi" in t]
    assert marked and texts.index(marked[0]) < texts.index("Registro dei rischi")
    assert not [t for t in _texts(docx_bytes(View(canonical_copy(result), Messages("it")), PACKAGE_TEMPLATE))
                if "BOZZA" in t]


def test_the_context_provides_exactly_the_declared_variables(annex) -> None:
    from docxtpl import DocxTemplate

    _, result = annex
    view = View(canonical_copy(result), Messages("en"))
    context = docx_context(view, DocxTemplate(str(PACKAGE_TEMPLATE)))
    assert tuple(sorted(context)) == VARIABLES
    for name, fields in FIELDS.items():  # the fields a template may read of each record
        records = context[name] if isinstance(context[name], list) else [context[name]]
        assert records and all(tuple(sorted(r)) == fields for r in records), name
    assert run_cli("template-check", str(PACKAGE_TEMPLATE)).exit_code == 0


@pytest.mark.parametrize(("lang", "first", "tenth", "header"), [
    ("en", "paragraph 2", "paragraph 10", "header (section 1)"),
    ("it", "paragrafo 2", "paragrafo 10", "intestazione (sezione 1)")])
def test_template_check_names_places_in_the_run_s_language_in_the_document_s_order(tmp_path, lang, first, tenth,
                                                                                    header) -> None:
    # "paragrafo 3", "intestazione" in English lines; and paragraph 10 listed before paragraph 2 (sorted as text)
    paragraphs = ["{{ titolo }}", "{{ nome_ente }}"] + ["testo"] * 7 + ["{{ anni }}"]
    template = _word(paragraphs, tmp_path / "allegato.docx", header="{{ logo_ente }}")
    result = run_cli("--lang", lang, "template-check", str(template))
    assert result.exit_code == 1
    places = [line.strip().split(": ")[0] for line in result.stdout.splitlines() if ": error[template]" in line]
    assert places == [f"{template}:{first}", f"{template}:{tenth}", f"{template}:{header}"], result.stdout
    # and as assess lists them, sorted (by the places' keys they put the table cells and the header first)
    template = _word(paragraphs, tmp_path / "con-tabella.docx", header="{{ logo_ente }}", cell="{{ cella_x }}")
    from riskengine.errors import RiskengineError

    shown = str(RiskengineError(api.template_check(template))).splitlines()
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in shown] == [
        "paragraph 2", "paragraph 10", "table 1, row 1, cell 1", "header (section 1)"], shown


def test_template_check_lists_unknown_variables_with_their_place(tmp_path) -> None:
    template = _word(["{{ titolo }}", "Ente: {{ nome_ente }}", "{% for p in processi %}{{ p.codice }} "
                      "{{ p.rischio_totale }}{% endfor %}", "{{ titol }}"], tmp_path / "allegato.docx",
                     header="{{ logo_ente }}")
    result = run_cli("template-check", str(template))
    assert result.exit_code == 1
    assert f"{template}:paragraph 2: error[template]: the template uses 'nome_ente', which the result does not " \
           "provide" in result.stdout
    assert f"{template}:paragraph 4: error[template]: the template uses 'titol', which the result does not " \
           "provide (did you mean 'titolo'?)" in result.stdout
    assert f"{template}:header (section 1): error[template]: the template uses 'logo_ente'" in result.stdout
    # a field of the records a loop reads, and of a record (only names were checked: assess then failed with
    # "UndefinedError: 'dict object' has no attribute …", unplaced)
    assert f"{template}:paragraph 3: error[template]: the template uses the field 'rischio_totale' of 'processi', " \
           "which the result does not provide (expected one of: 'codice', 'livello', 'nome', 'unita')" \
           in result.stdout
    assert "'p'" not in result.stdout  # a loop variable


def test_a_field_of_a_record_is_checked_as_a_variable_is(tmp_path) -> None:
    template = _word(["{{ ente.nome }} {{ ente.nme }}", "{{ titoli.registro }}", "{%p for m in misure %}",
                      "{{ m.stato }} {{ m.responsable }}", "{%p endfor %}"], tmp_path / "allegato.docx")
    result = run_cli("template-check", str(template))
    assert result.exit_code == 1
    lines = [line.strip() for line in result.stdout.splitlines() if "error[template]" in line]
    # a record's methods are not fields; a list's records are read through its filters
    valid = _word(["{% for k, v in titoli.items() %}{{ k }} {{ v }}{% endfor %}",
                   "{% for p in processi %}{{ p.get('livello') }}{% endfor %}"], tmp_path / "metodi.docx")
    assert run_cli("template-check", str(valid)).exit_code == 0
    sorted_wrong = _word(["{% for m in misure|sort(attribute='codice') %}{{ m.scadenza }}{% endfor %}"],
                         tmp_path / "ordinate.docx")
    assert "the field 'scadenza' of 'misure'" in run_cli("template-check", str(sorted_wrong)).stdout
    assert lines == [
        f"{template}:paragraph 1: error[template]: the template uses the field 'nme' of 'ente', which the result "
        "does not provide (did you mean 'nome'?)",
        f"{template}:paragraph 4: error[template]: the template uses the field 'responsable' of 'misure', which "
        "the result does not provide (did you mean 'responsabile'?)"]


def test_a_catalogue_template_is_used_and_one_with_an_unknown_variable_is_refused_by_assess(tmp_path) -> None:
    from docx import Document

    catalog = example_copy(tmp_path)
    (catalog / "templates").mkdir()
    _word(["Comune di Prova – logo e intestazione", "{{ titolo }} {{ anno }}", "{{p registro }}"],
          catalog / "templates" / "allegato.docx")
    out = tmp_path / "out"
    result = run_cli("assess", str(catalog), "--out", str(out), "--format", "docx", "--rules", RULES, "-q")
    assert result.exit_code == 0, result.stderr
    document = Document(str(out / "allegato-rischi.docx"))
    assert [p.text for p in document.paragraphs][:2] == ["Comune di Prova – logo e intestazione",
                                                         "Valutazione e trattamento del rischio corruttivo 2026"]
    assert len(document.tables) == 1
    _word(["{{ titolo }}", "{{ responsabile_rpct }}"], catalog / "templates" / "allegato.docx")
    refused = run_cli("assess", str(catalog), "--out", str(tmp_path / "out2"), "--format", "docx", "--rules", RULES)
    assert refused.exit_code == 1
    assert "paragraph 2: error[template]: the template uses 'responsabile_rpct'" in refused.stderr
    assert not (tmp_path / "out2").exists()


def test_a_template_cannot_leave_the_sandbox(tmp_path, annex) -> None:
    _, result = annex
    view = View(canonical_copy(result), Messages("it"))
    from riskengine.errors import RiskengineError

    for text in ("{{ ente.__class__.__mro__ }}", "{{ titolo.__class__ }}", "{% for x in range(10**9) %}x{% endfor %}"):
        template = _word([text], tmp_path / "fuga.docx")
        with pytest.raises(RiskengineError) as caught:
            docx_bytes(view, template)
        assert "template" in str(caught.value)


def test_a_macro_enabled_or_damaged_template_is_refused(tmp_path) -> None:
    docm = tmp_path / "allegato.docm"
    shutil.copy(PACKAGE_TEMPLATE, docm)
    result = run_cli("template-check", str(docm))
    assert result.exit_code == 1 and "'.docm' files are not accepted" in result.stderr
    fake = tmp_path / "finto.docx"
    fake.write_text("{{ titolo }}", encoding="utf-8")
    result = run_cli("template-check", str(fake))
    assert result.exit_code == 1 and "not an Office file (not a zip archive)" in result.stderr and "Traceback" not in result.stderr


def test_a_template_part_in_utf16_with_an_entity_is_refused(tmp_path) -> None:
    # the document part re-encoded as UTF-16 hid its DOCTYPE: template-check said the template was fine and the
    # entity's text went into the annex
    import zipfile

    with zipfile.ZipFile(PACKAGE_TEMPLATE) as src:
        document = src.read("word/document.xml").decode("utf-8")
        parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    body = document.split("?>", 1)[1]
    parts["word/document.xml"] = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY e "ESPANSA">]>'
                                  + body).encode("utf-16")
    target = tmp_path / "utf16.docx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in parts.items():
            dst.writestr(name, content)
    result = run_cli("template-check", str(target))
    assert result.exit_code == 1, result.stdout
    assert f"{target}: error[template]: part 'word/document.xml' declares a DOCTYPE" in result.stderr


@pytest.mark.parametrize(("paragraphs", "said"), [
    (["{{ titolo "], "template syntax near «{{ titolo»: "),
    (["{% if titolo %}", "x"], "template syntax near «{% if titolo %}»: the template ends before the block 'if' "
                               "is closed"),
    (["{%tr for p in processi %}", "{{ p.codice }}", "{%tr endfor %}"], "template syntax near «{%tr for p in "
                                                                        "processi %}»: "),
    (["{% include '/etc/passwd' %}"], "the template reads another file (include, import or extends) near "
                                      "«{% include '/etc/passwd' %}» (write all the text in the template itself)"),
])
def test_template_check_refuses_what_would_not_compile_as_assess_does(tmp_path, paragraphs, said) -> None:
    # template-check said these were fine, one tag at a time; assess then refused each of them
    template = _word(paragraphs, tmp_path / "allegato.docx")
    result = run_cli("template-check", str(template))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{template}:document: error[template]: {said}"), result.stderr


def test_template_check_knows_jinja_s_own_names_as_the_sandbox_has_them(tmp_path, annex) -> None:
    # {{ loop.index }} and a macro's name and parameters were refused as variables the result does not provide;
    # lipsum, which the sandbox removes, passed
    _, result = annex
    view = View(canonical_copy(result), Messages("it"))
    valid = _word(["{% macro riga(p, sep=' – ', fine=', ') %}{{ p.codice }}{{ sep }}{{ p.nome }}{% endmacro %}",
                   "{% for p in processi %}{{ loop.index }}. {{ riga(p) }}{% endfor %}",
                   "{% macro cornice() %}[{{ caller() }}]{% endmacro %}{% call cornice() %}{{ anno }}{% endcall %}",
                   "{% for i in range(2) %}{{ i }}{% endfor %}"], tmp_path / "allegato.docx")
    assert run_cli("template-check", str(valid)).exit_code == 0
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx_bytes(view, valid))).paragraphs)
    assert re.search(r"\b1\. [A-Z][\d.]+ – \S", text) and "2. " in text, text
    lipsum = _word(["{{ lipsum(2) }}"], tmp_path / "lipsum.docx")
    assert "the template uses 'lipsum', which the result does not provide" in \
        run_cli("template-check", str(lipsum)).stdout


def test_a_method_written_without_calling_it_is_refused(tmp_path, annex) -> None:
    # {{ titolo.format_map }} wrote "<function AnnexEnvironment.wrap_str_format.<locals>.bounded at 0x7f…>" into the
    # annex: Python's internals, and a memory address that made the document differ from run to run
    from riskengine.errors import RiskengineError

    _, result = annex
    view = View(canonical_copy(result), Messages("it"))
    for text, method in (("{{ titolo.format_map }}", "format_map"), ("{{ titolo.upper }}", "upper"),
                         ("{{ (processi|first).items }}", "items")):
        template = _word([text], tmp_path / "metodo.docx")
        with pytest.raises(RiskengineError) as caught:
            docx_bytes(view, template)
        assert f"the template writes the method '{method}' instead of a value: call it, {method}()" \
            in str(caught.value), caught.value
    # a generator, an iterator, a helper of Jinja's: their text too is an address
    for text, said in (('{{ processi|map(attribute="codice") }}', "a value that is no text ("),
                       ("{{ processi|reverse }}", "a value that is no text ("),
                       ('{% set s = joiner(", ") %}{{ s }}', "an object (Joiner) that has no text: write one of its")):
        template = _word([text], tmp_path / "oggetto.docx")
        with pytest.raises(RiskengineError) as caught:
            docx_bytes(view, template)
        assert f"the template writes {said}" in str(caught.value), caught.value
    listed = _word(['{{ processi|map(attribute="codice")|join(", ") }}'], tmp_path / "lista.docx")
    assert b"0x" not in docx_bytes(view, listed)


def test_a_template_failing_as_it_runs_is_said_near_its_paragraph(tmp_path, annex) -> None:
    # "modello allegato.docx: TypeError: '>' not supported between instances of 'int' and 'str'": no place, and
    # Python's words in an Italian line
    from riskengine.errors import RiskengineError
    from riskengine.i18n import Text

    _, result = annex
    view = View(canonical_copy(result), Messages("it"))
    body = _word(["Introduzione", "{% if anno > 'x' %}sì{% endif %}"], tmp_path / "corpo.docx")
    header = _word(["{{ titolo }}"], tmp_path / "intestazione.docx", header="{{ (anno ~ '') > 3 }}")
    for template, place, near, types in ((body, "documento", "{% if anno > 'x' %}sì{% endif %}", "int e str"),
                                         (header, "intestazione", "{{ (anno ~ '') > 3 }}", "str e int")):
        with pytest.raises(RiskengineError) as caught:
            docx_bytes(view, template)
        (problem,) = caught.value.problems
        assert Text("it").problem(problem) == (
            f"{template}:{place}: error[template]: modello {template.name}, vicino a «{near}»: '>' tra valori di "
            f"tipo diverso ({types}): converti prima uno dei due (|int, |string) (correggi il modello Word, o "
            "toglilo per usare quello predefinito)")


@pytest.mark.parametrize(("text", "said"), [
    ("{{ anno + 'x' }}", "'+' tra valori di tipo diverso (int e str)"),
    ("{{ (processi|first).codice - 1 }}", "'-' tra valori di tipo diverso (str e int)"),
    ("{{ titolo + anno }}", "'+' unisce un str a un valore di tipo int"),
])
def test_an_operation_on_values_of_two_types_is_worded(tmp_path, annex, text, said) -> None:
    # "unsupported operand type(s) for +: 'int' and 'str'": Python's English inside an Italian line
    from riskengine.errors import RiskengineError
    from riskengine.i18n import Text

    _, result = annex
    view = View(canonical_copy(result), Messages("it"))
    with pytest.raises(RiskengineError) as caught:
        docx_bytes(view, _word([text], tmp_path / "allegato.docx"))
    line = Text("it").problem(caught.value.problems[0])
    assert said in line and "unsupported" not in line and "concatenate" not in line, line


def _titled(tmp_path: Path, title: str) -> Path:
    """A template whose document title (a property docxtpl renders) is ``title``."""
    from docx import Document

    template = _word(["{{ titolo }}"], tmp_path / "allegato.docx")
    document = Document(str(template))
    document.core_properties.title = title
    document.save(str(template))
    return template


def test_template_check_compiles_the_document_properties_docxtpl_renders(tmp_path) -> None:
    # docxtpl renders the title, subject and other properties too: a fault there passed template-check
    template = _titled(tmp_path, "{% if titolo %}Allegato")
    result = run_cli("template-check", str(template))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{template}:property title: error[template]: template syntax near "
                                    "«{% if titolo %}Allegato»: the template ends before the block 'if' is closed"), \
        result.stderr


def test_template_check_checks_the_variables_of_the_document_properties(tmp_path) -> None:
    # "Piano {{ nomee }}" as the title passed template-check, and assess then failed placed in the body
    template = _titled(tmp_path, "Piano {{ nomee }}")
    result = run_cli("template-check", str(template))
    assert result.exit_code == 1
    assert f"{template}:property title: error[template]: the template uses 'nomee', which the result does not " \
           "provide" in result.stdout, result.stdout


def test_an_administration_with_a_long_name_gets_its_word_annex(annex, tmp_path) -> None:
    # a name over ~190 characters ended 'assess -f docx' in exit 70 ("exceeded 255 char limit for property")
    from docx import Document

    _, result = annex
    result = canonical_copy(result)
    result["ente"]["nome"] = "Camera di commercio " + "molto " * 60 + "lunga"
    document = Document(io.BytesIO(docx_bytes(View(result, Messages("it")), PACKAGE_TEMPLATE)))
    title = document.core_properties.title
    assert len(title) == 255 and title.endswith("…") and "Camera di commercio molto" in title


def test_a_workbook_given_as_the_word_template_is_said_to_be_one(tmp_path) -> None:
    # "the Word file cannot be read: ValueError (fix the Word template, or remove it to use the default)"
    workbook = tmp_path / "allegato.docx"
    export_result = run_cli("export-xlsx", str(Path(RULES).parent / "catalogs" / "esempio-cciaa"), "--out",
                            str(tmp_path / "catalogo.xlsx"))
    assert export_result.exit_code == 0, export_result.stderr
    workbook.write_bytes((tmp_path / "catalogo.xlsx").read_bytes())
    result = run_cli("template-check", str(workbook))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{workbook}: error[template]: not a Word document: an Office file of another "
                                    "kind (save it as 'Word Document (*.docx)')"), result.stderr


def test_the_word_annex_gives_each_measure_its_monitored_state_as_the_other_formats_do(tmp_path) -> None:
    # "Misure per unità organizzativa" and the templates' 'misure' gave the catalogue's state ("Attuata")
    # where every other table of the annex gives the state the monitoring found
    from docx import Document
    from docxtpl import DocxTemplate

    catalog = example_copy(tmp_path)
    with (catalog / "assessment-2026.yaml").open("a", encoding="utf-8") as answers:
        answers.write("  - misura: MS09\n    stato: in-corso\n    verifiche_previste: 1\n    verifiche_eseguite: 1\n")
    out = tmp_path / "allegato"
    assert run_cli("assess", str(catalog), "--out", str(out), "--format", "json,docx", "-q").exit_code == 0
    result = json.loads((out / "risultato.json").read_text(encoding="utf-8"))
    (measure,) = [m for m in result["misure"] if m["codice"] == "MS09"]
    assert (measure["stato"], measure["stato_monitorato"]) == ("attuata", "in-corso")
    document = Document(str(out / "allegato-rischi.docx"))
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows
            if row.cells[0].text.startswith("MS09 ")]  # the units' tables: "MS09 name", …, state, indicator
    assert rows and all(row[5] == "In corso" for row in rows), rows
    view = View(canonical_copy(result), Messages("it"))
    context = docx_context(view, DocxTemplate(str(PACKAGE_TEMPLATE)))
    assert {m["codice"]: m["stato"] for m in context["misure"]}["MS09"] == "In corso"


def test_blocks_nested_too_deep_or_a_macro_calling_itself_is_a_template_error(tmp_path) -> None:
    # template-check and the Word annex ended in "internal error: RecursionError" (exit 70)
    nested = _word(["{% if 1 %}" * 300 + "x" + "{% endif %}" * 300], tmp_path / "annidato.docx")
    checked = run_cli("template-check", str(nested), "--lang", "en")
    assert checked.exit_code == 1 and "error[template]" in checked.stderr, checked.stderr
    assert "blocks or calls nested too deep" in checked.stderr
    folder = tmp_path / "modelli"
    folder.mkdir()
    _word(["{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"], folder / "allegato.docx")
    run = run_cli("assess", str(Path(RULES).parent / "catalogs" / "esempio-cciaa"), "--out", str(tmp_path / "out"),
                  "--format", "docx", "--templates", str(folder), "-q", "--lang", "en")
    assert run.exit_code == 1 and "error[template]" in run.stderr and "nested too deep" in run.stderr, run.stderr
