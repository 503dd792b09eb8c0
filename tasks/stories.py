"""Stories: same-event clusters across outlets, decided incrementally and stable across runs.

Evidence per article: TF-IDF of the body (hashed terms, sublinear tf, terms seen in fewer
than `min_df` articles ignored), TF-IDF of its people/organisation/place names, and its
dates (published date, else the years the text names, and the day of the year a dateline
names without its year: `June 2` and `June 19` are 17 days apart at least, whatever the years).
Two articles whose dates are more than `window_days` apart, or whose named years are disjoint,
are never the same story; nor are
two whose headlines lead with actors, neither of which the other mentions (`headline_actors`),
nor two whose headlines share an actor but each name another the other never mentions, with
no figure in common (`named_apart`), however much template text they share.

New articles are clustered with average linkage together with the earlier articles of the
stories they come near, whose raw term counts (`_story_terms`, stories within the date
window) are weighted by today's document frequencies: weights frozen when an article arrived
made stories built over many runs drift from those of one run. A cluster continues the story
it holds most of, else opens one; part of a story the cluster puts elsewhere moves (a split);
stories then brought together merge (the older id survives). A story id is never reused or
renumbered; a copy takes its original's story.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.clean import _UNSPACED
from tasks.date_mentions import WEEKDAYS
from tasks.dateline import MONTHS, day_of_year, known_agency

N_FEATURES = 1 << 20
ENTITY_OFFSET = N_FEATURES  # entity terms live in their own id range of `_term_df`
DOC_COUNT_TERM = -1
DAYS_IN_LEAP_YEAR = 366
STORY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP"}
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
# a figure of two digits or more that is no year: template notices fill in their own
_FIGURE = re.compile(r"(?<![\w.,])(?!(?:19|20)\d\d(?![\d.,]\d))\d[\d.,]*\d(?![\w])")


@dataclass(frozen=True)
class StoryParams:
    threshold: float = 0.18       # minimum average-link similarity to share a story
    entity_weight: float = 0.3    # weight of name overlap beside body text
    window_days: int = 7          # published dates (or dateline days) further apart are never one story
    min_df: int = 2               # body terms in fewer articles carry no weight
    block_size: int = 2000        # articles clustered together (memory: block_size^2 floats)
    shared_name: bool = True      # articles that share no person/organisation/place are never one story
    headline_actors: bool = True  # articles whose headlines lead with actors the other never mentions: never one story
    merge_threshold: float = 0.26  # two existing stories merge above this average-link similarity


@dataclass(frozen=True)
class Headlines:
    """`headline_actors` of some articles, or summed over stories (how many of a story's articles
    hold each): rows x N_FEATURES each."""

    leading: object  # the actor the headline leads with, hashed as a body term
    named: object    # every actor the headline names that the body also tells of
    figures: object  # the figures the body gives

    @classmethod
    def empty(cls) -> Headlines:
        return cls(_csr([]), _csr([]), _csr([]))

    def parts(self) -> tuple:
        return self.leading, self.named, self.figures

    def __getitem__(self, rows) -> Headlines:
        return Headlines(*(part[rows] for part in self.parts()))

    def stacked(self, other: Headlines) -> Headlines:
        from scipy.sparse import vstack

        return Headlines(*(vstack([mine, theirs]).tocsr() for mine, theirs in zip(self.parts(), other.parts())))

    def mapped(self, matrix) -> Headlines:
        """`matrix @` each part: rows summed into stories, or moved where merges end."""
        return Headlines(*((matrix @ part).tocsr() for part in self.parts()))


@dataclass
class When:
    """When some articles happened, as far as each says: the years it names, its published date,
    and its day of the year (`day_of_year`), which a dateline without a year gives too."""

    years: list[set[int]] = field(default_factory=list)
    dates: list[dt.date | None] = field(default_factory=list)
    days: list[int | None] = field(default_factory=list)

    def __getitem__(self, rows) -> When:
        return When([self.years[i] for i in rows], [self.dates[i] for i in rows], [self.days[i] for i in rows])

    def __add__(self, other: When) -> When:
        return When(self.years + other.years, self.dates + other.dates, self.days + other.days)


@dataclass
class StoryVectors:
    """The stories a run can join, as it decides: sums of their articles' unit vectors (one
    sparse row per story), sizes, named years, date ranges and days of the year."""

    ids: list[str] = field(default_factory=list)
    size: list[int] = field(default_factory=list)
    text: object = None    # scipy CSR, stories x N_FEATURES
    entity: object = None
    terms: object = None     # how many of its articles hold each raw body term
    headline: Headlines | None = None
    years: list[set[int]] = field(default_factory=list)
    first: list[dt.date | None] = field(default_factory=list)
    last: list[dt.date | None] = field(default_factory=list)
    days: list[set[int]] = field(default_factory=list)


@dataclass
class DocumentFrequencies:
    """How many articles hold each hashed term: body terms at 0..N_FEATURES-1, names at
    ENTITY_OFFSET.., and the article count. Dense, so it costs the same at any corpus size."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros(2 * N_FEATURES, np.int64))
    docs: int = 0

    @classmethod
    def from_arrow(cls, table) -> DocumentFrequencies:
        """From `_term_df` rows (term, df); the article count is the row of DOC_COUNT_TERM."""
        terms = table.column("term").to_numpy(zero_copy_only=False).astype(np.int64)
        values = table.column("df").to_numpy(zero_copy_only=False).astype(np.int64)
        out = cls()
        out.counts[terms[terms >= 0]] = values[terms >= 0]
        out.docs = int(values[terms == DOC_COUNT_TERM].sum())
        return out

    def changed_rows(self, before: DocumentFrequencies) -> list[dict]:
        """`_term_df` rows (upserted) for the terms whose count moved since `before`."""
        rows = [{"term": int(t), "df": int(self.counts[t])} for t in np.flatnonzero(self.counts != before.counts)]
        return rows + ([{"term": DOC_COUNT_TERM, "df": self.docs}] if self.docs != before.docs else [])


