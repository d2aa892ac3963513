"""Fuzz run: thousands of random updates (hypothesis) to the running bot through the fake
Telegram server; no handler may fail and every call the bot makes must be accepted.

    python bench/bot_fuzz.py [UPDATES]      # default 5000

Runs tests/e2e/test_fuzz.py with FUZZ_UPDATES (the regular suite sends ~300) and writes
bench/results/bot_fuzz.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bot_fuzz.json"


def main() -> None:
    updates = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/e2e/test_fuzz.py",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env={**os.environ, "FUZZ_UPDATES": str(updates)},
        capture_output=True,
        text=True,
    )
    found = re.search(r"fuzz: (\d+) random updates, (\d+) bot messages", run.stdout)
    report = {
        "requested_updates": updates,
        "sent_updates": int(found.group(1)) if found else None,
        "bot_messages": int(found.group(2)) if found else None,
        "passed": run.returncode == 0,
        "seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(run.stdout[-3000:] if run.returncode else run.stdout.strip().splitlines()[-1])
    print(json.dumps(report))
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
