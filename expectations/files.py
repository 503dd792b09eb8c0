from expectations._common import E, not_null, this_run, unique_key

KEY = ["file_id", "path"]


def expectations(ref):
    return [
        *unique_key("file_id", "path"),
        *not_null("size_bytes", "status"),
        E.ExpectColumnValuesToMatchRegex(column="file_id", regex=r"^[0-9a-f]{64}$"),
        E.ExpectColumnValuesToBeInSet(column="status", value_set=["ingested", "duplicate", "quarantined"]),
        E.ExpectColumnValuesToBeInSet(column="format", value_set=["txt", "html", "json", "jsonl"]),
        E.ExpectColumnValuesToBeBetween(column="size_bytes", min_value=0),
        *this_run(ref),
    ]
