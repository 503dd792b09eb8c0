"""Clean: raw records -> article rows (clean body, title, dateline, agency, byline, language).

Pure: no IO, no clock. The body is paragraphs joined by a blank line; headings stay as their
own paragraphs so that extraction, which runs per paragraph, never spans one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import ftfy

from tasks.dateline import AGENCIES, Dateline, normalise_agency, parse_dateline
from tasks.places import country_in_context

PARAGRAPH_SEPARATOR = "\n\n"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[.!?:;,…]$")
_CLOSING_MARKS = "\"'”’»)]"
_BYLINE = re.compile(r"^By\s+(?P<name>[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|and|de|van|von|al))*"
                     r"(?:,\s*[A-Z][\w .'’-]+)?)$")
_CREDIT = re.compile(r"\(?\s*(?P<kind>Reporting|Writing|Additional reporting|Compiled|Editing) by\s+"
                     r"(?P<names>[^;)]+)(?:;[^)]*)?\)?\s*$", re.IGNORECASE)
_SOCIAL = r"(?:Twitter|Facebook|Instagram|LinkedIn|TikTok|YouTube|Threads|Bluesky|X)"
_TRAILER_LINE = re.compile(
    r"^(?:\(?\s*(?:Reporting|Writing|Additional reporting|Editing|Compiled) by\b.*"
    rf"|Follow\s+(?:us|\S+)\s+on\b.*|Follow\s+.{{1,60}}?\s+on\s+{_SOCIAL}\b.*"
    r"|(?:Copyright|©|\(c\))[\s:].*|.*\ball rights reserved\b.*"
    r"|Reuters?|REUTERS?|Reuters?\s+\w+"  # Reuters' closing "Reuter" sign-off
    # credits: `Contributing: …`, `… contributed to this report.`, `SOURCE: …`, `With Post wires`
    r"|Contributing:\s.*|.{3,80}\scontributed (?:reporting|to this (?:report|story|article))\b.*"
    r"|Source:\s.{1,60}|With (?:\w+ )?wires|(?:Main |Top |Header )?(?:image|photo)s? ?credits?:?\s.{1,60}"
    # what a page hangs under the story: a comment counter, links to others
    r"|\d*\s*comments?|Related(?: Stories| Articles| Content| Coverage| Posts)?:?"
    r"|(?:You (?:may|might) also like|Read more|See also|Recommended(?: for you)?|More from .{1,40})\s*[:.…]*"
    r"|.*무단\s?전재.*|【?责任编辑[：:].*"  # Korean "no reproduction", Chinese "editor in charge"
    r")$",
    re.IGNORECASE,
)
# the desk's initials that close AFP copy, in lower case or a caseless script: `bur-jm/dc`, `ففف/ح س/كام`
_DESK_INITIALS = re.compile(r"^[^\W\d_A-Z]{1,6}(?:[ -][^\W\d_A-Z]{1,6})?(?:/[^\W\d_A-Z]{1,6}(?:[ -][^\W\d_A-Z]{1,6})?){1,4}$")
_WIRE_SIGNOFF = re.compile(r"^(?:Reuters?|REUTERS?)$")


def normalise_text(text: str) -> str:
    """Mojibake and unicode repair, one newline style, no control characters. Full-width Latin
    letters and digits and half-width katakana take their usual width; full-width punctuation
    stays, as Chinese and Japanese write it (ftfy's width fix would turn `，（）` into `,()`)."""
    text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_character_width=False)
    text = _ODD_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)


_ODD_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff65-\uff9f]+")


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


def _is_flash(paragraphs: list[str]) -> bool:
    """A wire flash: a text file holding one headline (perhaps wrapped), sent alone with no story
    under it (`GULF AND WESTERN INC 2ND QTR SHR 86 CTS VS 73 CTS`), in capitals or without a
    sentence's final stop."""
    line = paragraphs[0]
    return len(paragraphs) == 1 and _is_headline(line) \
        and (line.upper() == line or not line.rstrip().endswith((".", "!", "?")))


# a picture's credit closing its caption: `(AP Photo/Jon Smith, File)`, `(Photo by Ana Ruiz/Getty Images)`,
# `(REUTERS/Kim Lee)`; or a caption opening on the archive picture's tag: `FILE - In this … photo, …`
_CAPTION = re.compile(
    r"\((?:(?:[\w.&'-]+\s+){0,3}(?i:photo|picture|image|illustration|video|graphic)s?(?:\s*[/:,]|\s+by\b|(?=\)))[^()]*"
    r"|(?:REUTERS|Reuters|AFP|EPA|AP|Getty Images|Xinhua)\s*/\s*[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}"
    r"(?:,\s*File)?)\)\s*$"
    r"|^(?:FILE|File)(?:\s+(?i:photo))?\s*[-–—:]\s")


