"""The settings of the stages that run in several processes: one reading for the PDF's parts and the shards."""

from __future__ import annotations

import os

import pytest

from riskengine import parallel, shards
from riskengine.report import pdf_parts


@pytest.mark.parametrize("given, expected", [("3", 3), (" 2 ", 2), ("0", None), ("", None), ("due", None), ("-1", None)])
def test_cores_take_a_positive_count_or_the_cores_this_process_may_use(monkeypatch, given, expected):
    monkeypatch.setenv("RISKENGINE_X_WORKERS", given)
    assert parallel.cores("RISKENGINE_X_WORKERS") == (expected or len(os.sched_getaffinity(0)))


@pytest.mark.parametrize("given, expected", [("0", 0), ("120", 120), ("", 60), ("molti", 60), ("-5", 60)])
def test_the_size_from_which_a_stage_runs_in_several_processes(monkeypatch, given, expected):
    monkeypatch.setenv("RISKENGINE_X_FROM", given)
    assert parallel.size_from("RISKENGINE_X_FROM", 60) == expected


def test_the_pdf_and_the_shards_read_their_own_variables(monkeypatch):
    monkeypatch.setenv("RISKENGINE_PDF_WORKERS", "3")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "5")
    monkeypatch.setenv("RISKENGINE_PDF_PARTS_FROM", "7")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")
    assert (pdf_parts.workers(), shards.workers(), pdf_parts.parts_from(), shards.shards_from()) == (3, 5, 7, 0)
    monkeypatch.delenv("RISKENGINE_PDF_PARTS_FROM")
    monkeypatch.delenv("RISKENGINE_SHARDS_FROM")
    assert (pdf_parts.parts_from(), shards.shards_from()) == (pdf_parts.MIN_PROCESSES, shards.MIN_PROCESSES)
