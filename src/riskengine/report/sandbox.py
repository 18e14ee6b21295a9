"""The template sandbox: what a template may touch, read and produce, and for how long.

Templates are trusted to write the annex's HTML, nothing else. They run in Jinja's
``ImmutableSandboxedEnvironment`` (no private attributes, no mutation of the lists and dicts they
are given), their override files are read only from inside the templates directory, and each run
of the renderer is bounded:

- time: one budget for all templates of a run (``RenderLimits.seconds``);
- size: the text of one template, and any single value a template builds (``max_chars``);
- amplifiers: ``*``, ``**``, ``+`` and ``%`` are checked before they allocate; integer arguments
  and format widths (nested ones resolved) of filters and built-in methods are at most
  ``MAX_ARGUMENT``; the text methods and filters that multiply (replace, expandtabs, join, format,
  indent, wordwrap, tojson, and the text of a list in ``{{ }}``, ``~`` or ``|string``) have their
  result size estimated from their arguments and refused before they allocate.

A limit reached is an error naming the template and the line.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import inspect
import itertools
import os
import re
import stat
import string
import threading
import time
import types
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Template, TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.loaders import split_template_path
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import os_cause, refuse, wording

# A template override file larger than this is not a template.
MAX_TEMPLATE_BYTES = 1024 * 1024
# Widths, counts and repeats a template may ask a filter or method for (as large as range() allows).
MAX_ARGUMENT = MAX_RANGE
# Bases of the limits, per process and measure of the result: the annex grows with them.
BASE_SECONDS, SECONDS_PER_ITEM = 10.0, 0.03
BASE_CHARS, CHARS_PER_ITEM = 32 * 1024 * 1024, 128 * 1024
# A number in a printf-style (%) or str.format specification: a width or a precision.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")
_SPEC_NUMBER = re.compile(r"\d+")
_END = object()


# What a template writes without calling it (``{{ titolo.upper }}``): functions and methods, Python's or ours.
_FUNCTIONS = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.BuiltinMethodType,
              types.MethodWrapperType, types.WrapperDescriptorType, types.MethodDescriptorType)


def _named_by_address(value: Any) -> bool:
    """Whether Python writes ``value`` as ``<… object at 0x…>``: its type has no text of its own."""
    kind: Any = type(value)
    return bool(kind.__str__ is object.__str__ and kind.__repr__ is object.__repr__)


class TemplateLimitError(Exception):
    """A template reached one of the rendering limits: which (``problemi.modello.limite.<kind>``) and its values.

    Its text is the English wording; a refusal words it again in the user's language (report.template_causes).
    """

    def __init__(self, kind: str, **values: Any) -> None:
        self.key = f"problemi.modello.limite.{kind}"
        self.values = values
        super().__init__(kind)

    def __str__(self) -> str:
        return wording(self.key, **self.values)


class RenderTimeoutError(TemplateLimitError):
    """Raised inside the rendering thread when the time budget is spent."""

    def __init__(self, *_kind: str) -> None:  # raised with no argument (the watchdog), unpickled with its kind
        super().__init__("tempo")


@dataclass(frozen=True)
class RenderLimits:
    """The time budget of a run's templates and the largest text one template may build."""

    seconds: float
    max_chars: int

    @classmethod
    def for_items(cls, items: int) -> RenderLimits:
        """Limits growing with the number of processes and measures rendered.

        ``RISKENGINE_TEMPLATE_SECONDS`` and ``RISKENGINE_TEMPLATE_MB`` override them.
        """
        seconds = BASE_SECONDS + SECONDS_PER_ITEM * items
        chars = BASE_CHARS + CHARS_PER_ITEM * items
        override = os.environ.get("RISKENGINE_TEMPLATE_SECONDS", "")
        if override.replace(".", "", 1).isdigit():
            seconds = float(override)
        override = os.environ.get("RISKENGINE_TEMPLATE_MB", "")
        if override.isdigit():
            chars = int(override) * 1024 * 1024
        return cls(seconds, chars)


