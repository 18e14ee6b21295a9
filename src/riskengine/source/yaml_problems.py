"""The YAML reader's own problems, named: each common one is explained, with a hint, in every language.

PyYAML (and libyaml under it) says what went wrong in English, in the parser's words ("mapping
values are not allowed in this context"). Each common problem is recognised here and worded by
``problemi.yaml.sintassi.<causa>`` (the hint by ``problemi.suggerimento.yaml_sintassi.<causa>``);
an unknown one is quoted as the reader wrote it, in each language. A value the reader
takes for a date or a number and cannot build is refused with its cause (``problemi.yaml.causa.<causa>``)
instead of Python's English.
"""

from __future__ import annotations

import bisect
import calendar
import re
import sys
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from riskengine.errors import Location, RiskengineError, shorten
from riskengine.i18n import long_number, refuse

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
    if cause in ("chiave_attesa", "trattino_atteso") and mark is not None:
        cause, where, values = _misplaced(cause, where, values, mark, exc, text)
    return refuse(where, f"problemi.yaml.sintassi.{cause}", hint_key=f"problemi.suggerimento.yaml_sintassi.{cause}",
                  **values)


# A key at the start of a line (what follows the indentation): a name, then ':' and a space or the line's end.
_KEY = re.compile(r"""([^\s#'"\[\]{},&*!|>%@`-][^:#\n]*?|'[^'\n]*'|"[^"\n]*"):(?:[ \t]|$)""", re.M)


def _misplaced(cause: str, where: Location, values: dict[str, Any], mark: yaml.Mark, exc: yaml.MarkedYAMLError,
               text: str) -> tuple[str, Location, dict[str, Any]]:
    """The usual slips behind "a key is expected" and "a '-' is expected", said as the author made them: a quote
    left open that the next value's opening quote closes (said where it was opened), and a key indented otherwise
    than the keys of its mapping or of its list item (with the columns it may belong to). Anything else keeps
    ``cause``. Lines are counted as the reader counts them."""
    opened, context = exc.context_mark, exc.context or ""
    lines = _lines(text)
    line_start = lines[mark.line] if mark.line < len(lines) else 0
    quote = text[mark.index - 1:mark.index] if mark.index > line_start else ""
    if quote in ("'", '"') and _STARTS_A_VALUE.fullmatch(text, line_start, mark.index - 1):
        start = _opening_quote(text, mark.index - 1, quote)
        line = bisect.bisect_right(lines, start) if start is not None else mark.line + 1
        if start is not None and line <= mark.line:  # opened on an earlier line: closed by the next value's quote
            return "virgolette_chiuse_dopo", Location(where.path, line, start - lines[line - 1] + 1), \
                {"chiusura": where.line}
    key = _KEY.match(text, mark.index)
    if text[line_start:mark.index].strip(" ") or key is None or opened is None:
        return cause, where, values
    found = {"chiave": key.group(1).strip(), "colonna": mark.column + 1}  # columns from 1, as an editor counts
    if "mapping" in context and cause == "chiave_attesa" and mark.column != opened.column:
        if mark.column < opened.column:
            return "chiave_meno_rientrata", where, {**found, "attesa": opened.column + 1, "riga": opened.line + 1}
        above = _keys_above(text, lines, mark.line)
        if above is not None and above[1] > mark.column:  # between the mapping's keys and a deeper level's
            return "chiave_tra_livelli", where, {**found, "attesa": opened.column + 1, "riga": opened.line + 1,
                                                 "interna": above[1] + 1, "riga_interna": above[0]}
        return "chiave_piu_rientrata", where, {**found, "attesa": opened.column + 1, "riga": opened.line + 1}
    item = _item_above(text, lines, mark.line, opened.column) if "collection" in context else None
    if item is not None:  # the list item the key comes after: its line and the column of its keys
        line, keys = item
        if mark.column == opened.column:
            return "chiave_nell_elenco", where, {**found, "attesa": keys + 1, "riga": line}
        if opened.column < mark.column < keys:
            return "chiave_meno_rientrata", where, {**found, "attesa": keys + 1, "riga": line}
    return cause, where, values


