"""Render docs/answer.png: a typical answer as a Telegram user sees it.

The answer is real: the seed article (tests/fixtures/seed) is indexed with `newsbot index build`
into a temporary directory, the real core answers QUESTION, and the reply is the exact HTML and
inline keyboard the bot sends (bot.format.to_html, bot.keyboards.answer_keyboard). A small page
styled like a Telegram chat shows it, and Debian's headless Chromium takes the screenshot.

    .venv/bin/python docs/render.py            # needs `apt-get install chromium`
    .venv/bin/python docs/render.py --html-only /tmp/answer.html

Not run by the tests; nothing leaves the machine (Chromium runs with networking features off
and the page loads nothing but itself).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seed"
OUT = ROOT / "docs" / "answer.png"
QUESTION = "How many Wagner personnel are deployed in Ukraine?"
WIDTH = 720  # CSS pixels of the chat column, about a phone in landscape or a narrow desktop
SCALE = 2  # device pixel ratio: a crisp image at half size in the README
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--default-background-color=00000000",
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body {{ margin: 0; background: #99ba92;
         background-image: radial-gradient(circle at 20% 30%, #b5d1a6 0 18%, transparent 19%),
                           radial-gradient(circle at 80% 70%, #a9c89b 0 22%, transparent 23%);
         font: 15px/1.38 "DejaVu Sans", "Noto Sans", sans-serif; color: #000; }}
  .chat {{ width: {width}px; padding: 18px 16px 22px; box-sizing: border-box; }}
  .header {{ background: #fff; margin: -18px -16px 16px; padding: 10px 16px;
             font-weight: bold; box-shadow: 0 1px 2px rgba(0,0,0,.15); }}
  .header small {{ display: block; font-weight: normal; color: #8a8a8a; font-size: 13px; }}
  .row {{ display: flex; margin: 6px 0; }}
  .row.me {{ justify-content: flex-end; }}
  .bubble {{ max-width: 86%; padding: 7px 11px 8px; border-radius: 14px;
             box-shadow: 0 1px 1px rgba(0,0,0,.18); white-space: pre-wrap;
             overflow-wrap: anywhere; }}
  .me .bubble {{ background: #effdde; border-bottom-right-radius: 4px; }}
  .bot .bubble {{ background: #fff; border-bottom-left-radius: 4px; }}
  .reply {{ border-left: 2px solid #3a8fd6; padding-left: 7px; margin-bottom: 5px;
            font-size: 13.5px; color: #555; white-space: normal; }}
  .reply b {{ color: #3a8fd6; display: block; }}
  blockquote {{ margin: 3px 0; padding: 4px 8px 5px 10px; background: #e8f1fb;
                border-left: 3px solid #3a8fd6; border-radius: 4px; }}
  a {{ color: #2a79c2; text-decoration: none; }}
  code {{ font-family: "DejaVu Sans Mono", monospace; font-size: 14px; }}
  .time {{ float: right; margin: 8px 0 -4px 10px; font-size: 12px; color: #8fae88; }}
  .bot .time {{ color: #a0a0a0; }}
  .keyboard {{ max-width: 86%; display: grid; gap: 4px; margin: 4px 0 0; }}
  .keyboard button {{ font: inherit; font-size: 14px; color: #fff; border: 0;
                      padding: 8px 6px; border-radius: 8px; background: rgba(66, 99, 60, .45); }}
</style></head><body><div class="chat">
  <div class="header">{bot}<small>bot</small></div>
  <div class="row me"><div class="bubble">{question}<span class="time">12:04 ✓✓</span></div></div>
  {replies}
</div>
<script>document.title = Math.ceil(document.querySelector(".chat").scrollHeight);</script>
</body></html>
"""


def build_index(index_dir: Path) -> None:
    # The checkout's ONNX export (as `make run` leaves it), not a new one per run.
    os.environ.setdefault("NEWSBOT_MODELS_DIR", str(ROOT / "var" / "models"))
    env = {
        **os.environ,
        "NEWSBOT_CORPUS_DIR": str(SEED),
        "NEWSBOT_INDEX_DIR": str(index_dir),
    }
    newsbot = Path(sys.executable).with_name("newsbot")
    subprocess.run([str(newsbot), "index", "build"], check=True, env=env, cwd=ROOT)


def page(index_dir: Path) -> str:
    """The chat page: the user's question, then the bot's reply messages and keyboard."""
    from bot.answer import Status
    from bot.engine import Engine
    from bot.format import to_html
    from bot.keyboards import answer_keyboard
    from bot.settings import Settings

    settings = Settings(_env_file=None, corpus_dir=SEED, index_dir=index_dir)  # type: ignore[call-arg]
    engine = Engine(settings)
    answer = engine.answer(QUESTION, [])
    if answer.status is not Status.ANSWERED:
        raise SystemExit(f"the core did not answer {QUESTION!r}: {answer.reason}")
    messages = to_html(answer, engine.articles)
    keyboard = answer_keyboard(bool(answer.more), 0, answer.language)
    blocks = []
    for i, message in enumerate(messages):
        # Telegram draws a quote as a block of its own: the line breaks beside it add no line.
        message = message.replace("</blockquote>\n", "</blockquote>").replace(
            "\n<blockquote>", "<blockquote>"
        )
        quoted = f'<div class="reply"><b>You</b>{html.escape(QUESTION)}</div>' if i == 0 else ""
        blocks.append(
            f'<div class="row bot"><div class="bubble">{quoted}{message}'
            '<span class="time">12:04</span></div></div>'
        )
    rows = []
    for row in keyboard.inline_keyboard:
        buttons = "".join(f"<button>{html.escape(b.text)}</button>" for b in row)
        rows.append(
            f'<div class="keyboard" style="grid-template-columns: repeat({len(row)}, 1fr)">'
            f"{buttons}</div>"
        )
    return PAGE.format(
        width=WIDTH,
        bot="News Bot",
        question=html.escape(QUESTION),
        replies="\n".join(blocks) + "".join(rows),
    )


def _chromium() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    return chromium


def page_height(page_file: Path) -> int:
    """The chat's height in CSS pixels, as Chromium lays it out (the page puts it in <title>)."""
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [
                _chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},600",
                "--dump-dom",
                page_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    match = re.search(r"<title>(\d+)</title>", dom)
    if match is None:
        raise SystemExit("could not measure the page")
    return int(match.group(1))


def screenshot(page_file: Path, out: Path, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                _chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--force-device-scale-factor={SCALE}",
                f"--window-size={WIDTH},{height}",
                f"--screenshot={out}",
                page_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--height", type=int, help="CSS pixels of the window (default: fit)")
    parser.add_argument("--html-only", type=Path, help="write the page here, no screenshot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        build_index(index_dir)
        text = page(index_dir)
        page_file = args.html_only or Path(tmp) / "answer.html"
        page_file.write_text(text, encoding="utf-8")
        if args.html_only:
            return
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(page_file, args.out, args.height or page_height(page_file))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
