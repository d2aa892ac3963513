"""Issue 11's scenario end to end: one `newsbot receive`, three `newsbot work` processes, the
fake Bot API on loopback and a real Redis, under everything at once.

36 users open the bot together (/start: more replies wanted at once than the 30 a second the
bot may send), then ask with short pauses: follow-up pairs, five questions each, and one user
floods twelve questions in a row past a limit of 5 a minute. After a third of the messages the
worker that holds the flooding user's chat is SIGKILLed mid-flood; at half, the receiver is
SIGKILLed and a new one takes over through the lease; after two thirds a fresh worker joins and
takes its share of the chats. Then: no reply lost, at most one sent twice (a kill between
sending and recording it), each chat's replies in order, every follow-up answered from the
passage its question is about, whichever worker took the first question, exactly 5 answers for
the flooding user across all workers, and never more than 30 messages in a second at the fake
Telegram."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from bot import streams
from bot.i18n import text
from corpus.loader import load_article
from tests.conftest import DATA, SEED_ARTICLES, Service
from tests.e2e.workers import (  # noqa: F401 - the `processes` fixture
    SHARDS,
    chat_replies,
    owners,
    processes_fixture,
    wait_for,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import Processes

pytestmark = pytest.mark.e2e

LIMIT = 5  # questions per user per minute, across all workers
MESSAGES_PER_SECOND = 30  # Telegram's limit for a bot, all its workers together
PAUSE = 0.04  # seconds between two users' messages: about 25 a second in all
FLOOD = 12  # questions the flooding user sends in a row
ASKED = 5  # questions each of the other users asks (at the limit: none may be refused)

# A reply's opening line: the words that answer (after "⚖️ Disputed: ..." where sources
# disagree), then "— who says them, paragraph N".
OPENING = re.compile(r"^— .+, paragraph (\d+)$", re.MULTILINE)
# A question, then a follow-up that names nothing itself, and the words of the article that
# answer it (their paragraph is the one the follow-up's answer must cite). Asked alone, each
# follow-up is about something else or nothing: only the first question gives its subject.
WRITTEN_PAIRS = [
    ("How many Wagner personnel are deployed in Ukraine?", "Who said that?", "50,000 personnel"),
    ("What did Prigozhin say about the North Korean arms?", "where did he say it?", "Telegram"),
    ("How many Wagner fighters were killed in the last few weeks?", "where?", "meat grinder"),
    ("How much does Wagner spend a month in Ukraine?", "who says so?", "$100 million"),
    ("Who founded Wagner?", "when was that?", "founding in 2014"),
    ("Where has Wagner been accused of war crimes?", "who said that?", "war crimes in Africa"),
    ("When did Wagner receive rockets from North Korea?", "Who said that?", "infantry rockets"),
]
# Labelled follow-ups of tests/data/questions.jsonl ("context" is the first question).
LABELLED_PAIRS = ["q096", "q100", "q101", "q103", "q104", "q107", "q108"]


@dataclass(frozen=True)
class Pair:
    first: str
    follow_up: str
    paragraph: int  # the one paragraph of the seed article holding the label's words


@dataclass(frozen=True)
class Sent:
    """One message a user sent: its chat (the user's own) and its update."""

    user: int
    update_id: int


def _paragraph(*words: str) -> int:
    (article,) = [load_article(path) for path in SEED_ARTICLES.glob("*.md")]  # the seed article
    found = [p.number for p in article.paragraphs if all(w in p.text for w in words)]
    assert len(found) == 1, (words, found)  # a label that names one passage
    return found[0]


def _pairs() -> list[Pair]:
    labelled = {}
    for line in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["id"] in LABELLED_PAIRS:
            assert q["kind"] == "followup", q
            labelled[q["id"]] = Pair(
                q["context"], q["question"], _paragraph(*q["answer_substrings"])
            )
    written = [Pair(first, then, _paragraph(words)) for first, then, words in WRITTEN_PAIRS]
    return written + [labelled[i] for i in LABELLED_PAIRS]


def _plain_questions() -> list[str]:
    lines = (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [q["question"] for q in map(json.loads, lines) if q["kind"] == "factoid"]


def _busiest_second(times: list[float]) -> int:
    """The most timestamps within any one second."""
    times, most, low = sorted(times), 0, 0
    for high, at in enumerate(times):
        while at - times[low] >= 1.0:
            low += 1
        most = max(most, high - low + 1)
    return most


def _handled_by(procs: Processes) -> dict[int, str]:
    """update id -> the worker that answered it (and recorded it answered), from the logs."""
    found: dict[int, str] = {}
    for name in procs.started:
        for worker, update in re.findall(r"worker (\S+) handled update (\d+) in", procs.log(name)):
            assert int(update) not in found, (update, worker, found[int(update)])
            found[int(update)] = worker
    return found


@pytest.fixture()
def client(redis_service: Service) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_service.url) as connection:
        yield connection


def test_receiver_and_workers_killed_and_started_under_load_lose_nothing(
    fake: FakeTelegram, processes: Processes, redis_service: Service, client: redis.Redis
):
    prefix = redis_service.namespace
    limited = {"NEWSBOT_RATE_LIMIT_PER_MINUTE": str(LIMIT)}
    processes.start("receive", "receiver-1")
    workers = {name: processes.start("work", name, **limited) for name in ("w-a", "w-b", "w-c")}

    def shared_out(names: set[str]) -> bool:
        now = owners(client, prefix)
        return all(now.values()) and set(now.values()) == names

    wait_for(lambda: shared_out(set(workers)), 180, "three workers sharing the shards", processes)

    pairs = _pairs()
    users = list(range(44_001, 44_037))  # 36 chats, 9 on each shard
    flooder, pair_users, plain_users = users[0], users[1 : 1 + len(pairs)], users[1 + len(pairs) :]
    # Each half on every shard: follow-ups after the kill, and after the fresh worker joined.
    early, late = pair_users[: len(pairs) // 2], pair_users[len(pairs) // 2 :]
    pair_of = dict(zip(pair_users, pairs[0::2] + pairs[1::2], strict=True))
    plain = _plain_questions()
    rounds = [
        (user, plain[(i * ASKED + r) % len(plain)])
        for r in range(ASKED)
        for i, user in enumerate(plain_users)
    ]
    sent: list[Sent] = []

    def send(user: int, question: str, pause: float = PAUSE) -> Sent:
        one = Sent(user, fake.send_text(question, user_id=user, first_name=f"U{user}"))
        sent.append(one)
        time.sleep(pause)
        return one

    def done(updates: list[Sent]) -> bool:
        records = client.mget([streams.replied(prefix, s.update_id) for s in updates])
        return all(r == b"done" for r in records)

    # ~190 messages in all; phase one (a third) ends with the flood.
    total = len(users) + 2 * len(pairs) + FLOOD + len(rounds)
    third = total // 3
    firsts: dict[int, Sent] = {}
    follow_ups: dict[int, Sent] = {}
    for user in users:  # everyone opens the bot at once
        send(user, "/start", pause=0)
    for user in early:
        firsts[user] = send(user, pair_of[user].first)
    phase_one = third - len(sent) - FLOOD
    for user, question in rounds[:phase_one]:
        send(user, question)
    # The first questions answered (by whichever worker holds each chat), then the flood.
    wait_for(lambda: done([firsts[u] for u in early]), 60, "the first questions", processes)
    flood = [send(flooder, plain[i % len(plain)], pause=0) for i in range(FLOOD)]
    victim = owners(client, prefix)[flooder % SHARDS]
    assert victim in workers
    handled = f"worker {victim} handled update {flood[0].update_id} "
    wait_for(lambda: handled in processes.log(victim), 60, "the flood being answered", processes)
    workers[victim].send_signal(signal.SIGKILL)  # mid-flood, with its other chats' questions
    workers[victim].wait(10)

    # Phase two: the early pairs' follow-ups (their chats now with another worker), the late
    # pairs' first questions, plain questions; the receiver dies and another takes over.
    for user in early:
        follow_ups[user] = send(user, pair_of[user].follow_up)
    for user in late:
        firsts[user] = send(user, pair_of[user].first)
    receiver_at = total // 2 - len(sent)
    second_third = 2 * total // 3 - len(sent)
    queue = rounds[phase_one:]
    for i, (user, question) in enumerate(queue[:second_third]):
        if i == receiver_at:
            processes.started["receiver-1"].send_signal(signal.SIGKILL)
            processes.started["receiver-1"].wait(10)
            processes.start("receive", "receiver-2")
        send(user, question)
    # Phase three: the late pairs' first questions answered, a fresh worker gets its share,
    # then the late pairs' follow-ups and the rest.
    wait_for(lambda: done([firsts[u] for u in late]), 60, "the first questions", processes)
    survivors = set(workers) - {victim}
    processes.start("work", "w-fresh", **limited)
    wait_for(
        lambda: shared_out(survivors | {"w-fresh"}), 120, "the fresh worker's share", processes
    )
    for user in late:
        follow_ups[user] = send(user, pair_of[user].follow_up)
    for user, question in queue[second_third:]:
        send(user, question)
    assert len(sent) == total

    # Every update answered or declined, and recorded so (a redelivery would be skipped now).
    wait_for(lambda: done(sent), 90, "every update handled", processes)
    streamed: list[dict] = []
    for shard in range(SHARDS):
        assert client.xpending(streams.stream(prefix, shard), streams.GROUP)["pending"] == 0
        entries = client.xrange(streams.stream(prefix, shard))
        streamed += [json.loads(fields[streams.FIELD.encode()]) for _, fields in entries]
    # Each update streamed once across the receivers' handover: none lost, none twice.
    assert sorted(u["update_id"] for u in streamed) == sorted(s.update_id for s in sent)
    message_id = {u["update_id"]: u["message"]["message_id"] for u in streamed}

    # No reply lost, each chat in order (checked by chat_replies), at most one sent twice.
    chats = {user: chat_replies(fake, user) for user in users}
    for user in users[1:]:
        mine = [message_id[s.update_id] for s in sent if s.user == user]
        assert chats[user].answered == mine, (user, [m.text[:60] for m in fake.sent_messages(user)])
    repeated = [(u, q) for u, chat in chats.items() for q in chat.repeated]
    assert len(repeated) <= 1, repeated
    # Only the request the kill cut short (its body never arrived) may have been refused.
    assert [c for c in fake.rejected_calls() if c.params] == []

    # Follow-ups: answered from the passage their first question is about...
    by_worker = _handled_by(processes)
    for user, pair in pair_of.items():
        reply = chats[user].first(message_id[follow_ups[user].update_id]).text
        opening = OPENING.search(reply)
        assert opening and int(opening[1]) == pair.paragraph, (pair, reply[:300])
    # ... also where another worker had taken the first question: the killed one, or the one
    # that gave its chats to the fresh worker.
    crossed = {
        u for u in pair_of if by_worker[firsts[u].update_id] != by_worker[follow_ups[u].update_id]
    }
    assert any(by_worker[firsts[u].update_id] == victim for u in crossed), by_worker
    assert any(by_worker[follow_ups[u].update_id] == "w-fresh" for u in crossed), by_worker

    # The flooding user: /start, then exactly LIMIT answers, to its first questions, one
    # notice to the first question refused, then nothing.
    flooded = chats[flooder]
    start, *asked = [message_id[s.update_id] for s in sent if s.user == flooder]
    assert flooded.answered == [start] + asked[: LIMIT + 1], [
        m.text[:60] for m in fake.sent_messages(flooder)
    ]
    notice = re.escape(text("rate_limited", "en", seconds="SECONDS")).replace("SECONDS", r"\d+")
    replies = [flooded.first(q).text for q in asked[: LIMIT + 1]]
    assert [bool(re.fullmatch(notice, r)) for r in replies] == [False] * LIMIT + [True], replies

    # Never more than 30 messages a second, as the fake Telegram received them.
    messages = fake.calls_to("sendMessage") + fake.calls_to("editMessageText")
    assert _busiest_second([c.started for c in messages]) <= MESSAGES_PER_SECOND

    logs = "".join(processes.log(n) for n in processes.started)
    assert fake.token not in logs and fake.token.partition(":")[2] not in logs
