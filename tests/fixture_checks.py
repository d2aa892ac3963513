"""Validators of the hand-written fixture data (tests/fixtures/): each returns a list of
problems, empty when the data is sound, so a broken line names itself."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

from tests.fixture_text import (
    Article,
    content_words,
    is_whole_sentence,
    names_in,
    same_word,
    sentence_span,
    sentences_around,
)

KINDS = {
    "factoid",
    "paraphrase",
    "attribution",
    "unanswerable_on_topic",
    "followup",
    "non_english",
    "off_topic",
    "contested",
}
QUESTION_KEYS = {
    "id",
    "question",
    "kind",
    "article",
    "gold_snippets",
    "answer_substrings",
    "speaker",
    "context",
    "language",
    "answerable",
}
LANGUAGES = {"en", "ru", "uk", "de", "es"}
ARTICLE_LANGUAGES = {"en", "ru", "de"}
# Minimum questions of each kind about every article.
QUOTA = {
    "factoid": 3,
    "paraphrase": 3,
    "attribution": 2,
    "unanswerable_on_topic": 2,
    "followup": 1,
    "non_english": 1,
}
MIN_OFF_TOPIC = 25
MIN_POSITIVE_PAIRS = 15
MIN_NEGATIVE_PAIRS = 40
PARAGRAPHS_PER_ARTICLE = (8, 25)
SNIPPET_WORDS = (6, 15)
SPEAKER_SENTENCE_WORDS = 8

# Lines a carelessly pasted page drags along; not the article's paragraphs.
FURNITURE = re.compile(
    r"^(advertisement|share this article|related articles|sign up for our newsletter)$", re.I
)
# A paragraph with one of these reports speech; it must hold at least one speaker label.
SPEECH_CUE = re.compile(
    # "added the third goal" and "a reported fee" are not speech, hence the narrower forms.
    r"\b(said|says|told|according to|added that|\w+ added\.|warned|replied|wrote|denied|"
    r"rejected|announced|admitted|agreed|noted|called|reported (?:that|on)|estimated|"
    r"заявил\w*|сказал\w*|сообщил\w*|по словам|по данным|по мнению|рассказал\w*|"
    r"добавил\w*|отметил\w*|пообещал\w*|назвал\w*|говорится|"
    r"sagte|laut|teilten|nach Angaben|kündigte|sprach|wies)\b",
    re.I,
)


def check_article(article: Article) -> list[str]:
    problems = []
    meta = article.meta
    for key in ("title", "source", "url", "date", "language"):
        if not meta.get(key):
            problems.append(f"{article.slug}: front matter lacks {key}")
    if meta.get("language") not in ARTICLE_LANGUAGES:
        problems.append(f"{article.slug}: language {meta.get('language')!r}")
    if not isinstance(meta.get("date"), dt.date):
        problems.append(f"{article.slug}: date {meta.get('date')!r} is not an ISO date")
    own = [p for p in article.paragraphs if not FURNITURE.match(p)]
    low, high = PARAGRAPHS_PER_ARTICLE
    if not low <= len(own) <= high:
        problems.append(f"{article.slug}: {len(own)} paragraphs, want {low}-{high}")
    return problems


def check_question(
    q: dict, articles: dict[str, Article], paragraphs: list[tuple[str, str]]
) -> list[str]:
    if set(q) - {"denied_by"} != QUESTION_KEYS:
        return [f"{q.get('id')}: keys {sorted(set(q) ^ QUESTION_KEYS)} differ from the format"]
    return check_fields(q, articles) + check_gold(q, articles, paragraphs)


def check_fields(q: dict, articles: dict[str, Article]) -> list[str]:
    """Kind, language, article and the fields each kind requires."""
    qid, kind, slug = q["id"], q["kind"], q["article"]
    problems = []
    if kind not in KINDS:
        problems.append(f"{qid}: unknown kind {kind!r}")
    if q["language"] not in LANGUAGES:
        problems.append(f"{qid}: language {q['language']!r}")
    if not isinstance(q["question"], str) or not q["question"].strip():
        problems.append(f"{qid}: empty question")
    if (slug is None) != (kind == "off_topic") or (slug and slug not in articles):
        problems.append(f"{qid}: article {slug!r} does not fit kind {kind}")
    answerable = kind not in ("off_topic", "unanswerable_on_topic")
    if q["answerable"] is not answerable:
        problems.append(f"{qid}: answerable must be {answerable} for {kind}")
    if answerable != bool(q["gold_snippets"]) or answerable != bool(q["answer_substrings"]):
        problems.append(f"{qid}: gold_snippets/answer_substrings must be non-empty iff answerable")
    if (kind in ("attribution", "contested")) != bool(q["speaker"]):
        problems.append(f"{qid}: speaker must be set iff attribution or contested")
    if (kind == "contested") != bool(q.get("denied_by")):
        problems.append(f"{qid}: denied_by must be set iff contested")
    if (kind == "followup") != bool(q["context"]):
        problems.append(f"{qid}: context must be set iff followup")
    return problems


def check_gold(
    q: dict, articles: dict[str, Article], paragraphs: list[tuple[str, str]]
) -> list[str]:
    """Snippets pick one paragraph of the question's article; answers and speakers are there."""
    qid, slug = q["id"], q["article"]
    problems, gold = [], []
    for snippet in q["gold_snippets"]:
        n = len(snippet.split())
        if not SNIPPET_WORDS[0] <= n <= SNIPPET_WORDS[1]:
            problems.append(f"{qid}: snippet of {n} words: {snippet!r}")
        hits = [(s, p) for s, p in paragraphs if snippet in p]
        if len(hits) != 1:
            problems.append(f"{qid}: snippet in {len(hits)} paragraphs: {snippet!r}")
        elif hits[0][0] != slug:
            problems.append(f"{qid}: snippet is in {hits[0][0]}, not {slug}")
        else:
            gold.append(hits[0][1])
    for answer in q["answer_substrings"]:
        if not any(answer.casefold() in p.casefold() for p in gold):
            problems.append(f"{qid}: answer {answer!r} in no gold paragraph")
    # A "he said" quote names its speaker in the paragraph before.
    own = articles[slug].paragraphs if slug in articles else ()
    near = gold + [own[own.index(p) - 1] for p in gold if own.index(p) > 0]
    for person in (q["speaker"], q.get("denied_by")):
        if person and not any(person.split()[-1] in p for p in near):
            problems.append(f"{qid}: {person!r} is named in no gold paragraph or the one before")
    return problems


