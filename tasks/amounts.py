"""Amounts: money mentions with a numeric value and an ISO 4217 currency.

`$` is USD unless a prefix (C$, A$, HK$ …) or a following word ("Canadian dollars") says
otherwise; currency words and wire abbreviations ("dlrs", "stg", "yuan") map to their codes.
"""

from __future__ import annotations

import re


# withdrawn ISO 4217 codes that archive wire copy still uses
HISTORIC_CURRENCIES = {"FRF", "DEM", "ITL", "NLG", "BRC", "ARA", "PTE", "ESP", "GRD", "ATS", "BEF", "IEP", "FIM"}
SYMBOLS = {"$": "USD", "us$": "USD", "u.s.$": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD",
           "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "nt$": "TWD", "r$": "BRL", "mx$": "MXN", "€": "EUR", "£": "GBP",
           "¥": "JPY", "₹": "INR", "₽": "RUB", "₩": "KRW", "₺": "TRY", "₦": "NGN", "₱": "PHP", "₪": "ILS"}
WORDS = {
    "dollar": "USD", "dollars": "USD", "dlr": "USD", "dlrs": "USD", "usd": "USD", "u.s. dollars": "USD",
    "us dollars": "USD", "canadian dollars": "CAD", "australian dollars": "AUD", "hong kong dollars": "HKD",
    "new zealand dollars": "NZD", "singapore dollars": "SGD", "taiwan dollars": "TWD", "euro": "EUR", "euros": "EUR",
    "eur": "EUR", "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "stg": "GBP", "gbp": "GBP", "pounds sterling": "GBP",
    "yen": "JPY", "jpy": "JPY", "yuan": "CNY", "renminbi": "CNY", "cny": "CNY", "rouble": "RUB", "roubles": "RUB",
    "ruble": "RUB", "rubles": "RUB", "rupee": "INR", "rupees": "INR", "naira": "NGN", "rand": "ZAR",
    "swiss francs": "CHF", "francs": "FRF", "french francs": "FRF", "marks": "DEM", "d-marks": "DEM",
    "lire": "ITL", "lira": "TRY", "won": "KRW", "pesos": "MXN", "peso": "MXN", "reais": "BRL",
    "shillings": "KES", "riyals": "SAR", "riyal": "SAR", "dirhams": "AED", "crowns": "SEK", "kronor": "SEK",
    "krone": "NOK", "kroner": "DKK", "zloty": "PLN", "hryvnia": "UAH", "ringgit": "MYR", "baht": "THB", "rupiah": "IDR",
    "guilders": "NLG", "australian dlrs": "AUD", "canadian dlrs": "CAD",
    "forint": "HUF", "forints": "HUF", "cruzado": "BRC", "cruzados": "BRC", "austral": "ARA", "australes": "ARA",
    "escudo": "PTE", "escudos": "PTE", "peseta": "ESP", "pesetas": "ESP", "drachma": "GRD", "drachmas": "GRD",
    "austrian schillings": "ATS", "belgian francs": "BEF", "punts": "IEP", "markka": "FIM", "markkaa": "FIM",
}
SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bln": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "trn": 1e12}
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:thousand|million|billion|trillion|mln|bln|bn|mn|tn|trn|[kmb])\b"
_SYMBOL = r"(?:US\$|U\.S\.\$|C\$|CA\$|A\$|AU\$|NZ\$|HK\$|S\$|NT\$|R\$|MX\$|\$|€|£|¥|₹|₽|₩|₺|₦|₱|₪)"
_WORD = "|".join(sorted((re.escape(w) for w in WORDS), key=len, reverse=True))

SYMBOL_FIRST = re.compile(
    rf"(?P<symbol>{_SYMBOL})\s?(?P<number>{_NUMBER})(?:\s?(?P<scale>{_SCALE}))?"
    rf"(?:\s+(?P<qualifier>Canadian|Australian|Hong Kong|New Zealand|Singapore|Taiwan)(?:\s+dollars?)?)?",
    re.IGNORECASE)
WORD_AFTER = re.compile(
    rf"(?<![\w$€£¥.])(?P<number>{_NUMBER})(?:\s?(?P<scale>{_SCALE}))?\s+(?P<word>{_WORD})\b", re.IGNORECASE)


