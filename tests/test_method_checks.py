"""Static checks of a method directory: each broken method is refused at load time with file, line and column.

Every broken method is a copy of a shipped one with one edit; the expected location is computed from
the edited file's text (``where``), so each assertion pins the exact ``method.yaml:LINE:COL``.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import (
    ORACLE_ANSWERS,
    PNA2013,
    PNA2019,
    TORINO,
    formatted,
    load_problems,
    method_copy,
    run_cli,
    where,
)

from riskengine.engine.interpret import holds
from riskengine.evaluate.items import score_item
from riskengine.method import expr
from riskengine.method.compile import encode_fact
from riskengine.method.load import (
    MAX_ALTERNATIVES_PER_RULE,
    MAX_EQUALITY_BRANCHES,
    MAX_RULES_PER_RULESET,
    _first_step,
    _last_step,
    _satisfiable,
    load_method,
)

NEW_ROW_2 = "{da: 4.01, a: 9, livello: medio}"


def refused(tmp_path, src, *edits) -> tuple:
    """Apply the edits to a copy of ``src`` and return (method dir, formatted problems)."""
    target = method_copy(tmp_path, src, *edits)
    return target, formatted(load_problems(target))


def test_a_method_without_policies_yaml_is_refused_and_a_renamed_file_named(tmp_path) -> None:
    # Regression: a policies.yaml renamed (politiche.yaml) or deleted was read as "no policies": check said ok
    # and the annex lost every finding, priority and monitoring level with no word about it.
    renamed = method_copy(tmp_path, TORINO)
    (renamed / "policies.yaml").rename(renamed / "politiche.yaml")
    assert formatted(load_problems(renamed)) == [
        f"{renamed / 'policies.yaml'}: error[load]: policies.yaml missing: without its policy rules the method raises "
        "no findings and sets no priority or monitoring (if the rules are in one of these files, rename it "
        "policies.yaml: politiche.yaml)"]
    (renamed / "politiche.yaml").unlink()
    assert formatted(load_problems(renamed))[0].endswith(
        "(create policies.yaml in the method's folder, with its decision tables: see docs/rules.md)")


@pytest.mark.parametrize("name", ["pna2013", "pna2019", "cciaa-torino-2022"])
def test_shipped_methods_load_without_problems(name: str) -> None:
    method = load_method(TORINO.parent / name)
    assert method.warnings == []
    assert set(method.digests) == {"method.yaml", "policies.yaml"}
    assert all(len(d) == 64 for d in method.digests.values())


def test_torino_compiles_both_band_tables_in_steps() -> None:
    method = load_method(TORINO)
    rows = {code: [(r.lo, r.hi, r.level) for r in t.rows] for code, t in method.band_tables.items()}
    assert rows == {
        "nuovi-indici": [(0, 400, "basso"), (401, 900, "medio"), (901, 1500, "medio-alto"), (1501, 2500, "alto")],
        "vecchi-indici": [(0, 1000, "basso"), (1001, 1700, "medio"), (1701, 2500, "alto")],
    }
    assert method.band_table_for(["D"]).code == "vecchi-indici"
    assert method.band_table_for(["B"]).code == "nuovi-indici"
    assert method.band_table_for([]).code == "nuovi-indici"
    assert str(method.rule_location("bande:vecchi-indici:2")) == where(TORINO / "method.yaml", "{oltre: 10, a: 17")


# ---- names a process fact already has ----------------------------------------------------------------------

@pytest.mark.parametrize("code", ["id", "t", "sid", "area", "codice", "misure", "livello", "rischio_residuo",
                                  "rischio_prudenziale", "livello_prudenziale", "motivazione"])
def test_an_indicator_named_as_a_field_of_every_fact_is_refused(tmp_path, code: str) -> None:
    """An indicator 'id' overwrote the engine's fact id (engine and interpreter disagreed on 'id == 0.000001', found
    by the differential property test); one named 'area' stood in for the process's area in every policy."""
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "  - {codice: P1, nome:", f"  - {{codice: {code}, nome:"))
    place = where(d / "method.yaml", f"codice: {code}, nome", offset=len("codice: "))
    assert problems[0] == (f"{place}: error[method]: '{code}' is already a field of every process fact (or of the "
                           "engine's) (give the indicator another code, and use it in the policies and the assessments)")


def test_an_indicator_named_as_the_process_name_of_messages_is_refused(tmp_path) -> None:
    """A finding's message writes the process's name as {nome}: an indicator 'nome' was silently shadowed there."""
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "  - {codice: P1, nome:", "  - {codice: nome, nome:"))
    place = where(d / "method.yaml", "codice: nome, nome", offset=len("codice: "))
    assert problems == [f"{place}: error[method]: 'nome' is the process's name in the messages of findings ({{nome}}): "
                        "an indicator with this code could not be quoted there (give the indicator another code, and "
                        "use it in the policies and the assessments)"]


def test_an_indicator_named_like_no_field_is_accepted_whatever_its_prefix(tmp_path) -> None:
    """'livello_interesse_esterno' (PNA 2019's 'livello di interesse esterno') is no field of the facts."""
    method_copy(tmp_path, TORINO, ("method.yaml", "  - {codice: P1, nome:", "  - {codice: livello_interesse, nome:"))
    load_method(tmp_path / "cciaa-torino-2022")