def check_question_set(questions: list[dict]) -> list[str]:
    problems = []
    ids = Counter(q["id"] for q in questions)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    texts = defaultdict(set)
    for q in questions:
        texts[q["article"]].add(q["question"])
    for q in questions:
        if q["kind"] == "followup" and q["context"] not in texts[q["article"]]:
            problems.append(f"{q['id']}: context is not a question about the same article")
    return problems


def check_quota(questions: list[dict], articles: dict[str, Article]) -> list[str]:
    counts = Counter((q["article"], q["kind"]) for q in questions)
    problems = [
        f"{slug}: {counts[slug, kind]} {kind}, want {need}"
        for slug in articles
        for kind, need in QUOTA.items()
        if counts[slug, kind] < need
    ]
    off_topic = sum(q["kind"] == "off_topic" for q in questions)
    if off_topic < MIN_OFF_TOPIC:
        problems.append(f"{off_topic} off_topic questions, want {MIN_OFF_TOPIC}")
    return problems


def check_language(q: dict, articles: dict[str, Article]) -> list[str]:
    """non_english asks across languages; every other on-topic kind asks in the article's."""
    if q["article"] is None:
        return []
    article_language = articles[q["article"]].meta["language"]
    crosses = q["language"] != article_language
    if crosses != (q["kind"] == "non_english") and q["kind"] != "contested":
        return [f"{q['id']}: language {q['language']} vs article {article_language}"]
    return []


def check_paraphrase(q: dict, articles: dict[str, Article]) -> list[str]:
    """A paraphrase shares no content word with the sentence(s) that answer it, names apart
    (German capitalises every noun, so there no word may be shared at all)."""
    article = articles[q["article"]]
    german = article.meta["language"] == "de"
    names = set() if german else names_in(article)
    asked = content_words(q["question"])
    problems = []
    for snippet in q["gold_snippets"]:
        paragraph = next(p for p in article.paragraphs if snippet in p)
        answering = content_words(sentences_around(paragraph, snippet))
        for word in sorted(asked):
            if any(same_word(word, n) for n in names):
                continue
            shared = [w for w in answering if same_word(word, w)]
            if shared:
                problems.append(f"{q['id']}: shares {word!r} with {shared} in {snippet!r}")
    return problems


def find_once(body: str, part: str) -> int | None:
    at = body.find(part)
    return at if at >= 0 and body.find(part, at + 1) < 0 else None


