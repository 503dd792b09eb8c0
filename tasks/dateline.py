"""Wire datelines: `BEIJING, Sept 18, 2023 (AFP) –`, `CLEVELAND, Feb 26 -`, `LONDON 1996-08-22`,
`BENGALURU (Reuters) -`, `MARTINSBURG, W.Va. —`, `WASHINGTON (AP) —`, and the same forms with the
month names of any language dateparser knows: `PARIS, 5 janvier (AFP) -`, `BERLIN, 5. Januar 2024 -`,
`PRAHA 3. března (ČTK) -`, `МОСКВА, 31 янв - РИА Новости.`; and Chinese and Japanese wires'
`新华社北京3月3日电`, `【北京共同】`.

A date without a year takes it from an anchor (file metadata or the configured reference
date); with no anchor the date stays null rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tasks.places import _titled, lookup_city, namesake_countries, region_country, resolve_place

# month names and abbreviations wires write -> month number (dateparser's locales add the rest)
_MONTH_NAMES = {
    1: "jan january janv janvier januar jänner enero ene gennaio gen janeiro januari янв января январь",
    2: "feb february fév févr fev fevr février fevrier februar febrero febbraio fevereiro februari фев февр февраля",
    3: "mar march mars märz marz marzo março marco maart мар марта март",
    4: "apr april avr avril abril aprile abr апр апреля апрель",
    5: "may mai mayo maggio mag maio mei мая май",
    6: "jun june juin juni junio giugno giu junho июн июня июнь",
    7: "jul july juil juillet juli julio luglio lug julho июл июля июль",
    8: "aug august août aout agosto ago augustus авг августа август",
    9: "sep sept september septembre septiembre setiembre settembre set setembro сен сент сентября",
    10: "oct october octobre oktober octubre ottobre ott outubro out okt окт октября",
    11: "nov november novembre noviembre novembro ноя нояб ноября",
    12: "dec december déc dec décembre decembre dezember dez diciembre dic dicembre dezembro дек декабря",
}


def _all_month_names(typed: dict[int, str]) -> dict[str, int]:
    """The typed names, plus the month names and abbreviations dateparser knows in its 200
    locales (`marca`, `μαρτίου`, `martie`); a name two languages give to different months
    (`listopad`: November in Polish, October in Croatian) is left out, not guessed."""
    from dateparser.languages import default_loader

    months = {name: number for number, names in typed.items() for name in names.split()}
    found: dict[str, set[int]] = {}
    keys = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december")
    for locale in default_loader.get_locales(use_given_order=False):
        for number, key in enumerate(keys, start=1):
            for name in locale.info.get(key, ()):
                name = name.casefold().rstrip(".")
                if len(name) >= 3 and re.fullmatch(r"[^\W\d_]+", name):
                    found.setdefault(name, set()).add(number)
    return months | {name: numbers.pop() for name, numbers in found.items() if len(numbers) == 1 and name not in months}


def _trie_pattern(words) -> str:
    """One regex for many words, branching letter by letter: 2,000 month names tried as a flat
    alternation cost 170 µs a line, as a trie 12."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict) -> str:
        arms = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not arms:
            return ""
        group = arms[0] if len(arms) == 1 and "" not in node else "(?:" + "|".join(arms) + ")"
        return f"(?:{group})?" if "" in node else group

    return "(?:" + branch(trie) + ")"


MONTHS = _all_month_names(_MONTH_NAMES)
_MONTH = _trie_pattern(MONTHS)
_WORD = r"[^\W\d_](?:[^\W\d_]|['’.&-])*"  # a word of any script


# agencies that sign after the dash (`МОСКВА, 31 янв - РИА Новости. …`)
_AGENCY_AFTER = r"РИА\ Новости|ТАСС|Интерфакс|Синьхуа|ИТАР-ТАСС"  # escaped space: the pattern is verbose