def test_a_variant_whose_fields_are_taken_is_refused(tmp_path) -> None:
    _, problems = refused(tmp_path, TORINO, ("method.yaml", "{codice: prudenziale, nome:", "{codice: residuo, nome:"))
    assert "error[method]: 'rischio_residuo' is already a field of every process fact (or of the engine's) (give " \
           "the variant another code)" in problems[0], problems


# ---- band tables --------------------------------------------------------------------------------------

def test_band_gap(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{da: 4.02, a: 9, livello: medio}"))
    assert problems == [f"{where(d / 'method.yaml', '{da: 4.02')}: error[band-gap]: band table 'nuovi-indici' has a "
                        "gap: scores 4.01 to 4.01 fall in no band (start this row at 'da: 4.01' or 'oltre: 4.00')"]


def test_band_gap_of_several_steps(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "{oltre: 10, a: 17, livello: medio}",
                                             "{da: 10.5, a: 17, livello: medio}"))
    assert problems == [f"{where(d / 'method.yaml', '{da: 10.5')}: error[band-gap]: band table 'vecchi-indici' has a "
                        "gap: scores 10.01 to 10.49 fall in no band (start this row at 'da: 10.01' or 'oltre: 10.00')"]


@pytest.mark.parametrize("row, overlap", [
    ("{da: 3.99, a: 9, livello: medio}", "3.99 to 4.00"),
    ("{da: 4, a: 9, livello: medio}", "4.00 to 4.00"),
    ("{oltre: 3.5, a: 9, livello: medio}", "3.51 to 4.00"),
])
def test_band_overlap(tmp_path, row: str, overlap: str) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, row))
    assert problems == [f"{where(d / 'method.yaml', row)}: error[band-overlap]: band table 'nuovi-indici' overlaps: "
                        f"scores {overlap} fall in two bands ('basso' and 'medio') (start this row at 'oltre: 4.00')"]


def test_inclusive_and_exclusive_edges_that_meet_are_accepted(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{oltre: 4, sotto: 9.01, livello: medio}"))
    rows = load_method(d).band_tables["nuovi-indici"].rows
    assert (rows[1].lo, rows[1].hi, rows[1].text) == (401, 900, "> 4 e < 9.01")


def test_edge_finer_than_the_precision(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "{da: 0, a: 4, livello: basso}\n      - {da: 4.01,",
                                             "{da: 0, a: 4.005, livello: basso}\n      - {oltre: 4.005,"))
    message = ("error[method]: edge '{key}: 4.005' has more decimals than the scores: no score falls between 4.00 "
               "and 4.01, and the edge works as '{key}: 4.00' (write '{key}: 4.00')")
    assert problems == [f"{where(d / 'method.yaml', '4.005')}: {message.format(key='a')}",
                        f"{where(d / 'method.yaml', '4.005', nth=1)}: {message.format(key='oltre')}"]


def test_an_edge_finer_than_the_scores_after_the_previous_row_is_no_overlap(tmp_path) -> None:
    # Regression: 'da: 9.001' after 'a: 9' was rounded to the nearest step, 9.00, and said to overlap "from 9.00 to
    # 9.00"; no score at 2 decimals lies between 9 and 9.001: the row lets in 9.01 first, as 'da: 9.01' would.
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "{da: 9.01, a: 15,", "{da: 9.001, a: 15,"))
    assert problems == [f"{where(d / 'method.yaml', '9.001')}: error[method]: edge 'da: 9.001' has more decimals than "
                        "the scores: no score falls between 9.00 and 9.01, and the edge works as 'da: 9.01' (write "
                        "'da: 9.01')"]


@pytest.mark.parametrize("edge, first", [("da", 901), ("oltre", 901)])
@pytest.mark.parametrize("written", ["9.001", "9.009"])
def test_a_finer_lower_edge_lets_in_the_scores_it_says(edge: str, first: int, written: str) -> None:
    # da 9.001 and da 9.009 let in 9.01 first; oltre 9.001 and oltre 9.009 too (9.00 is not above them)
    assert _first_step(edge, Decimal(written), 2) == first


@pytest.mark.parametrize("edge, last", [("a", 900), ("sotto", 900)])
@pytest.mark.parametrize("written", ["9.001", "9.009"])
def test_a_finer_upper_edge_lets_in_the_scores_it_says(edge: str, last: int, written: str) -> None:
    assert _last_step(edge, Decimal(written), 2) == last


def test_trailing_zeros_are_not_extra_decimals(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{da: 4.0100, a: 9.000, livello: medio}"))
    assert load_method(d).band_tables["nuovi-indici"].rows[1].lo == 401


def test_table_not_reaching_the_top_of_the_scale(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "{da: 15.01, a: 25, livello: alto}",
                                             "{da: 15.01, a: 24, livello: alto}"))
    assert problems == [f"{where(d / 'method.yaml', '{da: 15.01, a: 24')}: error[band-gap]: band table 'nuovi-indici': "
                        "scores above 24.00 up to 25.00 fall in no band (end the last row at 'a: 25.00')"]


def test_table_not_starting_at_zero(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "{da: 0, a: 10, livello: basso}",
                                             "{oltre: 0, a: 10, livello: basso}"))
    assert problems == [f"{where(d / 'method.yaml', '{oltre: 0, a: 10')}: error[band-gap]: band table 'vecchi-indici': "
                        "scores from 0 to 0.00 fall in no band (start the first row at 'da: 0')"]