def _sized(value: Any) -> bool:
    return isinstance(value, (str, bytes, list, tuple))


# The cause of a template nested too deep for Python's stack, as a syntax error says it (template_causes words it).
NESTED_TOO_DEEP = "blocks nested too deep"


# What an item of a list or tuple costs at least, in characters (a pointer: 8 bytes against a character's 1): the
# size limit, counted in characters, bounds the memory a list takes too ('a' * 40000000 | list: 320 MB).
ITEM_WEIGHT = 8


# What a list or tuple costs beyond its items' pointers, in characters (a list of 1-character batches: 64 bytes each).
LIST_WEIGHT = 64


def _size(value: str | bytes | list | tuple) -> int:
    """The size of a sized value against the limit: its characters, or its items by :data:`ITEM_WEIGHT` (in constant
    time: it is asked of every value a template computes)."""
    return len(value) * (ITEM_WEIGHT if isinstance(value, (list, tuple)) else 1)


def _shown(number: int) -> int | str:
    """A count a template computed, as a message quotes it: one too long to write (Python refuses to write an int
    of over 4,300 digits, and the refusal must still be worded) by its size."""
    return number if number.bit_length() <= 64 else "> 2^64"


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
            raise TemplateLimitError("argomento", limite_argomento=MAX_ARGUMENT, valore=str(value)[:20])


def _check_spec(text: str, args: tuple[Any, ...] = ()) -> None:
    """Refuse widths or precisions above ``MAX_ARGUMENT`` in the %- or {}-format string ``text``.

    ``args`` are the values formatted: a ``*`` width takes its number from them.
    """
    numbers = [n for m in _PERCENT_SPEC.finditer(text) for n in m.groups() if n]
    with contextlib.suppress(ValueError):  # not a {}-format string
        numbers += [n for _, _, spec, _ in string.Formatter().parse(text) if spec
                    for n in _SPEC_NUMBER.findall(spec)]
    if "*" in numbers:
        _check_arguments(args, {})
    if any(n != "*" and (len(n) > 6 or int(n) > MAX_ARGUMENT) for n in numbers):
        raise TemplateLimitError("formato", limite_argomento=MAX_ARGUMENT)


def text_size(value: Any, limit: int, indent: int = 0) -> int:
    """An upper estimate of the characters of ``str(value)``, computed without building it.

    Containers count their items (a list repeating one string counts it every time), each item on a
    line indented by ``indent`` per level when given (JSON); the count stops once past ``limit``, so
    the estimate itself costs at most about ``limit`` steps.
    """
    if isinstance(value, (str, bytes)):
        return len(value)
    total = 0
    stack: list[tuple[Iterator[Any], int]] = [(iter((value,)), 0)]  # iterators: nothing copied while counting
    while stack and total <= limit:
        items, depth = stack[-1]
        item = next(items, _END)
        if item is _END:
            stack.pop()
            continue
        total += indent * depth + (1 if indent else 0)
        if isinstance(item, (str, bytes)):
            total += len(item) + 3  # quotes and separator when inside a container
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            stack.append((itertools.chain.from_iterable(item.items()), depth + 1))
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.append((iter(item), depth + 1))
        else:  # numbers, dates, the view's objects: their text is their own size, not amplified
            total += len(str(item))
    return total


def _replaced_size(text: Any, old: Any, new: Any, count: Any, limit: int) -> int:
    """The largest length of ``str(text).replace(str(old), str(new), count)``."""
    size, old_size, new_size = (text_size(v, limit) for v in (text, old, new))
    most = size + 1 if old_size == 0 else size // old_size
    if isinstance(count, int) and count >= 0:
        most = min(most, count)
    return size + most * max(0, new_size - old_size)


