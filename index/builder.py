"""Build an index from the corpus: passages, vectors, BM25, manifest; aside, then swapped in.

Vectors of text that was embedded before (same model, same text) are reused from the
served index, so rebuilding an unchanged corpus embeds nothing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from corpus.loader import Article, CorpusError, corpus_hash, load_corpus
from index.calibration import calibrate
from index.embedder import Embedder
from index.encoding import Encoders, as_encoders
from index.errors import IndexProblem
from index.fields import FIELDS, Encoder, Field, FieldStats, field_texts, stats_path, store_path
from index.lexical import LexicalIndex
from index.passages import DEFAULT_MAX_CHARS, Passage, reader_fingerprint, split_passages
from index.ranker import fingerprint
from index.search import (
    ARTICLE_LEXICAL,
    CALIBRATION,
    LEXICAL,
    PASSAGES,
    SENTENCE_LEXICAL,
    SearchIndex,
)
from index.store import (
    MANIFEST,
    FaissStore,
    Manifest,
    check_files,
    describe_stores,
    discard,
    file_digest,
    new_build_dir,
    publish,
)

logger = logging.getLogger(__name__)

EMBED_BATCH = 64

Progress = Callable[[int, int], None]
# How the texts a build lacks become vectors: (encoder kind, encoder, texts, progress) -> rows in
# the texts' order. Default: here, batch by batch (embed_batches); index/distributed.py sends
# them to workers instead.
EmbedMany = Callable[[str, Encoder, Sequence[str], Progress | None], np.ndarray]


@dataclass(frozen=True)
class BuildReport:
    manifest: Manifest
    path: Path
    embedded: int
    reused: int
    seconds: float
    skipped: list[CorpusError] = field(default_factory=list)
    refused: str | None = None  # why the gate kept the build from being published


def chunking(max_chars: int) -> dict[str, object]:
    return {"unit": "paragraph", "split": "sentences", "max_chars": max_chars}


def build_index(
    corpus_dir: Path,
    target: Path,
    encoders: Encoders | Embedder,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: Progress | None = None,
    gate: Callable[[Path], str | None] | None = None,
    multilingual: Encoder | None = None,
    embed_many: EmbedMany | None = None,
) -> BuildReport:
    """Build the corpus into a fresh folder and atomically publish it at `target`.

    Every passage and sentence is embedded by both encoders (index/fields.py); BM25 indexes
    passages and sentences; the corpus's "not covered" baseline is measured on the build
    (index/calibration.py). A `gate` sees the finished build before it is published and may
    refuse it (returning why): the served index then stays as it was. An Embedder alone
    stands for MiniLM, with `multilingual` (or the packaged e5) beside it.
    """
    encoders = as_encoders(encoders, multilingual)
    started = time.perf_counter()
    articles, skipped = load_corpus(corpus_dir)
    if not articles:
        raise CorpusError(f"{corpus_dir}: no usable article files (*.md, *.txt with front matter)")
    passages = [p for article in articles for p in split_passages(article, max_chars)]
    digest = corpus_hash(articles)
    with _build_lock(target):
        build = new_build_dir(target)
        try:
            embedded, total = _write(
                build, target, encoders, passages, progress, embed_many or embed_batches
            )
            draft = Manifest(
                model=encoders.minilm.name,
                dim=encoders.minilm.dim,
                passages=len(passages),
                sentences=sum(len(p.sentences) for p in passages),
                corpus_hash=digest,
                chunking=chunking(max_chars),
                articles=articles_meta(articles, passages),
                versions=_versions(),
                multilingual=encoders.e5.name,
                scoring=fingerprint(),
                reader=reader_fingerprint(),
            )
            index = SearchIndex.open(build, draft)
            calibrate(index, encoders, digest).save(build / CALIBRATION)
            manifest = _finish_manifest(build, draft)
            refused = gate(build) if gate else None
            if refused:
                discard(build)
            else:
                publish(build, target)
        except BaseException:
            # A half-written build is never left behind, nor ever visible; but once the link
            # points at it (an interrupt while old builds are pruned), it is the served index.
            if target.resolve() != build.resolve():
                discard(build)
            raise
    return BuildReport(
        manifest=manifest,
        path=build,
        embedded=embedded,
        reused=total - embedded,
        seconds=time.perf_counter() - started,
        skipped=skipped,
        refused=refused,
    )


def articles_meta(
    articles: Sequence[Article], passages: Sequence[Passage]
) -> list[dict[str, object]]:
    counts = Counter(p.article_id for p in passages)
    return [
        {
            "id": a.id,
            "title": a.title,
            "source": a.source,
            "url": a.url,
            "date": a.date,
            "language": a.language,
            "content_hash": a.content_hash,
            "passages": counts[a.id],
        }
        for a in articles
    ]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@contextmanager
def _build_lock(target: Path) -> Iterator[None]:
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(f".{target.name}.lock")
    with lock_path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexProblem(
                f"another build of {target} is running; try again when it ends"
            ) from exc
        yield


def keys_path(directory: Path, field: Field) -> Path:
    """sha256 of each text the field embedded, in store order: what a rebuild may reuse. Kept
    beside the vectors (not recomputed from passages), so a change to what is embedded for a
    passage re-embeds it instead of reusing a vector of other text."""
    return directory / f"{field.name}.keys.json"


def _write(
    build: Path,
    target: Path,
    encoders: Encoders,
    passages: Sequence[Passage],
    progress: Progress | None,
    embed_many: EmbedMany,
) -> tuple[int, int]:
    """Passages, dense fields (reusing the served index's vectors), BM25; (embedded, total)."""
    with (build / PASSAGES).open("w", encoding="utf-8") as handle:
        for passage in passages:
            handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
    kinds = encoders.by_kind()
    embedded = total = 0
    for kind, encoder in kinds.items():
        fields = [f for f in FIELDS if f.encoder == kind]
        cache = _previous_vectors(target, fields, encoder.name)
        texts = {f.name: field_texts(f, passages) for f in fields}
        wanted = [t for f in fields for t in texts[f.name]]
        done = _embed_missing(kind, wanted, encoder, cache, progress, embed_many)
        embedded, total = embedded + done, total + len(wanted)
        for f in fields:
            rows = _rows(texts[f.name], cache, encoder.dim)
            store = FaissStore.create(encoder.dim, len(rows))  # exact or IVF, by size
            store.add(rows)
            store.save(store_path(build, f))
            FieldStats.of(rows).save(stats_path(build, f))
            keys = {"encoder": encoder.name, "keys": [text_key(t) for t in texts[f.name]]}
            keys_path(build, f).write_text(json.dumps(keys), encoding="utf-8")
    languages = [p.language for p in passages]
    LexicalIndex.build([p.text for p in passages], languages).save(build / LEXICAL)
    sentences = [(s.text, p.language) for p in passages for s in p.sentences]
    LexicalIndex.build([t for t, _ in sentences], [lang for _, lang in sentences]).save(
        build / SENTENCE_LEXICAL
    )
    articles: dict[str, list[Passage]] = {}
    for passage in passages:
        articles.setdefault(passage.article_id, []).append(passage)
    LexicalIndex.build(
        [" ".join([ps[0].title, *(p.text for p in ps)]) for ps in articles.values()],
        [ps[0].language for ps in articles.values()],
    ).save(build / ARTICLE_LEXICAL)
    return embedded, total


def _previous_vectors(target: Path, fields: Sequence[Field], encoder: str) -> dict[str, np.ndarray]:
    """Vectors of the served index by the key of the text they embed, for fields of the
    same encoder; empty when there is no readable index or it used another encoder."""
    cache: dict[str, np.ndarray] = {}
    for f in fields:
        try:
            saved = json.loads(keys_path(target, f).read_text(encoding="utf-8"))
            if saved.get("encoder") != encoder:
                continue
            store = FaissStore.load(store_path(target, f))
            cache.update(zip(saved["keys"], store.vectors(range(len(store))), strict=True))
        except (IndexProblem, OSError, ValueError, KeyError, RuntimeError) as exc:
            logger.info("no reusable vectors for %s in %s (%s)", f.name, target, exc)
    return cache


def _embed_missing(
    kind: str,
    texts: Sequence[str],
    encoder: Encoder,
    cache: dict[str, np.ndarray],
    progress: Progress | None,
    embed_many: EmbedMany,
) -> int:
    """Embed the texts the cache lacks into it; how many were embedded."""
    keyed = {text_key(t): t for t in texts}
    missing = [k for k in keyed if k not in cache]
    if progress:
        progress(0, len(missing))
    vectors = embed_many(kind, encoder, [keyed[k] for k in missing], progress)
    check_vectors(encoder, vectors, len(missing))
    cache.update(zip(missing, vectors, strict=True))
    return len(missing)


def embed_batches(
    kind: str, encoder: Encoder, texts: Sequence[str], progress: Progress | None = None
) -> np.ndarray:
    """The texts' vectors, EMBED_BATCH at a time. A distributed build cuts its chunks at
    multiples of EMBED_BATCH and embeds each chunk with this, so every text is embedded in
    the same batch as here and the vectors are bitwise the same."""
    parts = [np.zeros((0, encoder.dim), dtype=np.float32)]
    for offset in range(0, len(texts), EMBED_BATCH):
        batch = texts[offset : offset + EMBED_BATCH]
        vectors = encoder.documents(batch)
        check_vectors(encoder, vectors, len(batch))
        parts.append(vectors)
        if progress:
            progress(min(offset + EMBED_BATCH, len(texts)), len(texts))
    return np.vstack(parts).astype(np.float32, copy=False)


def check_vectors(encoder: Encoder, vectors: np.ndarray, rows: int) -> None:
    if vectors.shape != (rows, encoder.dim) or not np.isfinite(vectors).all():
        raise IndexProblem(
            f"{encoder.name} returned unusable vectors: shape {vectors.shape}, "
            f"expected {(rows, encoder.dim)}"
        )


def _rows(texts: Sequence[str], cache: dict[str, np.ndarray], dim: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([cache[text_key(t)] for t in texts]).astype(np.float32)


def _finish_manifest(build: Path, draft: Manifest) -> Manifest:
    files = {
        str(path.relative_to(build)): file_digest(path)
        for path in sorted(build.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    manifest = Manifest(
        **{
            **draft.__dict__,
            "files": files,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "build_id": build.name,
            "stores": describe_stores(build),  # index kind and search parameters per file
        }
    )
    # Written last, via a temporary name: a folder without it is an unfinished build.
    tmp = build / (MANIFEST + ".tmp")
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    tmp.replace(build / MANIFEST)
    return manifest


def _versions() -> dict[str, str]:
    found = {}
    for package in ("newsbot", "faiss-cpu", "sentence-transformers", "bm25s", "numpy", "torch"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found


def staleness(
    corpus_dir: Path, target: Path, model: str, max_chars: int, multilingual: str | None = None
) -> list[str]:
    """Why the index at `target` does not reflect the corpus and settings ([] when it does)."""
    try:
        manifest = Manifest.read(target)
    except IndexProblem as exc:
        return [str(exc)]
    articles, _ = load_corpus(corpus_dir)
    problems = []
    if manifest.model != model:
        problems.append(f"built with {manifest.model}, configured model is {model}")
    if manifest.corpus_hash != corpus_hash(articles):
        problems.append(f"the corpus in {corpus_dir} changed since the index was built")
    if manifest.chunking != chunking(max_chars):
        problems.append(f"chunking changed: {manifest.chunking} -> {chunking(max_chars)}")
    if multilingual and manifest.multilingual != multilingual:
        problems.append(f"the index has no vectors of {multilingual}")
    if manifest.scoring != fingerprint():
        problems.append("the ranking model changed since the index was calibrated")
    if manifest.reader != reader_fingerprint():
        problems.append(
            "the passage reader (sentences, speakers) changed since the index was built"
        )
    return problems


def verify(corpus_dir: Path, target: Path) -> list[str]:
    """Everything wrong with an index: damaged files, or a corpus that moved on."""
    try:
        manifest = Manifest.read(target)
    except IndexProblem as exc:
        return [str(exc)]
    problems = check_files(target.resolve(), manifest)
    if not problems:
        try:
            rows = sum(1 for _ in (target / PASSAGES).open(encoding="utf-8"))
            for f in FIELDS:
                expected = manifest.passages if f.unit == "passage" else manifest.sentences
                found = len(FaissStore.load(store_path(target, f)))
                if (rows, found) != (manifest.passages, expected):
                    problems.append(
                        f"{f.name}: {found} rows and {rows} passages disagree with the manifest"
                    )
        except (IndexProblem, OSError) as exc:
            return [str(exc)]
    max_chars = int(manifest.chunking.get("max_chars", DEFAULT_MAX_CHARS))
    problems += staleness(corpus_dir, target, manifest.model, max_chars)
    return problems
