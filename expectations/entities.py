"""Spans in an article body: a bad span is refused alone; the article stays."""

from expectations._common import offsets as row_rules, rows_of_this_runs_articles as table_rules  # noqa: F401
