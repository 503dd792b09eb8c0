"""Containment in the worker pool: real spawned processes, a real segfault."""

from __future__ import annotations

import datetime as dt
import os
import signal

from flows.workers import ChunkParams, ContainedPool, only_problems, process_records


def square_unless_poison(items: list[int], poison: int) -> dict:
    """Dies by SIGSEGV on the poison item, as a native library can."""
    if poison in items:
        os.kill(os.getpid(), signal.SIGSEGV)
    return only_problems([]) | {"articles": [item * item for item in items]}


def test_a_record_that_kills_its_worker_costs_that_record_alone():
    pool = ContainedPool(2)
    try:
        result = pool.run(square_unless_poison, list(range(10)), 7,
                          lambda item, why: only_problems([{"item": item, "why": why}]))
        assert sorted(result["articles"]) == [n * n for n in range(10) if n != 7]
        assert result["problems"] == [{"item": 7, "why": "the worker process died on this record alone "
                                                       "(killed by SIGSEGV)"}]
        # the pool was replaced and goes on working
        assert pool.run(square_unless_poison, [2, 3], 7, lambda item, why: {})["articles"] == [4, 9]
    finally:
        pool.shutdown()


def test_an_exception_on_one_record_costs_that_record_alone():
    good = {"text": "ROME, May 2 - Trains stopped for an hour on Thursday, the operator said.\n", "format": "txt",
            "record_index": 0, "locator": None, "file_id": "f" * 64, "source_path": "a.txt"}
    bad = {**good, "text": None, "record_index": 1, "locator": "line 2"}  # a reader bug handing on no text
    result = process_records([good, bad], ChunkParams(dt.date(2024, 5, 2), "en_core_web_sm", 64))
    assert [a["record_index"] for a in result["articles"]] == [0]
    (problem,) = result["problems"]
    assert (problem["record_index"], problem["locator"], problem["stage"], problem["reason"]) == (
        1, "line 2", "clean", "processing_error")
    assert problem["detail"].startswith("clean: TypeError")
