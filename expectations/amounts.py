from expectations._common import E, in_articles, not_null, offsets, this_run, unique_key

KEY = ["article_id", "start_char"]


def expectations(ref):
    return [
        *unique_key("article_id", "start_char"),
        *not_null("text", "value", "currency"),
        *in_articles(ref),
        *offsets(ref),
        E.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        E.ExpectColumnValuesToBeInSet(column="currency", value_set=ref["currencies"]),
        *this_run(ref),
    ]
