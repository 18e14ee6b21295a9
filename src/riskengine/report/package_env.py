"""The plain Jinja environment of the package's own templates, with three of Jinja's runtime hooks made cheap.

Rendering the annex is mostly Jinja's work per value, not the templates' logic: on 300 processes, ~190,000 values
escaped (each wrapped in a new ``Markup``), ~230,000 ``p.field`` lookups on dicts (each first failing to find an
attribute, with an exception) and ~77,000 calls checked for ``pass_context``. Each hook below does exactly what
Jinja's does for the common case and defers to Jinja's own otherwise, so the output is the same text:

- escaping a value written out: a ``str`` is escaped to the same characters as :func:`markupsafe.escape` (a plain
  ``str``: what is written out is only ever joined into text); anything else goes through ``escape`` itself;
- ``obj.name`` on a plain ``dict`` whose class has no attribute ``name``: the item, as Jinja returns it after
  looking for the attribute (or the undefined value when there is no such item);
- calling a macro or a Python function without Jinja's ``pass_*`` marks: called directly.

Only the package's templates use it: they are trusted code (see :mod:`riskengine.report.html`). Templates supplied
by users run in the sandbox (:mod:`riskengine.report.sandbox`), which keeps Jinja's checked hooks.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import markupsafe
from jinja2 import Environment, Template
from jinja2.runtime import Context, Macro
from markupsafe import escape

# markupsafe 3's replacement of the five characters, in C, which its escape() applies to text; with another
# version, escape() itself (the same characters, one Markup per value)
_escape_str: Callable[[str], str] = getattr(markupsafe, "_escape_inner", None) or (lambda text: str(escape(text)))

_DICT_ATTRIBUTES = frozenset(dir(dict))
_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def escape_text(value: Any) -> Any:
    """:func:`markupsafe.escape` of ``value`` as written into a template's output: the same characters, without
    a ``Markup`` object for text."""
    if type(value) is str:
        return _escape_str(value)
    return escape(value)


class PackageContext(Context):
    """Jinja's context, calling plain functions and macros directly."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        """``__obj(*args, **kwargs)``; Jinja's :meth:`Context.call` for anything marked to receive the context,
        the evaluation context or the environment."""
        kind = type(__obj)
        if kind is Macro or (kind in _FUNCTIONS and not hasattr(__obj, "jinja_pass_arg")):
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as Jinja's
                return __self.environment.undefined("value was undefined because a callable raised a"
                                                    " StopIteration exception")
        return Context.call(__self, __obj, *args, **kwargs)


class PackageTemplate(Template):
    """A template whose output values are escaped by :func:`escape_text`."""

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Any:
        if namespace.get("escape") is escape:  # the name the compiled code escapes its output with
            namespace["escape"] = escape_text
        return super()._from_namespace(environment, namespace, globals)


class PackageEnvironment(Environment):
    """The environment of the package's templates (see the module's description)."""

    context_class = PackageContext
    template_class = PackageTemplate

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` as Jinja looks it up: the attribute, else the item."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
