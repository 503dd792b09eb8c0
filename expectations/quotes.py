from expectations._common import in_articles, not_null, offsets, this_run, unique_key

KEY = ["article_id", "start_char"]


def expectations(ref):
    return [
        *unique_key("article_id", "start_char"),
        *not_null("text"),
        *in_articles(ref),
        *offsets(ref),
        *this_run(ref),
    ]
