"""Clean: raw records -> article rows (clean body, title, dateline, agency, byline, language).

Pure: no IO, no clock. The body is paragraphs joined by a blank line; headings stay as their
own paragraphs so that extraction, which runs per paragraph, never spans one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import lru_cache

import ftfy

from tasks.dateline import AGENCIES, normalise_agency, parse_dateline

PARAGRAPH_SEPARATOR = "\n\n"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[.!?:;,…]$")
_CLOSING_MARKS = "\"'”’»)]"
_BYLINE = re.compile(r"^By\s+(?P<name>[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|and|de|van|von|al))*"
                     r"(?:,\s*[A-Z][\w .'’-]+)?)$")
_CREDIT = re.compile(r"\(?\s*(?P<kind>Reporting|Writing|Additional reporting|Compiled|Editing) by\s+"
                     r"(?P<names>[^;)]+)(?:;[^)]*)?\)?\s*$", re.IGNORECASE)
_TRAILER_LINE = re.compile(
    r"^(?:\(?\s*(?:Reporting|Writing|Additional reporting|Editing|Compiled) by\b.*"
    r"|Follow\s+(?:us|\S+)\s+on\b.*"
    r"|(?:Copyright|©|\(c\))\s.*|.*\ball rights reserved\b.*"
    r"|Reuters?|REUTERS?|Reuters?\s+\w+"  # Reuters' closing "Reuter" sign-off
    r")$",
    re.IGNORECASE,
)
_WIRE_SIGNOFF = re.compile(r"^(?:Reuters?|REUTERS?)$")


def normalise_text(text: str) -> str:
    """Mojibake and unicode repair, one newline style, no control characters."""
    text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)


def split_paragraphs(text: str, hard_wrapped: bool = True) -> list[str]:
    """Blank lines separate paragraphs; inside a block of hard-wrapped text (wire copy at
    ~70 columns) lines are joined, while an indented line or one after a short line starts
    anew. Extracted HTML and JSON text is never wrapped: each line is a paragraph."""
    paragraphs: list[str] = []
    for block in _BLANK_LINE.split(text):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if not hard_wrapped:
            paragraphs.extend(" ".join(line.split()) for line in lines)
            continue
        wrap = max(len(line) for line in lines)
        current: list[str] = []
        previous = ""
        for line in lines:
            indented = line[:1] in (" ", "\t")
            wrapped_previous = 0.6 * wrap <= len(previous) <= 100
            if current and (indented or not wrapped_previous):
                paragraphs.append(" ".join(current))
                current = []
            current.append(" ".join(line.split()))
            previous = line
        if current:
            paragraphs.append(" ".join(current))
    return paragraphs


def is_heading(paragraph: str) -> bool:
    """A short line without final punctuation ("Ukraine and the Pacific")."""
    words = paragraph.split()
    if not words or len(words) > 10 or len(paragraph) > 80:
        return False
    return not _SENTENCE_END.search(paragraph.rstrip(_CLOSING_MARKS).rstrip())


def _is_headline(paragraph: str) -> bool:
    words = len(paragraph.split())
    if len(paragraph) > 200 or words > 30 or paragraph.endswith(","):
        return False
    # "CHINA CALLS FOR BETTER TRADE DEAL WITH U.S." ends in a full stop and is still a headline
    return not paragraph.endswith(".") or paragraph.upper() == paragraph or words <= 12


def strip_trailers(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Wire trailers (credits, follow-us, copyright, sign-off) out of the body's tail."""
    trailers: list[str] = []
    while paragraphs and _TRAILER_LINE.match(paragraphs[-1].strip()):
        trailers.insert(0, paragraphs.pop().strip())
    if paragraphs:
        credit = _CREDIT.search(paragraphs[-1])
        if credit and credit.start() > 0 and paragraphs[-1][credit.start() - 1] in " (":
            trailers.insert(0, paragraphs[-1][credit.start():].strip())
            paragraphs[-1] = paragraphs[-1][: credit.start()].rstrip()
    return [p for p in paragraphs if p], trailers


