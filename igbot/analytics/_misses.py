"""What the bot misses: the messages that ended in a fallback, grouped into topics.

The texts are short and mix Indonesian and English ("brp harganya kak?", "how much?"), so each is
described twice (scikit-learn, nothing downloaded): TF-IDF on words (1-2 grams, with the filler
words of both languages left out: *kak, dong, ya, please, the*) and TF-IDF on character 2-4 grams
inside words, which match across typos, slang spellings and missing spaces (*harganya* and
*harga*, *order* and *orderan*). Identical texts count once for the grouping and with their number
for the sizes. Texts are grouped by agglomerative clustering on cosine distance (average linkage,
cut at ``threshold``), so the number of topics follows the data; groups smaller than ``min_size``
messages go to one "other" topic.

Each :class:`MissTopic` has its size, share, the people who wrote it, examples, and the flows and
states the person was at when the bot missed; :meth:`MissTopic.proposal` turns it into a
:class:`~igbot.analytics._proposal.IntentProposal` (keyword or regex NLU, a flow answering it,
and the examples as a Kata test spec). :func:`igbot.replay.try_proposals` replays the log with a
proposal to count the fallbacks it removes.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._explorer import _frame
from igbot.analytics._metrics import _user_fallbacks
from igbot.analytics._proposal import IntentProposal, ProposalError, propose
from igbot.analytics._sessions import MetricParams, prepare
from igbot.analytics._units import format_percent

__all__ = ["FILLER_WORDS", "SLANG", "MissTopic", "Misses", "misses"]

logger = logging.getLogger(__name__)

# Words that carry no topic in short Indonesian / English DMs (politeness, particles, pronouns).
FILLER_WORDS = frozenset("""
kak ka kakak min mimin admin gan sis bang bro mas mbak om tante dong deh sih nih ya yaa yah yg ini
itu dan atau di ke dari yang aja saja juga udah sudah ok oke okay plis pls please tolong mau
aku saya gue gw kamu anda kita kami nya lah kah pun tuh loh kok eh hehe wkwk the a an is are am be
to of for in on at and or i me my you your we it this that do does can could would will just hi
hello halo hai hey apakah ada lain bisa gak tidak gimana bagaimana apa what how there any other
when kapan masih banyak lot sama
""".split())  # noqa: SIM905 (a word list reads best as words)

# Chat spellings of Indonesian words, read as the word (so "brp" and "berapa" are one word).
SLANG = {"brp": "berapa", "brapa": "berapa", "gmn": "gimana", "gmana": "gimana",
         "bgmn": "bagaimana", "kpn": "kapan", "dmn": "dimana", "bs": "bisa", "bsa": "bisa",
         "gk": "gak", "ga": "gak", "nggak": "gak", "engga": "gak", "tdk": "tidak", "udh": "udah",
         "sdh": "sudah", "blm": "belum", "pesen": "pesan", "psn": "pesan", "makasi": "makasih",
         "mksh": "makasih", "mks": "makasih", "thx": "thanks", "tq": "thanks", "ty": "thanks",
         "pls": "please", "plz": "please", "hrg": "harga", "ongkos": "ongkir", "skrg": "sekarang",
         "trs": "terus", "jg": "juga", "sm": "sama", "utk": "untuk", "dgn": "dengan"}

_TOKEN = r"(?u)\b\w\w+\b"
KEYWORD_COVERAGE = 0.9  # a proposal's keywords should match this share of its topic
MAX_KEYWORDS = 6
CHAR_RANGE = (2, 4)
CHAR_WEIGHT = 1.5  # character n-grams weigh more: they carry typos and slang
_MAX_CLUSTERED = 3000  # unique texts clustered directly; rarer ones join the nearest topic


@dataclass
class MissTopic:
    """One group of missed messages.

    Attributes:
        id: 0 is the largest topic; ``-1`` is "other" (groups under ``min_size``).
        label: its most characteristic words.
        keywords: the few words that together match most of its messages (what a keyword
            NLU would look for).
        size: messages; share: of all missed messages; people: distinct conversations.
        examples: its most frequent texts, most frequent first.
        where: ``{"flow/state": messages}``, where the person was when the bot missed.
        texts: every distinct text and how often it was written.
    """

    id: int
    label: str
    keywords: list[str]
    size: int
    share: float
    people: int
    examples: list[str]
    where: dict[str, int]
    texts: dict[str, int] = field(repr=False)

    def proposal(self, name: str | None = None, *, nlu: str = "keywords",
                 flow: str | None = None, reply: str | None = None) -> IntentProposal:
        """A proposed intent for this topic (see :func:`~igbot.analytics._proposal.propose`).

        Raises:
            ProposalError: the topic has no words to match (emoji, filler words).
        """
        if not self.keywords:
            raise ProposalError(f"topic {self.id} ({self.label}) has no words to match: its "
                                "messages are emoji or filler words")
        written = {w for t in self.texts for w in re.findall(r"(?u)\b\w+\b", t.lower())}
        spelled = [short for short, word in SLANG.items()  # "brp" when people wrote it so
                   if word in self.keywords and short in written]
        return propose(self.keywords + spelled, list(self.texts),
                       name=name or _name(self.keywords),
                       nlu=nlu, flow=flow, reply=reply)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "label": self.label, "keywords": self.keywords, "size": self.size,
                "share": self.share, "people": self.people, "examples": self.examples,
                "where": self.where}


def _name(keywords: list[str]) -> str:
    words = [re.sub(r"\W", "", w) for w in keywords[:2]] or ["topic"]
    words = [w for w in words if w] or ["topic"]
    return "ask" + "".join(w[:1].upper() + w[1:] for w in words)


class Misses:
    """The topics of a log's missed messages.

    Attributes:
        topics: largest first, "other" last.
        messages: one row per missed message: ``session_id``, ``conversation_id``,
            ``timestamp``, ``text``, ``at`` (flow/state before the miss), ``topic``.
        total: missed messages with text; ``without_text``: missed ones without (stickers,
            photos), not grouped.
        recorded: whether the log holds the bot's record (flow, intent or is_fallback) at all:
            webhook archives and exports do not, so nothing in them can count as missed.
    """

    def __init__(self, topics: list[MissTopic], messages: pd.DataFrame, without_text: int,
                 recorded: bool = True) -> None:
        self.topics = topics
        self.messages = messages
        self.total = len(messages)
        self.without_text = without_text
        self.recorded = recorded

    def topic(self, key: int | str) -> MissTopic:
        """A topic by id or by a word of its label."""
        for t in self.topics:
            if t.id == key or (isinstance(key, str) and key in t.label.split(", ")):
                return t
        raise KeyError(f"no topic {key!r}; topics: {', '.join(f'{t.id} ({t.label})' for t in self.topics)}")

    def sessions(self, key: int | str) -> list[str]:
        """The sessions where a topic (by id or word) was missed, for
        ``Explorer.filter(sessions=...)``."""
        topic = self.topic(key)
        rows = self.messages[self.messages["topic"] == topic.id]
        return list(dict.fromkeys(rows["session_id"]))

    def table(self) -> pd.DataFrame:
        """One row per topic: id, label, size, share, people, keywords, examples, where."""
        rows = [{**t.to_dict(), "keywords": ", ".join(t.keywords),
                 "examples": " | ".join(t.examples[:3]),
                 "where": ", ".join(f"{k} ({v})" for k, v in list(t.where.items())[:3])}
                for t in self.topics]
        return pd.DataFrame(rows, columns=["id", "label", "size", "share", "people", "keywords",
                                           "examples", "where"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: totals and the topics."""
        return {"missed_messages": self.total, "missed_without_text": self.without_text,
                "recorded": self.recorded,
                "topics": [t.to_dict() for t in self.topics]}

    def to_text(self) -> str:
        """A plain listing for the terminal."""
        lines = [f"{self.total:,} missed messages in {len(self.topics)} topics"
                 + (f" ({self.without_text:,} more without text)" if self.without_text else "")]
        if not self.recorded:
            lines.append("the log has no record of the bot (flow, intent, is_fallback): use "
                         "igbot's own log, where each turn says what the bot did")
        for t in self.topics:
            where = ", ".join(f"{k} ({v})" for k, v in list(t.where.items())[:3])
            lines.append(f"{'other' if t.id < 0 else t.id:>5}  {t.size:>5} "
                         f"{format_percent(t.share):>6}  {t.label}")
            lines.append(f"{'':>20}e.g. {' | '.join(t.examples[:3])}")
            lines.append(f"{'':>20}at {where}")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'other' if t.id < 0 else t.id}</td><td><b>{escape(t.label)}</b></td>"
            f"<td style='text-align:right'>{t.size:,}</td>"
            f"<td style='text-align:right'>{format_percent(t.share)}</td>"
            f"<td style='text-align:right'>{t.people:,}</td>"
            f"<td>{escape(' | '.join(t.examples[:3]))}</td>"
            f"<td>{escape(', '.join(f'{k} ({v})' for k, v in list(t.where.items())[:3]))}</td></tr>"
            for t in self.topics)
        return (f"<p>{self.total:,} missed messages in {len(self.topics)} topics</p>"
                "<table><thead><tr><th>topic</th><th>words</th><th>messages</th><th>share</th>"
                "<th>people</th><th>examples</th><th>where</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")

    def __repr__(self) -> str:
        return f"<Misses {self.total:,} messages, {len(self.topics)} topics>"