def test_tables_must_cover_the_declared_maximum(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "punteggio_massimo: 25", "punteggio_massimo: 30"))
    m = d / "method.yaml"
    assert problems == [
        f"{where(m, '{da: 15.01, a: 25')}: error[band-gap]: band table 'nuovi-indici': scores above 25.00 up to "
        "30.00 fall in no band (end the last row at 'a: 30.00')",
        f"{where(m, '{oltre: 17, a: 25')}: error[band-gap]: band table 'vecchi-indici': scores above 25.00 up to "
        "30.00 fall in no band (end the last row at 'a: 30.00')",
    ]


def test_pna2013_range_is_derived_from_the_scales(tmp_path) -> None:
    # without punteggio_massimo the top is max(P) × max(I) = 5 × 5
    assert load_method(method_copy(tmp_path, PNA2013, ("method.yaml", "punteggio_massimo: 25\n", ""), name="ok"))
    d, problems = refused(tmp_path, PNA2013, ("method.yaml", "punteggio_massimo: 25\n", ""),
                          ("method.yaml", "{da: 15.01, a: 25, livello: alto}", "{da: 15.01, a: 20, livello: alto}"))
    assert problems == [f"{where(d / 'method.yaml', '{da: 15.01, a: 20')}: error[band-gap]: band table "
                        f"'{load_method(PNA2013).model.scelta_bande.predefinita}': scores above 20.00 up to 25.00 "
                        "fall in no band (end the last row at 'a: 25.00')"]


def test_row_containing_no_score(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2,
                                             NEW_ROW_2 + "\n      - {oltre: 9, sotto: 9.01, livello: medio}"))
    assert problems == [f"{where(d / 'method.yaml', '{oltre: 9, sotto: 9.01')}: error[method]: band row 3 "
                        "(> 9 e < 9.01) contains no score at 2 decimals (widen the row, or remove it)"]


@pytest.mark.parametrize("row, message", [
    ("{da: 9, a: 4.01, livello: medio}", "'da: 9' is greater than 'a: 4.01' (exchange them: 'da: 4.01' and 'a: 9')"),
    ("{oltre: 9, sotto: 4, livello: medio}",
     "'oltre: 9' is greater than 'sotto: 4' (exchange them: 'oltre: 4' and 'sotto: 9')"),
])
def test_inverted_edges_are_said_alone(tmp_path, row: str, message: str) -> None:
    # Regression: {da: 9, a: 4.01} gave two gaps ("4.01 to 8.99", "4.02 to 9.00") before the row said empty
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, row))
    assert problems == [f"{where(d / 'method.yaml', row)}: error[method]: band row 2 has its edges inverted: {message}"]


def test_inverted_edges_leave_the_other_rows_checked(tmp_path) -> None:
    # only where the inverted row meets its neighbours is nothing said: a gap between two other rows still is
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{da: 9, a: 4.01, livello: medio}"),
                          ("method.yaml", "{da: 15.01, a: 25,", "{da: 15.05, a: 25,"))
    m = d / "method.yaml"
    assert problems == [
        f"{where(m, '{da: 9, a: 4.01')}: error[method]: band row 2 has its edges inverted: 'da: 9' is greater than "
        "'a: 4.01' (exchange them: 'da: 4.01' and 'a: 9')",
        f"{where(m, '{da: 15.05')}: error[band-gap]: band table 'nuovi-indici' has a gap: scores 15.01 to 15.04 fall "
        "in no band (start this row at 'da: 15.01' or 'oltre: 15.00')",
    ]


LEVELS_REVERSED = (("method.yaml", "{da: 0, a: 4, livello: basso}", "{da: 0, a: 4, livello: alto}"),
                   ("method.yaml", "{da: 15.01, a: 25, livello: alto}", "{da: 15.01, a: 25, livello: basso}"))


def test_levels_going_down_as_the_score_grows_are_refused_once(tmp_path) -> None:
    # Regression: a table giving 'alto' to low scores and 'basso' to high ones was accepted by `check`
    d, problems = refused(tmp_path, TORINO, *LEVELS_REVERSED)
    assert problems == [f"{where(d / 'method.yaml', 'medio}')}: error[band-order]: band table 'nuovi-indici' goes "
                        "down a level as the score grows: from 4.01 it is 'medio', lower than 'alto' of the scores "
                        "up to 4.00 ('livelli' orders them basso < medio < medio-alto < alto: give higher scores the "
                        "same or a higher level)"]


def test_levels_going_down_are_said_in_italian(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, *LEVELS_REVERSED)
    result = run_cli("check", d, "--lang", "it")
    assert result.exit_code == 1
    assert (f"{where(d / 'method.yaml', 'medio}')}: error[band-order]: nella tabella di bande 'nuovi-indici' il "
            "livello scende al crescere del punteggio: da 4,01 è 'medio', più basso di 'alto' dei punteggi fino a "
            "4,00 (in 'livelli' l'ordine è basso < medio < medio-alto < alto: dai ai punteggi più alti un livello "
            "uguale o più alto)") in result.stdout + result.stderr


