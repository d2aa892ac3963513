"""`newsbot` subcommands as real processes for one test, each logging to a file of its own."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path


class Processes:
    """`newsbot COMMAND --name NAME` subprocesses of one test; `end` stops them all."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs = env, logs
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, command: str, name: str, **env: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", "from bot.cli import cli; cli()", command, "--name", name],
                env={**self.env, **env},
                cwd=self.logs,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"== {n}\n{self.log(n)[-3000:]}" for n in self.started)

    def end(self) -> None:
        """SIGTERM to every process still running, then SIGKILL to any that does not stop."""
        for process in self.started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
