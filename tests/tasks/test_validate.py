import datetime as dt

from tasks.spec import DATA_TABLES, to_table
import pytest

from tasks.validate import (TooManyRefused, check_breaker, reference_sets, refused_rows, story_count_invariants,
                           validate_tables)


def tables_with(articles, entities):
    tables = {name: to_table(name, []) for name in DATA_TABLES}
    tables["articles"] = to_table("articles", articles)
    tables["entities"] = to_table("entities", entities)
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    tables["runs"] = to_table("runs", [{
        "run_id": "r", "started_at": now, "finished_at": now, "status": "succeeded", "files_seen": 1,
        "files_new": 1, "files_skipped": 0, "files_ingested": 1, "files_duplicate": 0, "files_quarantined": 0,
        "articles_new": len(articles), "duplicates": 0, "quarantined": 0}])
    return tables


ARTICLE = {"article_id": "a1", "file_id": "f", "source_path": "a.txt", "record_index": 0, "extraction": "full", "body": "Rome is calm.", "word_count": 3,
           "body_hash": "h", "story_id": "st-a1", "language": "en", "run_id": "r"}


def test_valid_tables_pass():
    entity = {"article_id": "a1", "start_char": 0, "end_char": 4, "text": "Rome", "label": "GPE",
              "canonical_name": "Rome", "country_code": "IT", "run_id": "r"}
    report = validate_tables(tables_with([ARTICLE], [entity]), reference_sets(dt.date(2024, 1, 1), "r"))
    assert report.success, report.summary()


def test_failures_name_the_expectation_and_the_rows():
    bad = [{"article_id": "a1", "start_char": 5, "end_char": 99, "text": "Rome", "label": "GPE",
            "canonical_name": "Rome", "country_code": "IT", "run_id": "r"},
           {"article_id": "ghost", "start_char": 0, "end_char": 4, "text": "Rome", "label": "CITY",
            "canonical_name": "Rome", "country_code": "IT", "run_id": "r"}]
    report = validate_tables(tables_with([ARTICLE], bad), reference_sets(dt.date(2024, 1, 1), "r"))
    failed = {(f.table, f.expectation, f.column): f.rows for f in report.failures}
    assert not report.success
    assert failed[("entities", "expect_column_values_to_be_in_set", "article_in_run")] == [
        {"article_in_run": False, "_row": 1, "article_id": "ghost", "start_char": 0, "end_char": 4}]
    assert failed[("entities", "expect_column_values_to_be_in_set", "label")] == [
        {"label": "CITY", "_row": 1, "article_id": "ghost", "start_char": 0, "end_char": 4}]
    assert ("entities", "expect_column_pair_values_a_to_be_greater_than_b", "body_length") in failed


FUTURE = {**ARTICLE, "article_id": "a2", "published_date": dt.date(2031, 1, 1)}
ENTITY = {"article_id": "a1", "start_char": 0, "end_char": 4, "text": "Rome", "label": "GPE",
          "canonical_name": "Rome", "country_code": "IT", "run_id": "r"}


def test_rows_that_break_a_row_rule_are_named_with_the_expectation_and_value():
    bad_span = {**ENTITY, "start_char": 5, "end_char": 9, "text": "Nope"}
    refusals = refused_rows(tables_with([ARTICLE, FUTURE], [ENTITY, bad_span]), reference_sets(dt.date(2026, 11, 24), "r"))
    assert [(r.table, r.row, r.expectation) for r in refusals] == [
        ("articles", 1, "expect_column_values_to_be_between"),
        ("entities", 1, "expect_column_values_to_be_in_set")]
    assert "published_date = '2031-01-01" in refusals[0].detail


def test_the_breaker_trips_when_too_large_a_share_is_refused():
    refusals = refused_rows(tables_with([ARTICLE, FUTURE], []), reference_sets(dt.date(2026, 11, 24), "r"))
    check_breaker(refusals, {"articles": 2}, max_fraction=0.5, min_rows=1)  # 1 of 2 is not over a half
    with pytest.raises(TooManyRefused, match="1 of 2 new articles rows .* max_rejected_fraction = 0.4"):
        check_breaker(refusals, {"articles": 2}, max_fraction=0.4, min_rows=1)
    check_breaker(refusals, {"articles": 2}, max_fraction=0.4, min_rows=10)  # too few rows to judge


def test_a_story_row_that_miscounts_its_articles_breaks_an_invariant():
    rows = [{"story_id": "st-a", "article_count": 3}, {"story_id": "st-b", "article_count": 0},
            {"story_id": "st-c", "article_count": 2}]
    assert story_count_invariants(rows[:2], {"st-a": 3}) == []  # a merged story holds none
    assert story_count_invariants(rows, {"st-a": 3, "st-c": 1}) == [
        "stories: 1 rows of this run miscount their articles; first: st-c counts 2 articles but 1 point at it"]