def is_caption(paragraph: str) -> bool:
    """A picture's caption: it ends in the picture's credit or opens on an archive picture's tag.
    It describes a picture beside the story, not the story: no headline, dateline or body text."""
    return _CAPTION.search(paragraph) is not None


def strip_trailers(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Wire trailers (credits, follow-us, copyright, sign-off) out of the body's tail."""
    trailers: list[str] = []
    while paragraphs and (_TRAILER_LINE.match(paragraphs[-1].strip()) or _DESK_INITIALS.match(paragraphs[-1].strip())):
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
        if len(set(words_of(sample.casefold()))) < MIN_DISTINCT_WORDS:
            code = None  # "xxxx…", a row of one token: trigrams would name a language anyway
        elif len(sample) < SHORT_TEXT:
            code = _by_function_words(sample, detector) or code
        # lingua scores only the letters of scripts it knows: a Burmese page with a few English
        # words is `en` to it
        by_script = language_of_script(sample)
        code = by_script or code
        hinted = None if by_script else language_code(hint)  # the script settles it
        if hinted and hinted != code:
            try:
                known = Language.from_iso_code_639_1(IsoCode639_1.from_str(hinted))
            except ValueError:  # a language lingua does not know: the hint is all there is
                known = None
            if known is None:
                code = hinted if code is None else code
            else:  # even where lingua finds nothing, the text must give the hint some support
                support = detector.compute_language_confidence(sample, known)
                if support >= HINT_CONFIDENCE or (len(sample) < HINT_SHORT_TEXT and support >= HINT_SHORT_CONFIDENCE):
                    code = hinted
        out.append(code)
    return out


# scripts that one language alone writes (among news languages) and that lingua does not know
_SCRIPT_LANGUAGE = {"MYANMAR": "my", "KHMER": "km", "LAO": "lo", "SINHALA": "si", "ETHIOPIC": "am", "TIBETAN": "bo",
                    "THAANA": "dv", "ORIYA": "or", "MALAYALAM": "ml", "KANNADA": "kn"}


def language_of_script(sample: str) -> str | None:
    """The language of a text written mostly in a script that one language alone writes
    (Burmese in the Myanmar script): lingua knows 75 languages, and Burmese is not one."""
    import unicodedata

    scripts: dict[str, int] = {}
    letters = 0
    for char in sample[:1000]:
        if char.isalpha():
            letters += 1
            name = unicodedata.name(char, "").split(" ")[0]
            scripts[name] = scripts.get(name, 0) + 1
    if not letters:
        return None
    script, count = max(scripts.items(), key=lambda item: item[1])
    return _SCRIPT_LANGUAGE.get(script) if count > 0.6 * letters else None


SHORT_TEXT = 400  # below this many characters trigrams alone mistake languages that share letters
MIN_DISTINCT_WORDS = 3  # fewer different words are no evidence of any language
MIN_FUNCTION_WORDS = 2  # different function words of a language that are evidence of it


@lru_cache(maxsize=None)
def _stop_words(code: str) -> frozenset[str]:
    """spaCy's stop-word list of a language (shipped for ~60 languages, no model needed)."""
    import spacy.util

    try:
        return frozenset(spacy.util.get_lang_class(code).Defaults.stop_words)
    except Exception:  # noqa: BLE001 - no spaCy language of that code
        return frozenset()


def _by_function_words(sample: str, detector) -> str | None:
    """For a short text, lingua's likeliest languages re-ranked by how many of its words are
    each language's function words ("The port published a plan for Shell." is English, not
    Danish): a sentence carries more evidence in its function words than in its trigrams. A
    language counts only with `MIN_FUNCTION_WORDS` different ones: a results table (`Net profit
    33 mln vs 25 mln … Net 2.1 mln`) holds no sentence, and one word it repeats that is a Dutch
    or Lithuanian function word (`net`) made it Dutch or Lithuanian."""
    words = words_of(sample.casefold())
    if len(words) < 3:
        return None
    candidates = [(c.language.iso_code_639_1.name.lower(), c.value)
                  for c in detector.compute_language_confidence_values(sample)[:6]]
    distinct = set(words)
    scored = [(sum(w in _stop_words(code) for w in words) / len(words), value, code) for code, value in candidates
              if len(distinct & _stop_words(code)) >= MIN_FUNCTION_WORDS]
    best = max(scored, default=None)
    return best[2] if best else None


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
    """Hash of the body with case, quote styles, punctuation width and whitespace folded: equal
    for exact copies that differ only in typography."""
    folded = body.casefold().translate(str.maketrans("‘’‚‛“”„‟«»–—，（）：；！？", "''''\"\"\"\"\"\"--,():;!?"))
    return hashlib.sha256(" ".join(folded.split()).encode()).hexdigest()


@dataclass
class WireHead:
    title: str | None
    byline: str | None
    dateline: Dateline | None  # when it stood alone on its line; else it opens the story
    end: int  # where the story starts in the text
    captions: tuple[str, ...] = ()  # picture captions above the dateline


_HEAD_LINES = 4        # a headline, a byline, a dateline: the head is the first few lines
_HEAD_LINE_CHARS = 160  # a longer line is story text


def _looks_like_name(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and not any(c.isdigit() for c in line) and not line.endswith((".", ":")) and \
        all(w[0].isupper() or w in _NAME_PARTICLES for w in words)


_EDITORIAL_NOTE = re.compile(r"^\[[^\]]{1,60}\]$")  # `[CORRECTED 05:30 GMT]`
_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "al", "bin", "ibn", "la", "le"}


def wire_head(text: str, anchor: dt.date | None) -> WireHead | None:
    """The head of a story whose first lines are its parts: a headline (a topic slug, a dash
    and a caps headline included: `RUGBY UNION - CUTTITTA BACK FOR ITALY.`), perhaps a byline,
    then a dateline on a line of its own (`ROME 1996-12-06`) or opening the story's first line
    (`PRETORIA, Aug 25 - Captain …`). A dated (or agency-signed) dateline marks the head; what
    stands above it is the headline and the byline."""
    lines, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((offset, line.strip()))
        offset += len(line) + 1
        if len(lines) == _HEAD_LINES:
            break
    if any(len(line) > _HEAD_LINE_CHARS for _, line in lines[:2]):
        return None
    # a dateline below the first line wins: a first line that ends in a date ("CANTERBURY PRESS INC
    # YEAR NOV 30") is a headline; the first line alone is a dateline only when it names a known place
    for i, (start, line) in (*list(enumerate(lines))[1:], (0, lines[0]) if lines else (0, (0, ""))):
        if len(line) > _HEAD_LINE_CHARS:
            continue
        found = parse_dateline(line, anchor)
        alone = bool(found and found.end >= len(line))
        if not (found and found.city and (found.date or found.agency) and (alone or i > 0)):
            continue
        if i == 0 and found.country is None:
            continue
        captions = tuple(part for _, part in lines[:i] if is_caption(part))
        above = [part for _, part in lines[:i] if not (_EDITORIAL_NOTE.match(part) or part in captions)]
        named = _BYLINE.match(above[1]) if len(above) == 2 else None
        byline = named["name"] if named else (above[1] if len(above) == 2 and _looks_like_name(above[1]) else None)
        if len(above) == 2 and byline is None and above[1][:1].islower() | (above[1][:1] in ",;"):
            above = [f"{above[0]} {above[1]}"]  # one headline broken after an abbreviation ("Mass.")
        if len(above) > 2 or (len(above) == 2 and byline is None):
            return None  # a head of another shape: leave it to the paragraph rules
        at = text.index(line, start)
        if alone:
            return WireHead(above[0] if above else None, byline, found, at + len(line), captions)
        return WireHead(above[0] if above else None, byline, None, at, captions)  # the story opens with its dateline
    return None


_TITLE_PARTS = re.compile(r"\s+(?:[-|–—·»]|::)\s+")


def title_without_outlet(title: str, outlet: str | None, url: str | None) -> str:
    """A page title without the site's name that pages put before or after it
    ("… - LA Weekly", "… | CNN Politics", "SimplyScience - …"): a part whose words are the outlet's
    or the URL host's first words (a last part may add some). The rest must be the longer part,
    so a site whose name is the headline keeps it."""
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    names = [words for words in (_name_words(outlet), _name_words(host)) if words]
    separators = list(_TITLE_PARTS.finditer(title))
    if not names or not separators:
        return title

    def names_site(part: str, trailing: bool) -> bool:
        # a trailing part may add words to the name ("CNN Politics"); a leading one may be a headline
        # that opens with it ("Welpen kaufen – …"), so it must be the name alone
        words = _name_words(part)
        return bool(words) and any((words[:len(name)] == name if trailing else words == name)
                                   or (name[:len(words)] == words and len("".join(words)) >= 4) for name in names)

    last, first = separators[-1], separators[0]
    for part, rest, trailing in ((title[last.end():], title[:last.start()], True),
                                 (title[:first.start()], title[first.end():], False)):
        if names_site(part, trailing) and len(words_of(rest)) > len(words_of(part)):
            return title_without_outlet(rest, outlet, url)
    return title


def _name_words(name: str | None) -> list[str]:
    return re.findall(r"\w+", name.casefold()) if name else []


def clean_record(raw: dict, reference_date: dt.date | None) -> dict | None:
    """One raw record -> article fields; None when nothing of an article is left."""
    text = normalise_text(raw["text"])
    metadata_date = parse_published(raw.get("published"))
    crawl_date = parse_published(raw.get("crawl_date"))
    anchor = metadata_date or reference_date
    head = wire_head(text, anchor) if raw.get("format", "txt") == "txt" else None
    if head:
        text = text[head.end:]
    captions, paragraphs = list(head.captions if head else ()), []
    for paragraph in split_paragraphs(text, hard_wrapped=raw.get("format", "txt") == "txt"):
        (captions if is_caption(paragraph) else paragraphs).append(paragraph)
    title = (raw.get("title") or "").strip() or None
    if title:
        title = title_without_outlet(" ".join(normalise_text(title).split()), raw.get("outlet"), raw.get("url"))
        if paragraphs and paragraphs[0].casefold() == title.casefold():  # pages repeat the <h1>
            paragraphs.pop(0)
    elif head:
        title = head.title
    elif raw.get("format") == "txt" and len(paragraphs) > 1 and _is_headline(paragraphs[0]) \
            and "\n" not in text.strip().split("\n\n")[0].strip() \
            and (parse_dateline(paragraphs[1]) or not parse_dateline(paragraphs[0])):
        title = paragraphs.pop(0)

    byline = raw.get("byline") or (head.byline if head else None)
    if paragraphs and (match := _BYLINE.match(paragraphs[0])):
        byline = byline or match["name"]
        paragraphs.pop(0)

    dateline = head.dateline if head and head.dateline else \
        (parse_dateline(paragraphs[0], anchor) if paragraphs else None)
    if dateline and not (head and head.dateline):
        _cut_dateline(paragraphs, 0, dateline)
    elif not dateline and len(paragraphs) > 1 and _is_headline(paragraphs[0]):
        # a scraper's text that opens with a headline (or a deck line), the dateline below it
        below = parse_dateline(paragraphs[1], anchor)
        if below and below.city and (below.date or below.agency):
            dateline = below
            _cut_dateline(paragraphs, 1, below)
            if title is None:
                title = paragraphs.pop(0)

    paragraphs, trailers = strip_trailers(paragraphs)
    if not paragraphs:
        return None
    if title is None and not (dateline and dateline.headline) and raw.get("format", "txt") == "txt" \
            and _is_flash(paragraphs):
        title = paragraphs[0]  # the item is its headline: the body stays the same line
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
        "title": title or (dateline.headline if dateline else None),
        "body": body,
        "language": None,  # detected for the whole batch in clean_records
        "agency": agency,
        "dateline_city": dateline.city if dateline else None,
        "dateline_country": country_in_context(dateline.country, dateline.namesakes, f"{title or ''}\n{body}")
                            if dateline else None,
        "dateline_date": dateline.date if dateline else None,
        "published_date": published,
        "published_date_source": published_source,
        "byline": byline,
        "url": raw.get("url"),
        "outlet": outlet,
        "trailer": "\n".join(captions + trailers) or None,
        "word_count": words,
        "body_hash": body_hash(body),
        # not published: the stories stage's evidence (its day of the year, known without a year)
        "dateline_day": dateline.day if dateline else None,
    }