# What may come before a quote that opens a value, on its line: the indentation, list dashes, a key and its colon.
_STARTS_A_VALUE = re.compile(r"""[ \t]*(?:-[ \t]+)*(?:[^\s#'"\[\]{},&*!|>%@`-][^:#]*?:[ \t]+)?""")


def _lines(text: str) -> list[int]:
    """The offset where each line of ``text`` starts, its line breaks counted as the YAML reader counts them."""
    return [0] + [found.end() for found in _LINE_BREAK.finditer(text)]


def _line_text(text: str, lines: list[int], number: int) -> str:
    """Line ``number`` (from 0) without its line break."""
    end = lines[number + 1] if number + 1 < len(lines) else len(text)
    return _LINE_BREAK.sub("", text[lines[number]:end])


def _lines_above(text: str, lines: list[int], before: int) -> Iterator[tuple[int, str]]:
    """The lines above line ``before`` (from 0), nearest first, past blank lines and comments: each one's number
    (from 1) and text."""
    for number in range(before - 1, -1, -1):
        line = _line_text(text, lines, number)
        if line.strip() and not line.lstrip().startswith("#"):
            yield number + 1, line


def _keys_above(text: str, lines: list[int], before: int) -> tuple[int, int] | None:
    """The nearest line above line ``before`` (from 0), if it holds a key: its number (from 1) and the column of
    the key (from 0, after any list dashes)."""
    for number, line in _lines_above(text, lines, before):
        column = re.match(r"[ ]*(?:-[ ]+)*", line).end()  # type: ignore[union-attr]  # always matches
        return (number, column) if _KEY.match(line, column) else None
    return None


def _item_above(text: str, lines: list[int], before: int, dash: int) -> tuple[int, int] | None:
    """The last list item above line ``before`` (from 0) whose dash is at column ``dash`` (from 0) and a key
    follows on its line (``- codice: …``): its line (from 1) and the column of that key (from 0)."""
    for number, line in _lines_above(text, lines, before):
        if line[:dash].strip(" ") or line[dash:dash + 1] != "-":
            continue
        after = line[dash + 1:]
        keys = dash + 1 + len(after) - len(after.lstrip(" "))
        return (number, keys) if after[:1] == " " and _KEY.match(line, keys) else None
    return None


def _opening_quote(text: str, closing: int, quote: str) -> int | None:
    """Where the quoted text that ``closing`` ends began: the quote before it (a quote doubled inside single
    quotes, or escaped by a backslash inside double ones, is text)."""
    index = closing
    while (index := text.rfind(quote, 0, index)) >= 0:
        if quote == "'" and index > 0 and text[index - 1] == "'":
            index -= 1  # '' is one apostrophe
        elif quote == '"' and index > 0 and text[index - 1] == "\\":
            continue
        else:
            return index
    return None


# YAML's line breaks (CR LF counts once), as the reader counts lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# An integer of YAML 1.1 with no digit after its prefix (0x_, -0b__): the underscores are dropped, nothing is left.
_NO_DIGITS = re.compile(r"[-+]?0[xb]_*")
# Numbers YAML 1.1 reads otherwise than they look: a leading zero makes an integer octal (010 is 8), a colon makes
# an integer or a float a number in base 60 (1:30 is 90).
_OCTAL = re.compile(r"[-+]?0[0-9_]")


def ambiguous_number(tag: str, text: str) -> bool:
    """Whether a number of YAML 1.1 (``tag`` int or float) reads otherwise than it looks (octal, base 60)."""
    return ":" in text or (tag.endswith(":int") and _OCTAL.match(text) is not None)


