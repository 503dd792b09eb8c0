from expectations._common import E, none

row_rules = none


def table_rules(ref):
    return [
        E.ExpectColumnValuesToBeInSet(column="live_or_merged", value_set=[True]),  # empty only once merged
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="last_date", column_B="first_date", or_equal=True,
                                                  ignore_row_if="either_value_is_missing"),
    ]