def _missed(df: pd.DataFrame, params: MetricParams) -> pd.DataFrame:
    """The incoming messages answered by a fallback, with where the person was before."""
    p = prepare(df, params)
    rows = np.flatnonzero(_user_fallbacks(p))
    n = len(p.df)
    has_state = p.df["state"].cat.codes.to_numpy() >= 0
    last_state = np.maximum.accumulate(np.where(has_state, np.arange(n), -1)) if n else np.zeros(
        0, dtype=np.int64)
    before = np.where(rows > 0, last_state[np.maximum(rows - 1, 0)], -1)
    before = np.where((before >= 0) & (p.sess[np.maximum(before, 0)] == p.sess[rows]), before, -1)
    flows = p.df["flow"].astype("string").to_numpy(dtype=object, na_value=None)
    states = p.df["state"].astype("string").to_numpy(dtype=object, na_value=None)
    at = [f"{flows[b] or '-'}/{states[b]}" if b >= 0 else "(session start)" for b in before]
    return pd.DataFrame({
        "session_id": p.df["session_id"].iloc[rows].astype(str).to_numpy(),
        "conversation_id": p.df["conversation_id"].iloc[rows].astype(str).to_numpy(),
        "timestamp": p.df["timestamp"].iloc[rows].to_numpy(),
        "text": p.df["text"].iloc[rows].to_numpy(dtype=object, na_value=None),
        "at": at,
    })


