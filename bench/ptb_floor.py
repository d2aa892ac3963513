"""The floor under the bot's own overhead: a python-telegram-bot echo bot (no answering at
all) over the same fake Telegram server on loopback, one user asking back to back.

    python bench/ptb_floor.py [--messages 300]

What is left of `bench/bot_load.py`'s update-to-reply time once the answering core is taken
away: long polling, PTB's update handling, one sendMessage. Prints p50/p95 and writes
bench/results/ptb_floor.json. bot_load's ratio target (p50 <= 2x the core) is out of reach
whenever this floor alone is above the core's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    AIORateLimiter,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ptb_floor.json"
USER = 4_000_001


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None and update.effective_message.text is not None:
        await update.effective_message.reply_text(update.effective_message.text)


async def run(messages: int, limiter: bool) -> list[float]:
    with FakeTelegram() as fake:
        builder = ApplicationBuilder().token(fake.token).base_url(fake.base_url)
        if limiter:
            builder = builder.rate_limiter(AIORateLimiter())
        app = builder.concurrent_updates(True).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        latencies = []
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            for i in range(messages):
                started = time.monotonic()
                fake.send_text(f"question {i}", user_id=USER)
                await fake.wait_until_async(
                    lambda i=i: len(fake.sent_messages(USER)) > i, 10, "echo"
                )
                latencies.append(time.monotonic() - started)
            await app.updater.stop()
            await app.stop()
    return latencies[10:]  # the first few pay for connection set-up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    report = {}
    for limiter in (True, False):
        found = asyncio.run(run(args.messages, limiter))
        ordered = sorted(found)
        row = {
            "p50_ms": round(statistics.median(found) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        }
        report["with_rate_limiter" if limiter else "without_rate_limiter"] = row
        print(
            f"PTB echo bot, {'with' if limiter else 'without'} AIORateLimiter: "
            f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
