import datetime as dt

from tasks.clean import body_hash, clean_record, is_heading, split_paragraphs, strip_trailers


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


def test_metadata_date_beats_dateline_and_anchors_its_year():
    raw = {"format": "json", "text": "OSLO, Dec 30 - Snow closed the airport.", "published": "2024-01-02T08:00:00Z"}
    article = clean_record(raw, reference_date=None)
    assert (article["dateline_date"], article["published_date"], article["published_date_source"]) == (
        dt.date(2023, 12, 30), dt.date(2024, 1, 2), "metadata")


def test_mojibake_is_repaired_and_curly_quotes_kept():
    raw = {"format": "txt", "text": "The minister said â€œnoâ€\x9d to the plan."}
    assert clean_record(raw, None)["body"] == "The minister said “no” to the plan."


def test_body_hash_ignores_typography():
    assert body_hash("It's “here”\n\nnow") == body_hash("it's \"here\" now")
    assert body_hash("It is here") != body_hash("It was here")
