"""Expectation shapes: the ones every spec generates, and the ones several suites share."""

import great_expectations as gx

from tasks.spec import TableSpec

E = gx.expectations


def column_rules(spec: TableSpec, ref) -> list:
    """Row rules declared on the spec's columns."""
    out = []
    for c in spec.columns:
        if c.required:
            out.append(E.ExpectColumnValuesToNotBeNull(column=c.name))
        if c.values is not None:
            values = ref[c.values] if isinstance(c.values, str) else list(c.values)
            out.append(E.ExpectColumnValuesToBeInSet(column=c.name, value_set=values))
        if c.min_value is not None or c.max_value is not None:
            top = ref["today"] if c.max_value == "today" else c.max_value
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, min_value=c.min_value, max_value=top))
        if c.regex is not None:
            out.append(E.ExpectColumnValuesToMatchRegex(column=c.name, regex=c.regex))
    return out


def key_rules(spec: TableSpec) -> list:
    """The key is unique (a table invariant); its columns' not-null rules are column rules."""
    if not spec.key:
        return []
    if len(spec.key) == 1:
        return [E.ExpectColumnValuesToBeUnique(column=spec.key[0])]
    return [E.ExpectCompoundColumnsToBeUnique(column_list=list(spec.key))]


def this_run(ref) -> list:
    return [E.ExpectColumnValuesToBeInSet(column="run_id", value_set=[ref["run_id"]])]


def in_articles(ref) -> list:
    """Referential integrity: every row points at an article published by this run
    (`article_in_run` is derived by the validation step: a value set of every article id
    would be copied by GX for each metric it computes)."""
    return [E.ExpectColumnValuesToBeInSet(column="article_in_run", value_set=[True])]


def offsets(ref) -> list:
    """Spans end after they start and inside their article's body, and hold the text they
    name (`body_length` and `span_matches_body` are joined on by the validation step)."""
    return [
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="body_length", column_B="end_char", or_equal=True),
        E.ExpectColumnValuesToBeInSet(column="span_matches_body", value_set=[True]),
    ]


def none(ref) -> list:
    return []


def not_null(*columns: str) -> list:
    return [E.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def rows_of_this_runs_articles(ref) -> list:
    """The table rules of every table whose rows hang off one article."""
    return [*in_articles(ref), *this_run(ref)]
