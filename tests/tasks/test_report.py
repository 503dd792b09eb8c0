from tasks.report import extraction_note


def test_the_report_says_how_many_articles_add_no_names_and_why():
    languages = [{"language": "de", "extraction": "language_unsupported", "articles": 100},
                 {"language": "ar", "extraction": "language_unsupported", "articles": 95},
                 {"language": "en", "extraction": "full", "articles": 3},
                 {"language": None, "extraction": "language_unknown", "articles": 1}]
    assert extraction_note(languages) == (
        "<p class='meta'>196 of 199 articles add no names or quotes: their language has no model here, or none "
        "was told (de 100, ar 95, unknown 1).</p>")
    assert extraction_note([{"language": "en", "extraction": "full", "articles": 3}]) == ""