# numbers listed before one currency word share it: "4,340, 4,345 and 4,350 dlrs", "340 to 350 cruzados"
_LISTED = re.compile(rf"(?P<items>(?:(?:{_NUMBER})(?:\s?{_SCALE})?\s*,\s*)*(?:{_NUMBER})(?:\s?{_SCALE})?)"
                     rf"\s*(?:,\s*)?(?:and|or|to|-|–)\s*$", re.IGNORECASE)
_ITEM = re.compile(rf"(?P<number>{_NUMBER})(?:\s?(?P<scale>{_SCALE}))?", re.IGNORECASE)


def _listed_before(body: str, start: int, scale: str | None, currency: str) -> list[dict]:
    """The amounts listed right before a number that has the currency word."""
    window_start = max(0, start - 160)
    listed = _LISTED.search(body[window_start:start])
    if not listed:
        return []
    base = window_start + listed.start("items")
    return [{"start_char": base + item.start(), "end_char": base + item.end(), "text": item.group(0),
             "value": _value(item["number"], item["scale"] or scale), "currency": currency}
            for item in _ITEM.finditer(listed["items"])]


# the upper bound of a range whose scale both bounds share: "$1.2-1.5 million", "$5 to $6 billion",
# "between $3 and $4 billion"; or of a range in plain figures, "$40-50 a barrel"
_RANGE_TAIL = re.compile(rf"[ ]?(?:-|–|to|(?P<conjunction>and))[ ]?(?P<symbol>{_SYMBOL})?(?P<number>{_NUMBER})[ ]?"
                         rf"(?P<scale>{_SCALE})", re.IGNORECASE)
_BARE_RANGE_TAIL = re.compile(rf"[-–](?P<symbol>)(?P<number>{_NUMBER})(?P<scale>)"
                              r"(?![\w%-]|[.,]\d|\s*(?:percent|pct)\b)")


def _range_tail(body: str, match: re.Match) -> re.Match | None:
    tail = _RANGE_TAIL.match(body, match.end()) or _BARE_RANGE_TAIL.match(body, match.end())
    if tail and tail.groupdict().get("conjunction") \
            and not re.search(r"\bbetween\s+$", body[max(0, match.start() - 12):match.start()], re.IGNORECASE):
        return None  # "$5 and 6 million shares": two things, unless a range is announced
    return tail


def _value(number: str, scale: str | None) -> float:
    return float(number.replace(",", "")) * (SCALES[scale.lower()] if scale else 1.0)


def find_amounts(body: str) -> list[dict]:
    """Money mentions in a body: text, offsets, value (a number) and ISO 4217 currency."""
    found: dict[int, dict] = {}
    for match in SYMBOL_FIRST.finditer(body):
        symbol = match["symbol"].lower()
        currency = SYMBOLS.get(symbol, "USD")
        if match["qualifier"]:
            currency = WORDS[f"{match['qualifier'].lower()} dollars"]
        scale = match["scale"]
        tail = None if scale else _range_tail(body, match)
        if tail:
            scale = tail["scale"] or None
            if not tail["symbol"]:  # "$1.2-1.5 million": the upper bound is an amount of its own
                found[tail.start("number")] = {"start_char": tail.start("number"), "end_char": tail.end(),
                                               "text": body[tail.start("number"):tail.end()],
                                               "value": _value(tail["number"], scale), "currency": currency}
        found[match.start()] = {"start_char": match.start(), "end_char": match.end(), "text": match.group(0),
                                "value": _value(match["number"], scale), "currency": currency}
    for match in WORD_AFTER.finditer(body):
        if any(a["start_char"] <= match.start() < a["end_char"] for a in found.values()):
            continue
        scale = match["scale"]
        if scale and scale.lower() in ("m", "b", "k") and body[match.start("scale") - 1] == " ":
            continue  # "5 m euros" is rare; "5 m" is usually metres
        currency = WORDS[match["word"].lower()]
        found[match.start()] = {"start_char": match.start(), "end_char": match.end(), "text": match.group(0),
                                "value": _value(match["number"], scale), "currency": currency}
        for row in _listed_before(body, match.start(), scale, currency):
            if not any(a["start_char"] <= row["start_char"] < a["end_char"] for a in found.values()):
                found[row["start_char"]] = row
    return [found[k] for k in sorted(found)]


def extract_amounts(articles: list[dict]) -> list[dict]:
    return [{"article_id": a["article_id"], **row} for a in articles for row in find_amounts(a["body"])]