def _format_size(text: str, args: tuple[Any, ...], kwargs: dict[str, Any], limit: int) -> int:
    """An upper estimate of ``text.format(*args, **kwargs)``, nested widths resolved from the arguments.

    Every replacement field counts as the largest argument plus its width.
    """
    values = [*args, *kwargs.values()]
    largest = max((text_size(v, limit) for v in values), default=0)
    total, auto = len(text), 0
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:  # not a format string: format() raises the same error
        return total
    for _, name, spec, _ in fields:
        if name is None:
            continue
        total += largest
        if spec:
            # a nested {w} takes its value from the arguments: resolve it before reading the width
            resolved = []
            for literal, inner, _, _ in string.Formatter().parse(spec):
                resolved.append(literal)
                if inner is not None:
                    key: Any = inner or auto
                    auto += not inner
                    key = int(key) if str(key).isdigit() else key
                    found = (args[key] if isinstance(key, int) and key < len(args) else kwargs.get(str(key), ""))
                    resolved.append(str(found)[:20] if isinstance(found, (str, int)) else "")
            numbers = _SPEC_NUMBER.findall("".join(resolved))
            if any(len(n) > 6 or int(n) > MAX_ARGUMENT for n in numbers):
                raise TemplateLimitError("formato", limite_argomento=MAX_ARGUMENT)
            total += sum(int(n) for n in numbers)
        if not name:
            auto += 1
    return total


def _percent_size(text: str, values: Any, limit: int) -> int:
    """An upper estimate of ``text % values``: every conversion counts as the largest value plus its width."""
    items = list(values.values()) if isinstance(values, dict) else (
        list(values) if isinstance(values, tuple) else [values])
    largest = max((text_size(v, limit) for v in items), default=0)
    total = len(text)
    for match in _PERCENT_SPEC.finditer(text):
        total += largest + sum(int(n) for n in match.groups() if n and n != "*" and len(n) <= 7)
    return total


def _bind(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any],
          skip: int) -> inspect.BoundArguments | None:
    """A filter's arguments bound to its parameters; a filter Jinja passes a context its signature does not name
    (``list``, an async variant: ``(value)``) bound without it; None when they do not fit."""
    for given in (args, args[1:]) if skip == 2 else (args,):
        with contextlib.suppress(TypeError):
            return signature.bind(*given, **kwargs)
    return None


class AnnexEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox with the rendering limits of :mod:`riskengine.report.sandbox`."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: RenderLimits, **options: Any) -> None:
        super().__init__(**options)
        self.template_class = BoundedTemplate
        self.limits = limits
        self.start_output()
        self.globals.pop("lipsum", None)  # generates text from a count: nothing the annex needs
        self.finalize = self.bounded_text
        self.code_generator_class = BoundedCodeGenerator

    def compile(self, source: Any, name: str | None = None, filename: str | None = None, raw: Any = False,
                defer_init: bool = False) -> Any:
        """Jinja's compile; a template whose blocks nest too deep for Python's stack is a syntax error of its own
        (raised while an include loads it, it was said at the including line, as a failure of that template)."""
        try:
            return super().compile(source, name, filename, raw, defer_init)
        except RecursionError:
            raise TemplateSyntaxError(NESTED_TOO_DEEP, 1, name, filename) from None

    def _check_size(self, value: Any) -> Any:
        if _sized(value) and _size(value) > self.limits.max_chars:
            if isinstance(value, (list, tuple)):
                raise TemplateLimitError("lista", elementi=len(value),
                                         limite_elementi=self.limits.max_chars // ITEM_WEIGHT)
            raise TemplateLimitError("valore", elementi=len(value), limite_caratteri=self.limits.max_chars)
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Check ``* ** + %`` before they allocate, then compute them."""
        limit = self.limits.max_chars
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if _sized(seq) and isinstance(count, int) and _size(seq) * count > limit:
                    raise TemplateLimitError("ripetizione", elementi=len(seq), volte=_shown(count),
                                             limite_caratteri=limit)
        elif operator == "**":
            if (isinstance(left, int) and isinstance(right, int) and abs(left) > 1
                    and abs(left).bit_length() * right > 4096):
                raise TemplateLimitError("potenza")
        elif operator == "+":
            if _sized(left) and _sized(right) and _size(left) + _size(right) > limit:
                raise TemplateLimitError("concatenazione", limite_caratteri=limit)
        elif operator == "%" and isinstance(left, str):
            _check_spec(left, right if isinstance(right, tuple) else (right,))
            self._check_estimate(_percent_size(left, right, limit), "%-format")
        return super().call_binop(context, operator, left, right)

    def _check_estimate(self, size: int, what: str) -> None:
        if size > self.limits.max_chars:
            raise TemplateLimitError("stima", operazione=what, limite_caratteri=self.limits.max_chars)

    def bounded_text(self, value: Any) -> Any:
        """``value``, refused when its text would pass the size limit (``{{ }}`` and ``~`` turn it into text), or when
        it has no text of its own: a method written without calling it, a generator (``processi|map(…)`` without
        ``|list``), an object Python can only name by its address.

        A list or dict repeating a large string can have a huge text though it is small itself.
        """
        if not isinstance(value, str):
            # Their text is Python's internals and a memory address, differing from run to run.
            if isinstance(value, _FUNCTIONS):
                raise TemplateLimitError("funzione", metodo=str(getattr(value, "__name__", "?"))[:40])
            if isinstance(value, Iterator) and type(value).__module__ == "builtins":  # a generator, reversed(…)
                raise TemplateLimitError("non_testo", tipo=type(value).__name__[:40])
            if _named_by_address(value):  # a joiner, a cycler, an object of Python's: one of its fields is text
                raise TemplateLimitError("oggetto", tipo=type(value).__name__[:40])
            self._check_estimate(text_size(value, self.limits.max_chars), "output")
        return value

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        """Call ``__obj`` from a template; built-in methods get bounded arguments, every result a bounded size."""
        if isinstance(__obj, (types.BuiltinMethodType, types.BuiltinFunctionType)):
            _check_arguments(args, kwargs)
            if isinstance(getattr(__obj, "__self__", None), (str, bytes)):
                args = __self._check_text_method(__obj, args, kwargs)
        return __self._check_size(super().call(__context, __obj, *args, **kwargs))

    def _check_text_method(self, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """Refuse a str or bytes method whose result would pass the size limit; ``args`` as they are to be used."""
        text, name, limit = method.__self__, method.__name__, self.limits.max_chars
        if name == "replace" and len(args) >= 2:
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            self._check_estimate(_replaced_size(text, args[0], args[1], count, limit), "replace")
        elif name == "expandtabs":
            tabsize = args[0] if args else kwargs.get("tabsize", 8)
            tab = "\t" if isinstance(text, str) else b"\t"
            if isinstance(tabsize, int):
                self._check_estimate(len(text) + text.count(tab) * max(tabsize, 0), "expandtabs")
        elif name == "join" and args:
            items = list(args[0])  # an iterator is read once: estimate and join the same items
            self._check_estimate(text_size(items, limit) + len(text) * len(items), "join")
            args = (items, *args[1:])
        return args

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` from a template: the sandbox's, bounded in widths and size."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text, is_map = value.__self__, value.__name__ == "format_map"
        _check_spec(text)

        def bounded(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if len(args) != 1 or not isinstance(args[0], dict):
                    raise TemplateLimitError("format_map")
                size = _format_size(text, (), args[0], self.limits.max_chars)
            else:
                size = _format_size(text, args, kwargs, self.limits.max_chars)
            self._check_estimate(size, "str.format")
            return wrapped(*args, **kwargs)

        bounded.__name__ = value.__name__  # named as the template wrote it, should it be written without a call
        return bounded

    def bound_filters(self) -> None:
        """Wrap every filter: bounded arguments (after the value) and a bounded result."""
        for name, function in list(self.filters.items()):
            self.filters[name] = self._bounded(function)

    def _bounded(self, function: Callable[..., Any]) -> Callable[..., Any]:
        skip = 2 if getattr(function, "jinja_pass_arg", None) else 1  # the context (if passed) and the value

        formats = function.__name__ == "do_format"  # the value is a %-format string, the arguments are data
        signature = inspect.signature(function)

        @functools.wraps(function)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            if formats:
                _check_spec(str(args[skip - 1]) if len(args) >= skip else "", args[skip:])
            else:
                _check_arguments(args[skip:], kwargs)
            bound = _bind(signature, args, kwargs, skip)
            if bound is not None:  # wrong arguments: the filter raises its own error
                args = self._check_filter(function.__name__, bound, args)
            return self._check_size(function(*args, **kwargs))

        return bounded

    def _check_filter(self, name: str, bound: inspect.BoundArguments, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Refuse a filter whose result would pass the size limit, estimated from its arguments.

        The multiplying filters: replace, join, indent, wordwrap, format, tojson and string (a list
        repeating a string); the others add at most their arguments. Returns ``args`` as to be used.
        """
        bound.apply_defaults()
        given, limit = bound.arguments, self.limits.max_chars
        if name == "do_replace":
            self._check_estimate(_replaced_size(given["s"], given["old"], given["new"], given["count"], limit),
                                 "replace")
        elif name == "do_join":
            items = list(given["value"])  # an iterator is read once: estimate and join the same items
            self._check_estimate(text_size(items, limit) + text_size(given["d"], limit) * len(items), "join")
            args = tuple(items if a is given["value"] else a for a in args)
        elif name == "do_indent":
            text, width = given["s"], given["width"]
            pad = text_size(width, limit) if isinstance(width, str) else width
            lines = text.count("\n") + 1 if isinstance(text, str) else text_size(text, limit)
            self._check_estimate(text_size(text, limit) + lines * max(pad, 0), "indent")
        elif name == "do_wordwrap":
            text, width = given["s"], given["width"]
            size = text_size(text, limit)
            lines = size // max(width, 1) + (text.count("\n") if isinstance(text, str) else size) + 1
            self._check_estimate(size + lines * text_size(given["wrapstring"] or "\n", limit), "wordwrap")
        elif name == "do_format":
            values = given["kwargs"] or given["args"]
            self._check_estimate(_percent_size(str(given["value"]), values, limit), "format")
        elif name == "do_tojson":
            indent = given["indent"]
            step = len(indent) if isinstance(indent, str) else (indent or 0) if isinstance(indent, int) else 0
            self._check_estimate(text_size(given["value"], limit, step), "tojson")
        elif name == "soft_str":
            self._check_estimate(text_size(given["s"], limit), "string")
        elif name == "do_list":  # built here item by item, stopped once past the limit (a batch or slice yields lists)
            if hasattr(given["value"], "__len__") and len(given["value"]) * ITEM_WEIGHT > limit:
                raise TemplateLimitError("lista", elementi=len(given["value"]), limite_elementi=limit // ITEM_WEIGHT)
            built: list[Any] = []
            size = 0
            for item in given["value"]:
                size += ITEM_WEIGHT + (LIST_WEIGHT + _size(item) if isinstance(item, (list, tuple)) else 0)  # a batch
                if size > limit:
                    raise TemplateLimitError("stima", operazione="list", limite_caratteri=limit)
                built.append(item)
            args = tuple(built if a is given["value"] else a for a in args)
        return args

    def start_output(self) -> None:
        """Start counting the output of one page."""
        self.output_size = 0
        self._pending: object = None

    def bounded(self, parts: Generator[str, None, None]) -> Iterator[str]:
        """Pass one template's output on, stopping it at its line when the page grows past the limit.

        Included templates are wrapped too, so the innermost one, which wrote the text, is stopped;
        a chunk is counted once, by the first wrapper that sees it (the outer ones see it pending).
        """
        for part in parts:
            if part is self._pending:
                self._pending = None
            else:
                self.output_size += len(part)
                self._pending = part
                if self.output_size > self.limits.max_chars:
                    parts.throw(TemplateLimitError("uscita", limite_caratteri=self.limits.max_chars))
            yield part

    def concat(self, parts: Iterator[str]) -> str:  # type: ignore[override]
        """Join a page's output (the outermost consumer: nothing is pending after it)."""
        return "".join(self.stream(parts))

    def stream(self, parts: Iterator[str]) -> Iterator[str]:
        """Pass a page's output on piece by piece, as its outermost consumer (a page streamed to its file)."""
        for part in parts:
            self._pending = None
            yield part


class BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with each operand of ``~`` passed through :meth:`AnnexEnvironment.bounded_text`."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """``a ~ b``, its operands checked before they are turned into text."""
        if frame.eval_ctx.volatile:
            self.write("(markup_join if context.eval_ctx.volatile else str_join)((")
        else:
            self.write(f"{'markup_join' if frame.eval_ctx.autoescape else 'str_join'}((")
        for arg in node.nodes:
            self.write("environment.bounded_text(")
            self.visit(arg, frame)
            self.write("), ")
        self.write("))")


class BoundedTemplate(Template):
    """A template whose output passes through :meth:`AnnexEnvironment.bounded`."""

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Any:
        template = super()._from_namespace(environment, namespace, globals)
        root = template.root_render_func
        template.root_render_func = lambda context: environment.bounded(root(context))
        return template


class Deadline:
    """A time budget shared by successive renders, enforced in the rendering thread.

    When the budget runs out a watchdog thread raises :class:`RenderTimeoutError` in the rendering
    thread (CPython's asynchronous exception), which stops even a loop that calls nothing.
    """

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Run the block within what is left of the budget."""
        if self.remaining <= 0:
            raise RenderTimeoutError()
        thread = ctypes.c_ulong(threading.get_ident())
        set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc
        set_async.argtypes = [ctypes.c_ulong, ctypes.py_object]
        lock = threading.Lock()
        state = {"armed": True, "fired": False}

        def expire() -> None:
            with lock:
                if state["armed"]:
                    state["fired"] = True
                    set_async(thread, RenderTimeoutError)

        timer = threading.Timer(self.remaining, expire)
        timer.daemon = True
        start = time.monotonic()
        timer.start()
        try:
            yield
        finally:
            with lock:
                state["armed"] = False
                if state["fired"]:
                    # The block ended before the exception was delivered: withdraw it.
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, ctypes.py_object())
            timer.cancel()
            timer.join()  # ended here: workers forked after the block find no other thread (riskengine.parallel)
            self.remaining -= time.monotonic() - start


def _refuse(path: Path, key: str, **values: Any) -> RiskengineError:
    """One located problem about a template override, worded by ``problemi.modello.<key>``."""
    return refuse(Location(str(path)), f"problemi.modello.{key}", code="template",
                  hint_key="problemi.modello.suggerimento.file_regolari", **values)


def templates_directory(directory: str | Path) -> Path:
    """The templates directory, refused when it is missing, not a directory or a symbolic link."""
    path = Path(directory)
    if path.is_symlink():
        raise _refuse(path, "cartella_collegamento")
    if not path.is_dir():
        raise refuse(Location(str(path)), "problemi.modello.cartella_mancante", code="template",
                     hint_key="problemi.modello.suggerimento.cartella")
    return path


def read_template(root: Path, path: Path) -> str:
    """The text of the override ``path``: a regular UTF-8 file whose real path is inside ``root``."""
    real = os.path.realpath(path)
    if os.path.commonpath([real, os.path.realpath(root)]) != os.path.realpath(root):
        raise _refuse(path, "collegamento_esterno")
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise _refuse(path, "illeggibile", **os_cause(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, "non_regolare")
        if info.st_nlink > 1:  # a hard link may share a file from anywhere: the real path cannot tell
            raise _refuse(path, "collegamento_fisico")
        data = handle.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise _refuse(path, "troppo_grande", kb=MAX_TEMPLATE_BYTES // 1024)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(path, "non_utf8", byte_posizione=exc.start) from None


class OverrideLoader(BaseLoader):
    """Loads template overrides by name from one directory, never from outside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The override named ``template``, or :class:`TemplateNotFound` (the default is used)."""
        path = self.directory.joinpath(*split_template_path(template))
        if not os.path.lexists(path):
            raise TemplateNotFound(template)
        return read_template(self.directory, path), str(path), lambda: True
