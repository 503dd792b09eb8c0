"""Date mentions: date expressions in a body, resolved against the article's anchor date
(dateline date, else published date).

"Monday" in a story datelined Monday 18 Sept 2023 is 2023-09-18; "last month" is 2023-08
(granularity month); "in March" is 2023-03. Explicit dates with a year resolve without an
anchor; anything relative stays null without one.
"""

from __future__ import annotations

import datetime as dt
import re


from tasks.dateline import MONTHS, _MONTH

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_RELATIVE = {"today": (0, "day"), "yesterday": (-1, "day"), "tomorrow": (1, "day")}
_PERIOD = re.compile(r"\b(?P<which>last|this|next|past)\s+(?P<unit>week|month|year)\b", re.IGNORECASE)

PATTERNS = [
    ("iso", re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")),
    ("month_day_year", re.compile(
        rf"\b(?P<month>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE)),
    ("day_month_year", re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\.?,?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE)),
    ("month_year", re.compile(rf"\b(?P<month>{_MONTH})\.?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE)),
    ("month_day", re.compile(rf"\b(?P<month>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*%)", re.IGNORECASE)),
    ("day_month", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"\b(?P<modifier>last|next|this)?\s*(?P<weekday>{_WEEKDAY})\b")),
    ("month_relative_year", re.compile(
        r"\b(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)"
        r"\s+(?P<which>last|next|this)\s+year\b")),
    ("relative_day", re.compile(r"\b(?P<word>today|yesterday|tomorrow)\b", re.IGNORECASE)),
    ("period", _PERIOD),
    ("month", re.compile(r"\b(?i:in|since|until|by|from|early|late|mid-?|last|next|this)\s+"
                         r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)\b")),
    ("year", re.compile(r"(?<![\d,.$€£])\b(?:in|since|until|by|from|of|during)\s+(?P<y>(?:19|20)\d\d)\b(?!,\d)")),
]


def _month_number(text: str) -> int:
    return MONTHS[text.casefold()[:3]]


def _nearest_month(month: int, anchor: dt.date) -> dt.date:
    """A month named without a year: this year's, unless it lies more than three months
    ahead of the anchor, when it is last year's (news looks back more than forward)."""
    ahead = month - anchor.month
    year = anchor.year if ahead <= 3 else anchor.year - 1
    return dt.date(year, month, 1)


def _resolve(kind: str, match: re.Match, anchor: dt.date | None) -> tuple[dt.date | None, str]:
    g = match.groupdict()
    try:
        if kind == "iso":
            return dt.date(int(g["y"]), int(g["m"]), int(g["d"])), "day"
        if kind in ("month_day_year", "day_month_year"):
            return dt.date(int(g["y"]), _month_number(g["month"]), int(g["d"])), "day"
        if kind == "month_year":
            return dt.date(int(g["y"]), _month_number(g["month"]), 1), "month"
        if kind == "year":
            return dt.date(int(g["y"]), 1, 1), "year"
        if anchor is None:
            return None, {"weekday": "day", "relative_day": "day", "month_day": "day", "day_month": "day",
                          "month": "month"}.get(kind, (g.get("unit") or "day").lower())
        if kind in ("month_day", "day_month"):
            month = _month_number(g["month"])
            return _nearest_month(month, anchor).replace(day=int(g["d"])), "day"
        if kind == "month":
            return _nearest_month(_month_number(g["month"]), anchor), "month"
        if kind == "relative_day":
            offset, granularity = _RELATIVE[g["word"].lower()]
            return anchor + dt.timedelta(days=offset), granularity
        if kind == "weekday":
            modifier = (g["modifier"] or "").lower() or ("coming" if _looks_ahead(match) else "")
            return _weekday(WEEKDAYS[g["weekday"].lower()], modifier, anchor), "day"
        if kind == "month_relative_year":
            step = {"last": -1, "this": 0, "next": 1}[g["which"]]
            return dt.date(anchor.year + step, _month_number(g["month"]), 1), "month"
        if kind == "period":
            return _period(g["which"].lower(), g["unit"].lower(), anchor)
    except ValueError:
        return None, "day"
    return None, "day"


# the clause before a bare weekday speaks of what is to come ("scheduled to be released on Friday",
# "will meet on Tuesday", "said it would vote on Monday"), unless a past form stands nearer the day
_AHEAD = re.compile(r"\b(?:will|shall|'ll|would|scheduled|due|expected|set to|plans? to|planned|is to|are to|"
                    r"going to|to be held|upcoming|coming|later this week)\b", re.IGNORECASE)
_BEHIND = re.compile(r"\b(?:was|were|had|did|said on|ago|earlier|last|yesterday)\b", re.IGNORECASE)


def _looks_ahead(match: re.Match) -> bool:
    text = match.string
    start = max(text.rfind(". ", 0, match.start()), text.rfind("\n", 0, match.start()), 0)
    clause = text[start:match.start()][-120:]
    ahead = list(_AHEAD.finditer(clause))
    if not ahead:
        return False
    return not any(past.start() > ahead[-1].start() for past in _BEHIND.finditer(clause))


def _weekday(weekday: int, modifier: str, anchor: dt.date) -> dt.date:
    """A bare weekday is the latest such day on or before the anchor (wire copy reports what
    happened), or the first on or after it when its clause speaks of what is to come
    (`coming`); "next Friday" the first after it; "last Friday" the one before this week's."""
    back = (anchor.weekday() - weekday) % 7
    if modifier == "coming":
        return anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7)
    if modifier == "next":
        return anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7 or 7)
    if modifier == "last":
        return anchor - dt.timedelta(days=back or 7)
    return anchor - dt.timedelta(days=back)


def _period(which: str, unit: str, anchor: dt.date) -> tuple[dt.date, str]:
    step = {"last": -1, "past": -1, "this": 0, "next": 1}[which]
    if unit == "year":
        return dt.date(anchor.year + step, 1, 1), "year"
    if unit == "month":
        index = anchor.year * 12 + anchor.month - 1 + step
        return dt.date(index // 12, index % 12 + 1, 1), "month"
    monday = anchor - dt.timedelta(days=anchor.weekday())
    return monday + dt.timedelta(weeks=step), "week"


def find_date_mentions(body: str, anchor: dt.date | None) -> list[dict]:
    """Date expressions in a body, longest first where they overlap, resolved to a date and
    a granularity (`day`, `week`, `month`, `year`); `resolved_date` null without an anchor
    for relative expressions."""
    taken: list[tuple[int, int]] = []
    rows = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(body):
            start, end = match.span()
            if kind == "weekday":
                start = match.start("weekday") if not match["modifier"] else start
            if kind in ("month", "year"):  # the preposition is context, not part of the date
                start = match.start("month") if kind == "month" else match.start("y")
            if any(start < e and s < end for s, e in taken):
                continue
            resolved, granularity = _resolve(kind, match, anchor)
            if kind in ("month_day", "day_month") and resolved is None and anchor is not None:
                continue
            taken.append((start, end))
            rows.append({"start_char": start, "end_char": end, "text": body[start:end],
                         "resolved_date": resolved, "granularity": granularity})
    return sorted(rows, key=lambda r: r["start_char"])


def anchor_of(article: dict) -> dt.date | None:
    """What relative dates count from: the dateline's date, else the published date."""
    return article.get("dateline_date") or article.get("published_date")


def extract_date_mentions(articles: list[dict]) -> list[dict]:
    return [{"article_id": a["article_id"], **row} for a in articles
            for row in find_date_mentions(a["body"], anchor_of(a))]
