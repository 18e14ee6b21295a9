"""Writing the catalogue's YAML files: the canonical form of new files, and existing files kept.

A new file is written in one canonical form (the models' key order, block style, text quoted only
where YAML needs it, exact decimals). An existing file is rewritten only when what it says changed
(its canonical data differ); a file whose data are unchanged keeps its bytes, comments and layout.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path
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


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
