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


def test_a_lone_first_word_of_an_organisation_and_a_country_are_not_people():
    from tasks.entities import resolve_mentions

    body = "Barrick Gold Corp raised its bid. Barrick said Sri Lanka approved it."
    spans = [("Barrick Gold Corp", "ORG"), ("Barrick", "PERSON"), ("Sri Lanka", "PERSON")]
    mentions, at = [], 0
    for text, label in spans:
        start = body.index(text, at)
        mentions.append({"article_id": "a", "start_char": start, "end_char": start + len(text), "label": label})
        at = start + len(text)
    resolved = resolve_mentions(mentions, body)
    assert [(m["text"], m["label"], m["country_code"]) for m in resolved] == [
        ("Barrick Gold Corp", "ORG", None), ("Barrick", "ORG", None), ("Sri Lanka", "GPE", "LK")]


def test_results_table_field_labels_and_lower_case_units_are_not_entities():
    from tasks.entities import field_labels, resolve_mentions

    body = "Shr 12 cts vs 10 cts\n\nAvg shrs 1,234,000 vs 987,000\n\nAcme Corp said profits rose."
    assert [body[s:e] for s, e in field_labels(body)] == ["Shr", "Avg shrs"]
    spans = [("Shr", "ORG"), ("cts", "ORG"), ("Avg", "PERSON"), ("Acme Corp", "ORG")]
    mentions, at = [], 0
    for text, label in spans:
        start = body.index(text, at)
        mentions.append({"article_id": "a", "start_char": start, "end_char": start + len(text), "label": label})
        at = start + len(text)
    assert [(m["text"], m["label"]) for m in resolve_mentions(mentions, body)] == [("Acme Corp", "ORG")]
