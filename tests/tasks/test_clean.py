import datetime as dt

from tasks.clean import (body_hash, clean_record, clean_records, is_heading, split_paragraphs, strip_trailers,
                         title_without_outlet)


def test_wrapped_wire_copy_becomes_paragraphs():
    text = ("SALVADOR, Feb 26 - Showers continued throughout the week in\n"
            "the cocoa zone, alleviating the drought since early\n"
            "January, traders said.\n"
            "    The dry period means the harvest will be late.\n")
    assert split_paragraphs(text) == [
        "SALVADOR, Feb 26 - Showers continued throughout the week in the cocoa zone, "
        "alleviating the drought since early January, traders said.",
        "The dry period means the harvest will be late.",
    ]


def test_headings_are_short_unpunctuated_lines():
    assert is_heading("Ukraine and the Pacific")
    assert is_heading('"Strategic Alliance"')
    assert not is_heading('"We will win."')
    assert not is_heading("The minister arrived on Monday.")


def test_trailers_leave_the_body():
    paragraphs = ["The port reopened.", "Follow us on X for updates", "© 2024 Example News. All rights reserved."]
    assert strip_trailers(paragraphs) == (["The port reopened."],
                                          ["Follow us on X for updates", "© 2024 Example News. All rights reserved."])
    inline = ["Talks resume Friday. (Reporting by Ana Lee; Editing by Bo Chan)"]
    assert strip_trailers(inline) == (["Talks resume Friday."], ["(Reporting by Ana Lee; Editing by Bo Chan)"])
    for initials in ("bur-jm/dc", "ففف/ح س/كام"):  # AFP's desk sign-off, in any script
        assert strip_trailers(["Talks resume Friday.", initials]) == (["Talks resume Friday."], [initials])
    assert strip_trailers(["Talks resume Friday.", "Lagos/Abuja"])[1] == []
    # credits, a page's comment counter and its links to other stories
    tail = ["Ana Lee contributed to this report.", "Follow Harbour Daily on Facebook and Instagram.", "SOURCE: wires",
            "You may also like...", "12 comments"]
    assert strip_trailers(["Talks resume Friday.", *tail]) == (["Talks resume Friday."], tail)
    assert strip_trailers(["Talks resume Friday.", "The source: a leaked memo."])[1] == []


def test_clean_record_takes_fields_out_of_a_wire_story():
    raw = {"format": "txt", "text": "Mill closes\r\n\r\nBy Jo Park\r\n\r\nTURIN, Jan 9 (Reuters) - A paper mill closed "
                                    "on Tuesday, its owner said.\r\n\r\nReuter\r\n"}
    article = clean_record(raw, reference_date=dt.date(2024, 6, 30))
    assert {k: article[k] for k in ("title", "byline", "body", "agency", "dateline_city", "dateline_country",
                                    "dateline_date", "published_date", "published_date_source", "trailer",
                                    "word_count")} == {
        "title": "Mill closes", "byline": "Jo Park", "body": "A paper mill closed on Tuesday, its owner said.",
        "agency": "Reuters", "dateline_city": "Turin", "dateline_country": "IT", "dateline_date": dt.date(2024, 1, 9),
        "published_date": dt.date(2024, 1, 9), "published_date_source": "dateline", "trailer": "Reuter",
        "word_count": 9}


def test_a_record_of_under_three_different_words_is_a_stub_not_an_article():
    raws = [{"format": "json", "text": text, "source_path": "feed.json", "file_id": "f1", "record_index": i,
             "locator": f"item {i + 1}"} for i, text in enumerate(["Hello, world!", "Read more …", "blah blah blah",
                                                                    "The port reopened on Friday, officials said."])]
    articles, problems = clean_records(raws, None)
    assert [a["body"] for a in articles] == ["The port reopened on Friday, officials said."]
    assert [(p["locator"], p["reason"], p["detail"]) for p in problems] == [
        ("item 1", "no_article_text", "its text is 'Hello, world!': under 3 different words, not an article"),
        ("item 2", "no_article_text", "nothing but a title, dateline or trailer after cleaning: 'Read more …'"),
        ("item 3", "no_article_text", "its text is 'blah blah blah': under 3 different words, not an article")]


def test_a_page_title_loses_the_site_name_but_a_headline_that_names_the_site_keeps_it():
    cases = [("Port reopens after fog - Harbour Times", "Harbour Times", None),
             ("Port reopens after fog | Harbour Times Business", "Harbour Times", None),
             ("Port reopens after fog - Harbour.com", None, "https://www.harbour.com/a"),
             ("Harbour Times - Port reopens after fog", "Harbour Times", None),
             ("Harbour cranes - Port reopens after fog", "Harbour", None),  # a leading part must be the name
             ("Harbour Times opens a new office | Blog", "Harbour Times opens a new office", None),
             ("Port reopens - after fog", None, None)]
    assert [title_without_outlet(*case) for case in cases] == [
        "Port reopens after fog", "Port reopens after fog", "Port reopens after fog", "Port reopens after fog",
        "Harbour cranes - Port reopens after fog", "Harbour Times opens a new office | Blog", "Port reopens - after fog"]


