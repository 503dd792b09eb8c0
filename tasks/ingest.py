"""Ingest: raw files -> raw article records, or quarantine rows with a reason.

`discover_files` and `read_chunk` are the only IO here; `parse_file` is pure over bytes.
Every file read ends as records or as a quarantine row, never silently dropped.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from prefect import task
from prefect.cache_policies import NO_CACHE

TEXT_EXTENSIONS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".json": "json",
                   ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Field names used by news-please, newspaper4k and trafilatura's JSON output, best first.
TEXT_KEYS = ("maintext", "text", "raw_text", "article_text", "body", "content")
TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("date_publish", "publish_date", "date", "published", "datePublished", "date_modify")
AUTHOR_KEYS = ("authors", "author", "byline")
OUTLET_KEYS = ("source_domain", "sitename", "hostname", "source", "source_url")


@dataclass
class Problem:
    """Why a file (or one record of it) could not become an article."""

    reason: str
    detail: str
    record_index: int | None = None


@dataclass
class ParsedFile:
    path: str
    file_id: str
    size_bytes: int
    format: str | None = None
    encoding: str | None = None
    records: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Reject(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def discover_files(root: Path) -> tuple[list[str], list[ParsedFile]]:
    """Every regular file under root (sorted, relative posix paths), plus rejects for
    symlinks that lead out of the root. Symlinked folders are not descended (loops)."""
    root = root.resolve()
    found: list[str] = []
    escaped: list[ParsedFile] = []

    def walk(folder: str, prefix: str) -> None:
        # os.scandir's entries carry their type: one system call per folder, not per file
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, rel + "/")
                elif not entry.is_symlink():
                    found.append(rel)
                elif not entry.is_dir():
                    target = Path(entry.path).resolve()
                    if target.is_relative_to(root) and target.is_file():
                        found.append(rel)
                        continue
                    # a symlink's own bytes are its target path: that is what we identify it by
                    link = os.readlink(entry.path).encode()
                    escaped.append(ParsedFile(rel, file_id_of(link), len(link), problems=[Problem(
                        "symlink_outside_root", f"symlink to {target} is outside the source root; not followed")]))

    walk(str(root), "")
    return sorted(found), sorted(escaped, key=lambda parsed: parsed.path)


def stat_files(root: Path, rel_paths: list[str]) -> dict[str, tuple[int, int]]:
    """(size, mtime in ns) of each path; paths that vanished since discovery are left out."""
    out = {}
    prefix = f"{root}/"
    for rel in rel_paths:
        try:
            stat = os.stat(prefix + rel)
        except OSError:
            continue
        out[rel] = (stat.st_size, stat.st_mtime_ns)
    return out


def unchanged_files(stats: dict[str, tuple[int, int]], cached: dict[str, tuple[int, int, str]],
                    known_pairs: set[tuple[str, str]]) -> dict[str, str]:
    """path -> file_id of files whose size and mtime equal those recorded when the warehouse
    last read them, and whose (file, path) it already holds: no need to read them again."""
    return {path: cached[path][2] for path, stat in stats.items()
            if path in cached and cached[path][:2] == stat and (cached[path][2], path) in known_pairs}


def read_file(root: Path, rel_path: str, max_bytes: int) -> tuple[bytes | None, str, int, Problem | None]:
    """(bytes or None, sha256, size, problem). An oversized file is hashed in blocks, never held."""
    full = root / rel_path
    size = full.stat().st_size
    if size > max_bytes:
        digest = hashlib.sha256()
        with full.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return None, digest.hexdigest(), size, Problem(
            "too_large", f"{size} bytes is over the limit of {max_bytes} bytes")
    data = full.read_bytes()
    return data, file_id_of(data), size, None


def file_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(path: str, data: bytes, max_bytes: int) -> ParsedFile:
    """Bytes of one file -> raw article records, or a file-level problem."""
    parsed = ParsedFile(path, file_id_of(data), len(data))
    try:
        name = PurePosixPath(path).name.lower()
        if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
            data = _gunzip(data, max_bytes)
            name = name.removesuffix(".gz")
        parsed.format = _detect_format(name, data)
        text, parsed.encoding = decode_text(data)
        if not text.strip():
            raise Reject("empty", "no text after decoding" if data.strip() else "file is empty")
        if parsed.format == "jsonl":
            _parse_jsonl(text, parsed)
        elif parsed.format == "json":
            parsed.records = _parse_json_document(text)
        elif parsed.format == "html":
            parsed.records = [_parse_html(text)]
        else:
            parsed.records = [{"text": text}]
    except Reject as reject:
        parsed.problems.append(Problem(reject.reason, reject.detail))
    for index, record in enumerate(parsed.records):
        record.setdefault("record_index", index)
        record["format"] = parsed.format
    return parsed


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    stream = zlib.decompressobj(wbits=31)
    try:
        out = stream.decompress(data, max_bytes + 1)
    except zlib.error as err:
        raise Reject("corrupt_archive", f"gzip data is corrupt: {err}") from err
    if len(out) > max_bytes:
        raise Reject("too_large", f"decompresses to over {max_bytes} bytes")
    if not stream.eof:
        raise Reject("truncated_archive", "gzip stream ends before its end marker")
    return out


def _detect_format(name: str, data: bytes) -> str:
    ext = PurePosixPath(name).suffix
    if ext in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[ext]
    if ext:
        raise Reject("unknown_format", f"extension {ext!r} is not one of {sorted(TEXT_EXTENSIONS)} (or .gz of them)")
    head = data.lstrip()[:512].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"{"):
        return "jsonl" if b"\n{" in data.strip() else "json"
    return "txt"


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> text. BOMs first, then strict UTF-8, then cp1252 (the usual non-UTF-8 news
    encoding); ftfy repairs mojibake later, in clean."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise Reject("undecodable", f"UTF-16 byte order mark but invalid UTF-16: {err}") from err
    if _looks_binary(data):
        raise Reject("binary", "content has NUL or control bytes; not a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as err:
            raise Reject("undecodable", f"neither UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                                        f"nor cp1252 ({err.reason} at byte {err.start})") from err


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > max(8, len(sample) // 100)


def _parse_jsonl(text: str, parsed: ParsedFile) -> None:
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records = _records_from_json(json.loads(line))
        except json.JSONDecodeError as err:
            parsed.problems.append(Problem("invalid_json", f"line {line_no}: {err}", line_no))
            continue
        except Reject as reject:
            parsed.problems.append(Problem(reject.reason, f"line {line_no}: {reject.detail}", line_no))
            continue
        for record in records:
            record["record_index"] = line_no
            parsed.records.append(record)
    if not parsed.records and not parsed.problems:
        raise Reject("empty", "no JSON lines")


def _parse_json_document(text: str) -> list[dict]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise Reject("invalid_json", str(err)) from err
    return _records_from_json(document)


def _records_from_json(document) -> list[dict]:
    if isinstance(document, list):
        return [record for item in document for record in _records_from_json(item)]
    if not isinstance(document, dict):
        raise Reject("no_article_text", f"JSON {type(document).__name__} is not an article object")
    text = _first(document, TEXT_KEYS)
    if not text or not text.strip():
        raise Reject("no_article_text", f"none of the fields {', '.join(TEXT_KEYS)} holds text")
    return [{
        "text": text,
        "title": _first(document, TITLE_KEYS),
        "published": _first(document, DATE_KEYS),
        "byline": _first(document, AUTHOR_KEYS),
        "url": _first(document, ("url", "canonical_url")),
        "outlet": _first(document, OUTLET_KEYS),
        "language_hint": _first(document, ("language", "lang")),
    }]


def _first(document: dict, keys: tuple[str, ...]) -> str | None:
    """The first of the keys with a value, as text (scrapers emit lists for authors, numbers
    for dates); None when none has one."""
    for key in keys:
        value = document.get(key)
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value if v not in (None, ""))
        if value not in (None, ""):
            return value if isinstance(value, str) else str(value)
    return None


def _parse_html(html: str) -> dict:
    import trafilatura  # heavy import, only when a run has HTML

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                           include_tables=False, favor_precision=True)
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise Reject("no_article_text", "no main text found in the HTML page")
    return {
        "text": text,
        "title": document.title,
        "published": document.date,
        "byline": document.author,
        "url": document.url,
        "outlet": document.sitename or document.hostname,
        "language_hint": document.language,
    }


def parse_chunk(root: Path, rel_paths: list[str], skip_pairs: set[tuple[str, str]],
                known_ids: set[str], max_bytes: int) -> list[ParsedFile]:
    """Read and parse one chunk. Files whose (file_id, path) is already in the warehouse come
    back without records (`format = None`, no problems): the flow counts them as skipped."""
    out = []
    for rel in rel_paths:
        try:
            data, fid, size, problem = read_file(root, rel, max_bytes)
        except OSError as err:
            out.append(ParsedFile(rel, "", 0, problems=[Problem("unreadable", f"{type(err).__name__}: {err}")]))
            continue
        if (fid, rel) in skip_pairs or fid in known_ids:
            out.append(ParsedFile(rel, fid, size))
        elif problem is not None:
            out.append(ParsedFile(rel, fid, size, problems=[problem]))
        else:
            out.append(parse_file(rel, data, max_bytes))
    return out


@task(name="ingest", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def ingest_chunk(root: str, rel_paths: list[str], skip_pairs: set, known_ids: set, max_bytes: int):
    return parse_chunk(Path(root), rel_paths, skip_pairs, known_ids, max_bytes)


@dataclass
class Classified:
    files: list[dict] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    skipped: int = 0


def classify_files(parsed: list[ParsedFile], seen_path_of: dict[str, str],
                   known_pairs: set[tuple[str, str]]) -> Classified:
    """Decide each file's fate, in path order: skipped (same bytes at the same path as an
    earlier run), duplicate (same bytes as a file seen before or earlier in this run),
    quarantined (no article could be read) or ingested. `seen_path_of` maps the file_ids of
    earlier runs to their first path; it is not modified."""
    first_path = dict(seen_path_of)
    out = Classified()
    for item in sorted(parsed, key=lambda p: p.path):
        if (item.file_id, item.path) in known_pairs:
            out.skipped += 1
            continue
        row = {"file_id": item.file_id, "path": item.path, "size_bytes": item.size_bytes,
               "format": item.format, "encoding": item.encoding, "records": 0}
        if item.file_id in first_path:
            out.files.append({**row, "status": "duplicate", "duplicate_of_path": first_path[item.file_id]})
            continue
        first_path[item.file_id] = item.path
        out.quarantine.extend(
            {"path": item.path, "record_index": p.record_index, "file_id": item.file_id, "stage": "ingest",
             "reason": p.reason, "detail": p.detail}
            for p in item.problems)
        if not item.records:
            out.files.append({**row, "status": "quarantined"})
            continue
        out.files.append({**row, "status": "ingested", "records": len(item.records)})
        out.records.extend({**record, "file_id": item.file_id, "source_path": item.path} for record in item.records)
    return out
