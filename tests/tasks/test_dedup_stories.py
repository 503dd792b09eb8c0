import datetime as dt

from tasks.dedup import exact_duplicates
from tasks.stories import assign_stories, summarise_stories


def article(aid, body_hash, published=None, words=10, title=None, outlet=None):
    return {"article_id": aid, "body_hash": body_hash, "published_date": published, "word_count": words,
            "title": title, "body": f"body of {aid}", "outlet": outlet}


def test_canonical_is_earliest_then_longest():
    rows = exact_duplicates([article("b", "h", dt.date(2024, 1, 2)), article("a", "h", dt.date(2024, 1, 1)),
                             article("c", "h", dt.date(2024, 1, 1), words=50)], {})
    assert rows == [{"article_id": "a", "duplicate_of": "c", "kind": "exact", "similarity": 1.0},
                    {"article_id": "b", "duplicate_of": "c", "kind": "exact", "similarity": 1.0}]


def test_an_earlier_runs_canonical_stays_canonical():
    rows = exact_duplicates([article("new", "h", dt.date(2020, 1, 1))], {"h": "old"})
    assert rows == [{"article_id": "new", "duplicate_of": "old", "kind": "exact", "similarity": 1.0}]


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
