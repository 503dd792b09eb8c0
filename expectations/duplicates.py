from expectations._common import E, in_articles, none, this_run

row_rules = none


def table_rules(ref):
    return [*in_articles(ref), E.ExpectColumnValuesToBeInSet(column="points_elsewhere", value_set=[True]),
            *this_run(ref)]
