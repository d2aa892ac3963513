"""The answer queue: questions arriving while the engine works are answered in one batch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from bot.answer import Answer, Status
from bot.batching import AnswerQueue


class SlowEngine:
    """Answers every question as NOT_FOUND; the first call waits until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()

    def answer_many(self, asks: Sequence[tuple[str, Sequence[str]]]) -> list[Answer]:
        self.batches.append([q for q, _ in asks])
        if len(self.batches) == 1:
            self.release.wait(5)
        if any(q == "boom" for q, _ in asks):
            raise RuntimeError("bad question")
        return [Answer(q, Status.NOT_FOUND) for q, _ in asks]


async def test_questions_waiting_for_a_busy_engine_go_in_one_batch():
    engine = SlowEngine()
    queue = AnswerQueue(engine)
    first = asyncio.create_task(queue.answer("first"))
    await asyncio.sleep(0.05)  # the engine is now busy with "first"
    rest = [asyncio.create_task(queue.answer(f"q{i}")) for i in range(5)]
    await asyncio.sleep(0.05)
    engine.release.set()
    answers = await asyncio.gather(first, *rest)
    assert [a.question for a in answers] == ["first", "q0", "q1", "q2", "q3", "q4"]
    assert engine.batches == [["first"], ["q0", "q1", "q2", "q3", "q4"]]
    await queue.close()


async def test_one_failing_question_does_not_fail_the_others():
    engine = SlowEngine()
    engine.release.set()
    queue = AnswerQueue(engine)
    first = asyncio.create_task(queue.answer("first"))
    good = asyncio.create_task(queue.answer("good"))
    bad = asyncio.create_task(queue.answer("boom"))
    assert (await first).question == "first"
    assert (await good).question == "good"
    with pytest.raises(RuntimeError):
        await bad
    await queue.close()


async def test_the_batch_size_is_bounded():
    engine = SlowEngine()
    engine.release.set()
    queue = AnswerQueue(engine, max_batch=4)
    await asyncio.gather(*(queue.answer(str(i)) for i in range(10)))
    assert max(len(b) for b in engine.batches) <= 4
    await queue.close()
