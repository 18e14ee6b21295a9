"""A large catalogue's processes evaluated in shards by worker processes, their records taken back in order.

A process evaluates alone (its scores, lookups and policies read only its own facts), so the
processes of a catalogue, in the catalogue's order, are cut into contiguous shards, and the shards
into one contiguous block per core. This process evaluates the first block and forked workers the
others, each building its processes' result records (or only their findings, for ``check``, or
their planned residual, for the ranking); the blocks are taken back in order, so the records are
those of one process in the same order: the result is byte-identical for any number of workers.
What needs every process (measures, findings list, summary, monitoring plan, ranking) stays here.

Workers are forked once the catalogue, the method and the assessment are loaded: they read them
without loading anything again. A fork shares this process's memory until a page is written; the
garbage collector is off in them and collects only what each engine run makes (``gcpause``), so it
never writes to the inherited pages, and a contiguous block keeps the reference counts a worker changes
on its own processes' pages. Each shard is sent back as soon as it is evaluated, and a thread here
reads every worker as it sends, so no worker waits while this process evaluates its own block.

Below ``RISKENGINE_SHARDS_FROM`` processes (default :data:`MIN_PROCESSES`; ``0`` never; the records
of ``assess`` only when it is set, see :func:`sharded`), with one
process (``RISKENGINE_SHARD_WORKERS``: how many evaluate, this one included; default the cores this
process may use), or when the process runs other threads (but the progress display, which stops while
workers are forked) or cannot fork, everything stays in this process: nothing is forked.

A worker that dies (a signal, the memory killer) ends the command with one located problem, a
defect in a worker with one line; Ctrl-C reaches this process only (workers ignore it), which
stops the workers. Nothing has been written then: the result is written after every shard is back.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from riskengine import parallel
from riskengine.errors import Location, Problem, RiskengineError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from riskengine.answers.load import Assessment
    from riskengine.evaluate.backend import Backend
    from riskengine.graph.build import CatalogGraph
    from riskengine.method.load import Method

# From how many processes an assessment is evaluated in shards (measured: bench/results/2026-11-27-issue18-shards.md).
MIN_PROCESSES = 5_000
# Shards per worker: enough that the workers finish together; each is sent back as soon as it is evaluated, so a
# worker holds one shard's records at a time.
SHARDS_PER_WORKER = 8

T = TypeVar("T")

# What a forked worker reads: set in the parent just before the pool starts, inherited by the fork.
_work: dict[str, Any] = {}


def shards_from() -> int:
    """From how many processes the evaluation is sharded (``RISKENGINE_SHARDS_FROM``; 0: never)."""
    return parallel.size_from("RISKENGINE_SHARDS_FROM", MIN_PROCESSES)


def workers() -> int:
    """Processes that evaluate the shards, this one included: the cores this process may use
    (``RISKENGINE_SHARD_WORKERS`` to set)."""
    return parallel.cores("RISKENGINE_SHARD_WORKERS")


def sharded(processes: int, *, records: bool = False) -> int:
    """How many processes (this one included) evaluate ``processes`` processes: 0 when this one does alone.

    ``records``: for the result records of ``assess``, which are sharded only when
    ``RISKENGINE_SHARDS_FROM`` is set: measured on L, taking half of them back from a worker cost
    this process as much CPU as building them (bench/results/2026-11-27-issue18-shards.md), while
    ``check``'s findings and the ranking's residuals, a few values per process, gain.
    Workers are forked (they inherit the loaded catalogue); a fork copies locks other threads may
    hold, so a process with other threads evaluates alone, save the declared ones that stop while it
    forks (the terminal's progress display, see :mod:`riskengine.parallel`).
    """
    if records and not os.environ.get("RISKENGINE_SHARDS_FROM", "").strip().isdigit():
        return 0
    threshold, count = shards_from(), workers()
    if threshold == 0 or processes < threshold or count < 2:
        return 0
    if not parallel.may_fork():
        return 0
    return count


def cut(nodes: list[T], count: int) -> list[list[T]]:
    """``nodes`` in ``count`` contiguous shards of nearly equal size (none empty), in order."""
    count = max(1, min(count, len(nodes)))
    size, extra = divmod(len(nodes), count)
    shards, start = [], 0
    for k in range(count):
        stop = start + size + (k < extra)
        shards.append(nodes[start:stop])
        start = stop
    return shards


# What a worker gives back for each process of its shard (see :func:`_evaluate_shard`).
RECORDS, FINDINGS, RESIDUALS = "records", "findings", "residuals"


def _evaluate_shard(shard: list[str], wanted: str, links: Mapping[str, list[str]] | None) -> tuple[str, Any]:
    """In a worker: evaluate the processes of ``shard`` (nodes) and give, in order, their result records
    (``RECORDS``), their ``(code, findings)`` (``FINDINGS``) or their ``(code, assessed, planned residual risk,
    level)`` (``RESIDUALS``, the ranking's re-evaluations). ``links``: in place of the parent's (when given).

    A refusal travels back as its problems (``("error", problems)``), which the parent raises again.
    """
    from riskengine.evaluate.evaluation import evaluate
    from riskengine.result.build import process_records
    from riskengine.source.fields import decimal_text

    cg, method, assessment, runner = (_work[k] for k in ("cg", "method", "assessment", "runner"))
    only = {cg.code(node) for node in shard}
    try:
        # Forked inside the parent's gcpause.paused(): the collector is off, and the engine's runs free the
        # cycles they make without scanning (so writing to) the inherited objects (riskengine.engine.durable).
        evaluations = evaluate(cg, method, assessment, runner, _work["links"] if links is None else links,
                               only=only)
        if wanted == FINDINGS:
            return "ok", [(ev.code, ev.findings) for ev in evaluations]
        if wanted == RESIDUALS:
            return "ok", [(ev.code, ev.scoring is not None,
                           decimal_text(ev.scoring.residuo_programmato.rischio)
                           if ev.scoring and ev.scoring.residuo_programmato.rischio is not None else None,
                           ev.scoring.residuo_programmato.livello if ev.scoring else None)
                          for ev in evaluations]
        return "ok", process_records(cg, method, assessment, evaluations)
    except RiskengineError as exc:
        return "error", exc.problems


def in_shards(cg: CatalogGraph, method: Method, assessment: Assessment, runner: Backend,
              links: Mapping[str, list[str]] | None, count: int, *, wanted: str = RECORDS) -> Iterator[Any]:
    """What :func:`_evaluate_shard` gives (``wanted``) for every process, in the catalogue's order, from
    ``count`` forked workers, each shard yielded as soon as it and the shards before it are back."""
    tasks = [(shard, None) for shard in cut(cg.nodes_of("process"), count * SHARDS_PER_WORKER)]
    return _run(cg, method, assessment, runner, links, count, tasks, wanted)


def residuals_in_shards(cg: CatalogGraph, method: Method, assessment: Assessment, runner: Backend,
                        groups: list[dict[str, list[str]]], count: int) -> Iterator[Any]:
    """The ranking's re-evaluations: for each group (the measures of each of its processes, by code), its
    processes' ``(code, assessed, planned residual risk, level)`` in the order :func:`evaluate` gives them."""
    nodes = sum(len(group) for group in groups)
    tasks = []
    for group in groups:
        ordered = sorted(f"process:{code}" for code in group)  # evaluate's order: node ids, sorted
        for shard in cut(ordered, max(1, round(count * SHARDS_PER_WORKER * len(ordered) / nodes))):
            tasks.append((shard, {cg.code(node): group[cg.code(node)] for node in shard}))
    return _run(cg, method, assessment, runner, None, count, tasks, RESIDUALS)


def _run(cg: CatalogGraph, method: Method, assessment: Assessment, runner: Backend,
         links: Mapping[str, list[str]] | None, count: int,
         tasks: Sequence[tuple[list[str], Mapping[str, list[str]] | None]], wanted: str) -> Iterator[Any]:
    """Evaluate ``tasks`` in ``count`` contiguous blocks, the first in this process and each of the others
    in a forked worker (so that each touches its own part of the catalogue's memory), and yield what
    they give in the order of ``tasks``."""
    import multiprocessing  # here, not at the top: check on a small catalogue never forks, nor pays the import
    import threading

    from riskengine.evaluate.evaluation import evaluate

    # The method's plan, the processes' catalogue facts and the engine's rules made once here (an
    # evaluation of no process), then inherited by every worker.
    evaluate(cg, method, assessment, runner, links, only=set())
    _work.update(cg=cg, method=method, assessment=assessment, runner=runner, links=links)
    own, *others = cut(list(tasks), count)
    context = multiprocessing.get_context("fork")
    workers: list[tuple[Any, Connection]] = []
    inbox = _Inbox(len(others))
    reader = None
    try:
        with parallel.forking():  # Ctrl-C held back until the workers are counted here, the display stopped
            for block in others:
                receiving, sending = context.Pipe(duplex=False)
                worker = context.Process(target=_worker, args=(block, wanted, sending), daemon=True)
                worker.start()
                sending.close()  # the worker holds the only sending end: its death ends the pipe
                workers.append((worker, receiving))
        # The workers are read as they send (none waits on a full pipe) while this process evaluates
        # the first block; their shards are kept until it is done. Forked before the thread starts.
        reader = threading.Thread(target=inbox.read, args=([r for _, r in workers],), daemon=True)
        reader.start()
        for shard, shard_links in own:
            status, payload = _evaluate_shard(shard, wanted, shard_links)
            if status == "error":
                raise RiskengineError(payload)
            yield from payload
            del payload
        reader.join()
        if inbox.trouble is not None:
            raise inbox.trouble(cg.catalog.root)
        for payloads in inbox.received:
            while payloads:
                yield from payloads.pop(0)
    finally:
        for worker, _ in workers:  # stopped when this process gives up (Ctrl-C, a failure)
            if worker.is_alive():
                worker.kill()
            worker.join()
        if reader is not None:
            reader.join()
        for _, receiving in workers:
            receiving.close()
        _work.clear()


class _Inbox:
    """What the workers send, by worker, read by a thread of the parent; the first trouble stops the reading."""

    def __init__(self, count: int) -> None:
        self.received: list[list[Any]] = [[] for _ in range(count)]
        self.trouble: Any = None  # a function of the catalogue's root giving the exception to raise

    def read(self, connections: list[Connection]) -> None:
        """Receive from every connection until each has said it is done (None), one fails, or one ends."""
        from multiprocessing.connection import wait

        open_ = dict(enumerate(connections))
        while open_ and self.trouble is None:
            for ready in wait(list(open_.values())):
                k = next(k for k, r in open_.items() if r is ready)
                try:
                    message: Any = open_[k].recv()
                except (EOFError, OSError):  # the worker died (or was stopped)
                    self.trouble = _worker_lost
                    return
                if message is None:
                    del open_[k]
                elif message[0] == "error":
                    self.trouble = lambda _root, problems=message[1]: RiskengineError(problems)
                    return
                elif message[0] == "failed":
                    self.trouble = lambda _root, text=message[1]: RuntimeError(text)
                    return
                else:
                    self.received[k].append(message[1])


def _worker(block: list[tuple[list[str], Mapping[str, list[str]] | None]], wanted: str, sending: Connection) -> None:
    """A worker's life: each shard of its block evaluated and sent, then None; a failure sent as one line."""
    # Ctrl-C goes to the whole process group: the parent handles it and stops the workers. Forked with it held
    # back (riskengine.parallel.forking): ignored from now on, then let through (one already pending is dropped).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        for shard, links in block:
            sending.send(_evaluate_shard(shard, wanted, links))
        sending.send(None)
    except Exception as exc:  # a defect: reported by the parent in one line, like any internal error
        sending.send(("failed", f"{type(exc).__name__}: {' '.join(str(exc).split())}"))
    finally:
        sending.close()


def _worker_lost(root: Path) -> RiskengineError:
    from riskengine.i18n import said

    problem: Problem = said(Location(str(root)), "problemi.lavoratore_perso", code="shards",
                            hint_key="problemi.suggerimento.lavoratore_perso")
    return RiskengineError([problem])
