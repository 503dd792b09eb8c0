from tasks.entities import extract_entities, load_nlp


def test_surname_mentions_take_the_full_name_and_label():
    body = ("Chinese Foreign Minister Wang Yi met Sergei Lavrov in Moscow.\n\n"
            "Wang said the talks were useful, and Lavrov agreed.")
    rows = extract_entities([{"article_id": "a", "body": body}], load_nlp("en_core_web_sm"))
    found = {(r["text"], r["label"], r["canonical_name"], r["country_code"]) for r in rows}
    assert ("Wang", "PERSON", "Wang Yi", None) in found
    assert ("Lavrov", "PERSON", "Sergei Lavrov", None) in found
    assert ("Moscow", "GPE", "Moscow", "RU") in found
    assert all(body[r["start_char"]:r["end_char"]] == r["text"] for r in rows)


def test_no_entity_crosses_a_paragraph_break():
    body = "Ukraine and the Pacific\n\nPacific Islands Forum leaders met in Suva."
    rows = extract_entities([{"article_id": "a", "body": body}], load_nlp("en_core_web_sm"))
    assert all("\n" not in r["text"] for r in rows)


def test_surname_repeats_caps_headlines_and_results_copy():
    body = ("HODDLE NAMES NEW CAPTAIN\n\n"
            "England coach Glenn Hoddle named his captain on Friday. Later Hoddle said the choice was easy.\n\n"
            "Lena Berg (Sweden) beat Ana Sousa (Portugal) 6-3 6-4")
    rows = extract_entities([{"article_id": "a", "body": body}], load_nlp("en_core_web_sm"))
    people = sorted({(r["text"], r["canonical_name"]) for r in rows if r["label"] == "PERSON"})
    assert ("Hoddle", "Glenn Hoddle") in people and ("HODDLE", "Glenn Hoddle") in people
    assert ("Lena Berg", "Lena Berg") in people and ("Ana Sousa", "Ana Sousa") in people
    places = {(r["text"], r["country_code"]) for r in rows if r["label"] in ("GPE", "LOC")}
    assert ("Sweden", "SE") in places and ("Portugal", "PT") in places


def test_trimmed_mentions_keep_exact_offsets():
    body = "Coach Glenn Hoddle spoke. Later Hoddle's side won, and later Hoddle's assistant left."
    rows = extract_entities([{"article_id": "a", "body": body}], load_nlp("en_core_web_sm"))
    assert all(body[r["start_char"]:r["end_char"]] == r["text"] for r in rows)


