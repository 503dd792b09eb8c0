import datetime as dt

import pytest

from tasks.dateline import parse_dateline, year_for


@pytest.mark.parametrize("text, anchor, expected", [
    ("BEIJING, Sept 18, 2023 (AFP) – China's top", None, ("Beijing", "CN", dt.date(2023, 9, 18), "AFP")),
    ("CLEVELAND, Feb 26 - Standard Oil", dt.date(1987, 12, 31), ("Cleveland", "US", dt.date(1987, 2, 26), None)),
    ("LONDON 1996-08-22\nWest Indian", None, ("London", "GB", dt.date(1996, 8, 22), None)),
    ("STANSTED, England 1996-08-27\nA plane", None, ("Stansted", "GB", dt.date(1996, 8, 27), None)),
    ("BENGALURU (Reuters) - India's", None, ("Bengaluru", "IN", None, "Reuters")),
    ("MARTINSBURG, W.Va. — A man", None, ("Martinsburg", "US", None, None)),
    ("WASHINGTON (AP) — The Senate", None, ("Washington", "US", None, "AP")),
    ("AMSTERDAM, 2 March - Dutch", dt.date(1987, 12, 31), ("Amsterdam", "NL", dt.date(1987, 3, 2), None)),
    ("WEST HARTFORD, Conn., Feb 26 - x", dt.date(1987, 12, 31), ("West Hartford", "US", dt.date(1987, 2, 26), None)),
    # month names of any language dateparser knows, agencies in any script
    ("WARSZAWA, 3 marca (PAP) - Rząd", dt.date(2024, 6, 1), ("Warszawa", "PL", dt.date(2024, 3, 3), "PAP")),
    ("PRAHA 3. března (ČTK) - Vláda", dt.date(2024, 6, 1), ("Praha", "CZ", dt.date(2024, 3, 3), "ČTK")),
    ("BUCUREŞTI, 3 martie (Agerpres) - x", dt.date(2024, 6, 1), ("Bucureşti", "RO", dt.date(2024, 3, 3), "Agerpres")),
    ("BUDAPEST, március 3. (MTI) - A kormány", dt.date(2024, 6, 1), ("Budapest", "HU", dt.date(2024, 3, 3), "MTI")),
    ("新华社北京3月3日电（记者 王明）国务院", dt.date(2024, 6, 1), ("北京", "CN", dt.date(2024, 3, 3), "Xinhua")),
    ("【東京=時事】政府は3日", None, ("東京", "JP", None, "Jiji")),
    # a network's web copy runs the agency into the text, and may give no city
    ("Hong Kong (CNN Business)A muddled view", None, ("Hong Kong", "HK", None, "CNN")),
    ("(CNN)President Ann Lee made", None, (None, None, None, "CNN")),
    ("(Reuters) - Oil fell", None, (None, None, None, "Reuters")),
])
def test_wire_dateline_forms(text, anchor, expected):
    found = parse_dateline(text, anchor)
    assert (found.city, found.country, found.date, found.agency) == expected


def test_a_month_name_two_languages_disagree_on_gives_no_date():
    # `listopad` is November in Polish and Czech, October in Croatian: no guess
    assert parse_dateline("ZAGREB, 3 listopada - Vlada", dt.date(2024, 12, 1)) is None
    assert parse_dateline("WARSZAWA, 3 listopada - Rząd", dt.date(2024, 12, 1)) is None


def test_year_is_never_guessed_without_an_anchor():
    found = parse_dateline("CLEVELAND, Feb 26 - Standard Oil", None)
    assert (found.city, found.date) == ("Cleveland", None)
    # its day of the year is known all the same, Feb 29 counted as in a leap year
    assert [parse_dateline(text).day for text in ("CLEVELAND, Feb 26 - It", "Mar 1 - It", "LERWICK, 2 mars (AFP) - Il",
                                                  "新华社北京3月3日电 记者", "CLEVELAND, Feb 30 - It")] == [57, 61, 62, 63, None]


def test_sentences_and_headings_are_not_datelines():
    assert parse_dateline("He said - the talks failed", None) is None
    assert parse_dateline("北京3月3日举行了会议", dt.date(2024, 6, 1)) is None  # a sentence: no 电, no agency
    assert parse_dateline("Ukraine and the Pacific", None) is None
    assert parse_dateline("Chinese Foreign Minister Wang Yi will arrive", None) is None
    assert parse_dateline("Ann Lee (left) speaks to reporters", None) is None  # only an agency runs on
    assert parse_dateline("(AP Photo/Jo Park) The mayor", None) is None  # a picture credit


def test_a_headline_a_flattened_feed_ran_into_the_dateline_is_no_part_of_the_city():
    found = parse_dateline("Dock strike spreads GDANSK, May 6, 2024 (Reuters) - Crane drivers", None)
    assert (found.headline, found.city, found.country, found.date) == (
        "Dock strike spreads", "Gdansk", "PL", dt.date(2024, 5, 6))
    # the lower-case words a place's name holds are no headline
    for text, city in (("Port of Spain, May 6 (AP) - x", "Port of Spain"),
                       ("Rio de Janeiro (Reuters) - x", "Rio de Janeiro")):
        found = parse_dateline(text, None)
        assert (found.city, found.headline) == (city, None)


def test_a_press_releases_city_and_country_on_a_line_of_their_own_are_its_dateline():
    found = parse_dateline("ZUG, SWITZERLAND\nThe company said on Monday", None)
    assert (found.city, found.country, found.date, found.agency) == ("Zug", "CH", None, None)
    assert parse_dateline("SOCCER, ITALY", None) is None  # the country alone proves no city
    assert parse_dateline("Zug, Switzerland", None) is None  # a line of a list, not a dateline


def test_year_for_crosses_new_year_backwards():
    assert year_for(12, 31, dt.date(2024, 1, 2)) == dt.date(2023, 12, 31)
    assert year_for(1, 5, dt.date(2024, 1, 2)) == dt.date(2024, 1, 5)


def test_a_bare_city_abroad_is_read_from_its_article():
    from tasks.clean import clean_record

    costa_rica = "SAN JOSE, Dec 31 (Reuters) - Costa Rica's central bank chief resigned, a Costa Rican official said."
    valley = "SAN JOSE, Dec 31 (Reuters) - A chipmaker said it would hire 200 engineers, the company said."
    state = "SAN JOSE, Calif., Dec 31 (Reuters) - Costa Rica's coffee buyers met in California."
    paris = "PARIS, Dec 31 (Reuters) - U.S. and French negotiators met on Monday, U.S. officials said."
    assert [clean_record({"text": text, "format": "txt"}, dt.date(2024, 1, 5))["dateline_country"]
            for text in (costa_rica, valley, state, paris)] == ["CR", "US", "US", "FR"]


def test_a_city_is_found_by_names_people_write_not_romanisation_keys():
    # geonames lists `parma` (lowercase) among a Russian town's aliases; old exonyms stay names
    found = [parse_dateline(f"{city}, May 4 - Talks opened.", dt.date(1987, 12, 31)) for city in ("PARMA", "PEKING", "RANGOON")]
    assert [(d.city, d.country) for d in found] == [("Parma", "IT"), ("Peking", "CN"), ("Rangoon", "MM")]
