import datetime as dt

from tasks.clean import clean_record
from tasks.spec import to_table
from tasks.dedup import SketchHistory, exact_duplicates, jaccard, near_duplicates, shingles_of, sketch
from tasks.stories import (DocumentFrequencies, StoryEvidence, StoryParams, _hashers, assign_stories, fold_merges,
                           headline_evidence, match_stories, moves_with_copies, named_apart, resolve_merges,
                           stored_headline_evidence, stories_after, summarise_stories)


def article(aid, body_hash="h", published=None, words=10, title=None, outlet=None, body=None):
    return {"article_id": aid, "body_hash": body_hash, "published_date": published, "word_count": words,
            "title": title, "body": body or f"body of {aid}", "outlet": outlet}


def test_canonical_is_earliest_then_longest():
    rows = exact_duplicates([article("b", "h", dt.date(2024, 1, 2)), article("a", "h", dt.date(2024, 1, 1)),
                             article("c", "h", dt.date(2024, 1, 1), words=50)], {})
    assert rows == [{"article_id": "a", "duplicate_of": "c", "kind": "exact", "similarity": 1.0},
                    {"article_id": "b", "duplicate_of": "c", "kind": "exact", "similarity": 1.0}]


def test_an_earlier_runs_canonical_stays_canonical():
    rows = exact_duplicates([article("new", "h", dt.date(2020, 1, 1))], {"h": "old"})
    assert rows == [{"article_id": "new", "duplicate_of": "old", "kind": "exact", "similarity": 1.0}]


ORIGINAL = ("The harbour authority said on Monday that forty ships were waiting to berth after the storm. "
            "Pilots resumed work at dawn and the first container ships entered the port by noon. "
            "Officials expected the backlog to clear by the end of the week.")
REPRINT = ORIGINAL.replace("forty", "fourty")  # a reprint with a typo


def test_reprint_is_near_duplicate_of_earlier_run_with_verified_jaccard():
    def sketches(*articles):
        return {a["article_id"]: sketch(a["body"]) for a in articles}

    first, state = near_duplicates([article("a", body=ORIGINAL)], [], sketches(article("a", body=ORIGINAL)), None,
                                   threshold=0.5)
    assert first == [] and [row["article_id"] for row in state] == ["a"]
    history = SketchHistory.from_arrow(to_table("_minhash", state))  # what the warehouse persists
    second, new_state = near_duplicates([article("b", body=REPRINT)], [], sketches(article("b", body=REPRINT)),
                                        history, threshold=0.5)
    expected = round(jaccard(shingles_of(ORIGINAL), shingles_of(REPRINT)), 4)
    assert second == [{"article_id": "b", "duplicate_of": "a", "kind": "near", "similarity": expected}]
    assert 0.5 <= expected < 1 and new_state == []
    wheat = article("c", body="Wheat prices rose in Chicago on strong export demand.")
    unrelated, _ = near_duplicates([wheat], [], sketches(wheat), history, threshold=0.5)
    assert unrelated == []


def test_copies_inherit_their_originals_story():
    articles = [article("a", "h1"), article("b", "h1"), article("c", "h2")]
    story_of = assign_stories(articles, [{"article_id": "b", "duplicate_of": "a"},
                                         {"article_id": "c", "duplicate_of": "old"}], {"old": "st-old"})
    assert story_of == {"a": "st-a", "b": "st-a", "c": "st-old"}


def test_story_summary_folds_onto_stored_row():
    known = {"st-old": {"story_id": "st-old", "title": "Old", "first_date": dt.date(2024, 1, 1),
                        "last_date": dt.date(2024, 1, 1), "article_count": 2, "outlet_count": 1, "outlets": ["AFP"]}}
    rows = summarise_stories([article("c", "h", dt.date(2024, 1, 3), outlet="AFP"),
                              article("d", "h", dt.date(2023, 12, 30), outlet="Reuters")],
                             {"c": "st-old", "d": "st-old"}, known)
    assert rows == [{"story_id": "st-old", "title": "Old", "first_date": dt.date(2023, 12, 30),
                     "last_date": dt.date(2024, 1, 3), "article_count": 4, "outlet_count": 2,
                     "outlets": ["AFP", "Reuters"]}]


FLOOD = "Floods in Valencia closed schools as the Turia river rose; mayor Maria Catala ordered evacuations."
FLOOD_2 = "Valencia mayor Maria Catala said schools stay closed while the Turia river floods the old town."
FLOOD_3 = "Rescue teams in Valencia pumped water from flooded schools; Maria Catala thanked the volunteers."
VOTE = "Lawmakers in Oslo approved a new fishing quota for cod after prime minister Jonas Store backed the bill."


def names(aid, *people):
    return [{"article_id": aid, "label": "PERSON", "canonical_name": p} for p in people]


