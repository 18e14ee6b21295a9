"""Why a template failed, worded from the message catalogue: Jinja (and Python) word their errors in English.

As :func:`riskengine.i18n.os_cause` does for the system's errors: the common causes are worded under
``problemi.modello.causa.<kind>``, with the names and the text they quote; any other keeps the exception's own text.
"""

from __future__ import annotations

import re
from typing import Any

from riskengine.report.sandbox import NESTED_TOO_DEEP, TemplateLimitError

# (exception class, its message, kind): the first match words the cause. Jinja 3.1's messages (parser, lexer,
# compiler, runtime); a message Jinja words otherwise keeps its own text. A missing filter or test is found when
# the template is compiled (TemplateAssertionError), or inside a condition when it runs (TemplateRuntimeError).
_CAUSES = (
    ("TemplateSyntaxError", re.compile(re.escape(NESTED_TOO_DEEP)), "troppo_annidato"),
    ("TemplateAssertionError TemplateRuntimeError", re.compile(r"No filter named '(?P<filtro>[^']*)'( found)?\."),
     "filtro_sconosciuto"),
    ("TemplateAssertionError TemplateRuntimeError", re.compile(r"No test named '(?P<test>[^']*)'( found)?\."),
     "test_sconosciuto"),
    # A tag where a block is still open: Jinja names the innermost one, which is what to close.
    ("TemplateSyntaxError", re.compile(r"Encountered unknown tag '(?P<istruzione>[^']*)'\..* The innermost block "
                                       r"that needs to be closed is '(?P<blocco>[^']*)'\.", re.DOTALL),
     "istruzione_fuori_blocco"),
    ("TemplateSyntaxError", re.compile(r"Encountered unknown tag '(?P<istruzione>[^']*)'\."),
     "istruzione_sconosciuta"),
    ("TemplateSyntaxError", re.compile(r"Unexpected end of template\..* The innermost block that needs to be "
                                       r"closed is '(?P<blocco>[^']*)'\.", re.DOTALL), "blocco_aperto"),
    ("TemplateSyntaxError", re.compile(r"unexpected end of template, expected '(?P<previsto>[^']*)'\."),
     "fine_prima_di"),
    ("TemplateSyntaxError", re.compile(r"unexpected '(?P<citato>.*)', expected '(?P<previsto>.*)'"), "atteso"),
    ("TemplateSyntaxError", re.compile(r"unexpected '(?P<citato>.*)'"), "inatteso"),
    ("TemplateSyntaxError", re.compile(r"expected token '(?P<previsto>.*)', got '(?P<citato>.*)'"), "atteso"),
    ("TemplateSyntaxError", re.compile(r"Expected an expression, got '(?P<citato>.*)'"), "espressione_attesa"),
    ("UndefinedError", re.compile(r"'(?P<variabile>[^']*)' is undefined"), "non_definito"),
    ("UndefinedError", re.compile(r"'(?P<oggetto>[^']*)' has no attribute '(?P<attributo>[^']*)'"),
     "attributo_assente"),
    ("SecurityError", re.compile(r"access to attribute '(?P<attributo>[^']*)' of '(?P<oggetto>[^']*)' object is "
                                 r"unsafe\."), "attributo_vietato"),
    ("OverflowError", re.compile(r"Range too big\. The sandbox blocks ranges larger than MAX_RANGE "
                                 r"\((?P<limite_argomento>\d+)\)\."), "intervallo_grande"),
    ("TypeError", re.compile(r"'(?P<citato>[^']+)' not supported between instances of '(?P<tipo_a>\w+)' and "
                             r"'(?P<tipo_b>\w+)'"), "tipi_diversi"),
    ("TypeError", re.compile(r"unsupported operand type\(s\) for (?P<citato>\S+): '(?P<tipo_a>\w+)' and "
                             r"'(?P<tipo_b>\w+)'"), "tipi_diversi"),
    ("TypeError", re.compile(r'can only concatenate (?P<tipo_a>\w+) \(not "(?P<tipo_b>\w+)"\) to \w+'),
     "concatena_tipi"),
    ("ZeroDivisionError",
     re.compile(r"(integer |float )?(division( or modulo)?|modulo) by zero|float (modulo|divmod\(\))"),
     "divisione_per_zero"),
)

# Jinja names its delimiters in English where a cause quotes a token: they are quoted as written instead. A cause
# that quotes a kind of token (a name, a number: Jinja's words, not what was written) keeps Jinja's own text.
_TOKENS = {"begin of statement block": "{%", "end of statement block": "%}",
           "begin of print statement": "{{", "end of print statement": "}}"}
_TOKEN_KINDS = frozenset({"name", "integer", "float", "string", "operator", "end of template", "template data / text",
                          "begin of comment", "end of comment", "comment", "begin of line statement",
                          "end of line statement", "whitespace"})


def template_cause(exc: BaseException) -> dict[str, Any]:
    """The values that word ``exc`` as ``{causa}``: by a key of the catalogue when its cause is a common one."""
    if isinstance(exc, TemplateLimitError):  # riskengine's own limits: worded by key already
        return {"causa_chiave": exc.key, "causa": str(exc), **exc.values}
    if isinstance(exc, RecursionError):  # Python's stack: blocks nested hundreds deep, a macro calling itself
        return {"causa_chiave": "problemi.modello.causa.troppo_annidato", "causa": "nested too deep"}
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    kind = type(exc).__name__
    for names, pattern, key in _CAUSES:
        found = pattern.fullmatch(message) if kind in names.split() else None
        if found is not None:
            quoted = {part: _TOKENS.get(text, text) for part, text in found.groupdict().items()}
            if _TOKEN_KINDS.isdisjoint(quoted.values()):
                return {"causa_chiave": f"problemi.modello.causa.{key}", "causa": message, **quoted}
            break
    return {"causa": message}