def test_a_level_kept_over_adjacent_rows_is_accepted(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{da: 4.01, a: 9, livello: basso}"))
    assert [row.level for row in load_method(d).band_tables["nuovi-indici"].rows] == [
        "basso", "basso", "medio-alto", "alto"]


def test_a_repeated_level_is_one_error_naming_the_first(tmp_path) -> None:
    # Regression: 'medio' written again for 'medio-alto' gave 6 errors: the repetition, and every band row,
    # monitoring selection and policy naming 'medio-alto' said unknown
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "{codice: medio-alto, etichetta",
                                             "{codice: medio, etichetta"))
    m = d / "method.yaml"
    first = where(m, "codice: medio,").rsplit(":", 2)[1]
    assert problems == [f"{where(m, 'codice: medio,', nth=1, offset=8)}: error[method]: duplicate risk level "
                        f"'medio' (already on line {first}) (give one of the two the code you meant: the levels "
                        "bands, cells and selections name, and the policies, are checked once every code is unique)"]


def test_row_without_an_upper_edge(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{da: 4.01, livello: medio}"))
    assert problems == [f"{where(d / 'method.yaml', '{da: 4.01, livello')}: error[schema]: give exactly one upper "
                        "edge: 'a' (inclusive) or 'sotto' (exclusive)"]


def test_unknown_level_in_a_row(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", NEW_ROW_2, "{da: 4.01, a: 9, livello: medo}"))
    assert problems == [f"{where(d / 'method.yaml', 'medo}')}: error[method]: unknown risk level 'medo' "
                        "(did you mean 'medio'?)"]


def test_unknown_band_table_in_scelta_bande(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "bande: vecchi-indici}", "bande: vecchi-indic}"))
    assert problems == [
        f"{where(d / 'method.yaml', 'bande: vecchi-indic}', offset=7)}: error[method]: unknown band table "
        "'vecchi-indic' (did you mean 'vecchi-indici'?)",
    ]
    assert load_method(method_copy(tmp_path, TORINO, name="ok")).warnings == []


def test_unknown_default_band_table(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "predefinita: nuovi-indici", "predefinita: nuovi"))
    assert problems == [f"{where(d / 'method.yaml', 'predefinita: nuovi', offset=13)}: error[method]: unknown band "
                        "table 'nuovi' (expected one of: 'nuovi-indici', 'vecchi-indici')"]


def test_area_assigned_to_two_tables(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "- {aree: [D, E, G], bande: vecchi-indici}",
                                             "- {aree: [D, E, G], bande: vecchi-indici}\n"
                                             "    - {aree: [B, D], bande: nuovi-indici}"))
    assert problems == [f"{where(d / 'method.yaml', '[B, D]', offset=4)}: error[method]: area 'D' is already assigned "
                        "a band table (entry 1) (an area can use one band table only)"]


def test_unused_band_table_is_a_warning(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, ("method.yaml", "bande: vecchi-indici}", "bande: nuovi-indici}"))
    warnings = [w.format() for w in load_method(d).warnings]
    assert warnings == [f"{where(d / 'method.yaml', 'codice: vecchi-indici', offset=8)}: warning[method]: band table "
                        "'vecchi-indici' is never used (reference it in scelta_bande or remove it)"]


# ---- grids and aggregation (PNA 2019) -----------------------------------------------------------------

def test_grid_missing_row_of_cells(tmp_path) -> None:
    d, problems = refused(tmp_path, PNA2019, ("method.yaml", "      - [medio, basso, minimo]\n", ""))
    assert problems == [f"{where(d / 'method.yaml', '- [altissimo')}: error[method]: the grid has 3 rows "
                        "but 2 rows of cells"]


@pytest.mark.parametrize("righe", ["[alto, medio, medio]", "[alto, medio]", "[alto, medio, bassissimo]"])
def test_grid_rows_must_list_each_value_once(tmp_path, righe: str) -> None:
    d, problems = refused(tmp_path, PNA2019, ("method.yaml", "righe: [alto, medio, basso]", f"righe: {righe}"))
    assert problems == [f"{where(d / 'method.yaml', righe)}: error[method]: grid righe must list each value of scale "
                        "'bma' once (expected: basso, medio, alto)"]


def test_grid_row_with_the_wrong_number_of_cells(tmp_path) -> None:
    d, problems = refused(tmp_path, PNA2019, ("method.yaml", "- [alto, medio, basso]", "- [alto, medio]"))
    assert problems == [f"{where(d / 'method.yaml', '- [alto, medio]', offset=2)}: error[method]: row 'medio' has "
                        "2 cells, expected 3"]


def test_grid_cell_with_an_unknown_level(tmp_path) -> None:
    d, problems = refused(tmp_path, PNA2019, ("method.yaml", "- [alto, medio, basso]", "- [alto, medo, basso]"))
    assert problems == [f"{where(d / 'method.yaml', 'medo')}: error[method]: unknown risk level 'medo' "
                        "(did you mean 'medio'?)"]


def test_pna2019_compiles_nine_cells() -> None:
    method = load_method(PNA2019)
    assert len(method.grid) == 9
    assert method.grid[("alto", "alto")].level == "altissimo"
    assert method.grid[("basso", "basso")].level == "minimo"
    # the cell 'basso' of row 'medio' is the third item of the second row of cells
    assert str(method.grid[("medio", "basso")].location) == where(PNA2019 / "method.yaml", "- [alto, medio, basso]",
                                                                  offset=16)
    assert method.grid[("medio", "basso")].rule_id == "griglia:medioxbasso"


