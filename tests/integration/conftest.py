"""Integration fixtures: private, published copies of the session's real index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MODELS
from tests.integration.support import publish_copy


@pytest.fixture()
def served_index(built_index: Path, tmp_path: Path) -> Path:
    """The real index of the seed corpus, published at tmp_path/index; free to rebuild or damage.

    A copy costs nothing to embed, and serves the same vectors a fresh build would.
    """
    return publish_copy(built_index.resolve(), tmp_path / "index")


@pytest.fixture(scope="module")
def module_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """What the autouse isolation does per test, for module-scoped CLI runs: no NEWSBOT_*
    or TELEGRAM_* variables, and a fresh working directory (so no developer .env is read)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("NEWSBOT_", "TELEGRAM_")):
                patch.delenv(name)
        patch.setenv("NEWSBOT_MODELS_DIR", str(MODELS))
        cwd = tmp_path_factory.mktemp("cwd")
        patch.chdir(cwd)
        yield cwd