@dataclass
class StoryEvidence:
    """Raw evidence of earlier canonical articles, one row each: their story, term counts,
    names, headline evidence and when, as `_story_terms` keeps them."""

    story_ids: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    text: object = None    # scipy CSR of raw counts, articles x N_FEATURES
    names: object = None   # binary
    headline: Headlines | None = None
    when: When = field(default_factory=When)

    @classmethod
    def from_arrow(cls, table) -> StoryEvidence:
        from scipy.sparse import csr_matrix

        def matrix(index: str, value: str | None):
            indices = table.column(index).combine_chunks()
            offsets = indices.offsets.to_numpy() - indices.offsets[0].as_py()
            flat = indices.flatten().to_numpy(zero_copy_only=False).astype(np.int32)
            values = (table.column(value).combine_chunks().flatten().to_numpy(zero_copy_only=False)
                      if value else np.ones(len(flat))).astype(np.float32)
            return csr_matrix((values, flat, offsets), shape=(table.num_rows, N_FEATURES))

        return cls(table.column("story_id").to_pylist(), table.column("article_id").to_pylist(),
                   matrix("text_index", "text_count"),
                   matrix("name_index", None),
                   Headlines(matrix("headline_index", None), matrix("headline_named_index", None),
                             matrix("figure_index", None)),
                   When([set(y or []) for y in table.column("years").to_pylist()], table.column("day").to_pylist(),
                        table.column("day_of_year").to_pylist()))

    def story_of(self) -> dict[str, str]:
        """article_id -> the story it is stored in."""
        return dict(zip(self.article_ids, self.story_ids))


def evidence_rows(articles: list[dict], counts, name_counts, headline: Headlines, when: When,
                  story_of: dict[str, str]) -> list[dict]:
    """`_story_terms` rows of new canonical articles."""
    counts, name_counts = counts.tocsr(), name_counts.tocsr()
    rows = []
    for i, article in enumerate(articles):
        text = slice(counts.indptr[i], counts.indptr[i + 1])
        order = np.argsort(counts.indices[text])
        rows.append({"article_id": article["article_id"], "story_id": story_of[article["article_id"]],
                     "day": when.dates[i], "years": sorted(when.years[i]),
                     "day_of_year": when.days[i],
                     "text_index": counts.indices[text][order].tolist(), "text_count": counts.data[text][order].tolist(),
                     "name_index": sorted(_row(name_counts, i).tolist()),
                     "headline_index": sorted(_row(headline.leading, i).tolist()),
                     "headline_named_index": sorted(_row(headline.named, i).tolist()),
                     "figure_index": sorted(_row(headline.figures, i).tolist())})
    return rows


def _row(matrix, i: int) -> np.ndarray:
    """The column ids of row i of a CSR matrix, without building a one-row matrix."""
    return matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]


def _csr(pairs: list[tuple[list[int], list[float]]]):
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(index) for index, _ in pairs])
    indices = np.fromiter((i for index, _ in pairs for i in index), dtype=np.int32, count=int(indptr[-1]))
    data = np.fromiter((v for _, values in pairs for v in values), dtype=np.float32, count=int(indptr[-1]))
    return csr_matrix((data, indices, indptr), shape=(len(pairs), N_FEATURES), dtype=np.float32)


def _hashers():
    from sklearn.feature_extraction.text import HashingVectorizer

    text = HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None, stop_words="english",
                             tokenizer=story_terms, token_pattern=None, dtype=np.float32)
    names = HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None, analyzer=_identity,
                              dtype=np.float32, binary=True)
    return text, names


_TERM = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_UNSPACED_RUN = re.compile(rf"([{_UNSPACED}]+)")


def story_terms(text: str) -> list[str]:
    """scikit-learn's default terms, except that a run of a script written without spaces
    gives its character bigrams (a Chinese clause is not one term)."""
    out = []
    for token in _TERM.findall(text):
        if not _UNSPACED_RUN.search(token):
            out.append(token)
            continue
        for part in _UNSPACED_RUN.split(token):
            if _UNSPACED_RUN.fullmatch(part):
                out += [part[i:i + 2] for i in range(max(1, len(part) - 1))]
            elif len(part) >= 2:
                out.append(part)
    return out


def _identity(items):
    return items


def _story_name(mention: dict) -> bool:
    """A name that can tell events apart: a person, organisation, place or event, but not the
    news agency that carried the story ("New China News Agency said", "told Reuters")."""
    return mention["label"] in STORY_LABELS and not known_agency(mention["canonical_name"])


def name_keys(entities: list[dict]) -> list[int]:
    """The hashed names (as `_story_terms.name_index` keeps them) of these mentions: two
    articles must share one to share a story, so only stories holding one are looked up."""
    names = sorted({m["canonical_name"].casefold() for m in entities if _story_name(m)})
    return sorted(_hashers()[1].transform([names]).indices.tolist()) if names else []


def article_evidence(articles: list[dict], entities: list[dict]):
    """Hashed term counts of bodies and of names; when each article happened."""
    names: dict[str, set[str]] = {}
    for mention in entities:
        if _story_name(mention):
            names.setdefault(mention["article_id"], set()).add(mention["canonical_name"].casefold())
    text_hasher, name_hasher = _hashers()
    counts = text_hasher.transform([a["body"] for a in articles])
    name_counts = name_hasher.transform([sorted(names.get(a["article_id"], ())) for a in articles])
    when = When()
    for article in articles:
        day = article.get("published_date")
        when.dates.append(day)
        when.years.append({day.year} if day else {int(y) for y in _YEAR.findall(article["body"])})
        when.days.append(article_day(article))
    return counts, name_counts, when


def article_day(article: dict) -> int | None:
    """Its day of the year: its published date's, else its dateline's (known without a year)."""
    day = article.get("published_date")
    return day_of_year(day.month, day.day) if day else article.get("dateline_day")


