"""Catalog: `<warehouse>/news.duckdb`, one typed view per contract table.

Views read each Delta table's Parquet files at the committed version (DuckDB's delta
extension needs the internet to install). Paths are absolute, so the catalog is rebuilt at
the start of every run and by `wirehouse catalog`, which keeps it working after the warehouse
folder moves. Written with storage version v1.2.0 so that older DuckDB CLIs can open it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable

from tasks.lake import Lake
from tasks.schema import LEDGER, TABLES

CATALOG_NAME = "news.duckdb"
STORAGE_VERSION = "v1.2.0"


def sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_int64(arrow_type):
        return "BIGINT"
    if pa.types.is_float64(arrow_type):
        return "DOUBLE"
    if pa.types.is_date32(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if pa.types.is_list(arrow_type):
        return f"{sql_type(arrow_type.value_type)}[]"
    raise TypeError(f"no DuckDB type for {arrow_type}")


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


def build_catalog(lake: Lake) -> Path:
    """Views at the versions the newest ledger row committed (the ledger itself at its newest),
    written to a temporary file and swapped in, so readers never see half of it."""
    versions = {**lake.committed_versions(), LEDGER: None}
    warehouse = lake.warehouse
    target = warehouse / CATALOG_NAME
    staging = warehouse / f".{CATALOG_NAME}.building"
    staging.unlink(missing_ok=True)
    Path(f"{staging}.wal").unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_quote(str(staging))} AS news (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE news")
        for name in TABLES:
            table = DeltaTable(str(warehouse / "lake" / name), version=versions.get(name))
            files = [uri.removeprefix("file://") for uri in table.file_uris()]
            present = set().union(*({field.name for field in pq.read_schema(f)} for f in files))
            con.execute(view_sql(name, files, present))
        con.execute("USE memory")
        con.execute("DETACH news")
    finally:
        con.close()
    os.replace(staging, target)
    return target


def query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run SQL against the catalog, read-only."""
    catalog = Path(warehouse) / CATALOG_NAME
    if not catalog.exists():
        raise FileNotFoundError(f"no catalog at {catalog}: run `wirehouse run` first")
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
    finally:
        con.close()
