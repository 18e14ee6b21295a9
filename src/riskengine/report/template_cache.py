"""A cache of the package's compiled templates, so that a run does not compile them from source again.

Jinja compiles every template it renders into Python code: for the annex's templates that is about a quarter
of a small annex's rendering (0.3 s on 300 processes). :class:`CompiledTemplates` keeps that code in memory
for the process (every edition and language reuses it) and, between runs, in the user's private cache
directory (``modelli`` under it, see :func:`riskengine.user_cache.cache_directory`; :data:`CACHE_KIND`).

Code read back from a file is code run, so entries are stored as the linked catalogues are
(:func:`riskengine.user_cache.write_signed`): signed with HMAC-SHA256 under the directory's private key and
checked before they are read, in files that only this user can write; a corrupt, foreign or unsigned entry is
ignored and the template compiled again (and stored). An entry is keyed by the template's name and file, the
SHA-256 of its source (Jinja's checksum: a changed template is a different entry), the environment's compile
settings, and the versions of riskengine, Jinja and Python.

Only the package's own templates are cached (:func:`riskengine.report.html.make_environment`). Templates a user
supplies run in the sandbox, whose compiler writes bounds into the code (:class:`~riskengine.report.sandbox.
BoundedCodeGenerator`): they are always compiled from their source in the run that renders them, so no stored
code, the package's or an earlier run's, can stand in for the sandbox's.
"""

from __future__ import annotations

import hashlib
import marshal
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import BytecodeCache

from riskengine.user_cache import read_signed, signing_key, versions, write_signed

if TYPE_CHECKING:
    from jinja2 import Environment
    from jinja2.bccache import Bucket

_FORMAT = b"riskengine-template/1"
CACHE_KIND = "modelli"
# Entries kept: the package's templates (about thirty) for a few versions of them.
ENTRIES_KEPT = 200


def compile_settings(env: Environment) -> str:
    """What of ``env`` shapes the code a template compiles to, beside its source: the compiler, the syntax,
    whitespace handling, autoescaping and extensions."""
    autoescape = env.autoescape
    return repr((type(env).__module__, type(env).__qualname__, env.code_generator_class.__qualname__,
                 env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
                 env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
                 env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
                 env.keep_trailing_newline, env.optimized, sorted(env.extensions),
                 getattr(autoescape, "__qualname__", autoescape)))


class CompiledTemplates(BytecodeCache):
    """Compiled templates by name and source: in memory for the process and, with a ``directory``, signed on
    disk for later runs (``directory`` None: memory only)."""

    def __init__(self, settings: str, directory: Path | None = None) -> None:
        import jinja2

        self.code: dict[tuple[str, str], types.CodeType] = {}
        secret = signing_key(directory) if directory is not None else None
        self.directory = directory if secret is not None else None  # a key that is not private: memory only
        self.secret = secret or b""
        self.read = 0  # entries read back from disk (tests)
        self._prefix = hashlib.sha256(_FORMAT + versions(jinja2.__version__, settings))

    def _name(self, bucket: Bucket) -> str:
        digest = self._prefix.copy()
        digest.update(f"{bucket.key}\0{bucket.checksum}".encode())
        return digest.hexdigest() + ".bin"

    def load_bytecode(self, bucket: Bucket) -> None:
        """Give ``bucket`` the template's code from memory, else from a signed entry; leave it empty otherwise."""
        found = self.code.get((bucket.key, bucket.checksum))
        if found is None and self.directory is not None:
            found = self._stored(self.directory / self._name(bucket), bucket)
            if found is not None:
                self.code[(bucket.key, bucket.checksum)] = found
                self.read += 1
        bucket.code = found

    def _stored(self, path: Path, bucket: Bucket) -> types.CodeType | None:
        entry: Any = read_signed(path, self.secret)
        if not (isinstance(entry, tuple) and len(entry) == 3 and entry[:2] == (bucket.key, bucket.checksum)
                and isinstance(entry[2], bytes)):
            return None
        try:
            code = marshal.loads(entry[2])
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, types.CodeType) else None

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the code Jinja has just compiled, in memory and (signed) on disk."""
        if bucket.code is None:
            return
        self.code[(bucket.key, bucket.checksum)] = bucket.code
        if self.directory is not None:  # a full or read-only disk costs only the next run's compiling
            write_signed(self.directory, self._name(bucket), self.secret,
                         (bucket.key, bucket.checksum, marshal.dumps(bucket.code)), ENTRIES_KEPT)
