"""bm25s, imported once, on first use, the way this project uses it.

Not every user of the index's text analysis needs it, and its import has costs the
project does not use: tqdm (every bm25s call here passes show_progress=False) and
scipy.sparse, which bm25s imports when it can only to offer scipy as a second way of
building its score matrix. Its own numpy way builds the same matrix, and loading or
querying an index needs neither; scipy 1.17 brings numpy.f2py, numpy.ma and numpy.testing
with it (0.1 s of `newsbot ask`).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from types import ModuleType


def bm25s() -> ModuleType:
    """The bm25s package, imported without tqdm, and without scipy unless it is loaded."""
    if "bm25s" not in sys.modules:
        os.environ.setdefault("DISABLE_TQDM", "1")  # bm25s's own switch
        _import_without("scipy", "bm25s")
        # bm25s sets its own logger to DEBUG on import and would print every index build.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
    return sys.modules["bm25s"]


def _import_without(blocked: str, name: str) -> None:
    """Import `name` as if `blocked` were not installed, unless `blocked` is loaded already.

    A None entry in sys.modules makes an import of it raise ImportError (the import
    system's documented way to block one); it is removed straight after, so anything later
    (the torch encoders, the fitting bench) imports it as usual.
    """
    absent = blocked not in sys.modules
    if absent:
        sys.modules[blocked] = None  # type: ignore[assignment]
    try:
        importlib.import_module(name)
    finally:
        if absent:
            del sys.modules[blocked]