def parse_published(value: str | None) -> dt.date | None:
    """A metadata date (ISO first, then any format dateparser knows); None when unreadable."""
    if not value:
        return None
    value = str(value).strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    import dateparser

    parsed = dateparser.parse(value, settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date() if parsed else None


@lru_cache(maxsize=1)
def _language_detector():
    from lingua import LanguageDetectorBuilder

    # every language lingua knows; its low-accuracy mode (trigrams only) keeps a worker at ~80 MB
    # instead of ~1 GB and is reliable on texts of a sentence or more, which articles are
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


# languages with models and rules made for them, and what is extracted from their articles
EXTRACTION_BY_LANGUAGE = {"en": "full", "fr": "entities_quotes"}
HINT_CONFIDENCE = 0.2         # lingua's confidence in the hinted language that is enough to take the hint
HINT_SHORT_TEXT = 200         # below this many characters lingua is less sure, so less support is enough
HINT_SHORT_CONFIDENCE = 0.05


def language_code(hint: str | None) -> str | None:
    """A record's language field (`en`, `en-US`, `fr_FR`, `deu`, `French`) as ISO 639-1."""
    import pycountry

    if not hint or not isinstance(hint, str):
        return None
    head = re.split(r"[-_ ]", hint.strip())[0].lower()
    if len(head) == 2 and pycountry.languages.get(alpha_2=head):
        return head
    found = pycountry.languages.get(alpha_3=head) if len(head) == 3 else None
    if found is None:
        try:
            found = pycountry.languages.lookup(hint.strip())
        except LookupError:
            return None
    return getattr(found, "alpha_2", None)


def detect_languages(texts: list[str], hints: list[str | None] | None = None) -> list[str | None]:
    """ISO 639-1 code of each body's language (first 2,000 characters), None if undecidable.
    A record's own language field is a hint: it decides when lingua finds nothing, or when
    lingua gives the hinted language a fair chance (less is enough on a short text); a hint
    that the text plainly contradicts (an English article in a feed tagged Italian) is not taken. One batch call:
    lingua spreads it over threads (11x faster than one call per text)."""
    from lingua import IsoCode639_1, Language

    detector = _language_detector()
    samples = [text[:2000] for text in texts]
    found = detector.detect_languages_in_parallel_of(samples)
    out = []
    for sample, language, hint in zip(samples, found, hints or [None] * len(samples)):
        code = language.iso_code_639_1.name.lower() if language else None
        hinted = language_code(hint)
        if hinted and hinted != code:
            try:
                known = Language.from_iso_code_639_1(IsoCode639_1.from_str(hinted))
            except ValueError:  # a language lingua does not know: the hint is all there is
                known = None
            if code is None or known is None:
                code = hinted
            else:
                support = detector.compute_language_confidence(sample, known)
                if support >= HINT_CONFIDENCE or (len(sample) < HINT_SHORT_TEXT and support >= HINT_SHORT_CONFIDENCE):
                    code = hinted
        out.append(code)
    return out


def extraction_for(language: str | None) -> str:
    if language is None:
        return "language_unknown"
    return EXTRACTION_BY_LANGUAGE.get(language, "language_unsupported")


# scripts written without spaces between words: each character is a token
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{_UNSPACED}]|[^\W{_UNSPACED}]+")


def words_of(text: str) -> list[str]:
    """Words of any script: runs of word characters, and single characters of the scripts
    that write no spaces (Chinese, Japanese kana, Thai, Lao, Khmer, Burmese)."""
    return WORD.findall(text)


def body_hash(body: str) -> str:
    """Hash of the body with case, quote styles and whitespace folded: equal for exact copies
    that differ only in typography."""
    folded = body.casefold().translate(str.maketrans("‘’‚‛“”„‟«»–—", "''''\"\"\"\"\"\"--"))
    return hashlib.sha256(" ".join(folded.split()).encode()).hexdigest()


