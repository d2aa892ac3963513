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
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.multilingual import MultilingualEncoder, passage_text
from index.passages import DEFAULT_MAX_CHARS, Passage, embedding_text, split_passages
from index.store import (
    MANIFEST,
    FaissStore,
    IndexProblem,
    Manifest,
    check_files,
    describe_stores,
    discard,
    file_digest,
    new_build_dir,
    publish,
)
from index.vocabulary import VOCAB_VECTORS, Vocabulary, corpus_words

logger = logging.getLogger(__name__)

PASSAGES = "passages.jsonl"
PASSAGE_VECTORS = "passages.faiss"
SENTENCE_VECTORS = "sentences.faiss"
MULTILINGUAL_PASSAGES = "passages.e5.faiss"
MULTILINGUAL_SENTENCES = "sentences.e5.faiss"
LEXICAL = "bm25"
# sha256 of each text embedded, in store order: what a rebuild may reuse a vector for. Kept
# beside the vectors (not recomputed from passages) so that a change to what is embedded
# for a passage re-embeds it instead of reusing a vector of other text.
TEXT_KEYS = "text_keys.json"
MULTILINGUAL_KEYS = "text_keys.e5.json"
EMBED_BATCH = 64

Progress = Callable[[int, int], None]


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
    embedder: Embedder,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: Progress | None = None,
    multilingual: MultilingualEncoder | None = None,
    gate: Callable[[Path], str | None] | None = None,
) -> BuildReport:
    """Build the corpus into a fresh folder and atomically publish it at `target`.

    With a multilingual encoder, passages and sentences are also embedded by it, for
    questions asked in other languages. A `gate` sees the finished build before it is
    published and may refuse it (returning why): the served index then stays as it was.
    """
    started = time.perf_counter()
    articles, skipped = load_corpus(corpus_dir)
    if not articles:
        raise CorpusError(f"{corpus_dir}: no usable article files (*.md, *.txt with front matter)")
    passages = [p for article in articles for p in split_passages(article, max_chars)]
    with _build_lock(target):
        model = (embedder.name, embedder.dim)
        same_model = _built_with(target, lambda m: (m.model, m.dim)) == model
        cache = _previous_vectors(target, TEXT_KEYS, _STORES) if same_model else {}
        texts = _texts(passages)
        vectors, embedded = _embed_with_cache(texts, embedder.embed, cache, progress)
        total = len(texts)
        build = new_build_dir(target)
        try:
            manifest = _write(build, embedder, passages, vectors, articles_meta(articles, passages))
            _save_keys(build / TEXT_KEYS, texts)
            if multilingual is not None:
                done, count = _write_multilingual(build, target, multilingual, passages, progress)
                embedded, total = embedded + done, total + count
                manifest = Manifest(**{**manifest.__dict__, "multilingual": multilingual.name})
            manifest = _finish_manifest(build, manifest, corpus_hash(articles), max_chars)
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


def _texts(passages: Sequence[Passage]) -> list[str]:
    """Everything embedded, in store order: passages, then sentences, then vocabulary words."""
    passage_texts = [embedding_text(p) for p in passages]
    sentences = [s.text for p in passages for s in p.sentences]
    return passage_texts + sentences + corpus_words([p.text for p in passages])


_STORES = (PASSAGE_VECTORS, SENTENCE_VECTORS, VOCAB_VECTORS)
_MULTILINGUAL_STORES = (MULTILINGUAL_PASSAGES, MULTILINGUAL_SENTENCES)


def _built_with(target: Path, what: Callable[[Manifest], object]) -> object:
    """Something the served index's manifest says (None when there is no readable index)."""
    try:
        return what(Manifest.read(target))
    except (IndexProblem, OSError, ValueError, KeyError) as exc:
        logger.info("no served index to reuse vectors from at %s (%s)", target, exc)
        return None


def _save_keys(path: Path, texts: Sequence[str]) -> None:
    path.write_text(json.dumps([text_key(t) for t in texts]), encoding="utf-8")


def _previous_vectors(target: Path, keys_file: str, stores: Sequence[str]) -> dict[str, np.ndarray]:
    """Vectors of the served index by the key of the text they embed (the caller checks that
    it was built by the same model)."""
    try:
        keys = json.loads((target / keys_file).read_text(encoding="utf-8"))
        loaded = [FaissStore.load(target / name) for name in stores]
        stored = np.vstack([store.vectors(range(len(store))) for store in loaded])
        return dict(zip(keys, stored, strict=True))
    except (IndexProblem, OSError, ValueError, KeyError, RuntimeError) as exc:
        logger.info("no reusable vectors in %s (%s)", target, exc)
        return {}


