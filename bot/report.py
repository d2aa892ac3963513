"""The maintainer's loop: what people asked that the bot could not answer or answered badly,
grouped by similar question, so that maintainers know which articles to add."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.shared import Feedback
from index.fields import Encoder

SIMILAR = 0.7  # cosine at which two questions ask about the same thing


@dataclass(frozen=True)
class Asked:
    question: str
    times: int
    why: str  # an abstention reason ("not_covered", ...) or "thumbs_down"


@dataclass
class Group:
    questions: list[str] = field(default_factory=list)
    times: int = 0
    why: Counter[str] = field(default_factory=Counter)

    @property
    def example(self) -> str:
        return self.questions[0]


def collect(store: Feedback) -> list[Asked]:
    """Unanswered questions and the questions of 👎 answers, most asked first."""
    asked = [Asked(u.question, u.times, u.reason) for u in store.unanswered()]
    downvoted = Counter(v.question for v in store.votes() if v.vote < 0 and v.question)
    asked += [Asked(q, n, "thumbs_down") for q, n in downvoted.items()]
    return sorted(asked, key=lambda a: -a.times)


def group_similar(
    asked: Sequence[Asked], encoder: Encoder, similar: float = SIMILAR
) -> list[Group]:
    """Greedy grouping by meaning: each question joins the first group whose first (most
    asked) question it is close to. Groups come back largest first."""
    if not asked:
        return []
    vectors = encoder.queries([a.question for a in asked])
    groups: list[Group] = []
    heads: list[np.ndarray] = []
    for item, vector in zip(asked, vectors, strict=True):
        scores = [float(vector @ head) for head in heads]
        if scores and max(scores) >= similar:
            group = groups[int(np.argmax(scores))]
        else:
            group = Group()
            groups.append(group)
            heads.append(vector)
        if item.question not in group.questions:
            group.questions.append(item.question)
        group.times += item.times
        group.why[item.why] += item.times
    return sorted(groups, key=lambda g: -g.times)
