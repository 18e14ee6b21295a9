"""Reading YAML text safely into plain data and a position index (PyYAML over libyaml).

One pass over the parser's events builds both the data and the compact position index of
:class:`riskengine.source.document.Document`, refusing what a catalogue must not contain (tags,
duplicate keys, floats that lose digits, too deep nesting); a file with anchors and aliases is read
through the node tree instead, within a node budget. Imported only when a file must be parsed: a run
that finds everything in the user's caches (riskengine.user_cache) does not import PyYAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from riskengine.errors import Location, RiskengineError, fail, shorten
from riskengine.i18n import refuse
from riskengine.source.document import (
    _COL_BITS,
    _COL_MASK,
    _MAP_TAG,
    _NO_DOCUMENT,
    _SCALAR_TAGS,
    _SEQ_TAG,
    _TAG,
    MAX_DEPTH,
    MAX_NODES_PER_BYTE,
    MIN_NODE_BUDGET,
    WrittenFloat,
)
from riskengine.source.yaml_problems import ambiguous_number, reader_problem, value_problem, yaml_problem

_Loader: Any
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


# How PyYAML's constructors fail on a value they cannot build: 2026-02-30, 0x_, an integer of 5,000 digits
# (ValueError); with an explicit tag, !!bool forse (KeyError), !!int '' (IndexError), !!timestamp testo
# (AttributeError).
_UNBUILT = (ValueError, LookupError, AttributeError)


def parse(path: str, text: str, max_chars: int) -> tuple[Any, Any, Node | None]:
    """The data of ``text`` (the YAML file ``path``), its position index and, for a file read through the node
    tree (anchors and aliases), its root node; raise :class:`RiskengineError` with a precise location.

    ``max_chars``: the most text the file's values may hold once its aliases are expanded (the size limit of a
    file: aliases never make more text than a file written out without them could hold)."""
    try:
        try:
            scanned = _scan(path, text, index=True)  # the positions too: findings are located without a second scan
        except _FallbackError:
            return _load_with_tree(path, text, max_chars)
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(path, exc, text) from None
    except yaml.YAMLError as exc:
        raise reader_problem(path, exc, text) from None
    return scanned.data, scanned.index, None


def position_index(path: str, text: str) -> Any:
    """The position index of ``text``, a file that loaded without errors."""
    return _scan(path, text, data=False).index


def compose(text: str) -> Node | None:
    """The node tree of ``text`` (for locating characters inside a scalar, and for files with aliases)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


# What follows a key of a flow mapping that has no value: the next entry or the mapping's end.
_NO_VALUE = re.compile(r"[ \t\r\n]*[,}]")


def _decimal_comma(path: str, text: str, mark: Any, end: Any, key: str) -> None:
    """Refuse a key of digits without a value written right after a number and a comma: ``{a: 4,5}`` reads as
    ``a: 4`` and a key ``5``, which the schema would call an unknown key (or indicator, or fact); it is the
    decimal comma of Italian. A key with a value (``{2025: 3,2026: 4}``) is one."""
    start = mark.index - 1
    if not (key.isdigit() and start > 0 and text[start] == "," and text[start - 1].isdigit()
            and _NO_VALUE.match(text, end.index)):
        return
    begin = start - 1
    while begin > 0 and text[begin - 1].isdigit():
        begin -= 1
    written = f"{text[begin:start]},{key}"
    raise refuse(Location(path, mark.line + 1, mark.column + 1 - len(written) + len(key)),
                 "problemi.valore.virgola_decimale", valore=written, numero=written.replace(",", "."))