@pytest.mark.parametrize("operator", ["media", "media-ponderata"])
def test_averaging_ordinal_judgements_is_refused(tmp_path, operator: str) -> None:
    d, problems = refused(tmp_path, PNA2019, ("method.yaml", "probabilita: {aggregazione: max}",
                                              f"probabilita: {{aggregazione: {operator}}}"))
    message = (f"error[method]: '{operator}' averages ordinal judgements (interesse_esterno, discrezionalita, "
               "eventi_passati, opacita, collaborazione, attuazione_misure) (PNA 2019: do not average ordinal "
               "judgements; use 'max' (prudence) or 'moda')")
    assert f"{where(d / 'method.yaml', operator + '}')}: {message}" in problems


def test_moda_on_ordinal_judgements_is_allowed(tmp_path) -> None:
    d = method_copy(tmp_path, PNA2019, ("method.yaml", "impatto: {aggregazione: max}", "impatto: {aggregazione: moda}"))
    assert load_method(d).model.dimensioni.impatto.aggregazione == "moda"


def test_grid_method_with_band_tables_warns(tmp_path) -> None:
    table = "bande:\n  - codice: unica\n    nome: unica\n    righe:\n      - {da: 0, a: 9, livello: alto}\n"
    d = method_copy(tmp_path, PNA2019, ("method.yaml", "residuo:\n", table + "residuo:\n"))
    assert [w.format() for w in load_method(d).warnings] == [
        f"{where(d / 'method.yaml', '- codice: unica')}: warning[method]: band tables are not used by a grid method"]


# ---- weights -------------------------------------------------------------------------------------------

def _weighted(tmp_path, weights: list[int]):
    edits = [("method.yaml", f"scala: P{n}, dimensione", f"scala: P{n}, peso: {w}, dimensione")
             for n, w in zip(range(1, 7), weights, strict=True)]
    edits.append(("method.yaml", "probabilita: {aggregazione: media}", "probabilita: {aggregazione: media-ponderata}"))
    return method_copy(tmp_path, TORINO, *edits, name="w" + "-".join(map(str, weights)))


def test_weights_not_adding_up_to_100(tmp_path) -> None:
    d = _weighted(tmp_path, [20, 20, 20, 20, 10, 5])
    assert formatted(load_problems(d)) == [
        f"{where(d / 'method.yaml', 'peso: 20', offset=6)}: error[method]: the weights of 'probabilita' add up to 95, "
        "not 100 (adjust the 'peso' values so they sum to 100)"]


def test_weights_adding_up_to_100_are_used(tmp_path) -> None:
    method = load_method(_weighted(tmp_path, [20, 20, 20, 20, 10, 10]))
    options = {i.codice: next(o for o in method.scale_of(i).opzioni if o.valore == ORACLE_ANSWERS[i.codice])
               for i in method.model.indicatori}
    score = score_item(method, options)
    # (2·20 + 5·20 + 1·20 + 5·20 + 1·10 + 3·10) / 100 = 3.00; I = 1.25
    assert (score.probabilita, score.impatto, score.rischio) == (Decimal("3.00"), Decimal("1.25"), Decimal("3.75"))


def test_weighted_mean_without_weights(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "probabilita: {aggregazione: media}",
                                             "probabilita: {aggregazione: media-ponderata}"))
    assert problems == [f"{where(d / 'method.yaml', '{aggregazione: media-ponderata}')}: error[method]: weighted mean "
                        "needs 'peso' on P1, P2, P3, P4, P5, P6"]


# ---- other method-file checks --------------------------------------------------------------------------

def test_unknown_scale_of_an_indicator(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "scala: P5, dimensione", "scala: P55, dimensione"))
    assert problems == [f"{where(d / 'method.yaml', 'P55')}: error[method]: unknown scale 'P55' (did you mean 'P5'?)"]


def test_misspelt_key_with_suggestion(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("method.yaml", "punteggio_massimo: 25", "punteggio_masimo: 25"))
    assert problems == [f"{where(d / 'method.yaml', 'punteggio_masimo')}: error[schema]: unknown key "
                        "'punteggio_masimo' (did you mean 'punteggio_massimo'?)"]


def test_every_problem_is_reported_at_once(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO,
                          ("method.yaml", NEW_ROW_2, "{da: 4.02, a: 9, livello: medo}"),
                          ("policies.yaml", "quando: 'livello == \"medio\"'", "quando: 'livello > 3'"))
    assert [p.split(": ", 1)[0] for p in problems] == [
        where(d / "method.yaml", "{da: 4.02"), where(d / "method.yaml", "medo}"), where(d / "policies.yaml", "3'")]


# ---- policies -------------------------------------------------------------------------------------------

def test_policy_unknown_field_points_inside_the_condition(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "misure_specifiche == 0", "misure_specifice == 0"))
    assert problems == [f"{where(d / 'policies.yaml', 'misure_specifice')}: error[policy-condition]: unknown field "
                        "'misure_specifice' (did you mean 'misure_specifiche'?)"]


def test_policy_condition_in_a_flow_mapping(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "'misure_scadute > 0 and livello >= \"medio\"'",
                                             "'misure_scadute > 0 and livello >= \"medium\"'"))
    assert problems == [f"{where(d / 'policies.yaml', 'medium', offset=0)}: error[policy-condition]: 'medium' is not "
                        "a risk level (basso < medio < medio-alto < alto) (did you mean 'medio'?)"]


