from expectations._common import E, not_null, this_run

KEY = ["path", "record_index"]

REASONS = ["unknown_format", "empty", "binary", "undecodable", "truncated_archive", "corrupt_archive",
           "invalid_json", "no_article_text", "too_large", "symlink_outside_root", "unreadable"]
STAGES = ["ingest", "clean"]


def expectations(ref):
    return [
        *not_null("path", "stage", "reason", "detail"),
        E.ExpectColumnValuesToBeInSet(column="reason", value_set=REASONS),
        E.ExpectColumnValuesToBeInSet(column="stage", value_set=STAGES),
        *this_run(ref),
    ]
