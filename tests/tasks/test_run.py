import datetime as dt

from tasks.run import files_after, refuse, repair
from tasks.validate import Refusal

TODAY = dt.date(2026, 11, 24)


def article(aid, **fields):
    return {"article_id": aid, "source_path": f"{aid}.json", "record_index": 0, "locator": None, "file_id": aid * 8,
            **fields}


def test_a_future_metadata_date_gives_way_to_the_datelines_and_the_row_says_so():
    rows = {"articles": [article("a", published_date=dt.date(2031, 5, 1), published_date_source="metadata",
                                 dateline_date=dt.date(2024, 4, 4)),
                         article("b", published_date=dt.date(2031, 5, 1), published_date_source="metadata",
                                 dateline_date=None)]}
    refusals = [Refusal("articles", n, "expect_column_values_to_be_between", "published_date …", "published_date")
                for n in (0, 1)]
    left = repair(rows, refusals, TODAY)
    assert [(r.table, r.row) for r in left] == [("articles", 1)]  # no other field to take: refused
    fixed = rows["articles"][0]
    assert (fixed["published_date"], fixed["published_date_source"]) == (dt.date(2024, 4, 4), "dateline")
    assert fixed["repairs"] == ("published_date: metadata value 2031-05-01 broke expect_column_values_to_be_between; "
                                "the dateline date 2024-04-04 used")


def test_a_refused_article_takes_its_rows_along_and_a_refused_span_goes_alone():
    rows = {"articles": [article("a"), article("b")],
            "entities": [{"article_id": "a", "start_char": 0, "end_char": 4}, {"article_id": "b", "start_char": 0,
                                                                               "end_char": 4},
                         {"article_id": "b", "start_char": 9, "end_char": 99}],
            "quotes": [], "amounts": [], "date_mentions": []}
    refusals = [Refusal("articles", 0, "e", "articles: one", "x"), Refusal("articles", 0, "e", "articles: two", "y"),
                Refusal("entities", 2, "e", "entities: span", "end_char")]
    kept, quarantine = refuse(rows, refusals)
    assert [a["article_id"] for a in kept["articles"]] == ["b"]
    assert kept["entities"] == [{"article_id": "b", "start_char": 0, "end_char": 4}]
    assert [(q["path"], q["table_name"], q["detail"]) for q in quarantine] == [
        ("a.json", "articles", "articles: one; articles: two (its 1 dependent rows were not published either)"),
        ("b.json", "entities", "entities: span [start_char = 9, end_char = 99]")]


def test_an_archive_is_ingested_by_its_members_articles():
    files = [{"file_id": "z", "path": "d.zip", "format": "zip", "status": "ingested", "records": 0},
             {"file_id": "m", "path": "d.zip!/a.txt", "format": "txt", "status": "ingested", "records": 1},
             {"file_id": "e", "path": "e.zip", "format": "zip", "status": "ingested", "records": 0}]
    quarantine = []
    out = files_after(files, [{"file_id": "m"}], quarantine)
    assert [(f["path"], f["status"], f["records"]) for f in out] == [
        ("d.zip", "ingested", 1), ("d.zip!/a.txt", "ingested", 1), ("e.zip", "quarantined", 0)]
    assert [(q["path"], q["reason"]) for q in quarantine] == [("e.zip", "no_article_text")]