def test_story_ids_survive_a_second_run_that_adds_related_articles():
    params = StoryParams(threshold=0.1, min_df=1)
    day = dt.date(2024, 10, 30)
    first = [article("f1", published=day, body=FLOOD), article("v1", published=day, body=VOTE)]
    match = match_stories(first, names("f1", "Maria Catala") + names("v1", "Jonas Store"), StoryEvidence(),
                          DocumentFrequencies(), params)
    rows, df = match.evidence_rows, match.df
    assert match.story_of == {"f1": "st-f1", "v1": "st-v1"} and match.merges == [] and match.moved == {}
    assert [(r["article_id"], r["story_id"], r["day"], r["years"]) for r in rows] == [
        ("f1", "st-f1", day, [2024]), ("v1", "st-v1", day, [2024])]
    # what the warehouse keeps between runs: raw counts, weighted again under later frequencies
    evidence = StoryEvidence.from_arrow(to_table("_story_terms", rows))
    stored_df = DocumentFrequencies.from_arrow(to_table("_term_df", df.changed_rows(DocumentFrequencies())))
    assert stored_df.docs == 2 and (stored_df.counts == df.counts).all()
    second = [article("f2", published=day + dt.timedelta(days=1), body=FLOOD_2),
              article("f3", published=day + dt.timedelta(days=1), body=FLOOD_3)]
    again = match_stories(second, names("f2", "Maria Catala") + names("f3", "Maria Catala"), evidence, stored_df,
                          params)
    assert again.story_of == {"f2": "st-f1", "f3": "st-f1"} and again.moved == {} and again.df.docs == 4


def test_far_apart_dates_never_share_a_story():
    params = StoryParams(threshold=0.1, min_df=1)
    story_of = match_stories(
        [article("a", published=dt.date(2024, 1, 1), body=FLOOD), article("b", published=dt.date(2024, 6, 1), body=FLOOD_2)],
        names("a", "Maria Catala") + names("b", "Maria Catala"), StoryEvidence(), DocumentFrequencies(), params).story_of
    assert story_of == {"a": "st-a", "b": "st-b"}


def test_datelines_without_a_year_still_keep_days_far_apart_out_of_one_story():
    def datelined(aid, day, body):
        return {"article_id": aid, **clean_record({"text": f"VALENCIA, {day} - {body}", "format": "txt"}, None)}

    params = StoryParams(threshold=0.1, min_df=1)
    people = names("a", "Maria Catala") + names("b", "Maria Catala")

    def stories(day_a, day_b):
        pair = [datelined("a", day_a, FLOOD), datelined("b", day_b, FLOOD_2)]
        assert [(a["published_date"], a["dateline_date"]) for a in pair] == [(None, None)] * 2
        return match_stories(pair, people, StoryEvidence(), DocumentFrequencies(), params).story_of

    assert stories("March 3", "March 21") == {"a": "st-a", "b": "st-b"}
    assert stories("March 3", "March 5") == {"a": "st-a", "b": "st-a"}
    assert stories("Dec 30", "Jan 2") == {"a": "st-a", "b": "st-a"}  # round the turn of a year
    # across runs, the earlier article's day comes from its stored evidence
    first = match_stories([datelined("a", "March 3", FLOOD)], people, StoryEvidence(), DocumentFrequencies(), params)
    assert [row["day_of_year"] for row in first.evidence_rows] == [63]
    evidence = StoryEvidence.from_arrow(to_table("_story_terms", first.evidence_rows))
    for day, story in (("March 21", "st-b"), ("March 6", "st-a")):
        later = match_stories([datelined("b", day, FLOOD_2)], people, evidence, first.df, params)
        assert later.story_of == {"b": story}


def test_the_agency_that_carried_two_stories_is_no_evidence_they_are_one():
    params = StoryParams(threshold=0.1, min_df=1)
    day = dt.date(2024, 10, 30)
    bodies = {"p": "The port of Tianjin will borrow 390 million dollars, the New China News Agency said on Monday.",
              "g": "Gold output in Heilongjiang rose 12 percent this year, the New China News Agency said on Monday."}
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": "New China News Agency"} for aid in bodies]
    story_of = match_stories([article(aid, published=day, body=body) for aid, body in bodies.items()],
                             mentions, StoryEvidence(), DocumentFrequencies(), params).story_of
    assert story_of == {"p": "st-p", "g": "st-g"}


def test_merged_story_keeps_the_older_id_and_records_the_merge():
    assert resolve_merges([("st-b", "st-a"), ("st-c", "st-b")]) == {"st-b": "st-a", "st-c": "st-a"}
    rows = {"st-a": {"story_id": "st-a", "title": "A", "first_date": dt.date(2024, 1, 1), "last_date": dt.date(2024, 1, 1),
                     "article_count": 2, "outlet_count": 1, "outlets": ["AFP"]},
            "st-b": {"story_id": "st-b", "title": "B", "first_date": dt.date(2024, 1, 2), "last_date": dt.date(2024, 1, 3),
                     "article_count": 1, "outlet_count": 1, "outlets": ["AP"]}}
    folded = fold_merges(rows, [("st-b", "st-a")])
    assert (folded["st-a"]["article_count"], folded["st-a"]["outlets"], folded["st-a"]["last_date"]) == (
        3, ["AFP", "AP"], dt.date(2024, 1, 3))
    assert (folded["st-b"]["article_count"], folded["st-b"]["merged_into"]) == (0, "st-a")