def _multilingual_texts(passages: Sequence[Passage]) -> list[str]:
    return [passage_text(p.title, p.text) for p in passages] + [
        s.text for p in passages for s in p.sentences
    ]


def _write_multilingual(
    build: Path,
    target: Path,
    encoder: MultilingualEncoder,
    passages: Sequence[Passage],
    progress: Progress | None,
) -> tuple[int, int]:
    """Embed (or reuse) and store the multilingual vectors; (texts embedded, texts in all)."""
    same_model = _built_with(target, lambda m: m.multilingual) == encoder.name
    cache = _previous_vectors(target, MULTILINGUAL_KEYS, _MULTILINGUAL_STORES) if same_model else {}
    texts = _multilingual_texts(passages)
    vectors, embedded = _embed_with_cache(texts, encoder.passages, cache, progress)
    for name, rows in (
        (MULTILINGUAL_PASSAGES, vectors[: len(passages)]),
        (MULTILINGUAL_SENTENCES, vectors[len(passages) :]),
    ):
        store = FaissStore.create(encoder.dim, len(rows))  # exact or IVF, by size
        store.add(rows)
        store.save(build / name)
    _save_keys(build / MULTILINGUAL_KEYS, texts)
    return embedded, len(texts)


def _embed_with_cache(
    texts: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    cache: dict[str, np.ndarray],
    progress: Progress | None,
) -> tuple[np.ndarray, int]:
    keys = [text_key(t) for t in texts]
    missing = sorted({k: i for i, k in enumerate(keys) if k not in cache}.values())
    if progress:
        progress(0, len(missing))
    for offset in range(0, len(missing), EMBED_BATCH):
        batch = missing[offset : offset + EMBED_BATCH]
        for i, vector in zip(batch, embed([texts[i] for i in batch]), strict=True):
            cache[keys[i]] = vector
        if progress:
            progress(min(offset + EMBED_BATCH, len(missing)), len(missing))
    vectors = np.vstack([cache[k] for k in keys]) if keys else np.zeros((0, 1))
    return vectors.astype(np.float32), len(missing)


def _write(
    build: Path,
    embedder: Embedder,
    passages: Sequence[Passage],
    vectors: np.ndarray,
    articles: list[dict[str, object]],
) -> Manifest:
    with (build / PASSAGES).open("w", encoding="utf-8") as handle:
        for passage in passages:
            handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
    sentences = sum(len(p.sentences) for p in passages)
    vocab = corpus_words([p.text for p in passages])
    for name, rows in (
        (PASSAGE_VECTORS, vectors[: len(passages)]),
        (SENTENCE_VECTORS, vectors[len(passages) : len(passages) + sentences]),
    ):
        store = FaissStore.create(embedder.dim, len(rows))  # exact or IVF, by size
        store.add(rows)
        store.save(build / name)
    words = FaissStore.create(embedder.dim, len(vocab))
    words.add(vectors[len(passages) + sentences :])
    Vocabulary(vocab, words).save(build)
    LexicalIndex.build([p.text for p in passages]).save(build / LEXICAL)
    return Manifest(
        model=embedder.name,
        dim=embedder.dim,
        passages=len(passages),
        sentences=sentences,
        corpus_hash="",
        chunking={},
        articles=articles,
        versions=_versions(),
    )


def _finish_manifest(build: Path, draft: Manifest, corpus: str, max_chars: int) -> Manifest:
    files = {
        str(path.relative_to(build)): file_digest(path)
        for path in sorted(build.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    manifest = Manifest(
        **{
            **draft.__dict__,
            "corpus_hash": corpus,
            "chunking": chunking(max_chars),
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
            passages = sum(1 for _ in (target / PASSAGES).open(encoding="utf-8"))
            sizes = (
                passages,
                len(FaissStore.load(target / PASSAGE_VECTORS)),
                len(FaissStore.load(target / SENTENCE_VECTORS)),
            )
        except (IndexProblem, OSError) as exc:
            return [str(exc)]
        if sizes != (manifest.passages, manifest.passages, manifest.sentences):
            problems.append(f"row counts {sizes} disagree with the manifest")
    max_chars = int(manifest.chunking.get("max_chars", DEFAULT_MAX_CHARS))
    problems += staleness(corpus_dir, target, manifest.model, max_chars)
    return problems