def test_metadata_date_beats_dateline_and_anchors_its_year():
    raw = {"format": "json", "text": "OSLO, Dec 30 - Snow closed the airport.", "published": "2024-01-02T08:00:00Z"}
    article = clean_record(raw, reference_date=None)
    assert (article["dateline_date"], article["published_date"], article["published_date_source"]) == (
        dt.date(2023, 12, 30), dt.date(2024, 1, 2), "metadata")


def test_mojibake_is_repaired_and_curly_quotes_kept():
    raw = {"format": "txt", "text": "The minister said â€œnoâ€\x9d to the plan."}
    assert clean_record(raw, None)["body"] == "The minister said “no” to the plan."


def test_chinese_punctuation_keeps_its_width_and_full_width_letters_lose_theirs():
    from tasks.clean import normalise_text

    assert normalise_text("总理表示，经济（北京）稳定。ＡＢＣ１２ ｶﾀｶﾅ") == "总理表示，经济（北京）稳定。ABC12 カタカナ"


def test_body_hash_ignores_typography():
    assert body_hash("It's “here”\n\nnow") == body_hash("it's \"here\" now")
    assert body_hash("It is here") != body_hash("It was here")
    assert body_hash("总理表示，经济（北京）稳定") == body_hash("总理表示,经济(北京)稳定")


def test_languages_of_short_texts_scripts_and_hints():
    from tasks.clean import detect_languages, extraction_for

    texts = ["The port published a plan for Shell.", "Dockers at Antwerp went on strike.",
             "Ministeren sagde mandag, at budgettet ville blive vedtaget.",
             "Valsts prezidents pirmdien paziņoja, ka valdība atkāpsies.",
             "မြန်မာနိုင်ငံ အစိုးရက ယနေ့ ကြေညာခဲ့သည်။ BBC News", "The port reopened on Tuesday after the storm."]
    assert detect_languages(texts, [None, None, None, None, "en", "it"]) == ["en", "en", "da", "lv", "my", "en"]
    assert detect_languages(["Le port a rouvert mardi."], ["fr-FR"]) == ["fr"]
    # a results table holds no sentence: `net`, twice, is one Dutch function word, no evidence of Dutch
    table = ("Shr 7.12p vs 6.40p\n\nFinal div 3.5p, making 5.1p vs 4.6p.\n\nPre-tax profit 41.2 mln stg vs 36.7 mln.\n\n"
             "Net profit 27.9 mln vs 24.3 mln.\n\nTurnover 318 mln stg vs 297 mln.\n\nNet interest 2.1 mln vs 1.8 mln.")
    assert detect_languages([table]) == ["en"]
    # one token repeated is no evidence of a language, though trigrams would name one
    assert detect_languages(["x" * 5000, "ab ab ab ab"]) == [None, None]
    assert [extraction_for(code) for code in ("en", "fr", "my", None)] == [
        "full", "entities_quotes", "language_unsupported", "language_unknown"]


def test_a_wire_head_of_lines_gives_title_byline_and_dateline():
    slug = {"format": "txt", "text": "RUGBY UNION - CUTTITTA BACK FOR ITALY AFTER A YEAR.\nROME 1996-12-06\n"
                                     "Italy recalled Marcello Cuttitta on Friday for their friendly against Scotland."}
    article = clean_record(slug, None)
    assert (article["title"], article["dateline_city"], article["dateline_country"], article["dateline_date"]) == (
        "RUGBY UNION - CUTTITTA BACK FOR ITALY AFTER A YEAR.", "Rome", "IT", dt.date(1996, 12, 6))
    assert article["body"].startswith("Italy recalled")
    bylined = {"format": "txt", "text": "Miss Universe hides behind veil.\nKieran Murray\nLAS CRUCES, N.M. 1996-08-22\n"
                                        "The reigning Miss Universe stayed out of sight on Thursday."}
    article = clean_record(bylined, None)
    assert (article["title"], article["byline"], article["dateline_city"], article["dateline_country"]) == (
        "Miss Universe hides behind veil.", "Kieran Murray", "Las Cruces", "US")
    opening = {"format": "txt", "text": "RUGBY UNION - All Blacks relive triumph.\nPRETORIA, Aug 25 - Captain Sean "
                                        "Fitzpatrick revisited the test venue today."}
    article = clean_record(opening, dt.date(1996, 12, 31))
    assert (article["title"], article["dateline_city"], article["dateline_date"], article["body"][:7]) == (
        "RUGBY UNION - All Blacks relive triumph.", "Pretoria", dt.date(1996, 8, 25), "Captain")
    slug_only = {"format": "txt", "text": "CRICKET - PAKISTAN 229-1 V ENGLAND - close.\nSaeed Anwar not out 116"}
    assert clean_record(slug_only, None)["dateline_city"] is None  # a topic slug names no place


