"""new-year: the next year's draft, accepted by check with one finding per copied answer; never overwrites."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from history_helpers import REPO, catalog_copy, riskengine


def test_the_draft_is_accepted_with_one_to_be_confirmed_finding_per_copied_answer(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", "--lang", "it", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    draft = catalog / "assessment-2027.yaml"
    assert f"{draft}: bozza scritta" in run.stdout
    previous = yaml.safe_load((catalog / "assessment-2026.yaml").read_text(encoding="utf-8"))
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert data["anno"] == 2027 and "data_valutazione" not in data
    assert [v["processo"] for v in data["valutazioni"]] == [v["processo"] for v in previous["valutazioni"]]
    assert all(v["da_confermare"] is True for v in data["valutazioni"])
    assert [v["risposte"] for v in data["valutazioni"]] == [v["risposte"] for v in previous["valutazioni"]]
    check = riskengine("check", catalog, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    findings = [line for line in check.stdout.splitlines() if "warning[da-confermare]" in line]
    assert len(findings) == len(previous["valutazioni"])
    assert all("assessment-2027.yaml:" in line for line in findings)
    codes = sorted(re.search(r"the answers of (\S+) were copied", line).group(1) for line in findings)
    assert codes == sorted(v["processo"] for v in previous["valutazioni"])


def test_statuses_are_carried_and_overdue_measures_flagged(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    assert riskengine("new-year", catalog, "--from", "2026", "--to", "2027", "--lang", "it",
                      cwd=tmp_path).returncode == 0
    text = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8")
    monitoring = {m["misura"]: m for m in yaml.safe_load(text)["monitoraggio"]}
    assert monitoring["MS07"]["stato"] == "in-corso"  # from 2026's monitoring
    assert monitoring["MS07"]["verifiche_eseguite"] == 0 and monitoring["MS07"]["verifiche_previste"] == 2
    assert monitoring["MG01"]["stato"] == "attuata"  # not monitored in 2026: the catalogue's status
    # deadlines before 1/1/2027 and not implemented: MS08 (31/12/2025), and the 2026 ones still open
    flagged = sorted(code for code, m in monitoring.items() if "SCADUTA" in m.get("note", ""))
    assert "MS08" in flagged and "MS07" in flagged and "MG01" not in flagged
    assert monitoring["MS08"]["note"] == "SCADUTA il 31/12/2025: attuare o riprogrammare"
    assert "# Misure scadute e non attuate: " + ", ".join(flagged) + "." in text
    # --lang en: the comments and notes in English (they were Italian, and the notes then showed in the annex)
    (catalog / "assessment-2027.yaml").unlink()
    assert riskengine("new-year", catalog, "--from", "2026", "--to", "2027", "--lang", "en",
                      cwd=tmp_path).returncode == 0
    english = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8")
    notes = {m["misura"]: m.get("note") for m in yaml.safe_load(english)["monitoraggio"]}
    assert notes["MS08"] == "OVERDUE since 2025-12-31: implement or reschedule"
    assert english.startswith("# Draft of the 2027 assessment, prepared by `riskengine new-year` from the 2026 ")
    assert "SCADUTA" not in english and "Bozza" not in english


def test_confirming_an_answer_removes_its_finding(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    assert riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path).returncode == 0
    draft = catalog / "assessment-2027.yaml"
    text = draft.read_text(encoding="utf-8")
    before = riskengine("check", catalog, cwd=tmp_path).stdout.count("warning[da-confermare]")
    draft.write_text(text.replace("  da_confermare: true\n", "\n", 1), encoding="utf-8")
    after = riskengine("check", catalog, cwd=tmp_path).stdout.count("warning[da-confermare]")
    assert after == before - 1


def test_new_year_never_overwrites(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    assert riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path).returncode == 0
    draft = catalog / "assessment-2027.yaml"
    draft.write_text(draft.read_text(encoding="utf-8") + "# edited by the referent\n", encoding="utf-8")
    edited = draft.read_bytes()
    again = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path)
    assert again.returncode == 1
    assert "assessment-2027.yaml:1:1: error[load]: the file already exists: new-year never overwrites" in again.stderr
    assert draft.read_bytes() == edited
    existing = riskengine("new-year", catalog, "--from", "2025", "--to", "2026", cwd=tmp_path)
    assert existing.returncode == 1 and "never overwrites" in existing.stderr


def test_new_year_refuses_a_missing_or_backward_year(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    missing = riskengine("new-year", catalog, "--from", "2020", "--to", "2021", cwd=tmp_path)
    assert missing.returncode == 1 and "no assessment for 2020" in missing.stderr
    backward = riskengine("new-year", catalog, "--from", "2026", "--to", "2025", cwd=tmp_path)
    assert backward.returncode == 1 and "is not after 2026" in backward.stderr
    assert "Traceback" not in missing.stderr + backward.stderr


def test_new_year_refuses_a_year_no_assessment_can_have(tmp_path):
    # --to 10000 ended in "internal error: ValueError: year 10000 is out of range"; --to 3000 wrote a draft that
    # check then refused ('anno' at most 2100)
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    for year in ("10000", "3000", "1999"):
        run = riskengine("new-year", catalog, "--from", "2026", "--to", year, "--lang", "en", cwd=tmp_path)
        assert run.returncode == 1, run.stderr
        assert run.stderr.startswith(f"--to: error[load]: the draft's year, {year}, is outside the years of an "
                                     "assessment (2000 to 2100) (use --to with the year after the one assessed)"), \
            run.stderr
        assert not (catalog / f"assessment-{year}.yaml").exists()


def test_a_draft_that_cannot_be_written_is_one_located_line_and_leaves_nothing(tmp_path, monkeypatch):
    # a read-only catalogue, a full disk: was an internal error (PermissionError, exit 70)
    import errno
    import pathlib

    import pytest

    from riskengine import api
    from riskengine.errors import RiskengineError

    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    real_open = pathlib.Path.open

    def full(self, mode="r", *args, **kwargs):
        if self.name == "assessment-2027.yaml" and "x" in mode:
            handle = real_open(self, mode, *args, **kwargs)
            handle.close()  # created, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", full)
    with pytest.raises(RiskengineError) as info:
        api.new_year(catalog, from_year=2026, to_year=2027)
    (problem,) = info.value.problems
    assert (problem.location.path, problem.message) == (str(catalog / "assessment-2027.yaml"),
                                                        "cannot write file: No space left on device")
    assert not (catalog / "assessment-2027.yaml").exists()


def _on_method(catalog: Path, method: str) -> None:
    ente = catalog / "ente.yaml"
    text = ente.read_text(encoding="utf-8")
    assert "metodo: cciaa-torino-2022\n" in text
    ente.write_text(text.replace("metodo: cciaa-torino-2022\n", f"metodo: {method}\n"), encoding="utf-8")


def test_a_change_of_method_leaves_out_the_answers_the_method_does_not_ask(tmp_path):
    # The PNA 2019 move: 2026 answered P1…I4, the catalogue now on pna2019. The draft copied every answer silently
    # and check gave one "indicator does not exist" per answer, and never said what the year still needed.
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_method(catalog, "pna2019")
    previous = yaml.safe_load((catalog / "assessment-2026.yaml").read_text(encoding="utf-8"))["valutazioni"]
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    answers = sum(len(v["risposte"]) for v in previous)
    assert run.stderr.splitlines() == [
        f"{catalog / 'assessment-2027.yaml'}: warning[new-year]: answers of 2026 left out of the draft: {answers}, "
        "to the indicators I1, I2, I3, I4, P1, P2, P3, P4, P5, P6, which the method 'pna2019' lacks (give the "
        "method's answers in the draft, or collect them with riskengine questionari CATALOG --year 2027)"]
    text = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8")
    assert "# The answers of 2026 the method does not ask for are left out: riskengine check lists those to give." \
           "\n" in text
    drafted = yaml.safe_load(text)["valutazioni"]
    assert [v["processo"] for v in drafted] == [v["processo"] for v in previous]
    assert all(v["risposte"] == {} and "motivazioni" not in v for v in drafted)
    assert not any("da_confermare" in v for v in drafted)  # nothing was copied: nothing to confirm
    assert not any("motivazione" in v for v in drafted)  # last year's reasons were for the other method's answers
    assert f"{catalog / 'assessment-2027.yaml'}: draft written: the answers carried are to be confirmed, the " \
           "others to be given (riskengine check lists them)" in run.stdout
    check = riskengine("check", catalog, cwd=tmp_path).stdout
    in_draft = [line for line in check.splitlines() if "assessment-2027.yaml:" in line]
    assert len(in_draft) == len(previous)
    assert all("error[assessment]: missing answers for: interesse_esterno, discrezionalita" in line
               for line in in_draft), in_draft[:3]


def test_answers_to_an_indicator_the_method_dropped_are_left_out_and_the_others_kept(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    rules = tmp_path / "altre-regole"
    shutil.copytree(REPO / "rules" / "cciaa-torino-2022", rules / "cciaa-torino-2022")
    method = rules / "cciaa-torino-2022" / "method.yaml"
    lines = method.read_text(encoding="utf-8").splitlines(keepends=True)
    (p6,) = [n for n, line in enumerate(lines) if line.startswith("  - {codice: P6, ")]
    method.write_text("".join(lines[:p6] + lines[p6 + 1:]), encoding="utf-8")
    source = catalog / "assessment-2026.yaml"
    text = source.read_text(encoding="utf-8")  # a re-rating of the residual stays with the answers kept
    source.write_text(text.replace("  - processo: B1.1.1\n", "  - processo: B1.1.1\n    residuo: {rischio: 3.5, "
                                   "motivazione: \"x\"}\n", 1), encoding="utf-8")
    previous = yaml.safe_load(source.read_text(encoding="utf-8"))["valutazioni"]
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", "--rules", rules, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"answers of 2026 left out of the draft: {len(previous)}, to the indicators P6, which the method " \
           "'cciaa-torino-2022' lacks" in run.stderr
    drafted = yaml.safe_load((catalog / "assessment-2027.yaml").read_text(encoding="utf-8"))["valutazioni"]
    assert [v["risposte"] for v in drafted] == [{k: a for k, a in v["risposte"].items() if k != "P6"}
                                                 for v in previous]
    assert all(v["da_confermare"] is True for v in drafted)
    assert drafted[0]["residuo"] == {"rischio": 3.5, "motivazione": "x"}
    reasons = [v.get("motivazioni") for v in previous]
    assert any(r and "P6" in r for r in reasons)  # the reason of a dropped answer goes with it
    assert [v.get("motivazioni") for v in drafted] == [
        {k: t for k, t in r.items() if k != "P6"} or None if r else None for r in reasons]
    check = riskengine("check", catalog, "--rules", rules, cwd=tmp_path)
    in_draft = [line for line in check.stdout.splitlines() if "assessment-2027.yaml:" in line]
    assert len(in_draft) == len(previous) and all("warning[da-confermare]" in line for line in in_draft), in_draft


def test_entries_of_another_kind_of_item_are_left_out_and_counted():
    from riskengine.history.draft import draft

    previous = {"anno": 2026, "valutazioni": [{"processo": "A1", "risposte": {"P1": 2}},
                                               {"evento": "E1", "risposte": {"P1": 3}}]}
    drafted = draft(previous, [], 2027, "en", indicators={"P1"}, level="evento")
    assert drafted.voci_tolte == 1 and not drafted.tolte
    assert yaml.safe_load(drafted.text)["valutazioni"] == [{"evento": "E1", "risposte": {"P1": 3},
                                                             "da_confermare": True}]
    assert "# The answers of 2026 the method does not ask for are left out" in drafted.text
    same = draft(previous, [], 2027, "en", indicators={"P1"}, level="processo")
    assert same.voci_tolte == 1 and "does not ask for" in same.text


def test_new_year_needs_the_method_and_a_sound_previous_year(tmp_path):
    # a malformed previous year ended in "internal error: AttributeError: 'int' object has no attribute 'items'"
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    source = catalog / "assessment-2026.yaml"
    source.write_text("anno: 2026\nvalutazioni: [1, 2]\n", encoding="utf-8")
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr and "internal" not in run.stderr
    assert run.stderr.startswith(f"{source}:2:15: error[schema]: "), run.stderr
    assert not (catalog / "assessment-2027.yaml").exists()
    missing = riskengine("new-year", catalog, "--from", "2025", "--to", "2027", "--rules", tmp_path / "none",
                         cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"{catalog / 'ente.yaml'}:8:9: error[load]: method 'cciaa-torino-2022' not "
                                     "found"), missing.stderr
    assert not (catalog / "assessment-2027.yaml").exists()


def test_a_method_that_assesses_another_kind_of_item_is_said(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    rules = tmp_path / "altre-regole"
    shutil.copytree(REPO / "rules" / "cciaa-torino-2022", rules / "cciaa-torino-2022")
    method = rules / "cciaa-torino-2022" / "method.yaml"
    method.write_text(method.read_text(encoding="utf-8").replace("\n  livello: processo\n", "\n  livello: evento\n"),
                      encoding="utf-8")
    entries = len(yaml.safe_load((catalog / "assessment-2026.yaml").read_text(encoding="utf-8"))["valutazioni"])
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", "--rules", rules, "--lang", "it",
                     cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [
        f"{catalog / 'assessment-2027.yaml'}: warning[new-year]: voci del 2026 non riportate nella bozza: {entries}, "
        "perché il metodo 'cciaa-torino-2022' valuta ogni evento (dai le risposte del metodo nella bozza, o "
        "raccoglile con riskengine questionari CATALOGO --year 2027)"]
    assert yaml.safe_load((catalog / "assessment-2027.yaml").read_text(encoding="utf-8"))["valutazioni"] == []


def test_a_decimal_in_last_years_file_is_written_as_it_was(tmp_path):
    # a residual re-rated at 3.5 ended new-year in "internal error: RepresenterError: ('cannot represent an object',
    # 3.5)": the reader's float of its own type reached the YAML writer
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    source = catalog / "assessment-2026.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "  - processo: B1.1.1\n", "  - processo: B1.1.1\n    residuo: {rischio: 3.25, motivazione: \"x\"}\n", 1),
        encoding="utf-8")
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8")
    assert "    residuo:\n      rischio: 3.25\n" in text  # the number as written, not text
    assert riskengine("check", catalog, cwd=tmp_path).returncode == 0
