"""Readers: input files -> raw article records, or problems with a reason.

`discover_files`, `stat_files` and `read_file` touch the disk; `parse_file` is pure over bytes,
with one reader per format. Whatever goes wrong with one file or record (it cannot be opened,
decoded, parsed: any exception at all) becomes a `Problem` of that file or record; nothing here
raises out of a file. Every record gets its own `record_index` (its position in the file) and a
`locator` saying where it was, in words.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat as stat_module
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

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
    locator: str | None = None


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


def _refused(rel: str, reason: str, detail: str, identity: str) -> ParsedFile:
    """A path that is never read: identified by what it is (a link's text, a FIFO's path), so
    that a rerun finds it already recorded and skips it."""
    data = identity.encode("utf-8", "surrogateescape")
    return ParsedFile(rel, file_id_of(data), len(data), problems=[Problem(reason, detail)])


def discover_files(root: Path) -> tuple[list[str], list[ParsedFile]]:
    """Every regular file under root (sorted, relative posix paths), plus refusals for what
    must never be opened: symlinks out of the root or in a loop, links to folders, FIFOs,
    sockets, devices, and folders that cannot be listed. Symlinked folders are not descended."""
    root = root.resolve()
    found: list[str] = []
    refused: list[ParsedFile] = []

    def walk(folder: str, prefix: str) -> None:
        try:  # os.scandir's entries carry their type: one system call per folder, not per file
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as err:
            if prefix:  # the root itself is checked by the caller
                refused.append(_refused(prefix.rstrip("/"), "unreadable", f"folder cannot be listed: "
                                        f"{type(err).__name__}: {err.strerror or err}", f"unlistable {prefix}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            try:
                if entry.is_symlink():
                    _symlink(entry, rel)
                elif entry.is_dir(follow_symlinks=False):
                    walk(entry.path, rel + "/")
                elif entry.is_file(follow_symlinks=False):
                    found.append(rel)
                else:
                    kind = _kind(os.lstat(entry.path).st_mode)
                    refused.append(_refused(rel, "not_a_regular_file", f"a {kind}, not a regular file: never opened",
                                            f"{kind} {rel}"))
            except OSError as err:
                refused.append(_refused(rel, "unreadable", f"{type(err).__name__}: {err.strerror or err}",
                                        f"unreadable {rel}"))

    def _symlink(entry: os.DirEntry, rel: str) -> None:
        link = os.readlink(entry.path)
        try:
            target = Path(entry.path).resolve(strict=True)
        except (RuntimeError, OSError) as err:  # 3.11 raises RuntimeError on a loop, later versions OSError
            if isinstance(err, RuntimeError) or getattr(err, "errno", None) == 40:  # ELOOP
                refused.append(_refused(rel, "symlink_loop", f"symlink to {link} leads back into itself; not followed",
                                        link))
            else:
                refused.append(_refused(rel, "unreadable", f"symlink to {link} leads nowhere: {err.strerror or err}",
                                        link))
            return
        if not target.is_relative_to(root):
            # a symlink's own bytes are its target path: that is what we identify it by
            refused.append(_refused(rel, "symlink_outside_root",
                                    f"symlink to {target} is outside the source root; not followed", link))
        elif target.is_file():
            found.append(rel)
        else:
            kind = "folder" if target.is_dir() else _kind(target.stat().st_mode)
            refused.append(_refused(rel, "not_a_regular_file", f"symlink to a {kind}; links are only followed "
                                    "to regular files inside the source root", link))

    walk(str(root), "")
    return sorted(found), sorted(refused, key=lambda parsed: parsed.path)


def _kind(mode: int) -> str:
    for test, name in ((stat_module.S_ISFIFO, "FIFO"), (stat_module.S_ISSOCK, "socket"),
                       (stat_module.S_ISCHR, "character device"), (stat_module.S_ISBLK, "block device"),
                       (stat_module.S_ISDIR, "folder")):
        if test(mode):
            return name
    return "special file"


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
    """(bytes or None, sha256, size, problem). Opened without blocking (a FIFO put in place of a
    file since discovery cannot hang the run) and only read when it is a regular file; an
    oversized file is hashed in blocks, never held; a file whose size or mtime moves while it is
    read is reported, not trusted."""
    fd = os.open(root / rel_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        before = os.fstat(fd)
        if not stat_module.S_ISREG(before.st_mode):
            kind = _kind(before.st_mode)
            return None, file_id_of(f"{kind} {rel_path}".encode()), 0, Problem(
                "not_a_regular_file", f"a {kind}, not a regular file: never read")
        digest, blocks, size = hashlib.sha256(), [], 0
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
            if size <= max_bytes:
                blocks.append(block)
        after = os.fstat(fd)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or size != after.st_size:
        return None, digest.hexdigest(), size, Problem(
            "changed_while_reading", f"size or modification time changed while it was read ({before.st_size} -> "
            f"{after.st_size} bytes); the next run reads it again")
    if size > max_bytes:
        return None, digest.hexdigest(), size, Problem("too_large", f"{size} bytes is over the limit of {max_bytes} bytes")
    return b"".join(blocks), digest.hexdigest(), size, None


def file_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(path: str, data: bytes, max_bytes: int) -> ParsedFile:
    """Bytes of one file -> raw article records and the problems of the file or its records.
    Any exception while parsing is a problem of this file (`parse_error`), never the run's."""
    parsed = ParsedFile(path, file_id_of(data), len(data))
    try:
        name = PurePosixPath(path).name.lower()
        if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
            data = gunzip(data, max_bytes)
            name = name.removesuffix(".gz")
        parsed.format = _detect_format(name, data)
        text, parsed.encoding = decode_text(data)
        if not text.strip():
            raise Reject("empty", "no text after decoding" if data.strip() else "file is empty")
        if parsed.format == "jsonl":
            items = _jsonl_items(text)
        elif parsed.format == "json":
            items = _json_items(text)
        elif parsed.format == "html":
            items = [(None, _html_record(text))]
        else:
            items = [(None, {"text": text})]
    except Reject as reject:
        parsed.problems.append(Problem(reject.reason, reject.detail))
        return parsed
    except Exception as error:  # noqa: BLE001 - the next poison is one nobody thought of
        parsed.problems.append(Problem("parse_error", f"{type(error).__name__}: {str(error)[:500]}"))
        return parsed
    for index, (locator, item) in enumerate(items):  # one position per record, good or bad
        if isinstance(item, Problem):
            item.record_index, item.locator = index, locator
            parsed.problems.append(item)
        else:
            parsed.records.append({**item, "record_index": index, "locator": locator, "format": parsed.format})
    if not parsed.records and not parsed.problems:
        parsed.problems.append(Problem("empty", "no records in the file"))
    return parsed


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Every member of a gzip stream (`cat a.gz b.gz` is one valid file), at most max_bytes."""
    out, rest = [], data
    size = 0
    while rest:
        stream = zlib.decompressobj(wbits=31)
        try:
            out.append(stream.decompress(rest, max_bytes + 1 - size))
        except zlib.error as err:
            if out:  # trailing garbage after a complete member, as gzip(1) tolerates with a warning
                break
            raise Reject("corrupt_archive", f"gzip data is corrupt: {err}") from err
        size += len(out[-1])
        if size > max_bytes:
            raise Reject("too_large", f"decompresses to over {max_bytes} bytes")
        if not stream.eof:
            raise Reject("truncated_archive", "gzip stream ends before its end marker")
        rest = stream.unused_data.lstrip(b"\x00")  # padding between members
    return b"".join(out)


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
    encoding); ftfy repairs mojibake later, in clean. Text that decodes but is mostly control,
    unassigned or private-use characters is binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _text_or_binary(data[3:].decode("utf-8", errors="strict")), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _text_or_binary(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as err:
            raise Reject("undecodable", f"UTF-16 byte order mark but invalid UTF-16: {err}") from err
    head = data[:8192]
    if b"\x00" in head:
        raise Reject("binary", "content has NUL bytes; not a text file")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if controls > max(8, len(head) // 100):
        raise Reject("binary", f"{controls} of the first {len(head)} bytes are control bytes; not a text file")
    try:
        return _text_or_binary(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return _text_or_binary(data.decode("cp1252")), "cp1252"
        except UnicodeDecodeError as err:
            raise Reject("undecodable", f"neither UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                                        f"nor cp1252 ({err.reason} at byte {err.start})") from err


_TEXT_CONTROLS = {"\t", "\n", "\r", "\f"}


def _text_or_binary(text: str) -> str:
    """A single-byte code page turns any bytes into characters: judge the characters. Text in
    any language has almost no control, unassigned or private-use characters; random bytes
    read as cp1252 are one in nine controls."""
    sample = text[:8192]
    if not sample:
        return text
    odd = sum(1 for c in sample if c not in _TEXT_CONTROLS and unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs"))
    if odd > max(8, len(sample) // 100):
        raise Reject("binary", f"{odd} of the first {len(sample)} characters are control or unassigned: not text")
    return text


def _jsonl_items(text: str) -> list[tuple[str, dict | Problem]]:
    items = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except (ValueError, RecursionError) as err:
            items.append((f"line {line_no}", Problem("invalid_json", f"line {line_no}: {type(err).__name__}: "
                                                                     f"{str(err)[:300]}")))
            continue
        elements = document if isinstance(document, list) else [document]
        for n, element in enumerate(elements, start=1):
            where = f"line {line_no}" + (f", item {n}" if isinstance(document, list) else "")
            items.append((where, _record_or_problem(element, where)))
    return items


def _json_items(text: str) -> list[tuple[str | None, dict | Problem]]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:  # a 6,000-digit number is a ValueError, deep nesting a RecursionError
        raise Reject("invalid_json", f"{type(err).__name__}: {str(err)[:300]}") from err
    if isinstance(document, list):
        return [(f"item {n}", _record_or_problem(element, f"item {n}")) for n, element in enumerate(document, start=1)]
    record = _record_or_problem(document, None)
    if isinstance(record, Problem):
        raise Reject(record.reason, record.detail)
    return [(None, record)]


def _record_or_problem(document, where: str | None) -> dict | Problem:
    """One JSON value -> an article record, or the problem that keeps it from being one."""
    prefix = f"{where}: " if where else ""
    if not isinstance(document, dict):
        return Problem("no_article_text", f"{prefix}JSON {type(document).__name__} is not an article object")
    text = _first(document, TEXT_KEYS)
    if not text or not text.strip():
        return Problem("no_article_text", f"{prefix}none of the fields {', '.join(TEXT_KEYS)} holds text")
    return {
        "text": text,
        "title": _first(document, TITLE_KEYS),
        "published": _first(document, DATE_KEYS),
        "byline": _first(document, AUTHOR_KEYS),
        "url": _first(document, ("url", "canonical_url")),
        "outlet": _first(document, OUTLET_KEYS),
        "language_hint": _first(document, ("language", "lang")),
    }


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


def _html_record(html: str) -> dict:
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


def read_chunk(root: Path, rel_paths: list[str], skip_pairs: set[tuple[str, str]],
               known_ids: set[str], max_bytes: int) -> list[ParsedFile]:
    """Read and parse one chunk. Files whose (file_id, path) is already in the warehouse come
    back without records (`format = None`, no problems): the flow counts them as skipped."""
    out = []
    for rel in rel_paths:
        try:
            data, fid, size, problem = read_file(root, rel, max_bytes)
        except OSError as err:
            out.append(_refused(rel, "unreadable", f"{type(err).__name__}: {err.strerror or err}", f"unreadable {rel}"))
            continue
        if (fid, rel) in skip_pairs or fid in known_ids:
            out.append(ParsedFile(rel, fid, size))
        elif problem is not None:
            out.append(ParsedFile(rel, fid, size, problems=[problem]))
        else:
            out.append(parse_file(rel, data, max_bytes))
    return out
