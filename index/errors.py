"""The index's problems a maintainer can act on, importable without numpy or FAISS (the bot
names them in its replies before its engine has loaded)."""

from __future__ import annotations


class IndexProblem(Exception):
    """Base for index problems that a maintainer can act on."""


class IndexNotFound(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass
