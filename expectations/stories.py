from expectations._common import E, not_future, not_null, unique_key

KEY = ["story_id"]


def expectations(ref):
    return [
        *unique_key("story_id"),
        *not_null("article_count", "outlet_count"),
        E.ExpectColumnValuesToBeBetween(column="article_count", min_value=0),
        E.ExpectColumnValuesToBeInSet(column="live_or_merged", value_set=[True]),
        E.ExpectColumnValuesToBeBetween(column="outlet_count", min_value=0),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="last_date", column_B="first_date", or_equal=True,
                                                  ignore_row_if="either_value_is_missing"),
        *not_future("last_date", ref),
    ]
