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
import importlib.abc
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

_LOADING = threading.Lock()  # a second caller waits for the first import to finish


def bm25s() -> ModuleType:
    """The bm25s package, imported without tqdm, and without scipy unless it is loaded."""
    with _LOADING:
        if "bm25s" not in sys.modules:
            os.environ.setdefault("DISABLE_TQDM", "1")  # bm25s's own switch
            with unimportable_here("scipy"):
                importlib.import_module("bm25s")
            # bm25s sets its own logger to DEBUG on import and would print every index build.
            logging.getLogger("bm25s").setLevel(logging.WARNING)
    return sys.modules["bm25s"]


@contextmanager
def unimportable_here(package: str) -> Iterator[None]:
    """While inside, `package` cannot be imported by this thread, as if not installed;
    other threads import it as usual (the engine loads the torch encoders, which import
    scipy, while another thread loads the index), and so does this one afterwards."""
    blocker = _Blocker(package, threading.get_ident())
    sys.meta_path.insert(0, blocker)
    try:
        yield
    finally:
        sys.meta_path.remove(blocker)


class _Blocker(importlib.abc.MetaPathFinder):
    def __init__(self, package: str, thread: int):
        self.package = package
        self.thread = thread

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if threading.get_ident() == self.thread and fullname.split(".")[0] == self.package:
            raise ModuleNotFoundError(f"{fullname} is not imported here", name=fullname)
        return None
