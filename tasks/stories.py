"""Stories: same-event clusters across outlets, decided incrementally.

A copy takes its original's story; any other new article opens a story of its own unless a
matcher places it in an existing one. Published story ids never change.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE


def story_id_of(article_id: str) -> str:
    return f"st-{article_id[:16]}"


def assign_stories(articles: list[dict], duplicates: list[dict], known_story_of: dict[str, str],
                   matched: dict[str, str] | None = None) -> dict[str, str]:
    """article_id -> story_id for every new article.

    known_story_of: story of each earlier article (for copies of old articles);
    matched: story chosen for a new, non-copy article by the similarity matcher."""
    original_of = {row["article_id"]: row["duplicate_of"] for row in duplicates}
    matched = matched or {}
    story_of: dict[str, str] = {}
    for article in articles:
        if article["article_id"] not in original_of:
            aid = article["article_id"]
            story_of[aid] = matched.get(aid) or known_story_of.get(aid) or story_id_of(aid)
    for article in articles:
        aid = article["article_id"]
        if aid in original_of:
            original = original_of[aid]
            story_of[aid] = story_of.get(original) or known_story_of.get(original) or story_id_of(original)
    return story_of


def summarise_stories(articles: list[dict], story_of: dict[str, str], known: dict[str, dict]) -> list[dict]:
    """Updated `stories` rows for every story the new articles touch, folded onto the
    stored summary (`known`: story_id -> row) so that old bodies are never re-read."""
    rows: dict[str, dict] = {}
    for article in sorted(articles, key=lambda a: a["article_id"]):
        sid = story_of[article["article_id"]]
        row = rows.get(sid)
        if row is None:
            base = known.get(sid)
            row = dict(base) if base else {"story_id": sid, "title": None, "first_date": None,
                                           "last_date": None, "article_count": 0, "outlets": []}
            row["outlets"] = list(row.get("outlets") or [])
            rows[sid] = row
        row["article_count"] += 1
        row["title"] = row["title"] or article.get("title") or _lead(article["body"])
        day = article.get("published_date")
        if day:
            row["first_date"] = min(filter(None, [row["first_date"], day]))
            row["last_date"] = max(filter(None, [row["last_date"], day]))
        outlet = article.get("outlet") or article.get("agency")
        if outlet and outlet not in row["outlets"]:
            row["outlets"] = sorted([*row["outlets"], outlet])
        row["outlet_count"] = len(row["outlets"])
    return [rows[sid] for sid in sorted(rows)]


def _lead(body: str, words: int = 16) -> str:
    first = body.split("\n\n", 1)[0].split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


@task(name="stories", cache_policy=NO_CACHE)
def story_task(articles, duplicates, known_story_of, known_stories):
    story_of = assign_stories(articles, duplicates, known_story_of)
    return story_of, summarise_stories(articles, story_of, known_stories)
