"""Catalog: `<warehouse>/news.duckdb`, one typed view per contract table, and read-only queries.

Views read each Delta table's Parquet files at the committed version (DuckDB's delta
extension needs the internet to install). Paths are absolute, so each view's comment records
the warehouse it was built for; a catalog found in another place is rebuilt before it is
queried, and `wirehouse catalog` rebuilds it by hand. Written with storage version v1.2.0 so
that older DuckDB CLIs can open it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from deltalake import DeltaTable

from tasks.io.lake import Lake
from tasks.spec import LEDGER, TABLES, sql_type

CATALOG_NAME = "news.duckdb"
STORAGE_VERSION = "v1.2.0"
# what a query may be: reading (SELECT, DESCRIBE, SHOW, SUMMARIZE), EXPLAIN, PRAGMA
QUERY_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}


class QueryRefused(ValueError):
    """A statement that is not a read of the warehouse."""


class CatalogMissing(FileNotFoundError):
    pass


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_sql(name: str, files: list[str], present: set[str] | None = None) -> str:
    """A view with exactly the contract's columns and types, typed even with no files;
    columns no file has yet (added by a newer contract) read as null."""
    schema = TABLES[name]
    if not files:
        columns = ", ".join(f"CAST(NULL AS {sql_type(f.type)}) AS {f.name}" for f in schema)
        return f"CREATE VIEW {name} AS SELECT {columns} WHERE false"
    present = {f.name for f in schema} if present is None else present
    columns = ", ".join(f"CAST({f.name if f.name in present else 'NULL'} AS {sql_type(f.type)}) AS {f.name}"
                        for f in schema)
    listing = ", ".join(_quote(path) for path in files)
    # union_by_name: files written before a column was added read it as null
    return f"CREATE VIEW {name} AS SELECT {columns} FROM read_parquet([{listing}], union_by_name = true)"


# Views derived from the contract tables, resolved when queried so they always agree with them.
# person_names: a one-word name ("Reagan") names the person whose full name holds that word
# when, over the whole warehouse, that full name is the only one, or has at least twice the
# mentions of the next ("Ronald Reagan" over "Nancy Reagan"). Words must match exactly, so
# "Reagan" never becomes "Donald Regan"; inside one article `entities` has resolved this already.
DERIVED_VIEWS = {
    "person_names": """
CREATE VIEW person_names AS
WITH names AS (
    SELECT canonical_name AS name, count(*) AS mentions FROM entities WHERE label = 'PERSON' GROUP BY 1
), words AS (
    SELECT name, mentions, unnest(string_split(name, ' ')) AS word FROM names WHERE contains(name, ' ')
), ranked AS (
    SELECT lower(word) AS word, name, mentions,
           row_number() OVER (PARTITION BY lower(word) ORDER BY mentions DESC, name) AS rank,
           lead(mentions) OVER (PARTITION BY lower(word) ORDER BY mentions DESC, name) AS runner_up
    FROM words WHERE length(word) > 2
)
SELECT n.name, coalesce(r.name, n.name) AS person, n.mentions
FROM names n
LEFT JOIN ranked r ON NOT contains(n.name, ' ') AND r.word = lower(n.name) AND r.rank = 1
                  AND (r.runner_up IS NULL OR r.mentions >= 2 * r.runner_up)""",
}


def build_catalog(lake: Lake) -> Path:
    """Views at the versions the newest ledger row committed (the ledger itself at its newest),
    written to a staging file of this builder's own and swapped in, so readers never see half
    of it and two builders (a run and `wirehouse catalog`) never write one file."""
    versions = {**lake.committed_versions(), LEDGER: None}
    warehouse = lake.warehouse
    target = warehouse / CATALOG_NAME
    staging = warehouse / f".{CATALOG_NAME}.{os.getpid()}-{uuid.uuid4().hex[:8]}.building"
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_quote(str(staging))} AS news (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE news")
        for name in TABLES:
            table = DeltaTable(str(warehouse / "lake" / name), version=versions.get(name))
            files = [uri.removeprefix("file://") for uri in table.file_uris()]
            present = set().union(*({field.name for field in pq.read_schema(f)} for f in files))
            con.execute(view_sql(name, files, present))
            con.execute(f"COMMENT ON VIEW {name} IS {_quote(f'wirehouse view of {warehouse}')}")
        for sql in DERIVED_VIEWS.values():
            con.execute(sql)
        con.execute("USE memory")
        con.execute("DETACH news")
        os.replace(staging, target)
    finally:
        con.close()
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return target


def _built_for(con) -> str | None:
    rows = con.execute("select comment from duckdb_views() where view_name = 'runs'").fetchall()
    return rows[0][0] if rows else None


def _sandboxed(catalog: Path, lake_root: Path):
    """A read-only connection that can read the lake's files and nothing else on disk: no
    COPY, ATTACH, INSTALL or reads elsewhere, and settings locked so a query cannot undo it."""
    con = duckdb.connect(str(catalog), read_only=True,
                         config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"SET allowed_directories = [{_quote(str(lake_root) + '/')}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run SQL against the catalog: reads of the warehouse only (`QueryRefused` otherwise).
    A catalog built for the warehouse in another place is rebuilt first."""
    warehouse = Path(warehouse).resolve()
    catalog = warehouse / CATALOG_NAME
    if not catalog.exists():
        raise CatalogMissing(f"no catalog at {catalog}: run `wirehouse run` first")
    con = _sandboxed(catalog, warehouse / "lake")
    try:
        if _built_for(con) != f"wirehouse view of {warehouse}":  # the folder moved (or an older catalog)
            con.close()
            build_catalog(Lake(warehouse))
            con = _sandboxed(catalog, warehouse / "lake")
        statements = con.extract_statements(sql)
        if not statements:
            raise QueryRefused("the query is empty")
        refused = [s.type.name for s in statements if s.type.name not in QUERY_STATEMENTS]
        if refused:
            raise QueryRefused(f"only reads of the warehouse run here (SELECT, DESCRIBE, SHOW, EXPLAIN, PRAGMA); "
                               f"refused: {', '.join(refused)}")
        result = con.execute(sql)
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
    finally:
        con.close()
