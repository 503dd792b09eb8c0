from tasks.schema import COLUMN_DOCS, TABLES, data_dictionary
from tests.conftest import REPO


def test_every_published_column_is_documented():
    for name, schema in TABLES.items():
        assert set(COLUMN_DOCS[name]) == set(schema.names), name


def test_readme_dictionary_matches_the_schema():
    readme = (REPO / "README.md").read_text()
    section = readme.split("<!-- dictionary:start -->\n", 1)[1].split("<!-- dictionary:end -->", 1)[0]
    assert section == data_dictionary()