class _Builder:
    """Turns a node tree into plain Python data within a node budget."""

    def __init__(self, path: str, text: str, budget: int, max_chars: int) -> None:
        self.path = path
        self.text = text
        self.budget = budget
        self.max_chars = max_chars
        self.chars = max_chars  # left to the values' text, aliases expanded
        self.constructor = SafeConstructor()

    def _loc(self, node: Node) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise refuse(self._loc(node), "problemi.yaml.alias", hint_key="problemi.suggerimento.alias")
        if depth > MAX_DEPTH:
            raise refuse(self._loc(node), "problemi.yaml.annidamento", hint_key="problemi.suggerimento.appiattisci",
                         livelli=MAX_DEPTH)
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self._bad_tag(node)
            self.chars -= len(node.value)
            if self.chars < 0:
                raise refuse(self._loc(node), "problemi.yaml.alias_testo", hint_key="problemi.suggerimento.alias",
                             mb=self.max_chars // (1024 * 1024))
            try:
                return _as_written(node.tag, node.value,
                                   self.constructor.yaml_constructors[node.tag](self.constructor, node))
            except _UNBUILT:
                raise value_problem(self._loc(node), node.tag, node.value) from None
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._bad_tag(node)
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                raise self._bad_tag(node)
            result: dict[str, Any] = {}
            for k_node, v_node in node.value:
                if not isinstance(k_node, ScalarNode):
                    raise refuse(self._loc(k_node), "problemi.yaml.chiave_composta")
                if k_node.tag not in _SCALAR_TAGS:
                    raise self._bad_tag(k_node)
                k = k_node.value
                self.chars -= len(k)  # a key may be an alias too
                if k[:1].isdigit():
                    _decimal_comma(self.path, self.text, k_node.start_mark, k_node.end_mark, k)
                if k in result:
                    raise refuse(self._loc(k_node), "problemi.yaml.chiave_doppia",
                                 hint_key="problemi.suggerimento.una_delle_due", chiave=shorten(k))
                result[k] = self.build(v_node, depth + 1)
            return result
        raise fail(self._loc(node), "unsupported YAML node")  # pragma: no cover

    def _bad_tag(self, node: Node) -> RiskengineError:
        return _tag_refused(self._loc(node), node.tag)


def _tag_refused(where: Location, tag: str) -> RiskengineError:
    """A tag refused: a merge key (``<<: *base``, which YAML writes as a tag the user never wrote) said as such."""
    if tag == _TAG + "merge":
        return refuse(where, "problemi.yaml.unione", hint_key="problemi.suggerimento.unione")
    return refuse(where, "problemi.yaml.etichetta", hint_key="problemi.suggerimento.etichetta", etichetta=tag)


def _check_depth(path: str, text: str) -> None:
    """Refuse deep nesting from the event stream, before libyaml's recursive composer can crash on it."""
    loader = _Loader(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    mark: Any = event.start_mark
                    raise refuse(Location(path, mark.line + 1, mark.column + 1), "problemi.yaml.annidamento",
                                 hint_key="problemi.suggerimento.appiattisci", livelli=MAX_DEPTH)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


class _FallbackError(Exception):
    """The file uses anchors or aliases: load it through the node tree (``_Builder``)."""


@dataclass
class _Scanned:
    data: Any
    index: Any


_STR_TAG = _TAG + "str"
_FLOAT_TAG = _TAG + "float"
_INT_TAG = _TAG + "int"


def _as_written(tag: str, text: str, value: Any) -> Any:
    """``value`` (constructed from ``text``), as a :class:`WrittenFloat` when it is a decimal float.

    Infinities and NaN stay plain floats, which ``Decimal`` reads from their usual ``repr``. A number YAML 1.1
    reads otherwise than it looks is refused (ValueError): ``010`` is octal 8, ``1:30`` is 90 in base 60, so
    ``dipendenti: 010`` would be 8 and ``codice: 010`` the code '8'.
    """
    if tag in (_INT_TAG, _FLOAT_TAG) and ambiguous_number(tag, text):
        raise ValueError(text)
    if tag != _FLOAT_TAG:
        return value
    written = text.replace("_", "")
    try:
        exact = Decimal(written)
    except InvalidOperation:
        return value
    if not exact.is_finite():
        return value
    number = WrittenFloat(value)
    number.text = written
    return number


def _scan(path: str, text: str, *, data: bool = True, index: bool = False) -> _Scanned:
    """Build the data (``data``), the position index (``index``, or not ``data``) or both from the parser's events.

    One pass over the events, no node tree. The result and every error are those of the node-tree
    path (``_check_depth``, ``get_single_node``, ``_Builder``), with the same precedence: a parse
    error or too deep nesting anywhere in the stream first, then a second document, then the first
    value error in document order. Raises ``_FallbackError`` at the first anchor or alias.
    """
    loader = _Loader(text)
    try:
        scan = _EventScan(path, text, loader, data, index or not data)
        try:
            scan.build()
        except _StreamError as exc:  # too deep: an error of the stream, before any other
            raise exc.error from None
        except RiskengineError as exc:  # a value error: finish reading the stream for errors that come first
            scan.value_error = exc
        scan.drain()
        if scan.document_error is not None:
            raise scan.document_error
        if scan.value_error is not None:
            raise scan.value_error
        return _Scanned(scan.root_data, scan.root_index)
    finally:
        loader.dispose()


# Without path resolvers or wildcard resolvers (PyYAML's safe loaders have none), a scalar's tag
# depends on its text only when it is plain: looked up here without a call per scalar.
_RESOLVERS = _Loader.yaml_implicit_resolvers
_INLINE_RESOLVE = not _Loader.yaml_path_resolvers and None not in _RESOLVERS
# First characters that only start booleans and nulls (yes, off, null, ~…: five characters at most):
# a longer plain scalar starting with one of them is text without trying the resolvers.
_WORDS_ONLY = frozenset(c for c, resolvers in _RESOLVERS.items()
                        if c and {tag for tag, _ in resolvers} <= {_TAG + "bool", _TAG + "null"})


def _plain_int(value: str) -> bool:
    """Whether a plain scalar is a short decimal integer: tagged int, read by ``int()`` (as PyYAML does)."""
    return value.isdigit() and value.isascii() and len(value) < 19 and (value[0] != "0" or len(value) == 1)


class _EventScan:
    """State of one pass over the events (see ``_scan``)."""

    def __init__(self, path: str, text: str, loader: Any, want_data: bool, want_index: bool) -> None:
        self.path = path
        self.text = text
        self.loader = loader
        self.want_data = want_data
        self.want_index = want_index
        self.budget = max(MIN_NODE_BUDGET, len(text) // MAX_NODES_PER_BYTE * 2)
        self.depth = 0          # open collections, for the stream-wide nesting check
        self.documents = 0
        self.document_error: RiskengineError | None = None
        self.value_error: RiskengineError | None = None
        self.root_data: Any = None
        self.root_index: Any = _NO_DOCUMENT

    def _loc(self, mark: Any) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1)

    def _too_deep(self, mark: Any) -> RiskengineError:
        return refuse(self._loc(mark), "problemi.yaml.annidamento", hint_key="problemi.suggerimento.appiattisci",
                      livelli=MAX_DEPTH)

    def _bad_tag(self, mark: Any, tag: str) -> RiskengineError:
        return _tag_refused(self._loc(mark), tag)

    def _tag(self, event: Any) -> str:
        tag = event.tag
        if tag is not None and tag != "!":
            return tag
        implicit = event.implicit
        if not implicit[0]:
            return _STR_TAG if _INLINE_RESOLVE else self.loader.resolve(yaml.ScalarNode, event.value, implicit)
        if not _INLINE_RESOLVE:
            return self.loader.resolve(yaml.ScalarNode, event.value, implicit)
        value = event.value
        for tag, regexp in _RESOLVERS.get(value[0] if value else "", ()):
            if regexp.match(value):
                return tag
        return _STR_TAG

    def build(self) -> None:
        """Read events up to the end of the first document, building the data, the index or both."""
        get_event = self.loader.get_event
        want_data, want_index = self.want_data, self.want_index
        scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        constructor = SafeConstructor()
        constructors = constructor.yaml_constructors
        interned: dict[tuple, tuple] = {}
        inline, resolvers, words_only = _INLINE_RESOLVE, _RESOLVERS, _WORDS_ONLY
        # One frame per open collection:
        # [is mapping, data (dict or list), index items (index mode), key names seen, pending key, its packed position]
        stack: list[list] = []
        frame: list | None = None
        while True:
            event = get_event()
            if event is None:
                return
            cls = type(event)
            if cls is scalar_event:
                if event.anchor is not None:
                    raise _FallbackError
                mark = event.start_mark
                value = event.value
                # Text for certain, as _tag would find without the call (most keys and values are words).
                plain_text = want_data and event.tag is None and inline and (
                    not event.implicit[0] or value[:1] not in resolvers or (len(value) > 5 and value[0] in words_only))
                if frame is not None and frame[0] and frame[4] is None:  # a key of a mapping
                    name = value
                    names = frame[3]
                    if want_data:
                        tag = _STR_TAG if plain_text else self._tag(event)
                        if tag not in _SCALAR_TAGS:
                            raise self._bad_tag(mark, tag)
                        if name in names:
                            raise refuse(self._loc(mark), "problemi.yaml.chiave_doppia",
                                         hint_key="problemi.suggerimento.una_delle_due", chiave=shorten(name))
                        if name[:1].isdigit():
                            _decimal_comma(self.path, self.text, mark, event.end_mark, name)
                    if want_index:
                        frame[5] = (mark.line << _COL_BITS) | min(mark.column, _COL_MASK)
                    names[name] = None
                    frame[4] = name
                    continue
                if not want_data:  # positions only, of a file that loaded without errors: no check again
                    entry = (mark.line << _COL_BITS) | min(mark.column, _COL_MASK)
                    if frame is None:
                        self.root_index = entry
                    elif frame[0]:
                        frame[2] += (frame[5], entry)
                        frame[4] = None
                    else:
                        frame[2].append(entry)
                    continue
                self.budget -= 1
                if self.budget < 0:
                    raise self._alias_bomb(mark)
                if len(stack) > MAX_DEPTH:
                    raise self._too_deep(mark)
                if plain_text:
                    pass  # kept as text
                elif event.tag is None and inline and event.implicit[0] and _plain_int(value):
                    value = int(value)
                else:
                    tag = self._tag(event)
                    if tag not in _SCALAR_TAGS:
                        raise self._bad_tag(mark, tag)
                    if tag != _STR_TAG:
                        value = self._construct(constructor, constructors, tag, event)
                entry = (mark.line << _COL_BITS) | min(mark.column, _COL_MASK) if want_index else None
                if frame is None:
                    self.root_data, self.root_index = value, entry
                elif frame[0]:
                    frame[1][frame[4]] = value
                    if want_index:
                        frame[2] += (frame[5], entry)
                    frame[4] = None
                else:
                    frame[1].append(value)
                    if want_index:
                        frame[2].append(entry)
                continue
            if cls is mapping_start or cls is sequence_start:
                if event.anchor is not None:
                    raise _FallbackError
                mark = event.start_mark
                self.depth += 1
                if self.depth > MAX_DEPTH + 1:
                    raise _StreamError(self._too_deep(mark))
                if frame is not None and frame[0] and frame[4] is None:
                    raise refuse(self._loc(mark), "problemi.yaml.chiave_composta")
                self.budget -= 1
                if self.budget < 0:
                    raise self._alias_bomb(mark)
                if len(stack) > MAX_DEPTH:
                    raise self._too_deep(mark)
                is_mapping = cls is mapping_start
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP_TAG if is_mapping else _SEQ_TAG):
                    raise self._bad_tag(mark, tag)
                container: Any = None
                if want_data:  # attached now; in index mode the entry is attached once complete
                    container = {} if is_mapping else []
                    if frame is None:
                        self.root_data, self.root_index = container, None
                    elif frame[0]:
                        frame[1][frame[4]] = container
                    else:
                        frame[1].append(container)
                position = [(mark.line << _COL_BITS) | min(mark.column, _COL_MASK)] if want_index else None
                frame = [is_mapping, container, position, {} if is_mapping else None, None, 0]
                stack.append(frame)
                continue
            if cls is mapping_end or cls is sequence_end:
                self.depth -= 1
                done = stack.pop()
                frame = stack[-1] if stack else None
                if not want_index:
                    if frame is not None and frame[0]:
                        frame[4] = None
                    continue
                names = None
                if done[0]:
                    names = tuple(done[3])
                    names = interned.setdefault(names, names)
                items = done[2]
                entry = (items[0], names, *items[1:])
                if frame is None:
                    self.root_index = entry
                elif frame[0]:
                    frame[2] += (frame[5], entry)
                    frame[4] = None
                else:
                    frame[2].append(entry)
                continue
            if cls is yaml.AliasEvent:
                raise _FallbackError
            if cls is yaml.DocumentStartEvent:
                self.documents += 1
            elif cls is yaml.DocumentEndEvent:
                return

    def drain(self) -> None:
        """Read the rest of the stream: parse errors, too deep nesting, a second document, anchors."""
        get_event = self.loader.get_event
        start_events = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
        end_events = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        while True:
            event = get_event()
            if event is None:
                return
            cls = type(event)
            if cls in start_events:
                if event.anchor is not None:
                    raise _FallbackError
                self.depth += 1
                if self.depth > MAX_DEPTH + 1:
                    raise self._too_deep(event.start_mark)
            elif cls in end_events:
                self.depth -= 1
            elif cls is yaml.ScalarEvent:
                if event.anchor is not None:
                    raise _FallbackError
            elif cls is yaml.AliasEvent:
                raise _FallbackError
            elif cls is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents == 2 and self.document_error is None:
                    self.document_error = refuse(self._loc(event.start_mark), "problemi.yaml.altro_documento",
                                                 hint_key="problemi.suggerimento.yaml")

    def _alias_bomb(self, mark: Any) -> RiskengineError:
        return refuse(self._loc(mark), "problemi.yaml.alias", hint_key="problemi.suggerimento.alias")

    def _construct(self, constructor: Any, constructors: dict, tag: str, event: Any) -> Any:
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return _as_written(tag, event.value, constructors[tag](constructor, node))
        except _UNBUILT:
            raise value_problem(self._loc(event.start_mark), tag, event.value) from None


class _StreamError(Exception):
    """Too deep nesting met while building: raised as such, before any value error."""

    def __init__(self, error: RiskengineError) -> None:
        super().__init__(str(error))
        self.error = error


def _marked_error(path: str, exc: yaml.MarkedYAMLError, text: str) -> RiskengineError:
    if "nesting depth" in (exc.problem or ""):
        return _too_deep_for_the_parser(path, exc, text)
    return yaml_problem(path, exc, text)


def _too_deep_for_the_parser(path: str, exc: yaml.MarkedYAMLError, text: str) -> RiskengineError:
    """Our nesting error, where the parser stopped at a limit of its own (1,000 levels from PyYAML 6.0.4).

    The parser reads ahead (up to 1,024 characters for a possible key), so it can give up before
    yielding the events that pass our lower limit: they are read again from the text before its
    stop, and the error is at the first of them, as it is where the parser goes on.
    """
    mark: Any = exc.problem_mark
    loader = _Loader(text[:mark.index] if mark is not None else text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    mark = event.start_mark
                    break
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # the text was cut where the parser stopped: any error past our limit is expected
    finally:
        loader.dispose()
    where = Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path)
    return refuse(where, "problemi.yaml.annidamento", hint_key="problemi.suggerimento.appiattisci", livelli=MAX_DEPTH)


def _load_with_tree(path: str, text: str, max_chars: int) -> tuple[Any, Any, Node | None]:
    """The node-tree path, for files with anchors and aliases (expanded within the node budget)."""
    try:
        _check_depth(path, text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(path, exc, text) from None
    except yaml.YAMLError as exc:
        raise reader_problem(path, exc, text) from None
    except RecursionError:
        raise refuse(Location(path), "problemi.yaml.troppo_annidato",
                     hint_key="problemi.suggerimento.appiattisci") from None
    if root is None:
        return None, _NO_DOCUMENT, None
    budget = max(MIN_NODE_BUDGET, len(text) // MAX_NODES_PER_BYTE * 2)
    return _Builder(path, text, budget, max_chars).build(root), None, root
