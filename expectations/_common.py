"""Expectation shapes that several suites share."""

import great_expectations as gx

E = gx.expectations


def not_null(*columns: str) -> list:
    return [E.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def unique_key(*columns: str) -> list:
    if len(columns) == 1:
        return [E.ExpectColumnValuesToBeUnique(column=columns[0]), *not_null(*columns)]
    return [E.ExpectCompoundColumnsToBeUnique(column_list=list(columns)), *not_null(*columns)]


def this_run(ref) -> list:
    return [E.ExpectColumnValuesToBeInSet(column="run_id", value_set=[ref["run_id"]])]


def in_articles(ref) -> list:
    """Referential integrity: every row points at an article published by this run
    (`article_in_run` is derived by the validation step: a value set of every article id
    would be copied by GX for each metric it computes)."""
    return [E.ExpectColumnValuesToBeInSet(column="article_in_run", value_set=[True])]


def offsets(ref) -> list:
    """Spans are non-empty, start at 0 or later, and end inside their article's body
    (`body_length` is joined on by the validation step)."""
    return [
        E.ExpectColumnValuesToBeBetween(column="start_char", min_value=0),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="body_length", column_B="end_char", or_equal=True),
        E.ExpectColumnValuesToBeInSet(column="span_matches_body", value_set=[True]),
    ]


def not_future(column: str, ref) -> list:
    return [E.ExpectColumnValuesToBeBetween(column=column, max_value=ref["today"])]