def reader_problem(path: str, exc: yaml.YAMLError, text: str) -> RiskengineError:
    """The refusal of a file the YAML reader stopped at without a mark: a character YAML does not allow
    (a control character, often pasted from another program), located; any other problem quoted."""
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        # The reader stops at the first such character: found again in the text, whatever its offsets count.
        index = text.find(chr(exc.character))
        where = Location(path)
        if index >= 0:  # counted as the reader counts lines (its marks, the other problems' places)
            breaks = list(_LINE_BREAK.finditer(text, 0, index))
            line_start = breaks[-1].end() if breaks else 0
            where = Location(path, len(breaks) + 1, index - line_start + 1)
        return refuse(where, "problemi.yaml.sintassi.carattere_non_ammesso",
                      hint_key="problemi.suggerimento.yaml_sintassi.carattere_non_ammesso",
                      codice=f"U+{exc.character:04X}")
    return refuse(Location(path), "problemi.yaml.sintassi.sconosciuto", dettaglio=exc)


def value_problem(where: Location, tag: str, text: str) -> RiskengineError:
    """The refusal of a value the YAML reader took for a date, a number or true/false but cannot build (2026-02-30,
    0x_, an integer of 5,000 digits, ``!!bool forse``): its cause named in every language, not in Python's words."""
    if tag.endswith(":timestamp"):
        return refuse(where, "problemi.yaml.data", hint_key="problemi.suggerimento.data", scritto=shorten(text),
                      **_date_cause(text))
    if tag.endswith(":bool"):
        return refuse(where, "problemi.yaml.vero_falso", hint_key="problemi.suggerimento.virgolette",
                      valore=shorten(text, 40))
    limit = sys.get_int_max_str_digits()  # 0: no limit
    cause: dict[str, Any] = {"dettaglio_chiave": "problemi.yaml.causa.non_numero"}  # !!int 12a, !!float abc
    if _NO_DIGITS.fullmatch(text):
        cause = {"dettaglio_chiave": "problemi.yaml.causa.senza_cifre"}
    elif ambiguous_number(tag, text):
        base = "sessagesimale" if ":" in text else "ottale"
        cause = {"dettaglio_chiave": f"problemi.yaml.causa.{base}", "letto": _yaml_reading(tag, text)}
    elif limit and sum(c.isdigit() for c in text) > limit:
        cause = long_number("dettaglio")
    return refuse(where, "problemi.yaml.numero", hint_key="problemi.suggerimento.virgolette",
                  valore=shorten(text, 40), **cause)


def _yaml_reading(tag: str, text: str) -> str:
    """The number YAML 1.1 makes of ``text`` (its own constructors), or the text when it makes none."""
    node = yaml.nodes.ScalarNode(tag, text)
    constructor = SafeConstructor()
    try:
        value = (constructor.construct_yaml_float if tag.endswith(":float") else constructor.construct_yaml_int)(node)
    except (ValueError, LookupError):
        return text
    return shorten(value, 40)


def _date_cause(text: str) -> dict[str, Any]:
    """Why a date of the form YAML reads (``YYYY-MM-DD``, maybe with a time and a zone) is none."""
    match = SafeConstructor.timestamp_regexp.match(text)
    if match is None:  # a text tagged !!timestamp
        return {"dettaglio_chiave": "problemi.yaml.causa.data"}
    parts = match.groupdict()
    year, month, day = int(parts["year"]), int(parts["month"]), int(parts["day"])
    if year == 0:
        return {"dettaglio_chiave": "problemi.yaml.causa.anno_zero"}
    if not 1 <= month <= 12:
        return {"dettaglio_chiave": "problemi.yaml.causa.mese", "mese": month}
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return {"dettaglio_chiave": "problemi.yaml.causa.giorno", "giorno": day, "giorni": days}
    if parts["hour"] and (int(parts["hour"]) > 23 or int(parts["minute"]) > 59 or int(parts["second"]) > 59):
        return {"dettaglio_chiave": "problemi.yaml.causa.ora", "ora": f"{parts['hour']}:{parts['minute']}:"
                f"{parts['second']}"}
    if parts["tz_hour"]:
        return {"dettaglio_chiave": "problemi.yaml.causa.fuso", "fuso": parts["tz"]}
    return {"dettaglio_chiave": "problemi.yaml.causa.data"}
