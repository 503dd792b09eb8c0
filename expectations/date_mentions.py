from expectations._common import E, in_articles, not_null, offsets, this_run, unique_key

KEY = ["article_id", "start_char"]


def expectations(ref):
    return [
        *unique_key("article_id", "start_char"),
        *not_null("text", "granularity"),
        *in_articles(ref),
        *offsets(ref),
        E.ExpectColumnValuesToBeInSet(column="granularity", value_set=["day", "week", "month", "year"]),
        *this_run(ref),
    ]
