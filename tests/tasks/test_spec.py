import datetime as dt

import pyarrow as pa

from expectations._common import column_rules
from tasks.spec import SPECS, TABLES, data_dictionary, quarantine_reasons_table, sql_type
from tests.conftest import REPO


def _section(marker: str) -> str:
    readme = (REPO / "README.md").read_text()
    return readme.split(f"<!-- {marker}:start -->\n", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]


def test_readme_dictionary_and_reasons_are_generated_from_the_spec():
    assert _section("dictionary") == data_dictionary()
    assert _section("reasons") == quarantine_reasons_table()


def test_one_spec_gives_schema_sql_types_and_column_rules():
    articles = SPECS["articles"]
    assert TABLES["articles"] == articles.schema
    assert articles.schema.field("dateline_date").type == pa.date32()
    assert sql_type(articles.schema.field("dateline_date").type) == "DATE"
    assert sql_type(SPECS["stories"].schema.field("outlets").type) == "VARCHAR[]"
    ref = {"today": dt.datetime(2026, 11, 24, 23, 59), "languages": ["en"], "countries": ["CN"], "currencies": ["USD"]}
    rules = {(r.__class__.__name__, r.column) for r in column_rules(articles, ref)}
    assert ("ExpectColumnValuesToBeBetween", "published_date") in rules  # "not in the future"
    assert ("ExpectColumnValuesToBeInSet", "dateline_country") in rules
    assert ("ExpectColumnValuesToNotBeNull", "body") in rules
    future, = [r for r in column_rules(articles, ref) if r.column == "published_date"]
    assert future.max_value == dt.datetime(2026, 11, 24, 23, 59)


def test_every_column_is_documented_and_published_tables_have_keys_or_none_by_design():
    for spec in SPECS.values():
        assert all(c.doc for c in spec.columns), spec.name
    assert {name for name, spec in SPECS.items() if spec.published and not spec.key} == {"quarantine"}
