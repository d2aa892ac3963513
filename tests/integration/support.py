"""Helpers for driving `newsbot` in integration tests: in-process and as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result

from bot.cli import cli
from tests.conftest import MODELS, SEED_ARTICLES

# Restore Python's Ctrl-C handling in the child: a process started in the background
# (CI, `make test &`) inherits SIGINT as ignored, and then Ctrl-C would test nothing.
_CHILD = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from bot.cli import cli; cli(prog_name='newsbot')"
)


def newsbot(*args: str, input: str | None = None, articles: Path = SEED_ARTICLES) -> Result:
    """Run `newsbot ARGS` in this process, configured through the environment as a user would,
    reading the articles of `articles` (a fixture folder, never the project's corpus/)."""
    env = {"NEWSBOT_CORPUS_DIR": str(articles)}
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=True)


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without any NEWSBOT_* settings of the developer's, plus `extra`
    (and the test run's model cache). The articles folder stays the test's own unless
    `extra` names one: a child process has no audit hook to keep it out of corpus/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update({"PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"})
    if "NEWSBOT_CORPUS_DIR" in os.environ:  # tmp_path/articles (tests/conftest.py)
        env["NEWSBOT_CORPUS_DIR"] = os.environ["NEWSBOT_CORPUS_DIR"]
    env.update({"NEWSBOT_MODELS_DIR": str(MODELS), **extra})
    return env


def start_newsbot(*args: str, cwd: Path, articles: Path = SEED_ARTICLES) -> subprocess.Popen[str]:
    """`newsbot ARGS` as a separate process (the CLI's own entry point), output captured."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", _CHILD, *args],
        cwd=cwd,
        env=child_env({"NEWSBOT_CORPUS_DIR": str(articles)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def console_script() -> Path:
    """The `newsbot` command the package installs next to this interpreter."""
    return Path(sys.executable).with_name("newsbot")


def publish_copy(build: Path, target: Path) -> Path:
    """Copy a finished build beside `target` and link `target` to it, as `build_index` does."""
    builds = target.with_name(target.name + ".builds")
    builds.mkdir(parents=True, exist_ok=True)
    shutil.copytree(build, builds / build.name)
    os.symlink(os.path.relpath(builds / build.name, target.parent), target)
    return target


def assert_one_clear_error(result: Result, *phrases: str) -> str:
    """Exit 1 with a single `Error: ...` line naming `phrases`, and no traceback."""
    assert result.exit_code == 1, result.output
    # SystemExit is click's orderly exit; any other exception would have been a traceback.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], f"{phrase!r} not in {lines[0]!r}"
    return lines[0]