def check_speakers(labels: list[dict], articles: dict[str, Article]) -> list[str]:
    problems = []
    spans = defaultdict(list)
    for row in labels:
        slug, sentence, speaker = row.get("article"), row.get("sentence"), row.get("speaker")
        if set(row) != {"article", "sentence", "speaker", "role"}:
            problems.append(f"speaker label keys {sorted(row)}")
            continue
        if slug not in articles or not speaker or not sentence:
            problems.append(f"bad speaker label {row}")
            continue
        body = articles[slug].body
        at = find_once(body, sentence)
        if at is None:
            problems.append(f"{slug}: sentence not found exactly once: {sentence!r}")
            continue
        paragraph = next(p for p in articles[slug].paragraphs if sentence in p)
        short = len(sentence.split()) < SPEAKER_SENTENCE_WORDS
        if short and not is_whole_sentence(paragraph, sentence):
            problems.append(f"{slug}: under 8 words and not a whole sentence: {sentence!r}")
        surname = speaker.split()[-1].casefold()[:5]
        if surname not in body.casefold():
            problems.append(f"{slug}: speaker {speaker!r} never appears in the article")
        spans[slug].append((at, at + len(sentence), sentence))
    for slug, found in spans.items():
        found.sort()
        for (_, end, first), (start, _, second) in zip(found, found[1:], strict=False):
            if start < end:
                problems.append(f"{slug}: labels overlap: {first!r} / {second!r}")
    for slug, article in articles.items():
        labelled = [s for _, _, s in spans[slug]]
        for paragraph in article.paragraphs:
            if SPEECH_CUE.search(paragraph) and not any(s in paragraph for s in labelled):
                problems.append(f"{slug}: reported speech without a label: {paragraph[:60]!r}")
    return problems


def speaker_at(labels: list[dict], article: Article, part: str) -> str | None:
    """The labelled speaker of the sentence that holds `part`, else None (narration)."""
    paragraph = next(p for p in article.paragraphs if part in p)
    left, right = sentence_span(paragraph, part)
    for row in labels:
        at = paragraph.find(row["sentence"])
        if (
            row["article"] == article.slug
            and at >= 0
            and at < right
            and left < at + len(row["sentence"])
        ):
            return row["speaker"]
    return None


def check_disputes(
    pairs: list[dict], labels: list[dict], articles: dict[str, Article]
) -> list[str]:
    problems = []
    for row in pairs:
        if set(row) != {"article", "a", "b", "disputed", "why"}:
            problems.append(f"dispute keys {sorted(row)}")
            continue
        article = articles.get(row["article"])
        if article is None or not isinstance(row["disputed"], bool) or not row["why"]:
            problems.append(f"bad dispute row {row}")
            continue
        located = [find_once(article.body, row[k]) for k in ("a", "b")]
        if None in located or row["a"] == row["b"]:
            problems.append(f"{row['article']}: a/b not found once each: {row['a']!r}")
            continue
        if row["disputed"]:
            a, b = (speaker_at(labels, article, row[k]) for k in ("a", "b"))
            if not a or not b or a == b:
                problems.append(f"{row['article']}: a dispute needs two speakers, got {a}/{b}")
    positives = sum(r.get("disputed") is True for r in pairs)
    negatives = sum(r.get("disputed") is False for r in pairs)
    if positives < MIN_POSITIVE_PAIRS or negatives < MIN_NEGATIVE_PAIRS:
        problems.append(f"{positives} positive / {negatives} negative pairs, too few")
    return problems


def check_speaker_links(questions: list[dict], labels: list[dict], pairs: list[dict]) -> list[str]:
    """Attribution and contested questions name speakers the labels know; disputed
    articles carry two contested questions per claimant and denier."""
    problems = []
    known = defaultdict(set)
    for row in labels:
        known[row["article"]].add(row["speaker"])
    contested = Counter()
    for q in questions:
        for person in (q["speaker"], q.get("denied_by")):
            if person and person not in known[q["article"]]:
                problems.append(f"{q['id']}: {person!r} is not a labelled speaker")
        if q["kind"] == "contested":
            contested[q["article"], q["speaker"], q["denied_by"]] += 1
    disputed = {r["article"] for r in pairs if r["disputed"]}
    for slug in disputed:
        if not any(s == slug for s, _, _ in contested):
            problems.append(f"{slug}: a dispute without contested questions")
    problems += [f"{k}: {n} contested question(s), want 2" for k, n in contested.items() if n < 2]
    return problems
