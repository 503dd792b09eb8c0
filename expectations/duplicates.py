from expectations._common import E, in_articles, not_null, this_run, unique_key

KEY = ["article_id"]


def expectations(ref):
    return [
        *unique_key("article_id"),
        *not_null("duplicate_of", "kind", "similarity"),
        *in_articles(ref),
        E.ExpectColumnValuesToBeInSet(column="kind", value_set=["exact", "near"]),
        E.ExpectColumnValuesToBeBetween(column="similarity", min_value=0, max_value=1),
        E.ExpectColumnValuesToBeInSet(column="points_elsewhere", value_set=[True]),
        *this_run(ref),
    ]
