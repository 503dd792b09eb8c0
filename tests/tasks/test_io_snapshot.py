import datetime as dt
import json

from tasks.io.lake import Lake
from tasks.io.snapshot import story_evidence
from tasks.spec import to_table
from tasks.stories import name_keys


def person(aid, name="Maria Catala"):
    return {"article_id": aid, "label": "PERSON", "canonical_name": name}


def test_an_undated_article_looks_up_only_the_undated_stories_within_the_window_of_its_day_of_the_year(tmp_path):
    lake = Lake(tmp_path)
    lake.ensure_tables()
    catala = name_keys([person("x")])
    days = {"st-march": 63, "st-july": 200, "st-unknown": None, "st-january": 2}
    rows = [{"article_id": sid[3:], "story_id": sid, "day": None, "day_of_year": day, "years": [],
             "text_index": [1], "text_count": [1.0], "name_index": catala} for sid, day in days.items()]
    rows.append({"article_id": "dated", "story_id": "st-dated", "day": dt.date(2024, 3, 1), "day_of_year": 61,
                 "years": [2024], "text_index": [1], "text_count": [1.0], "name_index": catala})
    versions = lake.commit({"_story_terms": to_table("_story_terms", rows)}, {})
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    lake.append_ledger({"run_id": "r1", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps(versions)})

    def looked_up(*new, named=person):
        articles = [{"article_id": f"n{i}", "published_date": date, "dateline_day": day} for i, (date, day) in enumerate(new)]
        return sorted(set(story_evidence(lake, articles, [named(a["article_id"]) for a in articles], 7).story_ids))

    assert looked_up((None, 60)) == ["st-march", "st-unknown"]
    assert looked_up((None, 362)) == ["st-january", "st-unknown"]  # round the turn of the year
    # an article that gives no day may be of any day: every undated story that shares its name
    assert looked_up((None, 60), (None, None)) == ["st-january", "st-july", "st-march", "st-unknown"]
    assert looked_up((dt.date(2024, 3, 2), None)) == ["st-dated", "st-march", "st-unknown"]
    assert looked_up((None, 60), named=lambda aid: person(aid, "Jonas Store")) == []