AGENCIES = {
    "new china news agency": "Xinhua", "ncna": "Xinhua",
    "afp": "AFP", "agence france-presse": "AFP", "ap": "AP", "associated press": "AP",
    "reuters": "Reuters", "reuter": "Reuters", "upi": "UPI", "dpa": "dpa", "xinhua": "Xinhua",
    "bloomberg": "Bloomberg", "ians": "IANS", "pti": "PTI", "efe": "EFE", "ansa": "ANSA",
    "kyodo": "Kyodo", "yonhap": "Yonhap", "tass": "TASS", "anadolu": "Anadolu", "cnn": "CNN",
    "риа новости": "RIA Novosti", "тасс": "TASS", "итар-тасс": "TASS", "интерфакс": "Interfax", "синьхуа": "Xinhua",
}

DATELINE = re.compile(
    rf"""^[ \t*]*
    (?P<city>{_WORD}(?:[ /]{_WORD}){{0,3}}?)
    (?:[ \t]?,[ \t]*(?P<region>[A-Z][A-Za-z.'’]*(?:[ ][A-Z][A-Za-z.]*)?))?
    (?:(?:[ \t]*,[ \t]*|[ \t]+)(?P<date>
        (?P<month>(?i:{_MONTH}))\.?[ \t]*(?P<day>\d{{1,2}})(?:st|nd|rd|th|\.)?(?:,?[ \t]+(?P<year>(?:19|20)\d\d))?
        |(?P<day_first>\d{{1,2}})\.?[ \t]+(?:de[ \t]+)?(?P<month_after>(?i:{_MONTH}))\.?(?:,?[ \t]+(?P<year_after>(?:19|20)\d\d))?
        |(?P<iso>(?:19|20)\d\d-\d\d-\d\d)))?
    ,?[ \t]*(?:\((?P<agency>[^\W\d_](?:[^\W\d_]|[ .&-]){{0,24}})\))?
    (?P<end>[ \t]*(?:[-–—]{{1,3}}|:)(?:[ \t]+(?:(?P<agency_after>{_AGENCY_AFTER})[.:][ \t]+)?|[ \t]*$)|[ \t]*\n|[ \t]*$
        |(?P<glued>(?<=\))[ \t]*(?=[^\W\d_]|["“‘'])))  # `Hong Kong (CNN Business)A muddled view …`
    """,
    re.VERBOSE,
)


@dataclass
class Dateline:
    city: str | None
    country: str | None
    date: dt.date | None
    agency: str | None
    end: int  # where the article text starts after the dateline
    namesakes: tuple[str, ...] = ()  # countries of comparable cities so named, when no region says which
    region_span: tuple[int, int] | None = None  # where a region that names the country is written (`, England`)
    headline: str | None = None  # a headline run into the dateline (`Port strike spreads ROTTERDAM (Reuters) -`)
    day: int | None = None  # its month and day as a day of the year (`day_of_year`), known without its year too


def parse_dateline(text: str, anchor: dt.date | None = None) -> Dateline | None:
    """The dateline at the start of `text`, or None. `anchor` supplies a missing year."""
    cityless = _cityless(text, anchor) or _cjk_dateline(text, anchor)
    if cityless:
        return cityless
    match = DATELINE.match(text)
    if not match:
        return None
    city, date_text, agency = match["city"], match["date"], match["agency"] or match["agency_after"]
    if match["glued"] is not None and not known_agency(agency):
        return None  # `Jo Park (left) speaks`: only an agency's name runs on into the text
    headline = None
    if (date_text or agency) and not match["region"]:
        headline, city = _run_in_headline(city)
    is_upper = city.upper() == city and any(c.isalpha() for c in city)
    named_region = bool(match["region"] and region_country(match["region"]))
    # a press release's line of its own, `BAAR, SWITZERLAND`: a city in capitals and its country or state
    placed = is_upper and named_region and bool(lookup_city(city))
    # A mixed-case lead ("He said -") is a sentence, not a dateline, unless a date or
    # agency proves it; a bare ALL-CAPS word with nothing after it is a heading.
    if not (date_text or agency or (is_upper and (match["end"].strip() or placed))):
        return None
    if not is_upper and not date_text and not agency:
        return None
    if match["end"].strip() == "" and not (match["iso"] or date_text or match["glued"] is not None or placed):
        return None
    place = resolve_place(city, match["region"]) or (resolve_place(city, None) if match["region"] else None)
    if place is None and not date_text and not agency:
        return None  # `CRICKET -`, `PRESS DIGEST -`: a topic slug; a dateline without date or agency names a place
    return Dateline(
        city=_titled(city if is_upper or city.lower() != city else city.upper()),
        country=place.country if place else None,
        date=_date_of(match, anchor),
        agency=normalise_agency(agency) if agency else None,
        end=match.end(),
        namesakes=() if match["region"] or place is None else namesake_countries(city, place.country),
        region_span=match.span("region") if named_region else None,
        headline=headline,
        day=_day_of(match),
    )


