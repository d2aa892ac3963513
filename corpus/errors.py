"""The ways adding news can fail, each carrying one line for the maintainer."""

from __future__ import annotations


class IngestError(Exception):
    """An input that could not be added; str() is one clear line, naming what went wrong."""


class ExtractionError(IngestError):
    """A page that holds no usable article (a home page, an error page, a PDF, bad encoding)."""


class FetchError(IngestError):
    """A URL that could not be fetched: refused, unreachable, timed out, too big, HTTP error."""


class FeedError(IngestError):
    """A feed that could not be read: not a feed, malformed, empty."""