VOTE_2 = "In Oslo, Jonas Store said the cod quota vote shows lawmakers back the fishing communities of the north."
VOTE_3 = "Fishing groups in Oslo welcomed the cod quota that lawmakers approved after Jonas Store backed the bill."


def test_articles_arriving_over_three_runs_end_in_the_stories_of_one_run():
    params = StoryParams(threshold=0.1, min_df=1)
    day = dt.date(2024, 10, 30)
    bodies = {"f1": FLOOD, "v1": VOTE, "f2": FLOOD_2, "v2": VOTE_2, "f3": FLOOD_3, "v3": VOTE_3}
    people = {"f": "Maria Catala", "v": "Jonas Store"}
    articles = [article(aid, published=day, body=body) for aid, body in bodies.items()]
    mentions = [m for aid in bodies for m in names(aid, people[aid[0]])]
    together = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), params).story_of
    assert together == {"f1": "st-f1", "f2": "st-f1", "f3": "st-f1", "v1": "st-v1", "v2": "st-v1", "v3": "st-v1"}
    stored, df, apart = [], DocumentFrequencies(), {}
    for run in (["f1", "v1"], ["f2", "v2"], ["f3", "v3"]):
        batch = [a for a in articles if a["article_id"] in run]
        match = match_stories(batch, [m for m in mentions if m["article_id"] in run],
                              StoryEvidence.from_arrow(to_table("_story_terms", stored)), df, params)
        assert match.merges == [] and match.moved == {}
        stored, df = stored + match.evidence_rows, match.df
        apart |= match.story_of
    assert apart == together


FERRY = {"a1": "A ferry sank off Bergen harbour in a storm; coast guard chief Lena Dahl said all forty passengers were "
               "rescued.",
         "b1": "A ferry sank off Tromso harbour after an engine fire; coast guard chief Lena Dahl said two crew were "
               "missing.",
         "a2": "Divers reached the ferry that sank off Bergen in the storm; Lena Dahl said the forty passengers are safe.",
         "a3": "Bergen storm: the sunken ferry will be raised next week, Lena Dahl said; all forty passengers were "
               "rescued.",
         "b2": "The engine fire that sank the Tromso ferry started below deck, Lena Dahl said; two crew are still "
               "missing.",
         "b3": "Tromso divers searched for the two missing crew of the ferry sunk by an engine fire, said Lena Dahl."}


def test_a_story_an_early_run_mixed_splits_once_later_articles_tell_its_events_apart():
    params = StoryParams(threshold=0.3, min_df=1)
    day = dt.date(2024, 10, 30)
    articles = {aid: article(aid, published=day, body=body) for aid, body in FERRY.items()}
    mentions = [m for aid in FERRY for m in names(aid, "Lena Dahl", "Bergen" if aid[0] == "a" else "Tromso")]

    def run(ids, stored, df):
        return match_stories([articles[i] for i in ids], [m for m in mentions if m["article_id"] in ids],
                             StoryEvidence.from_arrow(to_table("_story_terms", stored)), df, params)

    first = run(["a1", "b1"], [], DocumentFrequencies())
    assert first.story_of == {"a1": "st-a1", "b1": "st-a1"}  # two sinkings, too little text to tell apart
    second = run(["a2", "a3", "b2", "b3"], first.evidence_rows, first.df)
    assert second.story_of == {"a2": "st-a1", "a3": "st-a1", "b2": "st-b2", "b3": "st-b2"}
    assert second.moved == {"b1": "st-b2"} and second.merges == []  # the story keeps its id and its first article


def test_a_split_recounts_both_stories_from_their_stored_articles_and_moves_copies_along():
    def member(aid, story, day, outlet, copy_of=None):
        return {"article_id": aid, "story_id": story, "duplicate_of": copy_of, "published_date": dt.date(2024, 10, day),
                "outlet": outlet, "agency": None, "title": aid.upper()}

    members = [member("a1", "st-a1", 30, "Reuters"), member("b1", "st-a1", 29, "AP"),
               member("c1", "st-a1", 31, "AFP", copy_of="b1")]
    known = {"st-a1": {"story_id": "st-a1", "title": "A1", "first_date": dt.date(2024, 10, 29),
                       "last_date": dt.date(2024, 10, 31), "article_count": 3, "outlet_count": 3,
                       "outlets": ["AFP", "AP", "Reuters"]}}
    moves = moves_with_copies({"b1": "st-b2"}, members)
    assert moves == {"b1": "st-b2", "c1": "st-b2"}
    rows = stories_after([article("b2", published=dt.date(2024, 11, 1), outlet="NTB")], {"b2": "st-b2"}, known, [],
                         members, moves)
    assert [(r["story_id"], r["title"], r["article_count"], r["outlets"], r["first_date"], r["last_date"])
            for r in rows] == [
        ("st-b2", "B1", 3, ["AFP", "AP", "NTB"], dt.date(2024, 10, 29), dt.date(2024, 11, 1)),
        ("st-a1", "A1", 1, ["Reuters"], dt.date(2024, 10, 30), dt.date(2024, 10, 30))]