def test_a_paragraph_over_the_models_limit_is_read_in_pieces():
    from tasks.entities import MAX_MODEL_CHARS, extract_entities, load_nlp, model_pieces

    sentence = "Officials in Lisbon met the delegation on Monday. "
    paragraph = sentence * (2 * MAX_MODEL_CHARS // len(sentence) + 3) + "Angela Merkel arrived in Berlin."
    pieces = model_pieces(paragraph)
    assert len(pieces) == 3 and all(len(piece) <= MAX_MODEL_CHARS for _, piece in pieces)
    assert "".join(piece for _, piece in pieces) == paragraph and all(p.endswith(". ") for _, p in pieces[:-1])
    article = {"article_id": "a", "body": paragraph}
    found = {(m["text"], m["start_char"]) for m in extract_entities([article], load_nlp("en_core_web_sm"), 64)}
    assert ("Angela Merkel", paragraph.index("Angela Merkel")) in found
    assert ("Berlin", paragraph.index("Berlin")) in found


def _mentions(body: str, spans: list[tuple[str, str]]) -> list[dict]:
    mentions, at = [], 0
    for text, label in spans:
        start = body.index(text, at)
        mentions.append({"article_id": "a", "start_char": start, "end_char": start + len(text), "label": label})
        at = start + len(text)
    return mentions


def test_a_lone_first_word_of_an_organisation_and_a_country_are_not_people():
    from tasks.entities import resolve_mentions

    body = "Barrick Gold Corp raised its bid. Barrick said Sri Lanka approved it."
    spans = [("Barrick Gold Corp", "ORG"), ("Barrick", "PERSON"), ("Sri Lanka", "PERSON")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"], m["country_code"]) for m in resolved] == [
        ("Barrick Gold Corp", "ORG", None), ("Barrick", "ORG", None), ("Sri Lanka", "GPE", "LK")]


def test_results_table_field_labels_and_lower_case_units_are_not_entities():
    from tasks.entities import field_labels, resolve_mentions

    body = "Shr 12 cts vs 10 cts\n\nAvg shrs 1,234,000 vs 987,000\n\nAcme Corp said profits rose."
    assert [body[s:e] for s, e in field_labels(body)] == ["Shr", "Avg shrs"]
    spans = [("Shr", "ORG"), ("cts", "ORG"), ("Avg", "PERSON"), ("Acme Corp", "ORG")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [("Acme Corp", "ORG")]
    body = ("Turnover 2.14 billion stg vs 2.11 billion.\n\nNet loss 473,784 vs loss 489,257\n\n"
            "Pre-tax profit 101 mln stg vs 92 mln.\n\nKent Ltd said sales in England rose 12 pct vs 10 pct.")
    assert [body[s:e] for s, e in field_labels(body)] == ["Turnover", "Net loss", "Pre-tax profit"]
    spans = [("Turnover", "ORG"), ("Net", "ORG"), ("Kent Ltd", "ORG"), ("England", "GPE")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Kent Ltd", "ORG"), ("England", "GPE")]
    # a figure written out, and a row the table leaves unfilled: labels too
    body = ("Shr loss 41 cts vs loss 12 cts\n\nSales not given\n\nRevs 2.3 mln vs nine mln\n\n"
            "Nine mths\n\nMarta Lind said costs rose.\n\nSlow season ahead")
    assert [body[s:e] for s, e in field_labels(body)] == ["Shr loss", "Sales", "Revs"]
    spans = [("Sales", "ORG"), ("Revs", "PERSON"), ("Marta Lind", "PERSON")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Marta Lind", "PERSON")]
    # a dividend notice's dated rows, however many follow the comparison row
    body = "Qtly div 15 cts vs 12 cts prior\n\nPay Dec 1\n\nRecord Nov 14\n\nHarlow Mills Inc said demand held."
    assert [body[s:e] for s, e in field_labels(body)] == ["Qtly div", "Pay", "Record"]
    spans = [("Record Nov", "PERSON"), ("Harlow Mills Inc", "ORG")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Harlow Mills Inc", "ORG")]


def test_a_figures_unit_in_a_flash_in_capitals_is_no_name():
    from tasks.entities import resolve_mentions

    # a wire flash: capitals only, so nothing says how the article would write `CTS` or `MLN`
    body = "HARBOUR FREIGHT 3RD QTR SHR 41 CTS VS 38 CTS, SALES 12.5 MLN DLRS"
    spans = [("HARBOUR FREIGHT", "ORG"), ("CTS", "ORG"), ("MLN", "PERSON")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("HARBOUR FREIGHT", "ORG")]
    # a place after a figure, and a word the article writes in capitals elsewhere, stay names
    body = "FERRY LINE CUTS 12 ABERDEEN SAILINGS\n\nThe KIRKLAND fund holds 2 KIRKLAND shares."
    spans = [("ABERDEEN", "GPE"), ("KIRKLAND", "ORG")]
    assert [m["text"] for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        "ABERDEEN", "KIRKLAND", "KIRKLAND"]


def test_a_name_never_runs_across_a_spaced_dash_nor_past_an_ordinal():
    from tasks.entities import resolve_mentions

    body = ("PRESS DIGEST - Washington Post\n\nMidfielders - Richard Witschge, Hagner 85th.\n\n"
            "Tristan Hoffman (Neths scored. The press digest ran.")
    spans = [("PRESS DIGEST - Washington Post", "ORG"), ("Midfielders - Richard Witschge", "ORG"),
             ("Hagner 85th", "PERSON"), ("Tristan Hoffman (Neths", "PERSON")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Washington Post", "ORG"), ("Richard Witschge", "ORG"), ("Hagner", "PERSON"), ("Tristan Hoffman", "PERSON")]


def test_two_people_of_one_surname_stay_two_and_their_lone_surname_is_neither():
    from tasks.entities import resolve_mentions

    body = "Bill Clinton spoke first. Then Hillary Clinton took the stage, and Clinton thanked the crowd."
    spans = [("Bill Clinton", "PERSON"), ("Hillary Clinton", "PERSON"), ("Clinton", "PERSON")]
    assert [(m["text"], m["canonical_name"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Bill Clinton", "Bill Clinton"), ("Hillary Clinton", "Hillary Clinton"), ("Clinton", "Clinton")]


def test_a_list_of_players_with_bracketed_sides_names_their_clubs():
    from tasks.entities import pattern_people

    body = "Defenders - Frank de Boer (Ajax), Jaap Stam (PSV), Arthur Numan (PSV).\n\nShares of Acme Inc (ACME) rose."
    assert [(body[r["start_char"]:r["end_char"]], r["label"]) for r in pattern_people(body)] == [
        ("Frank de Boer", "PERSON"), ("Ajax", "ORG"), ("Jaap Stam", "PERSON"), ("PSV", "ORG"),
        ("Arthur Numan", "PERSON"), ("PSV", "ORG")]


def test_a_middle_initial_inside_a_longer_name_is_no_name_of_its_own():
    from tasks.entities import pattern_people

    body = "Attorney General Loretta E. Lynch spoke.\n\nJ. Adams 123, P. Simmons 4-38"
    assert [body[r["start_char"]:r["end_char"]] for r in pattern_people(body)] == ["J. Adams", "P. Simmons"]


def test_an_article_leads_off_no_name_but_an_initial_does():
    from tasks.entities import trim_span

    body = "Plans for a European Super League and A. Smith's reply."
    mentions = _mentions(body, [("a European Super League", "ORG"), ("A. Smith's", "PERSON")])
    for mention in mentions:
        trim_span(mention, body)
    assert [body[m["start_char"]:m["end_char"]] for m in mentions] == ["European Super League", "A. Smith"]


def test_spans_keep_the_name_only_and_institutions_are_not_people():
    from tasks.entities import resolve_mentions

    body = "SEOUL 1996-08-26\n\n-- Ana Ruiz, Wasim Akram's spell of Younis 4-95 at the Oval on Monday.\n\nU.S. Embassy staff left."
    spans = [("SEOUL 1996-08-26", "GPE"), ("-- Ana Ruiz", "PERSON"), ("Wasim Akram's", "PERSON"),
             ("Younis 4-95", "PERSON"), ("the Oval on", "FAC"), ("U.S. Embassy", "PERSON")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"]) for m in resolved] == [
        ("SEOUL", "GPE"), ("Ana Ruiz", "PERSON"), ("Wasim Akram", "PERSON"), ("Younis", "PERSON"),
        ("Oval", "FAC"), ("U.S. Embassy", "ORG")]
    assert all(body[m["start_char"]:m["end_char"]] == m["text"] for m in resolved)


def test_fixture_sides_are_teams_and_initials_of_a_place_are_no_given_name():
    from tasks.entities import resolve_mentions

    body = "Division one - Crystal Palace v Notts County, Kenya v Ghana.\n\nG. McGrath won the U.S. Open."
    spans = [("Crystal Palace v Notts County", "ORG"), ("Kenya v Ghana", "PERSON"), ("U.S. Open", "EVENT")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"]) for m in resolved] == [
        ("Crystal Palace", "ORG"), ("Notts County", "ORG"), ("Kenya", "GPE"), ("Ghana", "GPE"),
        ("G. McGrath", "PERSON"), ("U.S. Open", "EVENT")]


def test_a_caps_headline_is_read_in_its_articles_casing():
    from tasks.entities import article_casing, truecase

    body = "CRICKET - PAKISTAN BEAT ENGLAND AT THE OVAL\n\nPakistan beat England by nine wickets at the Oval."
    casing = article_casing(body)
    headline = body.split("\n\n")[0]
    assert truecase(headline, casing) == "cricket - Pakistan beat England at the Oval"
    rows = extract_entities([{"article_id": "a", "body": body}], load_nlp("en_core_web_sm"))
    head = {(r["text"], r["label"]) for r in rows if r["end_char"] <= len(headline)}
    assert ("PAKISTAN", "GPE") in head and ("ENGLAND", "GPE") in head
    assert not any("CRICKET" in text for text, _ in head)


def test_the_short_form_of_an_organisation_named_in_full_is_no_person():
    from tasks.entities import resolve_mentions

    body = "A unit of E.F. Hutton Group Inc bid. E.F. Hutton said Hutton would pay, U.S. officials said."
    spans = [("E.F. Hutton Group Inc", "ORG"), ("E.F. Hutton", "PERSON"), ("Hutton", "PERSON"), ("U.S.", "GPE")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"], m["canonical_name"]) for m in resolved] == [
        ("E.F. Hutton Group Inc", "ORG", "E.F. Hutton Group Inc"), ("E.F. Hutton", "ORG", "E.F. Hutton"),
        ("Hutton", "ORG", "Hutton"), ("U.S.", "GPE", "United States")]


def test_a_country_has_one_name_however_it_is_written():
    from tasks.entities import resolve_mentions

    body = "U.S. and British officials met in America; the USA and the UK disagreed, Britain said. US talks end."
    spans = [("U.S.", "GPE"), ("America", "GPE"), ("USA", "GPE"), ("UK", "GPE"), ("Britain", "GPE"), ("US", "ORG")]
    assert [(m["canonical_name"], m["country_code"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("United States", "US"), ("United States", "US"), ("United States", "US"), ("United Kingdom", "GB"),
        ("United Kingdom", "GB"), ("United States", "US")]


def test_a_dateline_left_in_the_body_names_a_place_and_a_dash_is_no_figure():
    from tasks.entities import article_casing, resolve_mentions

    body = ("SOCCER - HONDURAS BEAT CUBA 4-0 IN FRIENDLY.\n\nTEGUCIGALPA 1996-08-26\n\n"
            "Honduras beat Cuba 4-0 on Sunday. Beat writers said so.")
    spans = [("HONDURAS", "GPE"), ("CUBA", "GPE"), ("Honduras", "GPE"), ("Cuba", "GPE")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"], m["country_code"]) for m in resolved] == [
        ("HONDURAS", "GPE", "HN"), ("CUBA", "GPE", "CU"), ("TEGUCIGALPA", "GPE", "HN"),
        ("Honduras", "GPE", "HN"), ("Cuba", "GPE", "CU")]
    # a sentence's first word says nothing of a word's case: "beat" stays a verb
    assert article_casing(body)["beat"] == "beat"


def test_a_datelines_region_is_a_place_and_a_uk_nation_names_britain():
    from tasks.entities import resolve_mentions

    body = "HARWICH, England 1996-08-27\n\nA ferry from Cyprus docked on Monday."
    resolved = resolve_mentions(_mentions(body, [("Cyprus", "GPE")]), body, "a")
    assert [(m["text"], m["label"]) for m in resolved] == [("HARWICH", "GPE"), ("England", "GPE"), ("Cyprus", "GPE")]
    # the dateline is a place even where the model saw no name at all
    bare = "HARWICH, England 1996-08-27\n\nThe ferry docked late on Monday."
    assert [(m["article_id"], m["text"], m["country_code"]) for m in resolve_mentions([], bare, "b")] == [
        ("b", "HARWICH", "GB"), ("b", "England", None)]


def test_a_field_label_is_one_wherever_it_stands_in_its_article():
    from tasks.entities import resolve_mentions

    body = "Revs 16.0 mln 16.8 mln\n\nSix mths\n\nRevs 32.7 mln vs 34.5 mln\n\nIvaco Inc said sales fell."
    spans = [("Revs", "ORG"), ("Revs", "ORG"), ("Ivaco Inc", "ORG")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [("Ivaco Inc", "ORG")]


def test_a_label_in_capitals_is_one_when_its_article_writes_it_in_lower_case_too():
    from tasks.entities import field_labels, resolve_mentions

    body = "Fin Div 6.0 cts gross vs 5.0 cts\n\nNote - Fin div pay June 2.\n\nTarrow Mills Ltd said sales rose."
    assert [body[s:e] for s, e in field_labels(body)] == ["Fin Div"]
    spans = [("Fin Div", "ORG"), ("Tarrow Mills Ltd", "ORG")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Tarrow Mills Ltd", "ORG")]
    # a name in a row keeps its capitals everywhere: a subsidiary's figures are no label
    body = "Tarrow Mills 6.0 mln vs 5.0 mln\n\nKelso Shipping 2.1 mln vs 2.4 mln\n\nTarrow Mills said costs rose."
    assert field_labels(body) == []


def test_a_label_joined_to_its_value_by_a_colon_is_no_name():
    from tasks.entities import resolve_mentions

    body = "Net 12.1 mln vs 9.4 mln\n\nNOTE:1986 restated for Ivaco Inc's sale of its mill."
    spans = [("NOTE:1986", "ORG"), ("Ivaco Inc", "ORG")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [("Ivaco Inc", "ORG")]


def test_a_score_line_with_its_scorers_names_the_sides_not_the_scorers():
    from tasks.entities import table_rows

    body = "Rovers 2 (Okafor 12th, Lindqvist 77th penalty) Harbour City 1 (Maes 40th)."
    assert [body[r["start_char"]:r["end_char"]] for r in table_rows(body)] == ["Rovers", "Harbour City"]


def test_a_competition_is_an_event_not_the_body_or_place_that_holds_it():
    from tasks.entities import resolve_mentions

    body = "Lena Berg won the Dutch Open and the NORDIC CHAMPIONSHIP before Harbour City Athletic beat her club."
    spans = [("Dutch Open", "ORG"), ("NORDIC CHAMPIONSHIP", "GPE"), ("Harbour City Athletic", "ORG")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"]) for m in resolved] == [
        ("Dutch Open", "EVENT"), ("NORDIC CHAMPIONSHIP", "EVENT"), ("Harbour City Athletic", "ORG")]


def test_an_organisation_always_written_with_its_s_keeps_it():
    from tasks.entities import resolve_mentions

    body = "Harbour's won a reprieve. Investors weigh Harbour's offer, and Acme's shares fell."
    spans = [("Harbour's", "ORG"), ("Harbour's", "ORG"), ("Acme's", "ORG")]
    resolved = resolve_mentions(_mentions(body, spans), body, "a")
    assert [(m["text"], m["label"]) for m in resolved] == [("Harbour's", "ORG"), ("Harbour's", "ORG"), ("Acme", "ORG")]


def test_a_surname_the_model_read_as_an_organisation_is_the_person_whatever_a_gazetteer_alias_says():
    from tasks.entities import resolve_mentions

    # geonames lists `Dub` among Dublin's names; the model says organisation, the article says person
    body = "Anthony Dub, a vice president of the bank, said Dub would not comment. Officials in Washington met George Washington."
    spans = [("Anthony Dub", "PERSON"), ("Dub", "ORG"), ("Washington", "GPE"), ("George Washington", "PERSON")]
    assert [(m["text"], m["label"], m["canonical_name"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Anthony Dub", "PERSON", "Anthony Dub"), ("Dub", "PERSON", "Anthony Dub"), ("Washington", "GPE", "Washington"),
        ("George Washington", "PERSON", "George Washington")]


def test_a_firm_named_for_its_founders_runs_on_through_and_co():
    from tasks.entities import resolve_mentions

    body = "E.F. Hutton and Co advised the buyer, and Harlow Brothers & Co Inc the seller. J. Adams said prices rose."
    spans = [("E.F. Hutton", "PERSON"), ("Co", "ORG"), ("Harlow Brothers", "ORG"), ("J. Adams", "PERSON")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("E.F. Hutton and Co", "ORG"), ("Harlow Brothers & Co Inc", "ORG"), ("J. Adams", "PERSON")]


def test_a_role_before_a_name_or_an_appositive_after_it_says_what_the_name_is():
    from tasks.entities import resolve_mentions

    body = ("Corvane, Chile's state copper company, said output rose, and chief executive Ruben Alvarado said prices "
            "held. Hen Vipheak, former editor of the paper, spoke. The official Kessa News Agency reported it, and "
            "Arbil, a senior U.N. official in Baghdad said, was calm. Ivo Marr, took a group of reporters north.")
    spans = [("Corvane", "GPE"), ("Chile", "GPE"), ("Ruben Alvarado", "ORG"), ("Hen Vipheak", "ORG"),
             ("Kessa News Agency", "ORG"), ("Arbil", "ORG"), ("Ivo Marr", "PERSON")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Corvane", "ORG"), ("Chile", "GPE"), ("Ruben Alvarado", "PERSON"), ("Hen Vipheak", "PERSON"),
        ("Kessa News Agency", "ORG"), ("Arbil", "ORG"), ("Ivo Marr", "PERSON")]


def test_a_ratings_grade_is_no_organisation_and_an_organiser_is_a_person():
    from tasks.entities import resolve_mentions

    body = ("Draven Mills Inc notes were rated B-1 by Tennant Ratings and BBB- by Vance, which cut them from Baa-2. "
            "Crews went back to work, said union organiser Isla Rendall.")
    spans = [("Draven Mills Inc", "ORG"), ("B-1", "ORG"), ("Tennant Ratings", "ORG"), ("BBB-", "ORG"),
             ("Vance", "ORG"), ("Baa-2", "ORG"), ("Isla Rendall", "ORG")]
    assert [(m["text"], m["label"]) for m in resolve_mentions(_mentions(body, spans), body, "a")] == [
        ("Draven Mills Inc", "ORG"), ("Tennant Ratings", "ORG"), ("Vance", "ORG"), ("Isla Rendall", "PERSON")]