def _normalise(text: str) -> str:
    """Lower case, one space, chat spellings read as words (see :data:`SLANG`)."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    return re.sub(r"(?u)\w+", lambda m: SLANG.get(m.group(0), m.group(0)), text)


def _features(texts: list[str]) -> tuple[Any, Any, list[str]]:
    """Rows of L2-normalised [word TF-IDF | char TF-IDF], the word block and its vocabulary."""
    # scikit-learn and scipy take about a second to import: they load when misses are grouped
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    words = TfidfVectorizer(token_pattern=_TOKEN, ngram_range=(1, 2), sublinear_tf=True,
                            stop_words=sorted(FILLER_WORDS))
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_RANGE, sublinear_tf=True,
                            preprocessor=lambda t: " ".join(
                                w for w in re.findall(_TOKEN, t) if w not in FILLER_WORDS))
    try:
        w = words.fit_transform(texts)
        vocab = list(words.get_feature_names_out())
    except ValueError:  # only filler words and emoji
        w, vocab = None, []
    try:
        c = chars.fit_transform(texts)
    except ValueError:
        c = None
    blocks = [b for b in (w, None if c is None else c * CHAR_WEIGHT) if b is not None]
    if not blocks:
        return None, None, []
    return normalize(hstack(blocks).tocsr()), w, vocab


def _with_embedding(x: Any, vectors: Any, n: int, weight: float) -> Any:
    """The TF-IDF rows with the (L2-normalised, weighted) embedding appended, renormalised."""
    from scipy.sparse import csr_matrix, hstack  # loaded on grouping, as in _features
    from sklearn.preprocessing import normalize

    dense = np.asarray(vectors, dtype=float)
    if dense.ndim != 2 or dense.shape[0] != n:
        raise ValueError(f"embed must return one vector per text: wanted {n} rows, got shape "
                         f"{dense.shape}")
    block = csr_matrix(normalize(dense) * weight)
    return normalize(hstack([x, block]).tocsr()) if x is not None else block


def _cluster(x: Any, threshold: float) -> np.ndarray:
    """Cluster labels of the rows of ``x`` (cosine, average linkage, cut at ``threshold``).

    Rows with no feature at all (only emoji, or only filler words) each keep their own label:
    such identical texts group, different ones do not.
    """
    empty = np.asarray(x.getnnz(axis=1) == 0)
    labels = np.empty(x.shape[0], dtype=int)
    if empty.any():
        full = np.flatnonzero(~empty)
        labels[full] = _cluster_rows(x[full], threshold) if len(full) else 0
        start = labels[full].max() + 1 if len(full) else 0
        labels[empty] = start + np.arange(int(empty.sum()))
        return labels
    return _cluster_rows(x, threshold)


def _cluster_rows(x: Any, threshold: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering  # loaded on grouping, as in _features

    n = x.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int)
    head = min(n, _MAX_CLUSTERED)
    dense = x[:head].toarray()
    labels = np.empty(n, dtype=int)
    labels[:head] = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                            distance_threshold=threshold).fit_predict(dense)
    if n > head:  # the rarest texts join the nearest topic centre, if near enough
        k = labels[:head].max() + 1
        centres = np.vstack([dense[labels[:head] == i].mean(axis=0) for i in range(k)])
        centres /= np.linalg.norm(centres, axis=1, keepdims=True) + 1e-12
        similarity = np.asarray(x[head:] @ centres.T)
        labels[head:] = similarity.argmax(axis=1)
        alone = np.flatnonzero(similarity.max(axis=1) < 1 - threshold)  # near no topic:
        if len(alone):  # grouped among themselves, the same way
            labels[head + alone] = k + _cluster_rows(x[head + alone], threshold)
    return labels


def _describe(members: np.ndarray, counts: np.ndarray, w: Any, vocab: list[str],
              texts: list[str]) -> tuple[str, list[str]]:
    """The label (its most weighted words) and the keywords: single words chosen greedily, each
    the one that matches most of the messages not matched yet, until :data:`KEYWORD_COVERAGE`
    of the topic's messages hold one (at most :data:`MAX_KEYWORDS`; a word must add at least a
    tenth of the topic and two messages, so a word of one odd message is left out)."""
    if w is None or not vocab:
        return texts[members[0]][:30], []
    block = w[members]
    weights = np.asarray(block.multiply(counts[:, None]).sum(axis=0)).ravel()
    order = np.argsort(-weights, kind="stable")
    label = ", ".join(vocab[i] for i in order[:3] if weights[i] > 0)
    single = np.array([" " not in v for v in vocab])
    has = (block > 0).toarray() & single[None, :]
    total = counts.sum()
    covered = np.zeros(len(members), dtype=bool)
    keywords: list[str] = []
    while covered @ counts < KEYWORD_COVERAGE * total and len(keywords) < MAX_KEYWORDS:
        gain = (has & ~covered[:, None]).T @ counts
        best = max(range(len(vocab)), key=lambda i: (gain[i], weights[i]))
        if gain[best] <= 0 or (gain[best] < max(2.0, 0.1 * total) and keywords):
            break
        keywords.append(vocab[best])
        covered |= has[:, best]
    return label or texts[members[0]][:30], keywords


def misses(logs: Any, *, bot: Any = None, min_size: int = 2, threshold: float = 0.85,
           embed: Callable[[list[str]], Any] | None = None, embed_weight: float = 1.0,
           load_options: dict[str, Any] | None = None, **params: Any) -> Misses:
    """Group the messages a bot answered with a fallback into topics.

    Args:
        logs: a canonical frame, or file(s)/folder(s) :func:`~igbot.analytics.load` reads.
        bot: the Kata-ML bot (its fallback flow defines a miss); other metric parameters
            (``fallback_flows``, ``fallback_intents``, ``gap``, ...) as keywords.
        min_size: topics with fewer messages go to "other".
        threshold: cosine distance at which groups stop merging (lower: more, tighter topics).
        embed: optional: texts -> one vector per text (e.g. a sentence-embedding model's
            ``encode``), appended to the TF-IDF features, so phrasings that share no word can
            meet. Never required; nothing is downloaded by igbot.
        embed_weight: the embedding block's weight beside the two TF-IDF blocks.
        load_options: passed to :func:`~igbot.analytics.load` when ``logs`` are paths.
    Returns:
        The topics, largest first.
    """
    if not 0 < threshold <= 2:
        raise ValueError(f"threshold must be in (0, 2], got {threshold!r}")
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size!r}")
    if bot is not None:
        params["bot"] = bot
    frame = _frame(logs, load_options or {})
    recorded = bool(frame["flow"].notna().any() or frame["intent"].notna().any()
                    or frame["is_fallback"].notna().any())
    missed = _missed(frame, MetricParams.make(params))
    has_text = np.array([isinstance(t, str) and bool(t.strip()) for t in missed["text"]],
                        dtype=bool)
    without_text = int((~has_text).sum())
    missed = missed.loc[has_text].reset_index(drop=True)
    missed["norm"] = missed["text"].map(_normalise)
    counts_by_text = missed["norm"].value_counts(sort=True)
    texts = list(counts_by_text.index)
    counts = counts_by_text.to_numpy()
    missed["topic"] = -1
    if not texts:
        return Misses([], missed.drop(columns="norm"), without_text, recorded)
    x, w, vocab = _features(texts)
    if embed is not None:
        x = _with_embedding(x, embed(texts), len(texts), embed_weight)
    labels = _cluster(x, threshold) if x is not None else np.zeros(len(texts), dtype=int)
    sizes = pd.Series(counts).groupby(labels).sum().sort_values(ascending=False, kind="stable")
    total = int(counts.sum())
    topics: list[MissTopic] = []
    renumber: dict[int, int] = {}
    other: list[int] = []
    for cluster, size in sizes.items():
        members = np.flatnonzero(labels == cluster)
        if size < min_size:
            other.extend(members)
            continue
        renumber[int(cluster)] = len(topics)
        topics.append(_topic(len(topics), members, counts, w, vocab, texts, missed, total))
    if other:
        members = np.array(sorted(other))
        topics.append(_topic(-1, members, counts, w, vocab, texts, missed, total))
        topics[-1].label = "other: " + topics[-1].label
    text_topic = {texts[i]: renumber.get(int(labels[i]), -1) for i in range(len(texts))}
    missed["topic"] = missed["norm"].map(text_topic).astype(int)
    logger.info("%d missed messages in %d topics", total, len(topics))
    return Misses(topics, missed.drop(columns="norm"), without_text, recorded)


def _topic(topic_id: int, members: np.ndarray, counts: np.ndarray, w: Any, vocab: list[str],
           texts: list[str], missed: pd.DataFrame, total: int) -> MissTopic:
    member_texts = [texts[i] for i in members]
    rows = missed[missed["norm"].isin(member_texts)]
    label, keywords = _describe(members, counts[members], w, vocab, texts)
    originals = rows.groupby("norm")["text"].first()
    examples = [str(originals[texts[i]]) for i in members[np.argsort(-counts[members],
                                                                    kind="stable")][:5]]
    size = int(counts[members].sum())
    return MissTopic(
        id=topic_id, label=label, keywords=keywords, size=size, share=size / total,
        people=int(rows["conversation_id"].nunique()), examples=examples,
        where=dict(Counter(rows["at"]).most_common()),
        texts={str(originals[texts[i]]): int(counts[i]) for i in members})