def test_a_split_inside_one_run_moves_an_article_of_an_earlier_block_without_calling_it_stored():
    params = StoryParams(threshold=0.3, min_df=1, block_size=3)
    day = dt.date(2024, 10, 30)
    articles = [article(aid, published=day - dt.timedelta(days=aid in ("a1", "b1")), body=body)
                for aid, body in FERRY.items()]
    mentions = [m for aid in FERRY for m in names(aid, "Lena Dahl", "Bergen" if aid[0] == "a" else "Tromso")]
    match = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), params)
    # blocks (a1, b1, a2) and (a3, b2, b3): the first block's one story splits in the second
    assert match.story_of == {"a1": "st-a1", "a2": "st-a1", "a3": "st-a1", "b1": "st-b2", "b2": "st-b2", "b3": "st-b2"}
    assert match.moved == {} and [r["story_id"] for r in match.evidence_rows if r["article_id"] == "b1"] == ["st-b2"]


NOTICES = {  # one template, one underwriter and one rating agency; two issuers
    "bw": ("BRIGHTWATER CORP SELLS NOTES AT 7.25 PCT",
           "Brightwater Corp is raising 100 mln dlrs through an offering of notes due 1997 yielding 7.25 pct, said "
           "lead manager Harlow Brothers Inc. The notes are non-callable for seven years and rated A-2 by Vance "
           "Ratings Inc."),
    "km": ("KELMONT INC SELLS NOTES AT 7.31 PCT",
           "Kelmont Inc is raising 100 mln dlrs through an offering of notes due 1997 yielding 7.31 pct, said lead "
           "manager Harlow Brothers Inc. The notes are non-callable for seven years and rated A-2 by Vance Ratings "
           "Inc."),
    "bw2": ("BRIGHTWATER NOTE SALE DRAWS STRONG DEMAND",
            "Demand for the Brightwater Corp notes priced by Harlow Brothers Inc was strong, traders said, and the "
            "issue yielding 7.25 pct sold out within the hour."),
}
NOTICE_ORGS = {"bw": ["Brightwater Corp", "Harlow Brothers Inc", "Vance Ratings Inc"],
               "km": ["Kelmont Inc", "Harlow Brothers Inc", "Vance Ratings Inc"],
               "bw2": ["Brightwater Corp", "Harlow Brothers Inc"]}


def notices(*ids):
    day = dt.date(1987, 3, 25)
    articles = [article(aid, published=day, title=NOTICES[aid][0], body=NOTICES[aid][1]) for aid in ids]
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": name} for aid in ids for name in NOTICE_ORGS[aid]]
    return articles, mentions


def test_notices_cut_from_one_template_share_a_story_only_when_their_headlines_name_one_issuer():
    articles, mentions = notices("bw", "km", "bw2")
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert story_of == {"bw": "st-bw", "bw2": "st-bw", "km": "st-km"}
    blind = StoryParams(headline_actors=False)  # shared words and shared underwriters alone join all three
    assert set(match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), blind).story_of.values()) == {
        "st-bw"}


def test_notices_whose_headlines_share_the_rating_agency_are_told_apart_by_the_issuer_they_lead_with():
    day = dt.date(1987, 3, 25)
    body = ("{} said Vance Ratings Inc raised the rating of its 150 mln dlrs of senior debt to A-2 from A-3, citing "
            "improved cash flow and lower leverage after the sale of its shipping unit.")
    articles = [article("km", published=day, title="KELMONT INC DEBT UPGRADED BY VANCE RATINGS",
                        body=body.format("Kelmont Inc")),
                article("bw", published=day, title="BRIGHTWATER CORP DEBT UPGRADED BY VANCE RATINGS",
                        body=body.format("Brightwater Corp"))]
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": name}
                for aid, issuer in (("km", "Kelmont Inc"), ("bw", "Brightwater Corp"))
                for name in (issuer, "Vance Ratings Inc")]
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert [len(actors[aid].keys) for aid in ("km", "bw")] == [1, 1]  # the issuer only, not the agency
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert story_of == {"km": "st-km", "bw": "st-bw"}


RATINGS = {  # one rating agency's template; one headline leads with the agency, the other with its issuer
    "km": ("VANCE RATINGS MAY UPGRADE KELMONT INC", "Kelmont Inc", "240 mln"),
    "bw": ("BRIGHTWATER CORP DEBT UPGRADED BY VANCE RATINGS", "Brightwater Corp", "615 mln"),
}


def ratings(*ids, amount=None):
    day = dt.date(1987, 3, 25)
    body = ("Vance Ratings Inc said it may raise the rating of {}'s {} dlrs of senior debt, citing improved cash flow. "
            "Vance said the review would take about a month.")
    articles = [article(aid, published=day, title=title, body=body.format(issuer, amount or own_amount))
                for aid, (title, issuer, own_amount) in ((aid, RATINGS[aid]) for aid in ids)]
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": name}
                for aid in ids for name in (RATINGS[aid][1], "Vance Ratings Inc")]
    return articles, mentions


def test_notices_naming_one_agency_and_two_issuers_with_no_figure_in_common_are_two_stories():
    articles, mentions = ratings("km", "bw")
    # `vance` leads one headline and is in the other body: the leading actors alone cannot tell them apart
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert [len(actors[aid].named) for aid in ("km", "bw")] == [2, 2]
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert story_of == {"km": "st-km", "bw": "st-bw"}
    assert named_apart(actors["km"], actors["bw"])
    # one sum in both is what one event's reports share: the issuers no longer part them
    articles, mentions = ratings("km", "bw", amount="240 mln")
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert not named_apart(actors["km"], actors["bw"])
    # across runs: the earlier notice's actors and figures come from its stored evidence
    articles, mentions = ratings("km", "bw")
    first = match_stories(articles[:1], mentions, StoryEvidence(), DocumentFrequencies(), StoryParams())
    stored = to_table("_story_terms", first.evidence_rows)
    second = match_stories(articles[1:], mentions, StoryEvidence.from_arrow(stored), first.df, StoryParams())
    assert second.story_of == {"bw": "st-bw"} and second.merges == []
    later = headline_evidence(articles[1:], mentions, first.df)
    assert named_apart(later["bw"], stored_headline_evidence(stored)["km"])


def test_a_lenders_notices_naming_two_borrowing_countries_with_no_figure_in_common_are_two_stories():
    day = dt.date(1987, 6, 2)
    body = ("The Nordic Harbour Fund said it approved a {} mln dlr loan to {} to rebuild fishing harbours. "
            "The loan runs for {} years and carries the fund's standard rate.")
    loans = {"is": ("NORDIC HARBOUR FUND LENDS ICELAND 40 MLN DLRS", "Iceland", ("40", "15")),
             "fo": ("FAROE ISLANDS GET 25 MLN DLR NORDIC HARBOUR FUND LOAN", "Faroe Islands", ("25", "12"))}
    articles = [article(aid, published=day, title=title, body=body.format(amount, place, years))
                for aid, (title, place, (amount, years)) in loans.items()]
    mentions = [{"article_id": aid, "label": label, "canonical_name": name} for aid, (_, place, _) in loans.items()
                for label, name in (("ORG", "Nordic Harbour Fund"), ("GPE", place))]
    # the borrower is a place: a headline leads only with a person or organisation, but names places too
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert [len(actors[aid].keys) for aid in loans] == [1, 1] and named_apart(actors["is"], actors["fo"])
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert story_of == {"is": "st-is", "fo": "st-fo"}


def test_a_name_only_the_headline_the_body_repeats_gives_is_no_headline_actor():
    title = "Vance Ratings May Upgrade Kelmont"
    body = f"{title}\n\nVance Ratings Inc said it may raise the rating of Kelmont Inc's 240 mln dlrs of debt."
    mentions = [{"article_id": "km", "label": "ORG", "canonical_name": name, "start_char": body.find(text)}
                for name, text in (("Vance Ratings May Upgrade Kelmont", title),
                                   ("Vance Ratings Inc", "Vance Ratings Inc"), ("Kelmont Inc", "Kelmont Inc"))]
    actors = headline_evidence([article("km", title=title, body=body)], mentions, DocumentFrequencies())
    assert len(actors["km"].named) == 2  # the agency and the issuer; the title-case span is the headline itself


def test_a_notice_of_another_issuer_joins_no_stored_story_in_a_later_run():
    articles, mentions = notices("bw")
    first = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams())
    evidence = StoryEvidence.from_arrow(to_table("_story_terms", first.evidence_rows))
    articles, mentions = notices("km", "bw2")
    second = match_stories(articles, mentions, evidence, first.df, StoryParams())
    assert second.story_of == {"bw2": "st-bw", "km": "st-km"} and second.merges == [] and second.moved == {}


def test_one_template_filled_in_for_two_issuers_is_no_reprint_in_one_run_or_across_runs():
    articles, mentions = notices("bw", "km")
    sketches = {a["article_id"]: sketch(a["body"]) for a in articles}
    blind, _ = near_duplicates(articles, [], sketches, None, threshold=0.5)  # the shingles alone: a reprint
    assert [(r["article_id"], r["duplicate_of"]) for r in blind] == [("km", "bw")]
    assert headline_evidence([], [], DocumentFrequencies()) == {}  # a run whose every record was refused
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert near_duplicates(articles, [], sketches, None, threshold=0.5, actors=actors)[0] == []
    # across runs: the earlier notice's actor comes from its stored story evidence
    _, state = near_duplicates(articles[:1], [], sketches, None, threshold=0.5)
    stored = match_stories(articles[:1], mentions, StoryEvidence(), DocumentFrequencies(), StoryParams())
    actors = (headline_evidence(articles[1:], mentions, stored.df)
              | stored_headline_evidence(to_table("_story_terms", stored.evidence_rows)))
    history = SketchHistory.from_arrow(to_table("_minhash", state))
    assert near_duplicates(articles[1:], [], sketches, history, threshold=0.5, actors=actors)[0] == []
    assert near_duplicates(articles[1:], [], sketches, history, threshold=0.5)[0][0]["duplicate_of"] == "bw"


