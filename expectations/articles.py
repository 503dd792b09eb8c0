from expectations._common import E, not_future, not_null, this_run, unique_key

KEY = ["article_id"]


def expectations(ref):
    return [
        *unique_key("article_id"),
        *not_null("file_id", "source_path", "body", "word_count", "body_hash", "story_id"),
        E.ExpectColumnValueLengthsToBeBetween(column="body", min_value=1),
        E.ExpectColumnValuesToBeBetween(column="word_count", min_value=1),
        E.ExpectColumnValuesToBeInSet(column="language", value_set=ref["languages"]),
        E.ExpectColumnValuesToBeInSet(column="dateline_country", value_set=ref["countries"]),
        E.ExpectColumnValuesToBeInSet(column="published_date_source", value_set=["metadata", "dateline"]),
        *not_future("dateline_date", ref),
        *not_future("published_date", ref),
        *this_run(ref),
    ]
