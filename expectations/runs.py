from expectations._common import E, none

row_rules = none


def table_rules(ref):
    """Every file seen is accounted for exactly once, and the counts equal the rows
    (sums derived by the validation step)."""
    return [
        E.ExpectColumnPairValuesToBeEqual(column_A="files_seen", column_B="files_accounted"),
        E.ExpectColumnPairValuesToBeEqual(column_A="files_new", column_B="files_new_accounted"),
        E.ExpectColumnPairValuesToBeEqual(column_A="articles_new", column_B="articles_rows"),
        E.ExpectColumnPairValuesToBeEqual(column_A="duplicates", column_B="duplicates_rows"),
        E.ExpectColumnPairValuesToBeEqual(column_A="quarantined", column_B="quarantine_rows"),
    ]
