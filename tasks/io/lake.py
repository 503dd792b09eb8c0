"""The warehouse's storage: Delta Lake tables under `<warehouse>/lake/`, a run ledger, a lock.

Atomicity across tables: each ledger (`runs`) row records the Delta version of every table
as that run left it, and is written last; the newest row is the one in the highest Delta
version of the ledger. Readers (the DuckDB catalog) read each table at the
versions named by the newest ledger row, so a run's commits become visible all at once. A
run that dies before its ledger row leaves newer versions behind; the next run restores every
table to the ledger's versions before it starts, so the work is done again exactly once.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

from tasks.spec import DATA_TABLES, LEDGER, MERGE_KEYS, SPECS, STATE_TABLES, STORED_TABLES, TABLES, schema_of, to_table


class WarehouseLocked(RuntimeError):
    pass


@dataclass
class Lock:
    """One writer per warehouse, held by the kernel: `flock` on the lock file. A process that
    dies, however it dies, releases it; two runs starting at once cannot both take it; pids play
    no part, so a reused one cannot make it permanent. The file's JSON names the holder, for
    messages only; a holder left in the file by a process that died tells the next run whose
    work to record as failed."""

    path: Path
    run_id: str
    started_at: str
    _fd: int | None = None

    def __post_init__(self):
        self.path = Path(self.path)

    def acquire(self) -> dict | None:
        """Take the lock; returns the holder a dead run left behind, if any."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            current = read_lock(self.path) or {}
            raise WarehouseLocked(
                f"warehouse is locked by run {current.get('run_id', 'unknown')} (pid {current.get('pid')} on "
                f"{current.get('host')}, started {current.get('started_at')})") from None
        left = _holder(os.pread(fd, 1 << 16, 0))
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "run_id": self.run_id,
                  "started_at": self.started_at}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return left

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Clear the holder and let go (the file stays: unlinking a flock file races with the
        next taker)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def abandon(self) -> None:
        """Let go but leave the holder in the file: the next run records this run as failed."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _holder(data: bytes) -> dict | None:
    if not data.strip():
        return None
    try:
        holder = json.loads(data)
    except ValueError:
        return {"run_id": "unknown (unreadable lock file)"}
    return holder if isinstance(holder, dict) else {"run_id": "unknown (unreadable lock file)"}


def read_lock(path: Path) -> dict | None:
    """The holder named in the lock file (None when it names none)."""
    try:
        return _holder(Path(path).read_bytes())
    except FileNotFoundError:
        return None


def lock_state(path: Path) -> tuple[str, dict | None]:
    """`free`, `held` (a live process holds it) or `stale` (free, but a run died holding it:
    the next run records it as failed), with the holder named in the file."""
    holder = read_lock(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return "free", None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return "held", holder
    finally:
        os.close(fd)
    return ("stale" if holder else "free"), holder


class Lake:
    def __init__(self, warehouse: Path):
        self.warehouse = Path(warehouse).resolve()
        self.root = self.warehouse / "lake"
        self._committed: dict[str, int] | None = None  # cleared when this process appends to the ledger
        # versions this run has staged: its own later lookups see them, readers never do
        self._staged: dict[str, int] | None = None
        self._opened: dict[tuple[str, int], DeltaTable] = {}  # a version never changes: opened once

    def table_at(self, name: str, version: int | None) -> DeltaTable:
        if version is None:
            return DeltaTable(self.path(name))
        if (name, version) not in self._opened:
            self._opened[(name, version)] = DeltaTable(self.path(name), version=version)
        return self._opened[(name, version)]

    def path(self, name: str) -> str:
        return str(self.root / name)

    def ensure_tables(self) -> None:
        """Create any missing table with its contract schema (version 0, no files). A column a
        newer contract introduced joins an older warehouse's table with the first write that
        commits to it (`commit`), so the ledger names the version that holds it; until then,
        reads give it as null (`scan`)."""
        for name, schema in {**TABLES, **STATE_TABLES}.items():
            if not DeltaTable.is_deltatable(self.path(name)):
                write_deltalake(self.path(name), schema.empty_table(), mode="append")

    def ledger(self) -> pa.Table:
        return DeltaTable(self.path(LEDGER)).to_pyarrow_table()

    def committed_versions(self) -> dict[str, int]:
        """Versions named by the newest ledger row: what readers may see."""
        if self._committed is None:
            ledger = self.ledger()
            if ledger.num_rows == 0:
                self._committed = {name: 0 for name in STORED_TABLES}
            else:  # newest by Delta version order: clocks step back, runs come from several hosts
                order = pc.fill_null(ledger.column("ledger_version"), -1) if "ledger_version" in ledger.column_names \
                    else pa.array([-1] * ledger.num_rows, pa.int64())
                ledger = ledger.append_column("_order", order)
                newest = ledger.sort_by([("_order", "descending"), ("finished_at", "descending")]).slice(0, 1).to_pylist()[0]
                versions = json.loads(newest["table_versions"])
                self._committed = {name: int(versions.get(name, 0)) for name in STORED_TABLES}
        return dict(self._committed)

    def visible(self, name: str) -> int | None:
        """The version this process reads: its own staged work, else the committed version."""
        if name == LEDGER:
            return None
        return (self._staged or self.committed_versions()).get(name)

    def staged_versions(self) -> dict[str, int] | None:
        return dict(self._staged) if self._staged else None

    def staged_counts(self, run_id: str) -> dict[str, dict[str, int]]:
        """Per table, this run's staged rows: how many, and how many distinct keys."""
        out = {}
        for name in (name for name in DATA_TABLES if name not in MERGE_KEYS):  # upserted rows are not the run's alone
            key = SPECS[name].key
            distinct = f"count(DISTINCT ({', '.join(key)}))" if key else "count(*)"
            rows, keys = self.scan(name, f"count(*) AS n, {distinct} AS k", f"run_id = '{_sql(run_id)}'",
                                   staged_only=True).to_pylist()[0].values()
            out[name] = {"rows": rows, "keys": keys}
        return out

    def recover(self) -> list[str]:
        """Roll every table back to the committed versions; returns the tables that had
        uncommitted work from a run that died."""
        restored, self._staged = [], None
        for name, version in self.committed_versions().items():
            table = DeltaTable(self.path(name))
            if table.version() > version:
                table.restore(version)
                restored.append(name)
        return restored

    def read(self, name: str, columns: list[str] | None = None, version: int | None = None) -> pa.Table:
        """A committed table (or some columns of it)."""
        if version is None:
            version = self.visible(name)
        table = self.table_at(name, version).to_pyarrow_dataset().to_table(columns=columns)
        return table.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_string_view(f.type) else f
                                     for f in table.schema]))

    def scan(self, name: str, columns: str, where: str = "true", keys: dict[str, list] | None = None,
             staged_only: bool = False) -> pa.Table:
        """A lookup in a committed table: `SELECT columns ... WHERE where`, run by DuckDB over the
        version's Parquet files, so only the named columns are read and row groups whose
        statistics rule the filter out are skipped. Each of `keys` (name -> values) is a
        one-column table `name(k)` the filter can join: `article_id IN (SELECT k FROM wanted)`;
        `{table}` in the filter is the scanned table again, for subqueries.
        `staged_only`: only the files this run staged (its own rows of an appended table)."""
        import duckdb

        files = self.table_at(name, self.visible(name)).file_uris()
        if staged_only:
            committed = set(self.table_at(name, self.committed_versions()[name]).file_uris())
            files = [f for f in files if f not in committed]
        con = duckdb.connect(config={"threads": 2})
        try:
            for key, values in (keys or {}).items():
                con.register(key, pa.table({"k": values}))
            if files:
                source = "read_parquet($files, union_by_name = true)"
            else:  # no files yet: an empty relation of the contract's schema
                con.register("_empty", schema_of(name).empty_table())
                source = "_empty"
            table = con.sql(f"SELECT {columns} FROM {source} WHERE {where.replace('{table}', source)}",
                            params={"files": files} if files else None).to_arrow_table()
        finally:
            con.close()
        if columns == "*":  # files written before a column joined the contract hold none of it: null
            for field in schema_of(name):
                if field.name not in table.column_names:
                    table = table.append_column(field, pa.nulls(table.num_rows, field.type))
        return table

    def commit(self, tables: dict[str, pa.Table], merge_keys: dict[str, str],
               story_merges: list[tuple[str, str]] = (), story_moves: dict[str, str] | None = None,
               replace: set[str] = frozenset()) -> dict[str, int]:
        """Append (or upsert, for tables in merge_keys; or overwrite, for tables in `replace`)
        every data table, re-point the rows of merged stories at their survivor and those of
        moved articles (`story_moves`: article -> story) at their new story; returns the
        new versions. Nothing is visible to readers until `append_ledger` names them; this
        process's own lookups see them from now on (a streamed run stages batch after batch)."""
        versions = dict(self._staged or self.committed_versions())
        moved_to: dict[str, list[str]] = {}
        for article_id, story_id in sorted((story_moves or {}).items()):
            moved_to.setdefault(story_id, []).append(article_id)
        for name in ("articles", "_story_terms") if story_merges or moved_to else ():
            table = DeltaTable(self.path(name))
            for absorbed, survivor in story_merges:
                table.update(new_values={"story_id": survivor}, predicate=f"story_id = '{_sql(absorbed)}'")
            for story_id, article_ids in moved_to.items():  # after the merges: a move names the final story
                listed = ", ".join(f"'{_sql(a)}'" for a in article_ids)
                table.update(new_values={"story_id": story_id}, predicate=f"article_id IN ({listed})")
            versions[name] = DeltaTable(self.path(name)).version()
        for name in STORED_TABLES:
            table = tables.get(name)
            if table is None or (table.num_rows == 0 and name not in replace):
                continue
            table = table.select(schema_of(name).names).cast(schema_of(name))
            if name in merge_keys:
                key = merge_keys[name]
                (DeltaTable(self.path(name))
                 .merge(source=table, predicate=f"t.{key} = s.{key}", source_alias="s", target_alias="t",
                        merge_schema=True)
                 .when_matched_update_all().when_not_matched_insert_all().execute())
            else:
                write_deltalake(self.path(name), table, mode="overwrite" if name in replace else "append",
                                schema_mode="merge")
            versions[name] = DeltaTable(self.path(name)).version()
        self._staged = dict(versions)
        return versions

    def compact(self, max_files: int) -> dict[str, int]:
        """Compact each table (the ledger too) that has more than max_files data files, then
        delete the files compactions replaced longer ago than Delta's retention (a week unless
        the table sets `delta.deletedFileRetentionDuration`), which keeps recent versions and
        the catalogs of open readers working. Returns the new versions of the compacted data
        tables: like a run's own commits, they are visible once the ledger names them.

        Every run appends small files; hundreds of them made each table read (the ledger on
        every run start, the catalog's footers, analysts' queries) cost more each run."""
        versions = {}
        if max_files <= 0:  # compaction is off: no table need be opened
            return versions
        for name in (*STORED_TABLES, LEDGER):
            table = DeltaTable(self.path(name))
            if len(table.file_uris()) <= max_files:
                continue
            table.optimize.compact()
            table.vacuum(dry_run=False)
            if name != LEDGER:
                versions[name] = DeltaTable(self.path(name)).version()
        return versions

    def append_ledger(self, row: dict) -> None:
        """The commit point of a run. Only the lock holder writes the ledger, so the version
        this append creates is the current one plus one."""
        row = {**row, "ledger_version": DeltaTable(self.path(LEDGER)).version() + 1}
        write_deltalake(self.path(LEDGER), to_table(LEDGER, [row]), mode="append")
        self._committed, self._staged = None, None


def _sql(text: str) -> str:
    return text.replace("'", "''")
