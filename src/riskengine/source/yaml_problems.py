"""The YAML reader's own problems, named: each common one is explained, with a hint, in every language.

PyYAML (and libyaml under it) says what went wrong in English, in the parser's words ("mapping
values are not allowed in this context"). Each common problem is recognised here and worded by
``problemi.yaml.sintassi.<causa>`` (the hint by ``problemi.suggerimento.yaml_sintassi.<causa>``);
an unknown one is quoted as the reader wrote it. English keeps the reader's words.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import refuse

# (cause, the reader's problem, the context it must come with or ""), in order: libyaml's wording and PyYAML's.
_CAUSES = tuple((cause, re.compile(pattern), context) for cause, pattern, context in (
    ("due_punti", r"mapping values are not allowed", ""),
    ("manca_due_punti", r"could not find expected ':'", ""),
    ("tabulazione", r"found a tab character that violates indentation|found character '\\t' that cannot start", ""),
    ("carattere_iniziale", r"found character .*that cannot start any token", ""),
    ("virgolette_aperte", r"found unexpected end of stream", "quoted scalar"),
    ("graffa_aperta", r"expected ',' or '}'", ""),
    ("quadra_aperta", r"expected ',' or '\]'", ""),
    ("chiave_attesa", r"did not find expected key|expected <block end>", ""),
    ("trattino_atteso", r"did not find expected '-' indicator", ""),
    ("alias_sconosciuto", r"found undefined alias", ""),
    ("escape", r"found unknown escape character", ""),
    ("secondo_documento", r"expected '?<document start>'?", ""),
    ("valore_atteso", r"did not find expected node content|expected the node content", ""),
    ("nome_ancora", r"expected alphabetic or numeric character", ""),
    ("direttiva", r"found (unknown directive name|duplicate %?YAML directive|incompatible YAML document)|"
                  r"expected directive name", ""),
    ("testo_dopo_blocco", r"expected (a )?comment or (a )?line break|expected chomping", "block scalar"),
    ("etichetta", r".", "a tag"),
    ("chiave_complessa", r"mapping keys are not allowed", ""),
    ("trattino_stessa_riga", r"(block )?sequence entries are not allowed", ""),
    ("fine_inattesa", r"found unexpected end of stream", ""),
))


def yaml_problem(path: str, exc: yaml.MarkedYAMLError, text: str) -> RiskengineError:
    """The located refusal of a file the YAML reader stopped at: its problem named and explained."""
    mark = exc.problem_mark or exc.context_mark
    where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
    problem, context = exc.problem or "", exc.context or ""
    cause = next((c for c, pattern, needed in _CAUSES if pattern.search(problem) and needed in context), "sconosciuto")
    if cause == "carattere_iniziale" and mark is not None and text[mark.index:mark.index + 1] == "\t":
        cause = "tabulazione"  # libyaml does not name the character: a tab where a token starts
    values: dict[str, Any] = {"dettaglio": problem or context}
    if cause == "carattere_iniziale":
        values["carattere"] = text[mark.index:mark.index + 1] if mark is not None else "?"
    # Where an unclosed quote or bracket was opened: the reader notices only where the file goes wrong.
    values["riga"] = exc.context_mark.line + 1 if exc.context_mark is not None else where.line
    return refuse(where, f"problemi.yaml.sintassi.{cause}", hint_key=f"problemi.suggerimento.yaml_sintassi.{cause}",
                  **values)
