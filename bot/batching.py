"""Answering off the event loop: questions that arrive while the engine is busy are answered
together in one `answer_many` batch (one model call), so a crowd does not queue one by one.

A question arriving at an idle engine is answered at once, alone: no waiting to fill a batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from bot.outcome import Answer

logger = logging.getLogger(__name__)

MAX_BATCH = 32


class Answering(Protocol):
    def answer_many(self, asks: Sequence[tuple[str, Sequence[str]]]) -> list[Answer]: ...


_Ask = tuple[str, Sequence[str], "asyncio.Future[Answer]"]


class AnswerQueue:
    """`await queue.answer(question, history)`; one worker task feeds the engine in batches."""

    def __init__(self, engine: Answering, max_batch: int = MAX_BATCH):
        self.engine = engine
        self.max_batch = max_batch
        self._pending: list[_Ask] = []
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None

    async def answer(self, question: str, history: Sequence[str] = ()) -> Answer:
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._wakeup = asyncio.Event()
            self._worker = loop.create_task(self._work(), name="answer-queue")
        future: asyncio.Future[Answer] = loop.create_future()
        self._pending.append((question, tuple(history), future))
        assert self._wakeup is not None
        self._wakeup.set()
        return await future

    async def close(self) -> None:
        """Stop the worker; questions still waiting are cancelled."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        for _, _, future in self._pending:
            future.cancel()
        self._pending.clear()

    async def _work(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                live = [ask for ask in batch if not ask[2].done()]  # asker may have gone
                try:
                    if live:
                        await self._answer_batch(live)
                except BaseException as exc:  # never leave an asker waiting forever
                    for _, _, future in live:
                        _settle(future, exc=exc if isinstance(exc, Exception) else None)
                    raise

    async def _answer_batch(self, batch: list[_Ask]) -> None:
        asks = [(question, history) for question, history, _ in batch]
        try:
            answers = await asyncio.to_thread(self.engine.answer_many, asks)
            if len(answers) != len(asks):
                raise RuntimeError(f"{len(asks)} questions but {len(answers)} answers")
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][2], exc=exc)
                return
            # One bad question must not fail everyone else's: answer them one by one.
            logger.warning("batch of %d failed (%r); answering one by one", len(batch), exc)
            for ask in batch:
                await self._answer_batch([ask])
            return
        for (_, _, future), answer in zip(batch, answers, strict=True):
            _settle(future, answer=answer)


def _settle(
    future: asyncio.Future[Answer], answer: Answer | None = None, exc: BaseException | None = None
) -> None:
    if future.done():
        return
    if answer is None and exc is None:
        future.cancel()
    elif exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(answer)