def article_id_of(file_id: str, record_index: int) -> str:
    """Stable across runs: the same bytes and record position give the same id."""
    return hashlib.sha256(f"{file_id}:{record_index}".encode()).hexdigest()[:20]


# a record of fewer different words is a stub ("Hello, world!", "Read more", "blah blah blah"),
# whatever its format; a wire flash can be four ("APRIL 11 - ISRAEL INTRODUCES SUMMER TIME.")
MIN_ARTICLE_WORDS = 3


def _cut_dateline(paragraphs: list[str], at: int, dateline: Dateline) -> None:
    """The paragraph without the dateline that opens it (gone if nothing else is left)."""
    rest = paragraphs[at][dateline.end:].strip()
    paragraphs[at:at + 1] = [rest] if rest else []


def _no_article(cleaned: dict | None, text: str) -> str | None:
    """Why a cleaned record (of raw `text`) is no article, or None."""
    if cleaned is None:
        return f"nothing but a title, dateline or trailer after cleaning: {' '.join(text.split())[:60]!r}"
    if len(set(words_of(cleaned["body"].casefold()))) < MIN_ARTICLE_WORDS:
        return f"its text is {cleaned['body'][:60]!r}: under {MIN_ARTICLE_WORDS} different words, not an article"
    return None


def clean_records(raws: list[dict], reference_date: dt.date | None) -> tuple[list[dict], list[dict]]:
    """Raw records -> (article rows, problems). A record with no text left is a problem."""
    articles, problems = [], []
    for raw in raws:
        cleaned = clean_record(raw, reference_date)
        if detail := _no_article(cleaned, raw.get("text") or ""):
            problems.append({"path": raw["source_path"], "record_index": raw["record_index"],
                             "locator": raw.get("locator"), "file_id": raw["file_id"], "stage": "clean",
                             "reason": "no_article_text", "detail": detail})
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
