from expectations._common import E, in_articles, not_null, offsets, this_run, unique_key

KEY = ["article_id", "start_char"]

LABELS = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"]


def expectations(ref):
    return [
        *unique_key("article_id", "start_char", "end_char"),
        *not_null("text", "label", "canonical_name"),
        *in_articles(ref),
        *offsets(ref),
        E.ExpectColumnValuesToBeInSet(column="label", value_set=LABELS),
        E.ExpectColumnValuesToBeInSet(column="country_code", value_set=ref["countries"]),
        *this_run(ref),
    ]
