from expectations._common import E, not_null, unique_key

KEY = ["run_id"]


def expectations(ref):
    counts = ["files_seen", "files_new", "files_skipped", "files_ingested", "files_duplicate",
              "files_quarantined", "articles_new", "duplicates", "quarantined"]
    return [
        *unique_key("run_id"),
        *not_null("started_at", "finished_at", "status", *counts),
        E.ExpectColumnValuesToBeInSet(column="status", value_set=["running", "succeeded", "failed", "validation_failed"]),
        *[E.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in counts],
        # every file seen is accounted for exactly once (derived by the validation step)
        E.ExpectColumnPairValuesToBeEqual(column_A="files_seen", column_B="files_accounted"),
        E.ExpectColumnPairValuesToBeEqual(column_A="files_new", column_B="files_new_accounted"),
        E.ExpectColumnPairValuesToBeEqual(column_A="articles_new", column_B="articles_rows"),
        E.ExpectColumnPairValuesToBeEqual(column_A="duplicates", column_B="duplicates_rows"),
        E.ExpectColumnPairValuesToBeEqual(column_A="quarantined", column_B="quarantine_rows"),
    ]