def test_policy_comparing_a_level_with_a_number(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "quando: 'livello == \"medio\"'",
                                             "quando: 'livello > 3'"))
    assert problems == [f"{where(d / 'policies.yaml', 'livello > 3', offset=10)}: error[policy-condition]: 'livello' "
                        "is a risk level (basso < medio < medio-alto < alto), not a number: cannot compare it with 3 "
                        "(compare with one of: \"basso\", \"medio\", \"medio-alto\", \"alto\")"]


def test_policy_condition_in_a_block_scalar_points_at_its_first_line(tmp_path) -> None:
    folded = 'quando: >-\n          misure_scadute > 0 and\n          livelo == "alto"'
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"', folded))
    # a folded scalar spans lines: the error points at the start of its text (line after 'quando: >-', column 1)
    line = where(d / "policies.yaml", "misure_scadute > 0 and").split(":")[-2]
    assert problems == [f"{d / 'policies.yaml'}:{line}:1: error[policy-condition]: unknown field 'livelo' "
                        "(did you mean 'livello'?)"]


@pytest.mark.parametrize("condition, written, meant", [
    ('classe_area == "obbligatori"', "obbligatori", "obbligatoria"),
    ('classe_area in ["specifica", "Facoltativa"]', "Facoltativa", "facoltativa"),
])
def test_an_area_class_no_area_has_is_refused_at_its_place(tmp_path, condition: str, written: str,
                                                           meant: str) -> None:
    # Regression: 'classe_area == "obbligatori"' was accepted and the rule never fired; a class is one of a closed set
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"', f"quando: '{condition}'"))
    assert problems == [f"{where(d / 'policies.yaml', written)}: error[policy-condition]: '{written}' is not an area "
                        f"class (obbligatoria, facoltativa, specifica, art6) (did you mean '{meant}'?)"]


def test_an_area_class_or_an_empty_one_is_accepted(tmp_path) -> None:
    load_method(method_copy(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"',
                                               "quando: 'classe_area in [\"art6\", \"\"]'")))


def test_policy_error_column_after_yaml_escapes(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "quando: 'livello == \"medio\"'",
                                             "quando: \"area == \\\"B\\\" and livelo == \\\"medio\\\"\""))
    assert problems[0].startswith(where(d / "policies.yaml", "livelo") + ":")


@pytest.mark.parametrize("new, twin, nth", [
    ("quando: 'livello == \"medio-alto\"'", "medio-alto", 1),
    ("quando: 'not livello != \"medio-alto\"'", "medio-alto", 0),  # the same condition once 'not' is pushed down
    ("quando: 'livello in [\"alto\"]'", "alto", 0),  # a list of one is the comparison
])
def test_duplicate_rule_condition(tmp_path, new: str, twin: str, nth: int) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "quando: 'livello == \"medio\"'", new))
    assert problems == [f"{where(d / 'policies.yaml', new, nth=nth, offset=8)}: error[policy-duplicate]: rule 'medio' "
                        f"has the same condition as rule '{twin}' (merge the two rules)"]


@pytest.mark.parametrize("condition", [
    'livello > "alto"', 'livello < "basso"', "misure > 3 and misure < 2", "misure >= 3 and misure < 3",
    'livello >= "alto" and livello <= "medio"', "misure == 1 and misure == 2", "false",
    "misure > 3 and misure <= 3", 'area == "B" and area == "C"', "motivazione and not motivazione",
])
def test_contradictory_condition(tmp_path, condition: str) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"', f"quando: '{condition}'"))
    assert problems == [f"{where(d / 'policies.yaml', condition, offset=-1)}: error[policy-unreachable]: rule "
                        "'residuo-senza-misure' can never fire: its condition is contradictory"]


@pytest.mark.parametrize("condition", ["misure > 3 or misure < 2", "misure >= 3 and misure <= 3",
                                       'livello >= "alto" and livello <= "alto"', "misure > 2 and misure < 3"])
def test_satisfiable_conditions_are_accepted(tmp_path, condition: str) -> None:
    load_method(method_copy(tmp_path, TORINO,
                            ("policies.yaml", 'quando: "residuo_senza_misure"', f"quando: '{condition}'")))


def test_rule_after_sempre_in_a_first_table(tmp_path) -> None:
    last = "          - monitoraggio: {modalita: a-campione, periodicita: annuale, livello: primo}\n"
    after = ("      - codice: dopo\n"
             "        descrizione: \"mai applicata\"\n"
             "        quando: 'livello == \"basso\"'\n"
             "        allora:\n"
             "          - monitoraggio: {modalita: a-campione, periodicita: biennale, livello: primo}\n")
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", last, last + after))
    assert problems == [f"{where(d / 'policies.yaml', 'codice: dopo')}: error[policy-unreachable]: rule 'dopo' is "
                        "unreachable: rule 'altri' before it always matches (hit policy 'first')"]


def test_rule_after_sempre_in_a_priority_table_is_fine() -> None:
    # Torino's 'priorita' table (hit policy priority) has 'sempre' last; PNA 2019's 'first' tables too
    for root in (TORINO, PNA2019):
        load_method(root)