# lower-case words a place's name holds (`Rio de Janeiro`, `Port of Spain`, `Frankfurt am Main`)
_NAME_PARTICLES = frozenset("de del della di da do dos das du la le les el al am an im der den van von of upon sur "
                            "y e".split())


def _run_in_headline(city: str) -> tuple[str | None, str]:
    """(headline, city) of a dateline's city part that a flattened feed ran its headline into:
    after a lower-case word no place name holds, the city is the capitalised words that end it
    (`Port workers strike GDANSK` -> `Port workers strike`, `GDANSK`)."""
    words = city.split(" ")
    cut = max((i for i, word in enumerate(words) if word[:1].islower() and word not in _NAME_PARTICLES), default=None)
    if cut is None or cut == len(words) - 1:
        return None, city
    return " ".join(words[:cut + 1]), " ".join(words[cut + 1:])


_CITYLESS = re.compile(rf"^[ \t]*(?P<month>(?i:{_MONTH}))\.?[ \t]*(?P<day>\d{{1,2}})(?P<year>)(?P<day_first>)(?P<iso>)[ \t]*[-–—]{{1,3}}[ \t]+")
_AGENCY_ONLY = re.compile(r"^[ \t]*\((?P<agency>[^\W\d_][^()\n]{1,24})\)[ \t]*(?:[-–—]{1,3}[ \t]*)?(?=[^\W\d_]|[\"“‘'])")


def _cityless(text: str, anchor: dt.date | None) -> Dateline | None:
    """A date alone (`Feb 26 -`) or an agency alone (`(CNN) -- `, `(CNN)President …`)."""
    match = _CITYLESS.match(text)
    if match:
        return Dateline(None, None, _date_of(match, anchor), None, match.end(), day=_day_of(match))
    match = _AGENCY_ONLY.match(text)
    if match and known_agency(match["agency"]):
        return Dateline(None, None, None, normalise_agency(match["agency"]), match.end())
    return None


# Chinese wires: `新华社北京3月3日电（记者 …）`, `中新网上海3月3日电`; Japanese: `【北京共同】`,
# `【ワシントン=時事】`. A city and date opening a Chinese sentence (`北京3月3日举行…`) is no
# dateline: the telegram mark 电 or an agency must say so.
_CJK_AGENCIES = {"新华社": "Xinhua", "新華社": "Xinhua", "中新社": "China News Service", "中新网": "China News Service",
                 "共同": "Kyodo", "共同社": "Kyodo", "時事": "Jiji", "ロイター": "Reuters", "路透社": "Reuters",
                 "法新社": "AFP", "美联社": "AP"}