def test_a_headline_run_into_the_dateline_is_the_title_when_the_record_has_none():
    flat = {"format": "csv", "text": "Dock strike spreads GDANSK, May 6, 2024 (Reuters) - Crane drivers joined the "
                                     "strike at the Baltic port on Monday."}
    article = clean_record(flat, None)
    assert (article["title"], article["dateline_city"], article["body"][:13]) == (
        "Dock strike spreads", "Gdansk", "Crane drivers")
    assert clean_record({**flat, "title": "Baltic ports"}, None)["title"] == "Baltic ports"


def test_a_wire_flash_sent_alone_is_its_own_headline():
    def cleaned(text, kind="txt"):
        article = clean_record({"format": kind, "text": text}, None)
        return article["title"], article["body"]

    flash = "HARBOUR FREIGHT INC 3RD QTR SHR 41 CTS VS 38 CTS"
    assert cleaned(flash + "\n\n\n") == (flash, flash)
    assert cleaned("OBAN, Nov 5 - FERRY SAILINGS TO COLL RESUME TODAY.") == ("FERRY SAILINGS TO COLL RESUME TODAY.",) * 2
    assert cleaned("Ferry sailings to Coll resume after the storm") == ("Ferry sailings to Coll resume after the storm",) * 2
    # one sentence is a short story, not a headline; a record of another format says itself what its title is
    assert cleaned("The council approved the harbour budget on Monday.") == (
        None, "The council approved the harbour budget on Monday.")
    assert cleaned(flash, "json") == (None, flash)
    wrapped = "HARBOUR FREIGHT SAYS IT BIDS FOR 22 PCT OF\nKIRKWALL LINES FOR 14.6 MLN STG"
    assert cleaned(wrapped) == (wrapped.replace("\n", " "),) * 2


def test_a_file_cut_off_after_its_dateline_is_no_article():
    assert clean_record({"format": "txt", "text": "OBAN, Feb 3 -\n"}, None) is None
    assert clean_record({"format": "txt", "text": "OBAN, Feb 30 - "}, None) is None  # no such day: still a dateline
    assert clean_record({"format": "txt", "text": "OBAN, Feb 3 - Ferries sail."}, None)["body"] == "Ferries sail."


def test_a_picture_caption_is_no_headline_dateline_or_body_text():
    text = ("FILE - In this May 2, 2023 photo, a ferry leaves Oban harbour. (AP Photo/Ines Vail, File)\n\n"
            "OBAN, Scotland (AP) — The ferry operator cut its winter timetable on Monday.\n\n"
            "Skippers met in the harbour. (Photo by Ros Dunn/Getty Images)\n\n"
            "The timetable (see graphic) starts in October. A poll (Reuters/Ipsos poll)")
    article = clean_record({"format": "txt", "text": text}, None)
    assert (article["title"], article["dateline_city"], article["agency"], article["body"]) == (
        None, "Oban", "AP", "The ferry operator cut its winter timetable on Monday.\n\n"
                            "The timetable (see graphic) starts in October. A poll (Reuters/Ipsos poll)")
    assert article["trailer"] == ("FILE - In this May 2, 2023 photo, a ferry leaves Oban harbour. (AP Photo/Ines Vail, File)\n"
                                  "Skippers met in the harbour. (Photo by Ros Dunn/Getty Images)")


def test_a_scraped_text_that_opens_with_a_headline_has_its_dateline_below_it():
    text = "Dock strike spreads\n\nGDANSK, May 6, 2024 (Reuters) - Crane drivers joined the strike on Monday."
    untitled = clean_record({"format": "json", "text": text}, None)
    assert (untitled["title"], untitled["dateline_city"], untitled["body"]) == (
        "Dock strike spreads", "Gdansk", "Crane drivers joined the strike on Monday.")
    titled = clean_record({"format": "json", "title": "Baltic ports at a standstill", "text": text}, None)
    assert (titled["title"], titled["dateline_date"], titled["body"]) == (  # a deck line stays in the body
        "Baltic ports at a standstill", dt.date(2024, 5, 6),
        "Dock strike spreads\n\nCrane drivers joined the strike on Monday.")


def test_datelines_in_other_languages_forms():
    from tasks.dateline import parse_dateline

    found = [(d.city, d.country, d.date, d.agency) for d in (
        parse_dateline("PARIS, 5 janvier (AFP) - Le président", dt.date(2024, 6, 1)),
        parse_dateline("МОСКВА, 31 янв - РИА Новости. Правительство", dt.date(2024, 6, 1)),
        parse_dateline("MADRID, 3 de marzo (EFE) - El", dt.date(2024, 6, 1)),
        parse_dateline("ZÜRICH, 4. März 2024 (dpa) - Die", None))]
    assert found == [("Paris", "FR", dt.date(2024, 1, 5), "AFP"), ("Москва", "RU", dt.date(2024, 1, 31), "RIA Novosti"),
                     ("Madrid", "ES", dt.date(2024, 3, 3), "EFE"), ("Zürich", "CH", dt.date(2024, 3, 4), "dpa")]