def test_a_text_filed_again_under_a_dateline_weeks_later_is_a_new_report_not_a_reprint():
    notice = ("Orkney Ferries said it would run {} sailings a week to the northern isles from next month, "
              "citing fuel costs of {} mln stg a year and fewer winter passengers on every route it serves.")

    def filed(aid, day, sailings, cost, published=None):
        text = f"KIRKWALL, {day} - " + notice.format(sailings, cost)
        return {"article_id": aid, **clean_record({"text": text, "format": "txt"}, None), "published_date": published}

    def reprints(*articles, window_days=7):
        sketches = {a["article_id"]: sketch(a["body"]) for a in articles}
        actors = headline_evidence(list(articles), [], DocumentFrequencies())
        rows, _ = near_duplicates(list(articles), [], sketches, None, 0.5, actors, window_days)
        return [(r["article_id"], r["duplicate_of"]) for r in rows]

    assert reprints(filed("a", "Nov 3", 14, "2.4"), filed("b", "Nov 24", 16, "2.6")) == []
    assert reprints(filed("a", "Nov 3", 14, "2.4"), filed("b", "Nov 5", 16, "2.6")) == [("b", "a")]
    # a reprint keeps its dateline whenever it is published; a published date never parts copies
    assert reprints(filed("a", "Nov 3", 14, "2.4", dt.date(2024, 11, 3)),
                    filed("b", "Nov 24", 16, "2.6", dt.date(2024, 11, 24))) == [("b", "a")]
    # across runs: the earlier notice's day comes from its stored story evidence
    first = filed("a", "Nov 3", 14, "2.4")
    stored = match_stories([first], [], StoryEvidence(), DocumentFrequencies(), StoryParams())
    earlier = stored_headline_evidence(to_table("_story_terms", stored.evidence_rows))
    later = filed("b", "Nov 24", 16, "2.6")
    _, state = near_duplicates([first], [], {"a": sketch(first["body"])}, None, 0.5)
    history = SketchHistory.from_arrow(to_table("_minhash", state))
    actors = headline_evidence([later], [], stored.df) | earlier
    assert near_duplicates([later], [], {"b": sketch(later["body"])}, history, 0.5, actors, 7)[0] == []
    assert near_duplicates([later], [], {"b": sketch(later["body"])}, history, 0.5, actors)[0][0]["duplicate_of"] == "a"


def test_headlines_that_share_their_protagonist_keep_one_event_together_whatever_else_they_name():
    day = dt.date(2024, 5, 2)
    stories = {
        "a": ("Lena Dahl checks into Meridian Clinic",
              "Singer Lena Dahl checked into the Meridian Clinic in Bergen on Thursday for a 90-day stay, her "
              "spokesman said.", ["Lena Dahl", "Meridian Clinic"]),
        "b": ("Lena Dahl leaves rehab within hours, says Palmer Law",
              "Singer Lena Dahl left the Bergen clinic hours after checking in for a 90-day stay, her lawyers at "
              "Palmer Law said on Thursday.", ["Lena Dahl", "Palmer Law"])}
    articles = [article(aid, published=day, title=title, body=body) for aid, (title, body, _) in stories.items()]
    mentions = [{"article_id": aid, "label": "PERSON" if name == "Lena Dahl" else "ORG", "canonical_name": name}
                for aid, (_, _, names) in stories.items() for name in names]
    params = StoryParams(threshold=0.1, min_df=1)
    assert match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), params).story_of == {
        "a": "st-a", "b": "st-a"}


def test_an_issuer_whose_words_are_equally_rare_still_leads_its_headline():
    day = dt.date(1987, 3, 30)
    body = ("{}, a {} investment firm, said it raised its stake in {} to 351,500 shares, or 10.6 pct of the total "
            "outstanding common stock, from 286,500 shares, or 8.6 pct, in a filing with the Securities and "
            "Exchange Commission.")
    notices = {"pt": ("HARBOUR FIRM RAISES TARRANT STAKE", "Kowloon Equity Ltd", "Hong Kong", "Pellworth Tarrant Co"),
               "qf": ("LONDON FIRM RAISES QUILLON FUND STAKE", "Thames Holdings Plc", "London", "Quillon Fund")}
    articles = [article(aid, published=day, title=title, body=body.format(buyer, city, issuer))
                for aid, (title, buyer, city, issuer) in notices.items()]
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": name}
                for aid, (_, buyer, _, issuer) in notices.items()
                for name in (buyer, issuer, "Securities and Exchange Commission")]
    # `pellworth`, `tarrant` and `co` are each seen once: the headline holds one of them
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert [len(actors[aid].keys) for aid in ("pt", "qf")] == [1, 1]
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert story_of == {"pt": "st-pt", "qf": "st-qf"}
    blind = StoryParams(headline_actors=False)
    assert set(match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), blind).story_of.values()) == {
        "st-pt"}


BRIDGED = {"bw": "Brightwater Corp", "km": "Kelmont Inc", "tr": "Tarrow Mills Inc", "ox": "Oxbury Gas Co",
           "pf": "Pellam Funding Corp", "cp": "Corvel Products Inc"}  # the model misses the last two issuers