def headline_actors(articles: list[dict], entities: list[dict], df: DocumentFrequencies) -> Headlines:
    """Per article, binary rows (articles x N_FEATURES) of: the actor its headline leads with;
    every actor its headline names that the body tells of outside a copy of the headline (a
    title-case headline the model read as a name, `Lindsay Lohan Checks Into Rehab`, is none);
    its body's figures (`_FIGURE`). Actors are the people, organisations and places the article
    names whose rarest word (or one of its equally rare words) the headline holds, hashed by that
    word as a body term (a lender's notices differ by the country they name: `WORLD BANK LOANS
    MEXICO 400 MLN DLRS`). It leads with the person or organisation whose word comes first, never
    a place, which is where events happen more than who acts in them (`brunswick` of Brunswick
    Corp in `BRUNSWICK CORP SELLS NOTES`; not Standard and Poor's Corp, whose `corp` is no name
    of its own). Notices cut from one template share most of their words and often their underwriters
    and rating agencies, even in the headline (`WARNER <WCI> UPGRADED BY MOODY'S`, `NIAGARA
    MOHAWK <NMK> DOWNGRADED BY MOODY'S`); the issuer each headline leads with tells them apart.
    The protagonist most headlines of one event lead with (`Lindsay Lohan checks into …`) keeps
    those articles together, whatever else each headline names (`named_apart`). A headline that
    leads with none of these but writes a ticker leads with its issuer (`_issuer_before_ticker`)."""
    hasher = _hashers()[1]
    analyse = _hashers()[0].build_analyzer()
    own_title = {a["article_id"]: _title_span(a) for a in articles}
    names: dict[str, set[str]] = {}
    leaders: dict[str, set[str]] = {}  # who a headline can lead with: people and organisations
    told: dict[str, set[str]] = {}  # names the body gives outside the headline it repeats
    for mention in entities:
        if mention["label"] in ("PERSON", "ORG", "GPE", "LOC") and _story_name(mention):
            names.setdefault(mention["article_id"], set()).add(mention["canonical_name"])
            if mention["label"] in ("PERSON", "ORG"):
                leaders.setdefault(mention["article_id"], set()).add(mention["canonical_name"])
            lo, hi = own_title.get(mention["article_id"], (0, 0))
            if not lo <= mention.get("start_char", -1) < hi:
                told.setdefault(mention["article_id"], set()).add(mention["canonical_name"])
    headlines = [analyse(article.get("title") or "") for article in articles]
    words_of = {name: sorted(set(analyse(name))) for article, headline in zip(articles, headlines) if headline
                for name in names.get(article["article_id"], ())}
    vocabulary = sorted({word for words in words_of.values() for word in words} | {w for h in headlines for w in h})
    # one hashing call for every word: called per name, it cost more than the rest of the stage
    frequency = dict(zip(vocabulary, df.counts[hasher.transform([[w] for w in vocabulary]).indices.astype(np.int64)])) \
        if vocabulary else {}
    place_words: dict[str, set[str]] = {}
    for mention in entities:
        if mention["label"] in ("GPE", "LOC", "FAC", "NORP"):
            place_words.setdefault(mention["article_id"], set()).update(analyse(mention["canonical_name"]))
    chosen, named = [], []
    for article, headline in zip(articles, headlines):
        position = {word: i for i, word in reversed(list(enumerate(headline)))}  # a word's first place
        keys, told_keys = set(), set()
        taken = set(place_words.get(article["article_id"], ()))  # words no headline subject is made of
        for name in names.get(article["article_id"], ()) if headline else ():
            rarest = min((frequency[word] for word in words_of[name]), default=None)
            held = [word for word in words_of[name] if frequency[word] == rarest and word in position]
            if held:  # a name's rarest words tie often (both words of `Oglebay Norton` seen once)
                key = min(held, key=position.get)
                taken.update(words_of[name])
                if name in leaders.get(article["article_id"], ()):
                    keys.add(key)
                if name in told.get(article["article_id"], ()):
                    told_keys.add(key)
        subject = _headline_subject([w for w in headline if frequency[w] <= max(2, df.docs // 100)], article["body"],
                                    own_title[article["article_id"]], taken)
        if subject is not None:
            keys.add(subject)
        if not keys and (issuer := _issuer_before_ticker(article.get("title") or "", analyse, frequency, taken)):
            keys.add(issuer)
        chosen.append([min(keys, key=position.get)] if keys else [])
        named.append(sorted(told_keys))
    figures = [sorted(set(_FIGURE.findall(article["body"]))) for article in articles]
    return Headlines(*(hasher.transform(rows).tocsr() for rows in (chosen, named, figures)))


# a listed issuer's ticker, written right after its name in a wire headline (`GE <GE> GETS …`,
# `UNITED OVERSEAS BANK LTD <UOBM.SI> YEAR`); a topic slug before a dash (`CORRECTED - `) is no name
_TICKER = re.compile(r"<[^<>\s]{1,12}>")
_SLUG = re.compile(r"^[^-–—]{1,24}\s[-–—]\s+")


def _issuer_before_ticker(title: str, analyse, frequency: dict[str, int], taken: set[str]) -> str | None:
    """The rarest word of the name a wire headline writes before a ticker, for a headline that
    leads with no actor the body names: a results table names its issuer only in the headline
    (`GALACTIC RESOURCES LTD <GALCF> YEAR LOSS` over `Shr loss 1.30 dlrs`), a notice may name it
    by initials (`GE <GE>` of `General Electric`) or spell it otherwise. The ticker itself is no
    word of it: what tells two issuers apart is the name, as for every other headline."""
    head = _SLUG.sub("", title)
    ticker = _TICKER.search(head)
    words = [word for word in analyse(head[:ticker.start()]) if not word.isdigit() and _may_lead(word, taken)] \
        if ticker else []
    # initials are written in more ways than words (`J.P. STEVENS`, `JP STEVENS`): a longer word
    # keys a name that has one
    return min(words, key=lambda word: (len(word) < 3, frequency[word])) if words else None


def _headline_subject(headline: list[str], body: str, title_span: tuple[int, int], taken: set[str]) -> str | None:
    """The first of the `headline` words (the rare ones: a word one article in a hundred holds,
    `national`, is mentioned by too many to tell an actor by, as a name is keyed by its rarest
    word) that the body writes as a name: with a capital every time it occurs outside the
    headline it repeats, and at least once inside a sentence, where an ordinary word has none
    (`PEFCO SELLS NOTES VIA J.P. MORGAN` of `Private Export Funding Corp, PEFCO,`; `GENERAL
    DYNAMICS <GD> GETS` of `Electric Boat Division of General Dynamics Corp`). Wire headlines
    name their subject first, and a notice's issuer is the name the model misses or cuts most.
    `title_span`: where the body repeats the headline (`_title_span`); `taken`: words of a place
    (a place never leads) or of a name keyed by another of its words; a month or weekday is no
    actor; a body written in capitals tells no names."""
    if not headline:
        return None  # no body to read: headline_actors runs over every article, twice a run
    lo, hi = title_span
    text = body[:lo] + " " + body[hi:]
    if sum(map(str.isupper, text)) * 2 > sum(map(str.isalpha, text)):
        return None
    wanted = set(headline)
    capitalised: dict[str, bool] = {}
    inside: set[str] = set()  # written with a capital inside a sentence: a sentence's first word may be any word
    for match in _TERM.finditer(text):
        word = match.group().lower()
        if word not in wanted:
            continue
        upper = match.group()[0].isupper()
        capitalised[word] = capitalised.get(word, True) and upper
        at = match.start() - 1
        while at >= 0 and text[at].isspace():
            at -= 1
        if upper and at >= 0 and text[at] not in _SENTENCE_OPENS:
            inside.add(word)
    return next((word for word in headline if capitalised.get(word) and word in inside and _may_lead(word, taken)),
                None)


def _may_lead(word: str, taken: set[str]) -> bool:
    """A headline word that can stand for its actor: none of `taken` (a place's words, or a name's
    keyed by another of its words), no month and no weekday."""
    return word not in taken and word not in MONTHS and word not in WEEKDAYS


_SENTENCE_OPENS = set(".!?…:;\"'“”‘’«»([-–—")


def _title_span(article: dict) -> tuple[int, int]:
    """Where the body repeats the headline (0, 0 when it does not)."""
    title = article.get("title") or ""
    start = article["body"].find(title) if title else -1
    return (start, start + len(title)) if start >= 0 else (0, 0)


@dataclass(frozen=True)
class HeadlineActors:
    """An article's headline actors (`headline_actors`) and its body terms, hashed alike."""

    keys: frozenset[int]
    terms: frozenset[int]
    named: frozenset[int] = frozenset()
    figures: frozenset[int] = frozenset()
    undated_day: int | None = None  # its dateline's day of the year, when it has no published date


def named_apart(a: HeadlineActors, b: HeadlineActors) -> bool:
    """Different events, however much template text they share (`_unmentioned` is the same rule
    over matrices): both headlines lead with an actor, two different ones, and neither's occurs in
    the other's body (an issuer named only in the headline, `_issuer_before_ticker`, occurs in no
    body, and two headlines that lead with it tell one issuer's news); or the headlines share an
    actor (or one's is in the other's body: `D/P LOWERS MINNESOTA POWER` names Duff and Phelps
    in a way no model reads, its body as `Duff and Phelps`), each also names
    one the other's body never mentions, and the bodies give figures but none in common
    (`MOODY'S MAY UPGRADE UPJOHN`, 400 mln dlrs, and `WARNER COMMUNICATIONS UPGRADED BY MOODY'S`,
    924 mln: the agency is the constant party of its notices, the issuer the event's). One
    event's reports share a figure (`90-day stay`), so a protagonist with other actors beside it
    in each headline keeps them together. Rows
    stored before only the leading actor was kept hold every actor of their headline: for them
    the first rule asks, as it did then, that none occurs in the other's body. Or both bodies are
    tables of figures (`TABLE_FIGURES` or more each) that hardly share one (`_tables_apart`)."""
    return bool(a.keys and b.keys and not a.keys & (b.terms | b.keys) and not b.keys & a.terms) or bool(
        a.named - b.terms and b.named - a.terms and (a.named & b.named or a.named & b.terms or b.named & a.terms)
        and a.figures and b.figures and not a.figures & b.figures) or bool(
        _tables_apart(len(a.figures), len(b.figures), len(a.figures & b.figures)))


TABLE_FIGURES = 8


def _tables_apart(figures_a, figures_b, shared):
    """Two bodies giving `TABLE_FIGURES` figures or more each, no more than one in ten of the
    fewer in common: two companies' results tables (`Shr 6.56p vs 50.31p / Pre-tax profit 134
    mln stg vs 759 mln`), one template, different figures, no name in the body but the headline's.
    The figures of a table are its event: a copy or a report of the same results repeats them,
    where two reports of one event in prose may not (on ECB+, 6 of 231 same-event pairs giving
    eight figures each share fewer than one in ten). Counts, or arrays of them (`_unmentioned`)."""
    fewer = np.minimum(figures_a, figures_b)
    return (fewer >= TABLE_FIGURES) & (10 * shared <= fewer)


def headline_evidence(articles: list[dict], entities: list[dict], df: DocumentFrequencies) -> dict[str, HeadlineActors]:
    """`HeadlineActors` of new articles (`df`: document frequencies before them)."""
    if not articles:
        return {}
    counts, name_counts, _ = article_evidence(articles, entities)
    headline = headline_actors(articles, entities, updated_df(df, counts, name_counts))
    counts = counts.tocsr()
    return {article["article_id"]: HeadlineActors(*(frozenset(_row(matrix, i).tolist()) for matrix in
                                                    (headline.leading, counts, headline.named, headline.figures)),
                                                  None if article.get("published_date") else article.get("dateline_day"))
            for i, article in enumerate(articles)}


def stored_headline_evidence(table) -> dict[str, HeadlineActors]:
    """`HeadlineActors` of earlier articles from their `_story_terms` rows (a row written before
    headlines were kept has no actor)."""
    columns = ["headline_index", "text_index", "headline_named_index", "figure_index"]
    return {row["article_id"]: HeadlineActors(*(frozenset(row[column] or ()) for column in columns),
                                              row["day_of_year"] if row["day"] is None else None)
            for row in table.select(["article_id", "day", "day_of_year", *columns]).to_pylist()}


def filed_apart(a: HeadlineActors, b: HeadlineActors, window_days: int) -> bool:
    """Two undated articles whose datelines name days further apart than `window_days` (going
    round the year, a day's slack for February 29): a reprint keeps its dateline, so a text
    filed again weeks later with its figures changed is a new report (a weekly notice), not a
    copy. A published date says when a copy was published, not filed: dated articles never."""
    return a.undated_day is not None and b.undated_day is not None and \
        _days_apart(a.undated_day, b.undated_day) > window_days + 1


def _unmentioned(a: Headlines, terms_a, b: Headlines, terms_b) -> np.ndarray:
    """`named_apart` for every row pair (a, b) at once."""
    leads_a, leads_b = a.leading.getnnz(axis=1) > 0, b.leading.getnnz(axis=1) > 0
    counted_a, counted_b = a.figures.getnnz(axis=1) > 0, b.figures.getnnz(axis=1) > 0
    return (leads_a[:, None] & leads_b[None, :]
            & (_held(a.leading, terms_b) == 0) & (_held(b.leading, terms_a) == 0).T & (_held(a.leading, b.leading) == 0)
            | (_held(a.named, terms_b) < a.named.getnnz(axis=1)[:, None])
            & (_held(b.named, terms_a) < b.named.getnnz(axis=1)[:, None]).T
            & ((_held(a.named, b.named) > 0) | (_held(a.named, terms_b) > 0) | (_held(b.named, terms_a) > 0).T)
            & counted_a[:, None] & counted_b[None, :] & (_held(a.figures, b.figures) == 0)
            | _tables_apart(a.figures.getnnz(axis=1)[:, None], b.figures.getnnz(axis=1)[None, :],
                            _held(a.figures, b.figures)))


def _held(actors, terms) -> np.ndarray:
    """How many of each row's actors each row of `terms` holds (rows x rows)."""
    return ((actors > 0).astype(np.float32) @ (terms > 0).astype(np.float32).T).toarray()


def updated_df(df: DocumentFrequencies, counts, name_counts) -> DocumentFrequencies:
    """Document frequencies after adding this batch."""
    out = DocumentFrequencies(df.counts.copy(), df.docs + counts.shape[0])
    for matrix, offset in ((counts, 0), (name_counts, ENTITY_OFFSET)):
        out.counts[offset:offset + N_FEATURES] += np.asarray((matrix > 0).sum(axis=0)).ravel().astype(np.int64)
    return out


def _weighted(matrix, df: DocumentFrequencies, offset: int, min_df: int, sublinear: bool):
    """TF-IDF (smooth idf, as scikit-learn), rows scaled to unit length."""
    from sklearn.preprocessing import normalize

    matrix = matrix.tocsr(copy=True)
    frequencies = df.counts[offset + matrix.indices.astype(np.int64)].astype(np.float64)
    idf = np.log((1 + df.docs) / (1 + frequencies)) + 1
    idf[frequencies < min_df] = 0.0
    values = matrix.data.astype(np.float64)
    if sublinear:
        values = 1 + np.log(values)
    matrix.data = (values * idf).astype(np.float32)
    matrix.eliminate_zeros()
    return normalize(matrix)


def _stories_compatible(state: StoryVectors, a: int, b: int, window_days: int) -> bool:
    if state.years[a] and state.years[b] and not (state.years[a] & state.years[b]):
        return False
    if state.first[a] and state.first[b]:
        gap = max((state.first[b] - state.last[a]).days, (state.first[a] - state.last[b]).days, 0)
        if gap > window_days:
            return False
    return not (state.days[a] and state.days[b]) or \
        min(_days_apart(x, y) for x in state.days[a] for y in state.days[b]) <= window_days + 1


def _days_apart(a, b):
    """Days between two days of the year, going round the year (arrays too)."""
    gap = abs(a - b)
    return np.minimum(gap, DAYS_IN_LEAP_YEAR - gap)


def _compatible_matrix(when: When, window_days: int) -> np.ndarray:
    """`_stories_compatible` for every pair of articles at once (n x n booleans)."""
    years = when.years
    n = len(years)
    span = sorted(set().union(*years)) if any(years) else []
    column = {year: i for i, year in enumerate(span)}
    named = np.zeros((n, max(1, len(span))), dtype=np.float32)
    for i, article_years in enumerate(years):
        for year in article_years:
            named[i, column[year]] = 1.0
    has_years = named.any(axis=1)
    ok = ~(has_years[:, None] & has_years[None, :] & ((named @ named.T) == 0))
    ordinal = np.array([d.toordinal() if d else np.nan for d in when.dates], dtype=np.float64)
    dated = ~np.isnan(ordinal)
    gap = np.abs(ordinal[:, None] - ordinal[None, :])
    ok &= ~(dated[:, None] & dated[None, :] & (np.nan_to_num(gap) > window_days))
    # a day of the year without its year: a day's slack, as February 29 is a day of some years only
    day = np.array([d if d is not None else np.nan for d in when.days], dtype=np.float64)
    placed = ~np.isnan(day)
    apart = _days_apart(day[:, None], day[None, :])
    ok &= ~(placed[:, None] & placed[None, :] & (np.nan_to_num(apart) > window_days + 1))
    return ok


def cluster_block(text, names, terms, headline: Headlines, when: When, params: StoryParams) -> list[int]:
    """Average-linkage clusters of one block of new articles (labels 0..k-1); `terms` are raw
    body term counts and `headline` the headline actors, for `StoryParams.headline_actors`."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = text.shape[0]
    if n == 1:
        return [0]
    w = params.entity_weight
    name_overlap = (names @ names.T).toarray()
    similarity = ((text @ text.T).toarray() + w * name_overlap) / (1 + w)
    distance = np.clip(1.0 - similarity, 0.0, None)
    if params.shared_name:
        distance[name_overlap <= 0] = 1.0
    distance[~_compatible_matrix(when, params.window_days)] = 1.0
    apart = _unmentioned(headline, terms, headline, terms) if params.headline_actors else np.zeros((n, n), bool)
    distance[apart] = 1.0
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, 1.0 - params.threshold, criterion="distance")
    return _contested_parted(labels - 1, distance, apart, headline.leading, terms, 1.0 - params.threshold)


def _contested_parted(labels: np.ndarray, distance: np.ndarray, apart: np.ndarray, leading, terms,
                      cut: float) -> list[int]:
    """Average linkage lets articles without a headline actor bridge two that are named apart: six
    issuers' debt notices of one day share their template and underwriters, and the two whose
    issuer the model missed link all the others. A cluster holds no one event when most pairs of
    its articles whose headlines lead with an actor are named apart and it has no protagonist:
    no actor a headline leads with (`leading`) is mentioned by more than a third of its articles
    (`terms`: their bodies). Such a cluster is linked again with those pairs never joined. One
    event's reports mention its protagonist, whatever each headline leads with, and keep a stray
    actor (a dateline's `GMT` read as a name) at the soft distance of average linkage."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    parted, next_label = labels.copy(), int(labels.max()) + 1
    led = leading.getnnz(axis=1) > 0
    for label in np.flatnonzero(np.bincount(labels) >= 3):  # two articles kept apart never share a cluster
        members = np.flatnonzero(labels == label)
        leaders = members[led[members]]
        pairs = len(leaders) * (len(leaders) - 1) // 2
        if not pairs or 2 * np.triu(apart[np.ix_(leaders, leaders)], 1).sum() <= pairs \
                or 3 * (_held(leading[leaders], terms[members]) > 0).sum(axis=1).max() > len(members):
            continue
        block = distance[np.ix_(members, members)].copy()
        block[apart[np.ix_(members, members)]] = _NEVER
        again = fcluster(linkage(squareform(block, checks=False), method="average"), cut, criterion="distance")
        for part in np.unique(again)[1:]:
            parted[members[again == part]] = next_label
            next_label += 1
    return [int(label) for label in np.unique(parted, return_inverse=True)[1]]


_NEVER = 1e6  # a distance no average with real ones brings under the cut


def merge_stories(state: StoryVectors, touched: set[int], params: StoryParams) -> list[tuple[int, int]]:
    """Average linkage continued across runs: any two stories (one of them touched now) whose
    average-link similarity clears the threshold become one. The older story (earlier first
    date, then smaller id) survives; the other keeps its row with `size = 0`. Returns
    (absorbed, survivor) pairs in the order they happened."""
    from scipy.sparse import csr_matrix

    merges: list[tuple[int, int]] = []
    alive = np.asarray(state.size) > 0
    w = params.entity_weight
    pending = sorted(touched)
    while pending:
        rows = [i for i in pending if alive[i]]
        pending = []
        if not rows:
            break
        name_score = (state.entity[rows] @ state.entity.T).tocsr()
        score = ((state.text[rows] @ state.text.T) + w * name_score).tocoo()
        sizes = np.asarray(state.size, dtype=np.float64)
        a_idx = np.asarray(rows, dtype=np.int64)[score.row]
        s_idx = score.col.astype(np.int64)
        similarity = score.data / (sizes[a_idx] * sizes[s_idx]) / (1 + w)
        keep = (a_idx != s_idx) & alive[a_idx] & alive[s_idx] & (similarity >= params.merge_threshold)
        if params.shared_name:
            named = name_score.tocoo()
            width = np.int64(len(state.ids))
            named_keys = named.row[named.data > 0].astype(np.int64) * width + named.col[named.data > 0]
            keep &= np.isin(score.row.astype(np.int64) * width + score.col, named_keys)
        pairs = [(-value, min(a, s), max(a, s))
                 for a, s, value in zip(a_idx[keep].tolist(), s_idx[keep].tolist(), similarity[keep].tolist())
                 if _stories_compatible(state, a, s, params.window_days)
                 and not (params.headline_actors and _unmentioned(state.headline[a], state.terms[a],
                                                                  state.headline[s], state.terms[s])[0, 0])]
        into = np.arange(len(state.ids))
        for _, a, b in sorted(pairs):
            if not (alive[a] and alive[b]):
                continue
            survivor, absorbed = sorted((a, b), key=lambda i: (state.first[i] or dt.date.max, state.ids[i]))
            into[absorbed] = survivor
            state.size[survivor] += state.size[absorbed]
            state.size[absorbed] = 0
            state.years[survivor] |= state.years[absorbed]
            state.days[survivor] |= state.days[absorbed]
            state.first[survivor] = _earliest(state.first[survivor], state.first[absorbed])
            state.last[survivor] = _latest(state.last[survivor], state.last[absorbed])
            alive[absorbed] = False
            merges.append((absorbed, survivor))
            pending.append(survivor)
        if pending:  # every absorbed vector moves to where its chain of merges ends, in one product
            while not np.array_equal(into[into], into):
                into = into[into]
            move = csr_matrix((np.ones(len(into), np.float32), (into, np.arange(len(into)))),
                              shape=(len(into), len(into)))
            state.text, state.entity, state.terms = (
                (move @ matrix).tocsr() for matrix in (state.text, state.entity, state.terms))
            state.headline = state.headline.mapped(move)
    return merges


@dataclass
class StoryMatch:
    """What `match_stories` decided."""

    story_of: dict[str, str]           # new article -> story
    moved: dict[str, str]              # earlier article -> the story a split moved it to
    evidence_rows: list[dict]          # `_story_terms` rows of the new articles
    df: DocumentFrequencies            # document frequencies with the new articles
    merges: list[tuple[str, str]]      # (absorbed, survivor) story ids, in the order they happened


def match_stories(articles: list[dict], entities: list[dict], evidence: StoryEvidence, df: DocumentFrequencies,
                  params: StoryParams) -> StoryMatch:
    """Story of each new (non-copy) article. `evidence`: the earlier articles of the stories
    they can join; `df`: document frequencies before this run.

    The new articles are clustered together with the earlier articles of the stories they come
    near, by the same average linkage a single run over all of them would use, so arriving
    over many runs ends close to one run. A cluster continues the story it holds most of (a
    cluster holding most of two or more stories merges them, the oldest surviving), else its
    new articles open a story. When new evidence puts part of an earlier story in another
    cluster, that part moves with it (a split: the story keeps its id and its largest part);
    an early run that saw too little to tell two events apart is not frozen. Blocks of
    `block_size` new articles are taken in date order, each seeing the ones before it as
    history."""
    from scipy.sparse import vstack

    if not articles:
        return StoryMatch({}, {}, [], df, [])
    articles = sorted(articles, key=lambda a: (a.get("published_date") or dt.date.max, a["article_id"]))
    counts, name_counts, when = article_evidence(articles, entities)
    df = updated_df(df, counts, name_counts)
    headline = headline_actors(articles, entities, df)
    text = _weighted(counts, df, 0, params.min_df, sublinear=True)
    names = _weighted(name_counts, df, ENTITY_OFFSET, 1, sublinear=False)
    old = _EarlierArticles.of(evidence, df, params)
    story_of: dict[str, str] = {}
    moved: dict[str, str] = {}
    merges: list[tuple[str, str]] = []
    for start in range(0, len(articles), params.block_size):
        block = np.arange(start, min(start + params.block_size, len(articles)))
        pool = old.near(text[block], names[block], params)
        labels = cluster_block(vstack([text[block], old.text[pool]]).tocsr(),
                               vstack([names[block], old.names[pool]]).tocsr(),
                               vstack([counts[block], old.terms[pool]]).tocsr(),
                               headline[block].stacked(old.headline[pool]), when[block] + old.when[pool], params)
        groups: dict[int, tuple[list[int], list[int]]] = {}
        for position, label in enumerate(labels):
            new, earlier = groups.setdefault(label, ([], []))
            (new.append(int(block[position])) if position < len(block) else earlier.append(pool[position - len(block)]))
        home = _homes(groups, old)
        block_story: dict[int, str] = {}
        for label, (new, earlier) in groups.items():
            if not new:
                continue  # earlier articles alone: a split needs new evidence
            continued = sorted({old.story_ids[j] for j in earlier if home[old.story_ids[j]] == label},
                               key=lambda sid: (old.first_date(sid) or dt.date.max, sid))
            target = continued[0] if continued else story_id_of(articles[min(new)]["article_id"])
            merges += [(absorbed, target) for absorbed in continued[1:]]
            old.repoint({absorbed: target for absorbed in continued[1:]})
            for j in earlier:  # the part of a story that the linkage now puts elsewhere moves with it
                if home[old.story_ids[j]] != label:
                    old.story_ids[j] = target
                    (story_of if old.article_ids[j] in story_of else moved)[old.article_ids[j]] = target
            for i in new:
                block_story[i] = target
        story_of |= {articles[i]["article_id"]: sid for i, sid in block_story.items()}
        old.add(text[block], names[block], counts[block], headline[block], when[block],
                [block_story[i] for i in block.tolist()], [articles[i]["article_id"] for i in block.tolist()])
        # average linkage continued over the stories' sums: stories the block touched that
        # now come together merge (what one run over everything would also have joined)
        state = old.state()
        index = {sid: i for i, sid in enumerate(state.ids)}
        joined = [(state.ids[a], state.ids[b])
                  for a, b in merge_stories(state, {index[sid] for sid in block_story.values()}, params)]
        merges += joined
        old.repoint(resolve_merges(joined))
    survivor_of = resolve_merges(merges)
    story_of = {aid: survivor_of.get(sid, sid) for aid, sid in story_of.items()}
    stored = evidence.story_of()
    moved = {aid: to for aid, sid in moved.items()  # a later merge can bring a moved article home again
             if (to := survivor_of.get(sid, sid)) != survivor_of.get(stored[aid], stored[aid])}
    return StoryMatch(story_of, moved, evidence_rows(articles, counts, name_counts, headline, when, story_of),
                      df, merges)


def _homes(groups: dict[int, tuple[list[int], list[int]]], old: _EarlierArticles) -> dict[str, int]:
    """Earlier story -> the cluster that keeps it: the one holding most of its articles, then
    the article that opened it (whose id the story's is made of), then its first-listed one."""
    best: dict[str, tuple] = {}
    for label, (_, earlier) in groups.items():
        for sid, n in Counter(old.story_ids[j] for j in earlier).items():
            part = [j for j in earlier if old.story_ids[j] == sid]
            key = (n, any(story_id_of(old.article_ids[j]) == sid for j in part), -min(part), label)
            best[sid] = max(best.get(sid, key), key)
    return {sid: key[-1] for sid, key in best.items()}


@dataclass
class _EarlierArticles:
    """The earlier articles a block is clustered with: unit vectors under today's weights,
    their stories and when they happened; a block's articles join them once decided."""

    story_ids: list[str]
    article_ids: list[str]
    text: object
    names: object
    terms: object     # raw body term counts
    headline: Headlines
    when: When

    @classmethod
    def of(cls, evidence: StoryEvidence, df: DocumentFrequencies, params: StoryParams) -> _EarlierArticles:
        if not evidence.story_ids:
            return cls([], [], _csr([]), _csr([]), _csr([]), Headlines.empty(), When())
        return cls(list(evidence.story_ids), list(evidence.article_ids),
                   _weighted(evidence.text, df, 0, params.min_df, sublinear=True),
                   _weighted(evidence.names, df, ENTITY_OFFSET, 1, sublinear=False), evidence.text,
                   evidence.headline, evidence.when + When())

    def first_date(self, story_id: str):
        return _earliest(*(d for sid, d in zip(self.story_ids, self.when.dates) if sid == story_id))

    def near(self, text, names, params: StoryParams) -> list[int]:
        """The earlier articles of the stories some new article comes near (average-link
        similarity of at least half the threshold, sharing a name when names are required),
        nearest stories first, at most `block_size` articles."""
        if not self.story_ids:
            return []
        stories = self.state()
        size = np.asarray(stories.size, dtype=np.float64)
        w = params.entity_weight
        name_score = (names @ stories.entity.T).toarray()
        score = ((text @ stories.text.T).toarray() + w * name_score) / size / (1 + w)
        if params.shared_name:
            score[name_score <= 0] = 0.0
        best = score.max(axis=0) if len(score) else np.zeros(len(stories.ids))
        chosen, total = set(), 0
        for story in np.argsort(-best, kind="stable"):
            if best[story] < params.threshold / 2 or total + size[story] > params.block_size:
                break
            chosen.add(stories.ids[story])
            total += size[story]
        return [j for j, sid in enumerate(self.story_ids) if sid in chosen]

    def state(self) -> StoryVectors:
        """Each story's sums, size, years, date range and days of the year."""
        from scipy.sparse import csr_matrix

        ids = sorted(set(self.story_ids))
        row_of = {sid: i for i, sid in enumerate(ids)}
        rows = np.fromiter((row_of[sid] for sid in self.story_ids), dtype=np.int64, count=len(self.story_ids))
        indicator = csr_matrix((np.ones(len(rows), np.float32), (rows, np.arange(len(rows)))),
                               shape=(len(ids), len(rows)))
        state = StoryVectors(ids=ids, size=np.bincount(rows, minlength=len(ids)).tolist(),
                             text=(indicator @ self.text).tocsr(), entity=(indicator @ self.names).tocsr(),
                             terms=(indicator @ (self.terms > 0).astype(np.float32)).tocsr(),
                             headline=self.headline.mapped(indicator),
                             years=[set() for _ in ids], first=[None] * len(ids), last=[None] * len(ids),
                             days=[set() for _ in ids])
        for r, years, date, day in zip(rows.tolist(), self.when.years, self.when.dates, self.when.days):
            state.years[r] |= years
            state.first[r], state.last[r] = _earliest(state.first[r], date), _latest(state.last[r], date)
            if day is not None:
                state.days[r].add(day)
        return state

    def repoint(self, survivor_of: dict[str, str]) -> None:
        if survivor_of:
            self.story_ids = [survivor_of.get(sid, sid) for sid in self.story_ids]

    def add(self, text, names, terms, headline: Headlines, when: When, story_ids, article_ids) -> None:
        from scipy.sparse import vstack

        self.text, self.names = vstack([self.text, text]).tocsr(), vstack([self.names, names]).tocsr()
        self.terms, self.headline = vstack([self.terms, terms]).tocsr(), self.headline.stacked(headline)
        self.when = self.when + when
        self.story_ids += story_ids
        self.article_ids += article_ids


def resolve_merges(merges: list[tuple[str, str]]) -> dict[str, str]:
    """absorbed story id -> the story it finally lives in (merges chain)."""
    into = dict(merges)
    out = {}
    for absorbed in into:
        target = into[absorbed]
        while target in into:
            target = into[target]
        out[absorbed] = target
    return out


def story_id_of(article_id: str) -> str:
    return f"st-{article_id[:16]}"


def assign_stories(articles: list[dict], duplicates: list[dict], known_story_of: dict[str, str],
                   matched: dict[str, str] | None = None) -> dict[str, str]:
    """article_id -> story_id for every new article.

    known_story_of: story of each earlier article (for copies of old articles);
    matched: story chosen for a new, non-copy article by `match_stories`."""
    original_of = {row["article_id"]: row["duplicate_of"] for row in duplicates}
    matched = matched or {}
    story_of: dict[str, str] = {}
    for article in articles:
        if article["article_id"] not in original_of:
            aid = article["article_id"]
            story_of[aid] = matched.get(aid) or known_story_of.get(aid) or story_id_of(aid)
    for article in articles:
        aid = article["article_id"]
        if aid in original_of:
            original = original_of[aid]
            story_of[aid] = story_of.get(original) or known_story_of.get(original) or story_id_of(original)
    return story_of


def summarise_stories(articles: list[dict], story_of: dict[str, str], known: dict[str, dict]) -> list[dict]:
    """Updated `stories` rows for every story the new articles touch, folded onto the
    stored summary (`known`: story_id -> row) so that old bodies are never re-read."""
    rows: dict[str, dict] = {}
    for article in sorted(articles, key=lambda a: a["article_id"]):
        sid = story_of[article["article_id"]]
        row = rows.get(sid)
        if row is None:
            base = known.get(sid)
            row = dict(base) if base else _new_story(sid)
            row["outlets"] = list(row.get("outlets") or [])
            rows[sid] = row
        row["article_count"] += 1
        row["title"] = row["title"] or article.get("title") or _lead(article["body"])
        day = article.get("published_date")
        row["first_date"], row["last_date"] = _earliest(row["first_date"], day), _latest(row["last_date"], day)
        outlet = _outlet(article)
        if outlet and outlet not in row["outlets"]:
            row["outlets"] = sorted([*row["outlets"], outlet])
        row["outlet_count"] = len(row["outlets"])
    return [rows[sid] for sid in sorted(rows)]


def _outlet(article: dict) -> str | None:
    return article.get("outlet") or article.get("agency")


def _new_story(story_id: str) -> dict:
    return {"story_id": story_id, "title": None, "first_date": None, "last_date": None,
            "article_count": 0, "outlet_count": 0, "outlets": []}


def _earliest(*dates):
    return min(filter(None, dates), default=None)


def _latest(*dates):
    return max(filter(None, dates), default=None)


def stories_after(articles: list[dict], story_of: dict[str, str], known: dict[str, dict],
                  merges: list[tuple[str, str]], members: list[dict] = (), moves: dict[str, str] | None = None,
                  ) -> list[dict]:
    """Every `stories` row this run changes: stories its articles joined or opened, both sides
    of each merge and of each split (`known`: the stored rows of the stories touched; `members`
    and `moves`: see `recounted`)."""
    resplit = recounted(known, members, moves or {})
    folded = fold_merges(known | resplit, merges)
    rows = summarise_stories(articles, story_of, folded)
    updated = {row["story_id"] for row in rows}
    changed = {sid for pair in merges for sid in pair} | set(resplit)
    return rows + [row for sid, row in sorted(folded.items()) if sid in changed and sid not in updated]


def moves_with_copies(moved: dict[str, str], members: list[dict]) -> dict[str, str]:
    """Every stored article a split moves: the earlier articles `match_stories` moved and the
    copies of them among `members` (stored rows that name the article they copy)."""
    return moved | {row["article_id"]: moved[row["duplicate_of"]] for row in members if row["duplicate_of"] in moved}


def recounted(known: dict[str, dict], members: list[dict], moves: dict[str, str]) -> dict[str, dict]:
    """`stories` rows of the stories that splits took articles from or gave them to, counted
    again from their stored articles (`members`: every stored article of those stories, copies
    included) once `moves` (article -> story) are applied; titles stay."""
    if not moves:
        return {}
    held: dict[str, list[dict]] = {}
    for row in members:
        held.setdefault(moves.get(row["article_id"], row["story_id"]), []).append(row)
    changed = set(moves.values()) | {row["story_id"] for row in members if row["article_id"] in moves}
    out = {}
    for sid in sorted(changed):
        rows = sorted(held.get(sid, []), key=lambda r: r["article_id"])
        outlets = sorted({_outlet(r) for r in rows} - {None})
        days = [r["published_date"] for r in rows]
        row = dict(known.get(sid) or _new_story(sid))
        row |= {"article_count": len(rows), "outlets": outlets, "outlet_count": len(outlets),
                "first_date": _earliest(*days), "last_date": _latest(*days),
                "title": row["title"] or next((r["title"] for r in rows if r["title"]), None)}
        out[sid] = row
    return out


def fold_merges(rows: dict[str, dict], merges: list[tuple[str, str]]) -> dict[str, dict]:
    """`stories` rows after merges: the survivor takes the absorbed story's articles, dates
    and outlets; the absorbed row stays, empty, with `merged_into` naming the survivor."""
    rows = {sid: dict(row) for sid, row in rows.items()}
    for absorbed, survivor in merges:
        if absorbed not in rows:  # opened and absorbed within this run: never published
            continue
        gone = rows[absorbed]
        kept = rows.setdefault(survivor, _new_story(survivor))
        kept["article_count"] += gone["article_count"]
        kept["outlets"] = sorted(set(kept.get("outlets") or []) | set(gone.get("outlets") or []))
        kept["outlet_count"] = len(kept["outlets"])
        kept["first_date"] = _earliest(kept["first_date"], gone["first_date"])
        kept["last_date"] = _latest(kept["last_date"], gone["last_date"])
        kept["title"] = kept["title"] or gone["title"]
        rows[absorbed] = {**gone, "article_count": 0, "outlet_count": 0, "outlets": [], "merged_into": survivor}
    return rows


def _lead(body: str, words: int = 16) -> str:
    first = body.split("\n\n", 1)[0].split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


@task(name="stories", cache_policy=NO_CACHE)
def story_task(articles, duplicates, entities, known_story_of, evidence: StoryEvidence, df: DocumentFrequencies,
               params: StoryParams) -> StoryMatch:
    """`match_stories` for the new non-copy articles; `story_of` of the result also holds the
    new copies, each in its original's story."""
    copies = {row["article_id"] for row in duplicates}
    match = match_stories([a for a in articles if a["article_id"] not in copies], entities, evidence, df, params)
    survivor_of = resolve_merges(match.merges)
    known = {aid: match.moved.get(aid) or survivor_of.get(sid, sid) for aid, sid in known_story_of.items()}
    match.story_of = assign_stories(articles, duplicates, known, match.story_of)
    return match