_CJK_AGENCY = "|".join(sorted(map(re.escape, _CJK_AGENCIES), key=len, reverse=True))
_CJK = re.compile(rf"""^[ \t]*(?:
    (?P<agency>{_CJK_AGENCY})?(?P<city>[\u3400-\u9fff]{{2,5}}?)(?:(?P<year>(?:19|20)\d\d)年)?
        (?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})日(?P<wire>[电電])(?:[（(][^）)\n]{{0,40}}[）)])?
    |【(?P<bracket_city>[^\s=＝】]{{1,10}}?)[=＝]?(?P<bracket_agency>{_CJK_AGENCY})?】)[ \t]*""", re.VERBOSE)


def _cjk_dateline(text: str, anchor: dt.date | None) -> Dateline | None:
    match = _CJK.match(text)
    if not match or not (match["wire"] or match["bracket_agency"]):
        return None
    city = match["city"] or match["bracket_city"]
    place = resolve_place(city, None)
    date = _calendar_date(match["year"], int(match["month"]), int(match["day"]), anchor) if match["month"] else None
    agency = match["agency"] or match["bracket_agency"]
    return Dateline(city, place.country if place else None, date, _CJK_AGENCIES[agency] if agency else None,
                    match.end(), day=day_of_year(int(match["month"]), int(match["day"])) if match["month"] else None)


def _date_of(match: re.Match, anchor: dt.date | None) -> dt.date | None:
    if match["iso"]:
        try:
            return dt.date.fromisoformat(match["iso"])
        except ValueError:  # "1996-13-45"
            return None
    month_day = _month_day(match)
    return _calendar_date(match["year"] or match.groupdict().get("year_after"), *month_day, anchor) if month_day else None


def _month_day(match: re.Match) -> tuple[int, int] | None:
    if match["iso"]:
        return int(match["iso"][5:7]), int(match["iso"][8:10])
    groups = match.groupdict()
    month_text = groups["month"] or groups.get("month_after")
    if not month_text:
        return None
    return MONTHS[month_text.casefold()], int(groups["day"] or groups["day_first"])


def _day_of(match: re.Match) -> int | None:
    month_day = _month_day(match)
    return day_of_year(*month_day) if month_day else None


def day_of_year(month: int, day: int) -> int | None:
    """A month and day as a day of a leap year (1-366), or None for "Feb 30". Two days so
    placed are at least this far apart, going round the year, whatever their years: a story
    datelined `June 2` is no report of one datelined `June 19`, though neither says its year."""
    try:
        return dt.date(2000, month, day).timetuple().tm_yday
    except ValueError:
        return None


def _calendar_date(year: str | None, month: int, day: int, anchor: dt.date | None) -> dt.date | None:
    """The date of a dateline's day and month: in its own year, else the anchor's; none for
    "Feb 30" or without a year to give it."""
    try:
        if year:
            return dt.date(int(year), month, day)
        return year_for(month, day, anchor) if anchor else None
    except ValueError:
        return None


def year_for(month: int, day: int, anchor: dt.date) -> dt.date:
    """The (month, day) nearest before or at the anchor, allowing a week of clock skew:
    a story datelined Dec 31 and published Jan 2 belongs to the earlier year."""
    candidate = dt.date(anchor.year, month, day)
    if candidate > anchor + dt.timedelta(days=7):
        candidate = dt.date(anchor.year - 1, month, day)
    return candidate


def normalise_agency(name: str) -> str:
    """The agency's usual name; a desk of one we know is the agency (`CNN Business` is CNN)."""
    key = name.strip().casefold()
    return AGENCIES.get(key) or (AGENCIES[key.split()[0]] if known_agency(name) else name.strip())


_CREDIT_WORDS = {"photo", "photos", "video", "file", "graphic", "images", "pool"}


def known_agency(name: str | None) -> bool:
    """A wire or network we know, or one of its desks (`CNN Business`, `Reuters Health`); not a
    picture credit (`AP Photo`)."""
    words = (name or "").strip().casefold().split()
    return bool(words) and (" ".join(words) in AGENCIES or (
        words[0] in AGENCIES and len(words) == 2 and words[1].isalpha() and words[1] not in _CREDIT_WORDS))