def test_notices_the_model_found_no_issuer_in_never_bridge_issuers_their_headlines_part():
    day = dt.date(1987, 6, 18)
    body = ("{} is raising 100 mln dlrs through an offering of subordinated notes due 1997 yielding {} pct, said lead "
            "manager Harlow Brothers Inc. The notes are non-callable for seven years and rated B-2 by Vance Ratings "
            "Inc, the underwriter said, and the issue was priced at par to yield {} basis points over Treasury notes.")
    articles, mentions = [], []
    for i, (aid, issuer) in enumerate(BRIDGED.items()):
        articles.append(article(aid, published=day, title=f"{issuer.split()[0].upper()} SUBORDINATED NOTES YIELD "
                                f"{9 + i}.5 PCT", body=body.format(issuer, f"{9 + i}.5", 120 + 10 * i)))
        mentions += [{"article_id": aid, "label": "ORG", "canonical_name": name}
                     for name in ["Harlow Brothers Inc", "Vance Ratings Inc"] + ([issuer] if aid not in ("pf", "cp") else [])]
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert len({story_of[aid] for aid in ("bw", "km", "tr", "ox")}) == 4


def test_a_headline_leads_with_the_name_its_body_capitalises_when_the_model_found_only_the_underwriter():
    day = dt.date(1987, 6, 18)
    notices = {
        "pf": ("PELCO SELLS NOTES VIA HARLOW BROTHERS",
               "Pellam Export Lending Corp, PELCO, is raising 200 mln dlrs through an offering of notes due 1992 "
               "yielding 7.85 pct, said sole manager Harlow Brothers Inc. The notes are rated AAA."),
        "km": ("KELMONT INC SELLS NOTES IN MARCH",
               "Kelmont Inc is raising 150 mln dlrs through an offering of notes due 1994 yielding 8.10 pct, said "
               "lead manager Harlow Brothers Inc. The notes are rated A-2 and sold in March."),
    }
    articles = [article(aid, published=day, title=title, body=body) for aid, (title, body) in notices.items()]
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": name}
                for aid, names in (("pf", ["Harlow Brothers Inc"]), ("km", ["Kelmont Inc", "Harlow Brothers Inc"]))
                for name in names]
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    # `pelco`, which the body writes with capitals only; not `harlow`, which Kelmont's notice names too
    assert actors["pf"].keys == hashed("pelco") and actors["km"].keys == hashed("kelmont")
    assert named_apart(actors["pf"], actors["km"])
    story_of = match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of
    assert story_of == {"pf": "st-pf", "km": "st-km"}


def hashed(word):
    return frozenset(_hashers()[1].transform([[word]]).indices.tolist())


def test_no_headline_subject_is_a_month_a_place_a_common_word_or_a_word_the_body_also_writes_lower_case():
    def keys(title, body, mentions=(), df=DocumentFrequencies()):
        found = headline_evidence([article("a", title=title, body=body)], [
            {"article_id": "a", "label": label, "canonical_name": name} for label, name in mentions], df)
        return found["a"].keys

    # the first word of a sentence may be any word; a month is capitalised inside one too
    assert keys("MARCH CAR SALES AT TARROW RISE", "Car sales rose 4 pct in March, said Tarrow Motors.") == \
        hashed("tarrow")
    assert keys("OSLAND SALES AT TARROW RISE", "Sales in Osland rose 4 pct, said Tarrow Motors.",
                [("GPE", "Osland")]) == hashed("tarrow")
    assert keys("STEEL OUTPUT FALLS", "Output fell, said Steel Traders, and steel prices rose.") == frozenset()
    # a word one article in a hundred holds is no name to tell one by
    df = DocumentFrequencies()
    df.docs = 300
    df.counts[list(hashed("tarrow"))] = 4
    assert keys("TARROW SALES RISE", "Sales rose 4 pct, said Tarrow Motors.", df=df) == frozenset()
    assert keys("TARROW SALES RISE", "Sales rose 4 pct, said Tarrow Motors.") == hashed("tarrow")


def test_two_companies_results_tables_are_two_stories_and_a_report_of_the_same_figures_is_not_parted():
    day = dt.date(1987, 3, 19)
    table = ("Shr {} vs {}\n    Final div 6p, making 8p vs 13p.\n    Pre-tax profit {} mln stg vs {} "
             "mln.\n    Net profit {} mln vs {} mln.\n    Turnover {} mln stg vs {}.\n    Operating profit {} mln stg vs "
             "{} mln.\n    Extraordinary debit {} mln vs nil.\n Reuter")
    figures = {"br": ("6.56p", "50.31p", 134, 759, 33, 253, 978, "1.80 billion", 149, 756, 50),
               "bk": ("9.10p", "8.20p", 61, 52, 41, 36, 712, "644 mln", 88, 79, 27)}
    articles = [article(aid, published=day, title=title, body=table.format(*figures[aid]))
                for aid, title in (("br", "BRANTLEY PLC <BRT.L> 1986 YEAR"), ("bk", "BOWERS PLC <BWR.L> 1986 YEAR"))]
    mentions = [{"article_id": aid, "label": "GPE", "canonical_name": "London"} for aid in ("br", "bk")]
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    assert named_apart(actors["br"], actors["bk"])
    params = StoryParams(min_df=1)
    assert match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), params).story_of == {
        "br": "st-br", "bk": "st-bk"}
    assert len(set(match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(),
                                 StoryParams(min_df=1, headline_actors=False)).story_of.values())) == 1
    # the same table filed again with one figure put right is the same results
    corrected = article("br2", published=day, title="BRANTLEY PLC <BRT.L> 1986 YEAR (CORRECTED)",
                        body=table.format(*figures["br"][:-2], 755, 50))
    actors = headline_evidence([articles[0], corrected], mentions, DocumentFrequencies())
    assert not named_apart(actors["br"], actors["br2"])


