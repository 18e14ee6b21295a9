"""Writing the catalogue's YAML files: the canonical form of new files, and existing files kept.

A new file is written in one canonical form (the models' key order, block style, text quoted only
where YAML needs it, exact decimals). An existing file is rewritten only when what it says changed
(its canonical data differ); a file whose data are unchanged keeps its bytes, comments and layout.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences, as the catalogue's files are written by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        """Never anchors and aliases: a value shared in memory is written out each time."""
        return True


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


def _date(dumper: yaml.SafeDumper, value: dt.date) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(dt.date, _date)


def canonical_yaml(data: dict[str, Any]) -> str:
    """The canonical text of a file's data."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=1_000_000)


# Items of a list are matched by these keys when an existing file is updated: what identifies them.
_IDENTITY = ("codice", "processo", "fase", "evento", "misura", "tassonomia", "da")


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    handler = YAML()  # round-trip: comments, key order, quoting and flow style are kept
    handler.preserve_quotes = True
    handler.width = 1_000_000
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null",
                                                                                     "null"))
    handler.representer.add_representer(Decimal, lambda r, d: _decimal(r, d))
    return handler


def _identity(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, dict):
        for key in _IDENTITY:
            if key in item:
                return key, str(item[key])
    return None


def _same(old: Any, new: Any) -> bool:
    """Whether a value read back from the file equals the new one (numbers compared exactly)."""
    if isinstance(new, Decimal) and isinstance(old, (int, float)) and not isinstance(old, bool):
        return Decimal(str(old)) == new
    if isinstance(new, dict) and isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in new)
    if isinstance(new, list) and isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return type(old) is type(new) or isinstance(old, type(new)) if old == new else False


def _merge(old: Any, new: Any) -> Any:
    """``new`` written over ``old``, reusing old nodes (and their comments and style) wherever they still hold."""
    if _same(old, new):
        return old
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            if old[key] not in (None, "", [], {}):  # an explicit null or empty value says what absence says
                del old[key]
        for index, (key, value) in enumerate(new.items()):
            if key in old:
                old[key] = _merge(old[key], value)
            else:  # a round-trip mapping (CommentedMap) places a new key where the new data has it
                old.insert(min(index, len(old)), key, value)  # type: ignore[attr-defined]
        return old
    if isinstance(old, list) and isinstance(new, list):
        by_identity = {_identity(item): item for item in old if _identity(item) is not None}
        if by_identity and all(_identity(item) is not None for item in new):
            merged = [_merge(by_identity[_identity(item)], item) if _identity(item) in by_identity else item
                      for item in new]
        else:
            merged = [_merge(a, b) for a, b in zip(old, new, strict=False)] + new[len(old):]
        # The same sequence node, changed item by item: its style and the comments after its items stay.
        for index, item in enumerate(merged[:len(old)]):
            if old[index] is not item:
                old[index] = item
        del old[len(merged):]
        old.extend(merged[len(old):])
        return old
    return new


def updated_yaml(existing: str, data: dict[str, Any]) -> str:
    """The text of an existing file updated to hold ``data``: unchanged parts keep their bytes and comments."""
    import io

    handler = _round_trip()
    document = handler.load(existing)
    merged = _merge(document, data) if isinstance(document, dict) else data
    out = io.StringIO()
    handler.dump(merged, out)
    return out.getvalue()