def test_unknown_placeholder_in_a_message(tmp_path) -> None:
    # Regression: the placeholder was said at the start of the message, not at its '{'
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", '"Rischio {livello} senza', '"Rischio {livelo} senza'))
    place = where(d / "policies.yaml", "{livelo}")
    assert problems == [f"{place}: error[policy]: unknown placeholder '{{livelo}}' in the message "
                        "(did you mean 'livello'?)"]


MOTIVATION_FINDING = ("          - criticita: {codice: MOTIVAZIONE-MANCANTE, gravita: error, "
                      "messaggio: \"Il processo {codice} non ha la motivazione del giudizio\"}")


def _with_message(tmp_path, message: str):
    """Torino with the message of its first finding written as ``message`` (a YAML scalar, block style)."""
    return refused(tmp_path, TORINO, ("policies.yaml", MOTIVATION_FINDING,
                                      "          - criticita:\n              codice: MOTIVAZIONE-MANCANTE\n"
                                      f"              gravita: error\n              messaggio: {message}"))


@pytest.mark.parametrize("message, needle", [
    ("Il processo {codice} di {unitaa}", "{unitaa}"),  # plain
    ('"Il processo \\"{codice}\\" di {unitaa}"', "{unitaa}"),  # after escapes, at the '{' as written
    ("'L''unità {unitaa}'", "{unitaa}"),
    ('"Il processo {codice}\\n di {unitaa}"', '"Il processo'),  # after a line break: the string's start
    (">-\n                Il processo {codice}\n                di {unitaa}", "Il processo {codice}"),  # folded
])
def test_a_wrong_placeholder_is_said_at_its_brace(tmp_path, message: str, needle: str) -> None:
    # Regression: it was said at the start of the message, wherever in it the placeholder was
    d, problems = _with_message(tmp_path, message)
    place = where(d / "policies.yaml", needle, offset=0)
    if message.startswith(">"):  # a block scalar: its first line, column 1
        place = place.rsplit(":", 1)[0] + ":1"
    assert problems == [f"{place}: error[policy]: unknown placeholder '{{unitaa}}' in the message "
                        "(did you mean 'unita'?)"]


def test_a_format_field_is_said_at_its_brace(tmp_path) -> None:
    d, problems = _with_message(tmp_path, '"Il processo {codice} di {codice.x}"')
    assert problems == [f"{where(d / 'policies.yaml', '{codice.x}')}: error[policy]: in the message «{{codice.x}}» "
                        "is a format field: only a field's name is written here (write only the field's name between "
                        "braces, as {livello}: no dots, indexes or formats)"]


@pytest.mark.parametrize("italian, kept", [("errore", "error"), ("avviso", "warning"), ("nota", "info")])
def test_a_severity_written_in_italian_is_accepted_and_kept_in_english(tmp_path, italian: str, kept: str) -> None:
    # Regression: 'gravita: errore' was refused, though Italian is what the users of a method write
    d = method_copy(tmp_path, TORINO, ("policies.yaml", "MOTIVAZIONE-MANCANTE, gravita: error,",
                                       f"MOTIVAZIONE-MANCANTE, gravita: {italian},"))
    (action,) = load_method(d).tables[0].rules[0].actions
    assert action.criticita is not None and action.criticita.gravita == kept


def test_unknown_typology_in_richiede_misura(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "trasparenza, regolamentazione]",
                                             "trasparenza, regolamentazion]"))
    assert problems == [f"{where(d / 'policies.yaml', 'regolamentazion]')}: error[policy]: unknown typology "
                        "'regolamentazion' (did you mean 'regolamentazione'?)"]


def test_duplicate_rule_code(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "- codice: medio\n", "- codice: alto\n"))
    first = where(d / "policies.yaml", "codice: alto", nth=0).split(":")[-2]  # said, with what to do (helper walk)
    assert problems == [f"{where(d / 'policies.yaml', 'codice: alto', nth=1, offset=8)}: error[policy]: duplicate "
                        f"rule code 'alto' in table 'monitoraggio' (already used on line {first}) (give one of the two "
                        "rules another code, and use it in the rule tests)"]


def test_unknown_hit_policy(tmp_path) -> None:
    d, problems = refused(tmp_path, TORINO, ("policies.yaml", "esito: first", "esito: frist"))
    assert problems == [f"{where(d / 'policies.yaml', 'esito: frist', offset=7)}: error[schema]: 'frist' is not a "
                        "valid value for 'esito' (did you mean 'first'?)"]


def test_too_many_rules_is_an_engine_limit(tmp_path) -> None:
    count = MAX_RULES_PER_RULESET + 1
    rules = "".join(f"      - {{codice: r{n}, descrizione: soglia, quando: 'rischio >= {n / 100:.2f}', "
                    "allora: [{priorita: {valore: 2}}]}\n" for n in range(count))
    d = method_copy(tmp_path, TORINO, ("policies.yaml", "  - codice: priorita\n",
                                       "  - codice: soglie\n    esito: collect\n    regole:\n" + rules
                                       + "  - codice: priorita\n"))
    assert formatted(load_problems(d)) == [
        f"{where(d / 'policies.yaml', '- codice: criticita')}: error[engine-limit]: {count + 12} engine rules "
        f"from the policies: above the {MAX_RULES_PER_RULESET} the engine runs safely "
        "(keep thresholds as data, not one rule per code)"]