def clean_record(raw: dict, reference_date: dt.date | None) -> dict | None:
    """One raw record -> article fields; None when nothing of an article is left."""
    text = normalise_text(raw["text"])
    paragraphs = split_paragraphs(text, hard_wrapped=raw.get("format", "txt") == "txt")
    title = (raw.get("title") or "").strip() or None
    if title:
        title = " ".join(normalise_text(title).split())
        if paragraphs and paragraphs[0].casefold() == title.casefold():  # pages repeat the <h1>
            paragraphs.pop(0)
    elif raw.get("format") == "txt" and len(paragraphs) > 1 and _is_headline(paragraphs[0]) \
            and "\n" not in text.strip().split("\n\n")[0].strip() \
            and (parse_dateline(paragraphs[1]) or not parse_dateline(paragraphs[0])):
        title = paragraphs.pop(0)

    byline = raw.get("byline")
    if paragraphs and (match := _BYLINE.match(paragraphs[0])):
        byline = byline or match["name"]
        paragraphs.pop(0)

    metadata_date = parse_published(raw.get("published"))
    crawl_date = parse_published(raw.get("crawl_date"))
    anchor = metadata_date or reference_date
    dateline = parse_dateline(paragraphs[0], anchor) if paragraphs else None
    if dateline:
        rest = paragraphs[0][dateline.end:].strip()
        if rest:
            paragraphs[0] = rest
        else:
            paragraphs.pop(0)

    paragraphs, trailers = strip_trailers(paragraphs)
    if not paragraphs:
        return None
    for trailer in trailers:
        credit = _CREDIT.search(trailer)
        if credit and not byline and credit["kind"].lower() in ("reporting", "writing"):
            byline = credit["names"].strip()
    agency = dateline.agency if dateline else None
    if not agency and any(_WIRE_SIGNOFF.match(t) for t in trailers):
        agency = "Reuters"
    outlet = raw.get("outlet")
    if not agency and outlet and outlet.strip().casefold() in AGENCIES:
        agency = normalise_agency(outlet)

    body = PARAGRAPH_SEPARATOR.join(paragraphs)
    words = len(words_of(body))
    if not words:  # punctuation, symbols: nothing of an article
        return None
    if metadata_date:
        published, published_source = metadata_date, "metadata"
    elif dateline and dateline.date:
        published, published_source = dateline.date, "dateline"
    elif crawl_date:  # a WARC record's crawl date: news is crawled within hours of publication
        published, published_source = crawl_date, "crawl"
    else:
        published, published_source = None, None
    return {
        "title": title,
        "body": body,
        "language": None,  # detected for the whole batch in clean_records
        "agency": agency,
        "dateline_city": dateline.city if dateline else None,
        "dateline_country": dateline.country if dateline else None,
        "dateline_date": dateline.date if dateline else None,
        "published_date": published,
        "published_date_source": published_source,
        "byline": byline,
        "url": raw.get("url"),
        "outlet": outlet,
        "trailer": "\n".join(trailers) or None,
        "word_count": words,
        "body_hash": body_hash(body),
    }


def article_id_of(file_id: str, record_index: int) -> str:
    """Stable across runs: the same bytes and record position give the same id."""
    return hashlib.sha256(f"{file_id}:{record_index}".encode()).hexdigest()[:20]


def clean_records(raws: list[dict], reference_date: dt.date | None) -> tuple[list[dict], list[dict]]:
    """Raw records -> (article rows, problems). A record with no text left is a problem."""
    articles, problems = [], []
    for raw in raws:
        cleaned = clean_record(raw, reference_date)
        if cleaned is None:
            problems.append({"path": raw["source_path"], "record_index": raw["record_index"],
                             "locator": raw.get("locator"), "file_id": raw["file_id"], "stage": "clean",
                             "reason": "no_article_text",
                             "detail": "nothing but a title, dateline or trailer after cleaning"})
            continue
        articles.append({
            "article_id": article_id_of(raw["file_id"], raw["record_index"]),
            "file_id": raw["file_id"],
            "source_path": raw["source_path"],
            "record_index": raw["record_index"],
            "locator": raw.get("locator"),
            **cleaned,
        })
    hints = {article_id_of(raw["file_id"], raw["record_index"]): raw.get("language_hint") for raw in raws}
    languages = detect_languages([a["body"] for a in articles], [hints.get(a["article_id"]) for a in articles])
    for article, language in zip(articles, languages):
        article["language"] = language
        article["extraction"] = extraction_for(language)
    return articles, problems