def test_a_headline_naming_its_issuer_only_before_a_ticker_leads_with_that_issuer():
    day = dt.date(1987, 3, 28)
    table = ("Shr {} cts vs {} cts\n    Fin Div 8.0 cts gross vs 9.0 cts\n    Group net {} mln dlrs vs {} mln\n"
             "    Note - Fin div pay June 6.\n Reuter")
    notices = {"ob": ("CORRECTED - ORWELL BANKING CORP LTD <ORWB.SI> YEAR", ("21", "20", "104.8", "100.9")),
               "uh": ("UNITED HARBOUR BANK LTD <UHBK.SI> YEAR", ("26.9", "25.1", "106.1", "99.0"))}
    articles = [article(aid, published=day, title=title, body=table.format(*figures))
                for aid, (title, figures) in notices.items()]
    # the only name the two tables share is a field label the model took for one
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": "Fin Div"} for aid in notices]
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    # no body word tells the issuers apart, and none is rarer than another: the name's first word
    assert actors["ob"].keys == hashed("orwell") and actors["uh"].keys == hashed("united")
    assert named_apart(actors["ob"], actors["uh"])
    assert match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of == {
        "ob": "st-ob", "uh": "st-uh"}
    assert len(set(match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(),
                                 StoryParams(headline_actors=False)).story_of.values())) == 1
    # without a ticker no word of a headline in capitals is known to be a name
    untickered = article("un", published=day, title="UNITED HARBOUR BANK LTD YEAR", body=articles[1]["body"])
    assert headline_evidence([untickered], mentions, DocumentFrequencies())["un"].keys == frozenset()
    # a name may hold a figure (`3M <MMM>`); a figure alone is none
    for title, key in (("7K <SVK> YEAR NET", hashed("7k")), ("1986 <ABC> YEAR NET", frozenset())):
        assert headline_evidence([article("n", published=day, title=title, body=articles[1]["body"])], mentions,
                                 DocumentFrequencies())["n"].keys == key
    # one issuer's results under another headline: both lead with it, though no body writes it
    again = article("ob2", published=day, title="ORWELL BANKING <ORWB.SI> 1986 NET UP", body=articles[0]["body"])
    actors = headline_evidence([articles[0], again], mentions, DocumentFrequencies())
    assert actors["ob2"].keys == hashed("orwell") and not named_apart(actors["ob"], actors["ob2"])
    # initials are spelled in more ways than words: a name's longer word keys it
    spelled = [article(aid, published=day, title=title, body=articles[0]["body"])
               for aid, title in (("jp", "J.P. ORWELL AND CO <JPO> YEAR"), ("jp2", "JP ORWELL AND CO INC <JPO> NET"))]
    actors = headline_evidence(spelled, mentions, DocumentFrequencies())
    assert actors["jp"].keys == actors["jp2"].keys == hashed("orwell")


def test_an_agency_one_headline_abbreviates_still_parts_its_notices_of_two_issuers():
    day = dt.date(1987, 3, 25)
    body = "Vance Ratings Inc said it lowered {}'s {} mln dlrs of first mortgage bonds to BBB from A, citing {}."
    notices = {"km": ("V/R LOWERS KELMONT INC DEBT", "Kelmont Inc", "240", "plant costs"),
               "bw": ("VANCE RATINGS LOWERS BRIGHTWATER CORP", "Brightwater Corp", "615", "weak sales")}
    articles = [article(aid, published=day, title=title, body=body.format(issuer, amount, why))
                for aid, (title, issuer, amount, why) in notices.items()]
    mentions = [{"article_id": aid, "label": "ORG", "canonical_name": name}
                for aid, (_, issuer, _, _) in notices.items() for name in (issuer, "Vance Ratings Inc")]
    actors = headline_evidence(articles, mentions, DocumentFrequencies())
    # Brightwater's headline leads with the agency Kelmont's body names: the first rule cannot part them
    assert actors["bw"].keys == hashed("vance") and not actors["km"].named & actors["bw"].named
    assert named_apart(actors["km"], actors["bw"])
    assert match_stories(articles, mentions, StoryEvidence(), DocumentFrequencies(), StoryParams()).story_of == {
        "km": "st-km", "bw": "st-bw"}
