"""``explain`` evaluates and words the one process it explains (riskengine.pipeline.assess_process), not the whole
catalogue: its text is the one the whole result gives, for every process of the bundled catalogues, every year
and both languages. Explaining one process of a 10,000-process catalogue took the whole assessment and the annex's
View (about 5 s on bench/work/M); the time is measured in bench/, not here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from riskengine import api
from riskengine.i18n import Text
from riskengine.pipeline import assess, assess_process
from riskengine.report.arithmetic import calculation
from riskengine.report.explanation import explain_process
from riskengine.report.messages import Messages
from riskengine.report.view import MethodView, View

REPO = Path(__file__).resolve().parents[1]


def _same_as_the_whole_result(catalog: Path, year: int, rules: Path | None = None) -> None:
    whole = assess(catalog, year=year, rules_dir=rules)
    assert whole["processi"]
    for process in whole["processi"]:
        code = process["codice"]
        alone = assess_process(catalog, code, year=year, rules_dir=rules)
        assert alone["processi"] == [process], code
        assert alone["criticita"] == [f for f in whole["criticita"] if f["oggetto"] in (f"process:{code}", code)]
        for lang in ("it", "en"):
            assert explain_process(alone, code, Text(lang)) == explain_process(whole, code, Text(lang)), (code, lang)
            # the arithmetic as the annex's View writes it
            messages = Messages(lang)
            assert calculation(MethodView(whole["metodo"], messages), process) == \
                calculation(View(whole, messages), process), (code, lang)


@pytest.mark.parametrize(("name", "year"), [("esempio-cciaa", 2025), ("esempio-cciaa", 2026),
                                            ("esempio-piccolo", 2026)])  # 2025: an earlier method
def test_explain_of_one_process_is_the_whole_result_s(name: str, year: int) -> None:
    _same_as_the_whole_result(REPO / "catalogs" / name, year)


def test_explain_of_one_process_keeps_its_policy_and_assessment_findings(tmp_path: Path) -> None:
    # the bundled catalogues' processes have none: mini's have a policy's, its next year's draft the answers' own
    catalog = tmp_path / "mini"
    shutil.copytree(REPO / "tests" / "data" / "mini", catalog)
    api.new_year(catalog, from_year=2026, to_year=2027)
    for year in (2026, 2027):
        whole = assess(catalog, year=year, rules_dir=REPO / "rules")
        assert any(f["oggetto"].startswith("process:") for f in whole["criticita"])
        _same_as_the_whole_result(catalog, year, REPO / "rules")