def test_too_many_equality_branches_on_one_field(tmp_path) -> None:
    # five rules of 60 codes each: 300 engine rules test 'codice == …'
    def rule(n: int) -> str:
        codes = ", ".join(f'"P{n}-{k}"' for k in range(60))
        return (f"      - {{codice: c{n}, descrizione: codici, quando: 'codice in [{codes}]', "
                "allora: [{priorita: {valore: 2}}]}\n")

    rules = "".join(rule(n) for n in range(5))
    d = method_copy(tmp_path, TORINO, ("policies.yaml", "  - codice: priorita\n",
                                       "  - codice: codici\n    esito: collect\n    regole:\n" + rules
                                       + "  - codice: priorita\n"))
    assert formatted(load_problems(d)) == [
        f"{where(d / 'policies.yaml', '- codice: criticita')}: error[engine-limit]: 300 engine rules test "
        f"'codice == …': above the {MAX_EQUALITY_BRANCHES} the engine handles "
        "(use ranges (<, >=) or fewer distinct values)"]


def test_condition_expanding_to_too_many_alternatives(tmp_path) -> None:
    values = ", ".join(f'"X{n}"' for n in range(MAX_ALTERNATIVES_PER_RULE + 1))
    d = method_copy(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"',
                                       f"quando: 'codice in [{values}]'"))
    place = where(d / "policies.yaml", "quando: 'codice in", offset=8)  # the start of the condition
    assert formatted(load_problems(d)) == [
        f"{place}: error[engine-limit]: rule "
        f"'residuo-senza-misure' expands to more than {MAX_ALTERNATIVES_PER_RULE} alternatives for the engine "
        "(split it into several rules, or use 'in [...]' lists on fewer fields)"]


# ---- the contradiction check itself -----------------------------------------------------------------------

@pytest.mark.parametrize("condition", [
    "misure > 3 and misure <= 3", "misure <= 3 and misure > 3", "misure == 3 and misure > 3",
    "misure > 3 and misure == 3",
    "misure == 3 and misure != 3", "misure >= 3 and misure <= 3 and misure != 3", 'area == "B" and area == "C"',
    'area == "B" and area != "B"', "motivazione and not motivazione", 'livello != "basso" and livello < "medio"',
    'livello in ["alto"] and livello in ["basso"]', 'misure > 1 and (livello == "alto" and livello == "basso")',
])
def test_contradictions_are_found_in_any_order(condition: str) -> None:
    method = load_method(TORINO)
    assert not _satisfiable(expr.parse_condition(condition, method.schema), method.schema)
    parts = condition.split(" and ")
    if "(" not in condition:
        reversed_text = " and ".join(reversed(parts))
        assert not _satisfiable(expr.parse_condition(reversed_text, method.schema), method.schema)


SMALL = {"n": expr.NUMBER, "t": expr.TEXT, "b": expr.BOOL, "l": expr.ordinal("a level", ("basso", "medio", "alto"))}
# for thresholds in {1, 2, 3}, a conjunction holds for some real n iff it holds for one of these
N_GRID = [Decimal(k) / 2 for k in range(0, 9)]
DOMAIN = {"n": N_GRID, "t": ["A", "B", "altro"], "b": [False, True], "l": ["basso", "medio", "alto"]}


@st.composite
def flat_conjunctions(draw):
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        name = draw(st.sampled_from(sorted(SMALL)))
        if name == "n":
            op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
            parts.append(f"n {op} {draw(st.sampled_from([1, 2, 3]))}")
        elif name == "t":
            parts.append(f't {draw(st.sampled_from(["==", "!="]))} "{draw(st.sampled_from(["A", "B"]))}"')
        elif name == "b":
            parts.append(draw(st.sampled_from(["b", "not b", "b == false", "b != false"])))
        else:
            parts.append(f'l {draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))} '
                         f'"{draw(st.sampled_from(["basso", "medio", "alto"]))}"')
    return " and ".join(parts)


@settings(max_examples=400, deadline=None)
@given(flat_conjunctions())
def test_contradiction_check_is_exact_on_flat_conjunctions(text: str) -> None:
    cond = expr.parse_condition(text, SMALL)
    satisfiable = any(holds(cond, encode_fact(SMALL, dict(zip(DOMAIN, values, strict=True)), "processo", "f"))
                      for values in itertools.product(*DOMAIN.values()))
    assert _satisfiable(cond, SMALL) is satisfiable


def test_averaging_ordinal_phases_up_to_the_process_is_refused(tmp_path) -> None:
    d, problems = refused(tmp_path, PNA2019, ("method.yaml", "  livello: processo",
                                              "  livello: fase\n  aggregazione_processo: media"))
    assert problems == [
        f"{where(d / 'method.yaml', 'aggregazione_processo: media', offset=23)}: error[method]: 'media' averages "
        "ordinal judgements (interesse_esterno, discrezionalita, eventi_passati, opacita, collaborazione, "
        "attuazione_misure, impatto_reputazionale, impatto_organizzativo, impatto_economico) (PNA 2019: do not "
        "average ordinal judgements; use 'max' (prudence) or 'moda')"]
    # the prudent default (max) is accepted
    load_method(method_copy(tmp_path, PNA2019, ("method.yaml", "  livello: processo", "  livello: fase"), name="max"))
