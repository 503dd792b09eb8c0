"""Readers: input files -> raw article records, or problems with a reason.

`discover_files`, `stat_files` and `read_file` touch the disk; `parse_input` is pure over bytes,
with one reader per format (text, HTML, JSON, JSON Lines, CSV/TSV, Parquet, WARC, RSS/Atom,
and zip/tar archives whose members are inputs of their own). Whatever goes wrong with one file
or record (it cannot be opened, decoded, parsed: any exception at all) becomes a `Problem` of
that file or record; nothing here raises out of a file. Every record gets its own
`record_index` (its position in the file) and a `locator` saying where it was, in words.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat as stat_module
import unicodedata
import zlib
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# extension -> format (a name may also end in `.gz` of any of them)
EXTENSIONS = {".txt": "txt", ".text": "txt", ".md": "markdown", ".markdown": "markdown", ".html": "html",
              ".htm": "html", ".xhtml": "html",
              ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
              ".parquet": "parquet", ".warc": "warc", ".rss": "feed", ".atom": "feed", ".xml": "feed",
              ".nitf": "newsml", ".arc": "arc",
              ".zip": "zip", ".tar": "tar", ".tgz": "tar", ".tbz2": "tar", ".tbz": "tar", ".txz": "tar"}
_TAR_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz")
ARCHIVE_FORMATS = ("zip", "tar")
CONTAINER_FORMATS = (*ARCHIVE_FORMATS, "warc", "arc", "parquet", "csv", "tsv", "jsonl")
MAX_ARCHIVE_DEPTH = 2  # an archive inside an archive is read; one deeper is refused
MEMBER_SEPARATOR = "!/"  # `dump.zip!/2024/a.json`: the member `2024/a.json` of `dump.zip`

# Field names of news-please, newspaper4k, trafilatura, NewsAPI, JSON Feed, Firecrawl and Hugging
# Face news sets, best first; `field_map` puts names of your own (dotted paths too) in front.
FIELDS = {
    "text": ("maintext", "text", "raw_text", "article_text", "body", "content", "content_text", "content_html",
             "document", "article", "full_text", "story"),
    "title": ("title", "headline", "metadata.title"),
    "published": ("date_publish", "publish_date", "publishedAt", "published_at", "date_published", "pubDate",
                  "datePublished", "date", "published", "created_at", "date_modify"),
    "byline": ("authors", "author", "byline", "creator"),
    "url": ("url", "canonical_url", "link", "metadata.sourceURL", "source"),
    "outlet": ("source_domain", "meta_site_name", "sitename", "site_name", "source-hostname", "hostname", "source",
               "publisher",
               "outlet", "domain", "metadata.ogSiteName"),
    "language_hint": ("language", "lang", "meta_lang", "language_code", "inLanguage", "metadata.language"),
}
# where a JSON object keeps its list of articles: NewsAPI `articles`, APIs' `data`, JSON Feed `items`, …
ENVELOPE_KEYS = ("articles", "data", "items", "results", "rows", "records", "entries", "documents", "docs", "hits",
                 "response", "news")
_NEWSAPI_CUT = re.compile(r"\s*(?:…|\.\.\.)?\s*\[\+\d+ chars\]\s*$")  # NewsAPI's truncation marker
_MARKUP = re.compile(r"<(?:p|div|br|span|a|h[1-6]|article|section|ul|ol|li|strong|em|b|i|img|figure|blockquote|"
                     r"table|tr|td)\b[^>]*>", re.IGNORECASE)
# wire copy writes tickers in angle brackets (`<P>`, `<A.H. ROBINS>`), which open like a tag:
# markup also closes a tag, breaks a line or opens a paragraph in lower case
_MARKUP_PROOF = re.compile(r"(?i:</(?:p|div|span|a|h[1-6]|article|section|ul|ol|li|strong|em|b|i|figure|blockquote|"
                           r"table|tr|td)\s*>|<br\s*/?>)|<p>")
_META_REFRESH = re.compile(r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d+\s*;"""
                           r"""\s*url\s*=\s*["']?([^"'>\s]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def is_markup(text: str) -> bool:
    return bool(_MARKUP.search(text) and _MARKUP_PROOF.search(text))


# Markdown by signs plain text never makes: a bold pair, a link to a URL, a heading line
_MARKDOWN_PROOF = re.compile(r"\*\*[^*\n]+\*\*|\[[^\]\n]+\]\(https?://[^)\s]+\)|(?m:^#{1,6}[ \t]+\S)")


def is_markdown(text: str) -> bool:
    return bool(_MARKDOWN_PROOF.search(text))


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
    archive: bool = False  # its members follow it as inputs of their own


class Reject(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int                                   # per file or member, after decompression
    max_container_bytes: int | None = None           # per archive, WARC, Parquet or CSV file (None: max_bytes)
    max_members: int = 10_000                        # per archive
    field_map: tuple[tuple[str, str], ...] = ()      # (our field, the record's key or dotted path)

    def limit_for(self, path: str) -> int:
        """Files that hold many articles (archives, WARC, Parquet, CSV) may be larger."""
        name = path.lower().removesuffix(".gz")
        container = name.endswith(_TAR_SUFFIXES) or EXTENSIONS.get(PurePosixPath(name).suffix) in CONTAINER_FORMATS
        return (self.max_container_bytes or self.max_bytes) if container else self.max_bytes


def display_name(name: str) -> str:
    """A path as UTF-8 text, whatever bytes the file system holds: a byte that is not UTF-8 (a
    name written in latin-1) becomes `\\xNN`. Paths are stored and compared in this form."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def os_path(root: Path, rel: str) -> Path:
    """The file on disk behind a displayed path (`\\xNN` back to its byte)."""
    path = root / rel
    if "\\x" not in rel or os.path.lexists(path):
        return path
    raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m[1], 16)]), rel.encode("utf-8"))
    return root / raw.decode("utf-8", "surrogateescape")


def _refused(rel: str, reason: str, detail: str, identity: str) -> ParsedFile:
    """A path that is never read: identified by what it is (a link's text, a FIFO's path), so
    that a rerun finds it already recorded and skips it."""
    data = identity.encode("utf-8", "surrogateescape")
    return ParsedFile(rel, file_id_of(data), len(data), problems=[Problem(reason, display_name(detail))])


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
            rel = prefix + display_name(entry.name)
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
    for rel in rel_paths:
        try:
            stat = os.stat(os_path(root, rel))
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
    fd = os.open(os_path(root, rel_path), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
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


def _name_and_format(path: str, data: bytes) -> tuple[str, str | None]:
    """The file's name (lower case) and its format by extension, else by content; `gz` for a
    gzip stream whose inner name decides."""
    name = PurePosixPath(path).name.lower()
    if name.endswith(_TAR_SUFFIXES):
        return name, "tar"
    if name.endswith(".warc.gz"):  # fastwarc reads the gzip members as it goes: never inflated whole
        return name, "warc"
    if name.endswith(".gz") or (data[:2] == b"\x1f\x8b" and PurePosixPath(name).suffix not in EXTENSIONS):
        return name, "gz"
    suffix = PurePosixPath(name).suffix
    if suffix in EXTENSIONS:
        return name, EXTENSIONS[suffix]
    if suffix:
        raise Reject("unknown_format", f"extension {suffix!r} is not one of {' '.join(sorted(EXTENSIONS))} "
                                       f"(or .gz of them)")
    return name, _sniff(data)


def _sniff(data: bytes) -> str:
    """The format of a file without an extension, from its first bytes."""
    head = data.lstrip()[:1024]
    lower = head.lower()
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"filedesc://"):
        return "arc"
    if lower.startswith((b"<!doctype html", b"<html")):
        return "html"
    if lower.startswith(b"<?xml") or lower.startswith((b"<rss", b"<feed", b"<rdf")):
        return "feed"
    if data[:4] == b"PAR1":
        return "parquet"
    if head.startswith((b"{", b"[")):
        return "jsonl" if head.startswith(b"{") and b"\n{" in data.strip() else "json"
    return "txt"


def parse_input(path: str, data: bytes, limits: ReadLimits, depth: int = 0) -> list[ParsedFile]:
    """One input's bytes -> its ParsedFile, followed by one per member when it is an archive.
    Any exception while parsing is a problem of this input (`parse_error`), never the run's."""
    parsed = ParsedFile(path, file_id_of(data), len(data))
    members: list[ParsedFile] = []
    try:
        name, kind = _name_and_format(path, data)
        if kind == "gz":
            data = gunzip(data, limits.limit_for(path))
            name, kind = _name_and_format(name.removesuffix(".gz"), data)
            if kind == "gz":
                raise Reject("corrupt_archive", "a gzip stream inside a gzip stream")
        parsed.format = kind
        if kind in ARCHIVE_FORMATS:
            if depth >= MAX_ARCHIVE_DEPTH:
                raise Reject("archive_too_deep", f"an archive {depth} archives deep is not opened")
            for member, content in _archive_members(kind, data, limits, parsed):
                member_path = f"{path}{MEMBER_SEPARATOR}{member}"
                if isinstance(content, Problem):
                    members.append(_refused(member_path, content.reason, content.detail, f"member {member_path}"))
                else:
                    members += parse_input(member_path, content, limits, depth + 1)
            parsed.archive = True
            return [parsed, *members]
        items = _READERS[kind](data, limits, parsed)
    except Reject as reject:
        parsed.problems.append(Problem(reject.reason, reject.detail))
        return [parsed, *members]
    except Exception as error:  # noqa: BLE001 - the next poison is one nobody thought of
        parsed.problems.append(Problem("parse_error", f"{type(error).__name__}: {str(error)[:500]}"))
        return [parsed, *members]
    for index, (locator, item) in enumerate(items):  # one position per record, good or bad
        if isinstance(item, Problem):
            item.record_index, item.locator = index, locator
            parsed.problems.append(item)
        else:
            parsed.records.append({**item, "record_index": index, "locator": locator, "format": parsed.format})
    if not parsed.records and not parsed.problems:
        parsed.problems.append(Problem("empty", "no records in the file"))
    return [parsed]


def parse_file(path: str, data: bytes, max_bytes: int) -> ParsedFile:
    """The ParsedFile of one input that is not an archive (the readers' tests and benches)."""
    return parse_input(path, data, ReadLimits(max_bytes))[0]


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


# ---- archives -------------------------------------------------------------------------------

def _member_name(name: str) -> str | None:
    """A member's name as a path inside the archive; None for folders and hidden files."""
    clean = "/".join(part for part in name.replace("\\", "/").split("/") if part not in ("", ".", ".."))
    if not clean or any(part.startswith(".") or part == "__MACOSX" for part in clean.split("/")):
        return None
    return clean


def _archive_members(kind: str, data: bytes, limits: ReadLimits, parsed: ParsedFile):
    """(member name, bytes or Problem) of each regular member, with the same limits as files;
    members over `max_members` are reported on the archive, not read."""
    import tarfile
    import zipfile

    count = 0

    def over_limit() -> bool:
        nonlocal count
        count += 1
        if count == limits.max_members + 1:
            parsed.problems.append(Problem("too_large", f"more than {limits.max_members} members: the first "
                                                        f"{limits.max_members} were read, the rest were not"))
        return count > limits.max_members

    if kind == "zip":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as err:
            raise Reject("corrupt_archive", f"not a readable zip: {err}") from err
        with archive:
            for info in archive.infolist():
                name = _member_name(info.filename)
                if info.is_dir() or name is None or over_limit():
                    continue
                if info.file_size > limits.max_bytes:
                    yield name, Problem("too_large", f"{info.file_size} bytes is over the limit of {limits.max_bytes}")
                    continue
                try:
                    with archive.open(info) as handle:
                        content = handle.read(limits.max_bytes + 1)
                except (RuntimeError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as err:
                    yield name, Problem("unreadable", f"member cannot be read: {type(err).__name__}: {err}")
                    continue
                if len(content) > limits.max_bytes:  # a header that lies about the size
                    yield name, Problem("too_large", f"decompresses to over {limits.max_bytes} bytes")
                    continue
                yield name, content
        return
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise Reject("corrupt_archive", f"not a readable tar: {err}") from err
    with archive:
        try:
            for member in archive:
                name = _member_name(member.name)
                if member.isdir() or name is None or over_limit():
                    continue
                if not member.isfile():
                    kind_of = "link" if member.issym() or member.islnk() else "special file"
                    yield name, Problem("not_a_regular_file", f"a {kind_of} inside the archive: not followed")
                elif member.size > limits.max_bytes:
                    yield name, Problem("too_large", f"{member.size} bytes is over the limit of {limits.max_bytes}")
                else:
                    yield name, archive.extractfile(member).read()
        except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
            parsed.problems.append(Problem("truncated_archive", f"the archive ends early: {err}; the members "
                                                                f"before that were read"))


# ---- decoding -------------------------------------------------------------------------------

def decode_text(data: bytes, line_records: bool = False) -> tuple[str, str]:
    """Bytes -> text. BOMs first, UTF-16 without a BOM by its pattern of zero bytes, strict
    UTF-8, then charset-normalizer among the legacy encodings (cp1251, KOI8-R, GBK, Shift-JIS,
    ISO-8859-x, …; cp1252 when it reads as well); ftfy repairs mojibake later, in clean. Text
    that decodes but is mostly control, unassigned or private-use characters is binary.

    `line_records` (CSV, JSON Lines): a few NUL bytes are a damaged record, not a binary file;
    they are kept for the reader to refuse the records that hold them."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _by_bom(data, encoding), encoding
    head = data[:8192]
    utf16 = _utf16_without_bom(head)
    if utf16:
        try:
            return _text_or_binary(data.decode(utf16)), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in head and not (line_records and data.count(0) <= max(8, len(data) // 1000)):
        raise Reject("binary", "content has NUL bytes; not a text file")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if controls > max(8, len(head) // 100):
        raise Reject("binary", f"{controls} of the first {len(head)} bytes are control bytes; not a text file")
    try:
        return _text_or_binary(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as utf8_error:
        encoding = _legacy_encoding(data)
        if encoding is None:
            raise Reject("undecodable", f"not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and no "
                                        f"legacy encoding reads it") from utf8_error
        return _text_or_binary(data.decode(encoding)), encoding


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))  # UTF-32's marks first: UTF-16's begin them


def _by_bom(data: bytes, encoding: str) -> str:
    """Text whose byte order mark names its encoding; a few bytes that break it are replaced
    (as in a page that breaks its own declaration), more make it undecodable."""
    text = data.decode(encoding, errors="replace")
    broken = text.count("\ufffd")
    if broken > max(3, len(text) // 1000):
        raise Reject("undecodable", f"a {encoding} byte order mark, but {broken} of {len(text)} characters are not "
                                    f"{encoding}")
    return _text_or_binary(text)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text in a Latin or Cyrillic script has a zero byte in every other position."""
    if len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _legacy_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    results = from_bytes(data[:200_000])
    best = results.best()
    if best is None:
        return None
    runner_up = next((r for r in results if r.encoding != best.encoding and str(r) != str(best)), None)
    try:
        as_cp1252 = data[:200_000].decode("cp1252")
    except UnicodeDecodeError:
        as_cp1252 = None
    if best.coherence == 0 and runner_up is not None and runner_up.chaos <= best.chaos:
        # a few odd bytes every code page reads as well: news' usual one if it can, else no guess
        return "cp1252" if as_cp1252 is not None else None
    if as_cp1252 is None:
        return best.encoding
    if as_cp1252 == str(best):  # news' usual single-byte code page wins a tie: the same text, or as coherent
        return "cp1252"
    for candidate in results:
        if candidate.encoding == "cp1252" and candidate.chaos <= best.chaos and candidate.coherence >= best.coherence:
            return "cp1252"
    return best.encoding


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """An HTML page's text by what it declares before any guess: BOM, the HTTP header's charset,
    `<meta charset>` or http-equiv. A page that breaks its own declaration in a few bytes (a
    stray byte in UTF-8) keeps its declaration, those bytes replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    meta = _META_CHARSET.search(data[:8192])
    for name in (declared, meta.group(1).decode("ascii", "ignore") if meta else None):
        encoding = _codec(name)
        if encoding is None:
            continue
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            text = data.decode(encoding, errors="replace")
            if text.count("\ufffd") <= max(3, len(text) // 1000):
                return text, encoding
    return decode_text(data)


def _codec(name: str | None) -> str | None:
    import codecs

    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


_TEXT_CONTROLS = {"\t", "\n", "\r", "\f"}
# C1 controls that are Windows-1252 punctuation written through Latin-1 (`\x93…\x94` for “…”):
# mojibake that clean's ftfy repairs, not a sign of binary
_CP1252_IN_C1 = {chr(b) for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _text_or_binary(text: str) -> str:
    """A single-byte code page turns any bytes into characters: judge the characters. Text in
    any language has almost no control, unassigned or private-use characters."""
    sample = text[:8192]
    odd = sum(1 for c in sample if c not in _TEXT_CONTROLS and c not in _CP1252_IN_C1
              and unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs"))
    if odd > max(8, len(sample) // 100):
        raise Reject("binary", f"{odd} of the first {len(sample)} characters are control or unassigned: not text")
    return text


# ---- records --------------------------------------------------------------------------------

def _as_text(value) -> str | None:
    """A field's value as text: lists joined, an object by its name (`{"id": "engadget",
    "name": "Engadget"}` is Engadget, not the text of the object), dates in ISO form."""
    import datetime as dt

    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        parts = [part for part in (_as_text(v) for v in value) if part]
        return "; ".join(dict.fromkeys(parts)) or None
    if isinstance(value, dict):
        for key in ("name", "title", "value", "text", "href", "url", "@value"):
            if key in value:
                return _as_text(value[key])
    return None


def _lookup(document: dict, key: str):
    if key in document:
        return document[key]
    value = document
    for part in key.split("."):  # a dotted path into nested objects: `source.name`
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _as_body(value) -> str | None:
    """An article's text: a string, or a list of paragraphs (kept apart, repeats and all); a
    number or a flag is no article."""
    if isinstance(value, (list, tuple)):
        parts = [part for part in (_as_body(v) for v in value) if part]
        return "\n\n".join(parts) or None
    if isinstance(value, (str, dict)):
        return _as_text(value)
    return None


def _field(document: dict, name: str, limits: ReadLimits) -> str | None:
    mapped = tuple(key for ours, key in limits.field_map if ours == name)
    for key in (*mapped, *FIELDS[name]):
        text = (_as_body if name == "text" else _as_text)(_lookup(document, key))
        # `source` is trafilatura's URL and NewsAPI's outlet: a web address is a URL, never an outlet
        if text and key not in mapped and (name == "outlet" and _WEB_ADDRESS.match(text)
                                           or name == "url" and key == "source" and not _WEB_ADDRESS.match(text)):
            continue
        if text:
            return text
    return None


_WEB_ADDRESS = re.compile(r"https?://", re.IGNORECASE)


def _record_or_problem(document, where: str | None, limits: ReadLimits) -> dict | Problem:
    """One record (a JSON object, a CSV or Parquet row) -> an article record, or the problem
    that keeps it from being one."""
    prefix = f"{where}: " if where else ""
    if not isinstance(document, dict):
        return Problem("no_article_text", f"{prefix}a {type(document).__name__}, not an article object")
    text = _field(document, "text", limits)
    markdown = None if text else _as_body(_lookup(document, "markdown"))  # crawlers' LLM-ready output
    text = text or markdown
    if text and len(text) * 4 > limits.max_bytes and (size := len(text.encode("utf-8", "replace"))) > limits.max_bytes:
        # one record of a large container is held to the limit of a file (README: max_file_bytes)
        return Problem("too_large", f"{prefix}its text is {size} bytes, over the limit of {limits.max_bytes} bytes")
    heading = None
    if text and not markdown and is_markup(text):  # a body that is markup is read as HTML, not kept as tags
        text = html_to_text(text)
    elif text and (markdown or is_markdown(text)):
        heading, text = markdown_article(text)
    text = _NEWSAPI_CUT.sub("", text) if text else text
    if not text or not text.strip():
        keys = ", ".join((*(key for ours, key in limits.field_map if ours == "text"), *FIELDS["text"], "markdown"))
        return Problem("no_article_text", f"{prefix}none of the fields {keys} holds text")
    record = {"text": text, **{name: _field(document, name, limits) for name in FIELDS if name != "text"}}
    return record | {"title": record["title"] or heading}


def _items_of(document, limits: ReadLimits, where: str | None = None) -> list[tuple[str | None, dict | Problem]]:
    """A JSON value -> its records: an object, a list of them, or an envelope holding a list
    (`{"articles": [...]}`, `{"data": [...]}`, JSON Feed's `items`, `{"response": {"docs": …}}`,
    Firecrawl's `{"data": {"markdown": …}}`)."""
    if isinstance(document, list):
        prefix = f"{where}, " if where else ""
        return [(f"{prefix}item {n}", _record_or_problem(element, f"{prefix}item {n}", limits))
                for n, element in enumerate(document, start=1)]
    if isinstance(document, dict) and not _field(document, "text", limits):
        for key in ENVELOPE_KEYS:
            inner = document.get(key)
            if isinstance(inner, list) or (isinstance(inner, dict) and key in ("response", "data")):
                return _items_of(inner, limits, where)
    return [(where, _record_or_problem(document, where, limits))]


def _decoded(data: bytes, parsed: ParsedFile, line_records: bool = False) -> str:
    """The text of a file that holds text (its encoding noted), or `empty`."""
    text, parsed.encoding = decode_text(data, line_records)
    if not text.strip():
        raise Reject("empty", "no text after decoding" if data.strip()
                     else f"the file holds only whitespace ({len(data)} bytes)" if data else "file is empty")
    return text


def _read_json(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    text = _decoded(data, parsed)
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:  # a 6,000-digit number is a ValueError, deep nesting a RecursionError
        if isinstance(err, json.JSONDecodeError) and err.msg == "Extra data" and text.lstrip().startswith("{"):
            parsed.format = "jsonl"  # JSON Lines in a .json file: the Hugging Face `to_json` default
            return _jsonl_lines(text, limits)
        raise Reject("invalid_json", f"{type(err).__name__}: {str(err)[:300]}") from err
    items = _items_of(document, limits)
    if len(items) == 1 and isinstance(items[0][1], Problem) and items[0][0] is None:
        raise Reject(items[0][1].reason, items[0][1].detail)
    return items


def _read_jsonl(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    text = _decoded(data, parsed, line_records=True)
    return _jsonl_lines(text, limits)


def _jsonl_lines(text: str, limits: ReadLimits):
    items = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if "\x00" in line:
            items.append((f"line {line_no}", _nul_problem(f"line {line_no}")))
            continue
        try:
            document = json.loads(line)
        except (ValueError, RecursionError) as err:
            items.append((f"line {line_no}", Problem("invalid_json", f"line {line_no}: {type(err).__name__}: "
                                                                     f"{str(err)[:300]}")))
            continue
        items += _items_of(document, limits, f"line {line_no}")
    return items


def _read_csv(data: bytes, limits: ReadLimits, parsed: ParsedFile, delimiter: str | None = None):
    """One article per row; the text column is found by its name like a JSON field."""
    text = _decoded(data, parsed, line_records=True)
    csv.field_size_limit(max(limits.max_bytes, 1 << 17))
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    items = []
    for n, row in enumerate(reader, start=1):
        where = f"row {n}"
        if any("\x00" in (v if isinstance(v, str) else "".join(v or ())) for v in row.values()):
            items.append((where, _nul_problem(where)))
            continue
        items.append((where, _record_or_problem({k: v for k, v in row.items() if k is not None and v}, where, limits)))
    return items


def _nul_problem(where: str) -> Problem:
    return Problem("binary", f"{where} has NUL bytes: a damaged record; the file's other records were read")


def _read_tsv(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    return _read_csv(data, limits, parsed, "\t")


def _read_parquet(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(pa.BufferReader(data))
    return [(f"row {n}", _record_or_problem(row, f"row {n}", limits))
            for n, row in enumerate(table.to_pylist(), start=1)]


def _read_txt(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    # the extension says text, the bytes say a web page or a scraper's JSON (a file renamed, a
    # dump): read as what it is, or its tags, menus or braces would be published as the article
    sniffed = _sniff(data.removeprefix(b"\xef\xbb\xbf"))
    if sniffed == "html":
        parsed.format = "html"
        return _read_html(data, limits, parsed)
    if sniffed in ("json", "jsonl"):
        as_json = ParsedFile(parsed.path, parsed.file_id, parsed.size_bytes, sniffed)
        try:
            items = _READERS[sniffed](data, limits, as_json)
        except Reject:
            items = []  # braces in prose: it is text after all
        if any(not isinstance(item, Problem) for _, item in items):
            parsed.format, parsed.encoding = as_json.format, as_json.encoding
            return items
    text = _decoded(data, parsed)
    if is_markup(text):  # an HTML fragment, as in a JSON field
        parsed.format = "html"
        text = html_to_text(text)
    elif is_markdown(text):
        parsed.format = "markdown"
        return _markdown_items(text)
    return [(None, {"text": text})]


def _read_markdown(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    return _markdown_items(_decoded(data, parsed))


def _markdown_items(markdown: str):
    title, text = markdown_article(markdown)
    return [(None, {"text": text, "title": title})]


_MARKDOWN_TITLE = re.compile(r"\s*#{1,2}[ \t]+([^\n]+?)[ \t#]*(?:\n|$)")
# a static-site generator's YAML front matter: `---`, `key: value` lines, `---`
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(?P<yaml>(?:.*\n)*?)---[ \t]*(?:\n|\Z)")
_FRONT_TITLE = re.compile(r"""(?m)^title:[ \t]*["']?(?P<title>[^\n]*?)["']?[ \t]*$""")


def markdown_article(markdown: str) -> tuple[str | None, str]:
    """Markdown -> (title, text): the front matter's `title:`, else a heading that opens it, is
    the title, and front matter is no text; the rest is rendered (CommonMark) and read as
    markup, so that emphasis, link targets and list marks are not published as its words."""
    from markdown_it import MarkdownIt

    front = _FRONT_MATTER.match(markdown)
    declared = _FRONT_TITLE.search(front["yaml"]) if front else None
    markdown = markdown[front.end():] if front else markdown
    heading = _MARKDOWN_TITLE.match(markdown)
    rest = markdown[heading.end():] if heading else markdown
    title = (declared["title"].strip() if declared else None) or (heading.group(1).strip() if heading else None)
    return title or None, html_to_text(MarkdownIt("commonmark").render(rest))


def _read_html(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    record, parsed.encoding = html_record(data)
    return [(None, record)]


def html_record(data: bytes, declared: str | None = None) -> tuple[dict, str]:
    """A page -> its article record. trafilatura in precision mode, tables kept (an article
    built around a table); where that finds nothing or under `SHORT_PAGE_WORDS` words, its default
    settings decide if they find at least twice as much (a short article precision cut), and under
    `LEAD_ONLY_WORDS` if they find four times as much (precision kept a review's lead paragraph
    only). Measured by `bench/html_bodies.py`: a looser fallback let boilerplate into Japanese and
    Latvian pages, and twice as much under `LEAD_ONLY_WORDS` into two of Mozilla Readability's."""
    import trafilatura  # heavy import, only when a run has HTML

    from tasks.clean import words_of

    html, encoding = decode_html(data, declared)
    if not html.strip():
        raise Reject("empty", "the page has no text")
    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True,
                                           favor_precision=True)
    text = getattr(document, "text", None) if document is not None else None
    found = len(words_of(text or ""))
    if found < LEAD_ONLY_WORDS:
        fuller = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
        fuller_text = getattr(fuller, "text", None) if fuller is not None else None
        fuller_found = len(words_of(fuller_text or ""))
        if fuller_text and fuller_extraction_wins(found, fuller_found):
            document, text, found = fuller, fuller_text, fuller_found
    if not text or not text.strip():
        raise Reject("no_article_text", "no main text found in the HTML page")
    redirect = _META_REFRESH.search(html[:8192])
    if redirect and found < SHORT_PAGE_WORDS:
        raise Reject("no_article_text", f"a redirect to {redirect.group(1)[:200]!r} (meta refresh) with "
                                        f"{found} words of its own: not an article")
    if found < MIN_PAGE_WORDS:
        raise Reject("no_article_text", f"the page's main text is {text.strip()[:60]!r}: under {MIN_PAGE_WORDS} "
                                        f"words, what is left of a menu or a notice, not an article")
    return {"text": text, "title": document.title, "published": document.date, "byline": document.author,
            "url": document.url, "outlet": document.sitename or document.hostname,
            "language_hint": document.language}, encoding


def fuller_extraction_wins(precise_words: int, fuller_words: int) -> bool:
    """Whether trafilatura's default pass replaces its precision pass: twice as many words under
    `SHORT_PAGE_WORDS`, four times as many under `LEAD_ONLY_WORDS`, never beyond."""
    if precise_words >= LEAD_ONLY_WORDS:
        return False
    return fuller_words >= (2 if precise_words < SHORT_PAGE_WORDS else 4) * max(precise_words, 1)


SHORT_PAGE_WORDS = 50
LEAD_ONLY_WORDS = 500  # precision mode finding less may have kept a lead only: the default pass is asked too
MIN_PAGE_WORDS = 5  # a menu, a notice; none of 1,034 real test pages of trafilatura, newspaper4k, news-please is shorter
FEED_TEASER_WORDS = 40  # a feed item's description shorter than this, beside a link, is a teaser

_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article",
           "figure", "ul", "ol", "table")


def html_to_text(fragment: str) -> str:
    """Markup in a text field (a JSON or CSV body, a feed item) -> text: blocks become
    paragraphs, entities characters, scripts and styles nothing."""
    from lxml import html as lxml_html
    from lxml.etree import ParserError

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return fragment
    for element in list(root.iter("script", "style", "noscript")):
        element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n\n" + (element.tail or "")
    return "\n\n".join(" ".join(block.split()) for block in root.text_content().split("\n\n") if block.strip())


def _read_warc(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    """Each HTML page of a WARC (or WARC.gz) is an article: a `response` record's HTTP body, or a
    `resource` record's (a page archived without its HTTP exchange); its target URI is the URL
    and its WARC-Date the crawl date. A WARC cut off or damaged midway keeps the records read
    before the damage; the rest is one problem."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    items, kinds = [], Counter()
    records = ArchiveIterator(io.BytesIO(data), parse_http=True, auto_decode="all")
    n = 0
    while True:
        try:
            record = next(records, None)
        except Exception as err:  # fastwarc raises bare OSError/ValueError on a broken header
            items.append((f"after record {n}", Problem("parse_error", f"after record {n}: the archive is damaged "
                                                                      f"({type(err).__name__}: {err}); the records "
                                                                      f"before it are read")))
            break
        if record is None:
            break
        n += 1
        kind_name = str(record.record_type)
        kinds[kind_name] += 1
        if record.record_type not in (WarcRecordType.response, WarcRecordType.resource):
            continue
        uri = (record.headers.get("WARC-Target-URI") or "").strip("<>") or None  # wget writes <uri>
        if record.record_type == WarcRecordType.response:
            content_type, charset = (record.http_content_type or "").lower(), record.http_charset
        else:
            content_type = (record.headers.get("Content-Type") or "").lower()
            charset = _charset_of(content_type)
        crawled = record.record_date
        items.append(_archived_page(n, uri, kind_name, content_type, charset, record.reader.read,
                                    crawled.date().isoformat() if crawled else None))
    if not items:
        held = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "no records"
        raise Reject("no_article_text", f"no response or resource records in the WARC file ({held})")
    return items


def _archived_page(n: int, url: str | None, kind: str, content_type: str, charset: str | None, read, crawl_date):
    """(locator, record or problem) of one record of a web archive (WARC, ARC): an HTML page is
    an article with its URL and crawl date; anything else (`read` is not called) is reported."""
    where = f"record {n} ({url})" if url else f"record {n}"
    if "html" not in content_type:
        held = f"a {content_type.split(';')[0]} {kind}" if content_type else f"a {kind} without a content type"
        return where, Problem("no_article_text", f"{where}: {held}, not a page")
    try:
        page, _ = html_record(read(), charset)
    except Reject as reject:
        return where, Problem(reject.reason, f"{where}: {reject.detail}")
    return where, {**page, "url": page.get("url") or url, "crawl_date": crawl_date}


_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9._:-]+)")


def _charset_of(content_type: str) -> str | None:
    declared = _CHARSET.search(content_type)
    return declared.group(1) if declared else None


_ARC_HEADER = re.compile(rb"^(?P<url>\S.*?) \S+ (?P<date>\d{14})\d* (?P<type>\S+)(?: .*)? (?P<length>-?\d+)\r?$")


def _read_arc(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    """Each HTML response of an ARC file (the Internet Archive's format before WARC; `.arc`,
    `.arc.gz`) is an article, as in a WARC: its URL and archive date are the record's. A
    record header that does not parse ends the reading; the records before it are kept."""
    items, n, at = [], 0, 0
    while True:
        while data[at:at + 1] in (b"\n", b"\r"):
            at += 1
        if at >= len(data):
            break
        line_end = data.find(b"\n", at)
        header = _ARC_HEADER.match(data[at:line_end if line_end >= 0 else len(data)])
        length = int(header["length"]) if header else -1
        if header is None or length < 0 or line_end < 0:
            items.append((f"after record {n}", Problem("parse_error", f"after record {n}: not an ARC record "
                                                                      f"header: {data[at:at + 80]!r}")))
            break
        n += 1
        block, at = data[line_end + 1:line_end + 1 + length], line_end + 1 + length
        url = header["url"].decode("utf-8", "replace")
        if url.startswith("filedesc:"):
            continue
        http_head, _, body = block.partition(b"\r\n\r\n") if b"\r\n\r\n" in block else block.partition(b"\n\n")
        declared = re.search(rb"(?im)^content-type:\s*([^\r\n]+)", http_head)
        content_type = (declared.group(1) if declared else header["type"]).decode("latin-1").lower()
        archived = header["date"].decode()
        items.append(_archived_page(n, url, "response", content_type, _charset_of(content_type),
                                    lambda body=body: body, f"{archived[:4]}-{archived[4:6]}-{archived[6:8]}"))
    if not items:
        raise Reject("no_article_text", "no records in the ARC file but its description")
    return items


def _read_feed(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    """Each RSS/Atom item with content is an article; an item that is only a link is reported,
    not dropped. An `.xml` file that is an XHTML page is read as the page, one that is a wire
    agency's NewsML or NITF as such."""
    import feedparser

    root = _xml_root(data)
    if root in _WIRE_ROOTS:
        parsed.format = "newsml"
        return _read_newsml(data, limits, parsed)
    if root in ("urlset", "sitemapindex"):
        return _sitemap_links(data, root)
    data, legacy = _feed_bytes(data)
    feed = feedparser.parse(data)
    if not feed.entries and _sniff(re.sub(rb"^\s*<\?xml[^>]*>", b"", data[:2048])) == "html":
        parsed.format = "html"
        return _read_html(data, limits, parsed)
    if not feed.entries:
        reason = f": {feed.bozo_exception}" if feed.get("bozo") else ""
        raise Reject("no_article_text", f"no feed items{reason}")
    parsed.encoding = legacy or feed.get("encoding")
    outlet, language = feed.feed.get("title"), feed.feed.get("language")
    items = []
    for n, entry in enumerate(feed.entries, start=1):
        where = f"item {n}"
        content = entry.get("content")
        body = content[0].get("value") if content else None
        summary = entry.get("summary")
        # a long description is the article; a short one is a teaser for the linked page, unless
        # the item has no link: then the description is all there is of it
        teaser = len(html_to_text(summary).split()) if summary and not body else 0
        if not body and summary and (teaser >= FEED_TEASER_WORDS or not entry.get("link")):
            body = summary
        if not body and entry.get("link"):
            held = f"only a {teaser}-word teaser (under {FEED_TEASER_WORDS} words)" if teaser else "no content"
            items.append((where, Problem("feed_link_only", f"{where}: {entry['link']} has a link and {held} "
                                                           f"in the feed")))
            continue
        if not body:
            items.append((where, Problem("no_article_text", f"{where}: an item with neither content nor a link")))
            continue
        items.append((where, {"text": html_to_text(body), "title": entry.get("title"),
                              "published": entry.get("published") or entry.get("updated"),
                              "byline": entry.get("author"), "url": entry.get("link"), "outlet": outlet,
                              "language_hint": language}))
    return items


def _sitemap_links(data: bytes, root: str):
    """A (news) sitemap lists links, as a feed's link-only items do: each is recorded, not
    fetched; a sitemap index lists only other sitemaps."""
    if root == "sitemapindex":
        raise Reject("no_article_text", "a sitemap index: links to other sitemaps, no articles")
    tree = _parse_xml(data)
    items = []
    for n, url in enumerate(_all(tree, "url"), start=1):
        where, link, title = f"item {n}", _text(_first(url, "loc")), _text(_first(url, "title"))
        named = f" ({title[:80]!r})" if title else ""
        items.append((where, Problem("feed_link_only", f"{where}: {link}{named} is a sitemap link, not fetched")))
    if not items:
        raise Reject("no_article_text", "a sitemap with no links")
    return items


# the wire agencies' own XML (IPTC): NewsML-G2 (dpa, Reuters, AP), NewsML 1 (AFP), NITF
_G2_NOT_NEWS = {"packageItem", "conceptItem", "knowledgeItem", "planningItem", "catalogItem"}
_WIRE_ROOTS = {"newsMessage", "newsItem", "NewsML", "nitf", *_G2_NOT_NEWS}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_ROOT = re.compile(rb"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*<(?:[\w.-]+:)?([\w.-]+)",
                       re.DOTALL)


def _xml_root(data: bytes) -> str | None:
    """The name of an XML document's root element (after its declaration, comments, doctype)."""
    found = _XML_ROOT.match(data[:8192].removeprefix(b"\xef\xbb\xbf"))
    return found.group(1).decode("ascii", "replace") if found else None


def _read_newsml(data: bytes, limits: ReadLimits, parsed: ParsedFile):
    """Each text item of an IPTC wire file is an article: a NewsML-G2 `newsItem` (alone or in a
    `newsMessage`), a NewsML 1 `NewsItem`, an NITF document. Its headline, creation date,
    byline, provider, language and dateline are fields; a picture or video item is reported,
    as are the G2 items that carry no story (concepts, packages, plans)."""
    root = _parse_xml(_HTML_ENTITY.sub(_numeric_entity, data))
    kind = _local(root)
    if kind in _G2_NOT_NEWS:
        raise Reject("no_article_text", f"a NewsML-G2 {kind}: metadata, not an article")
    parsed.encoding = (root.getroottree().docinfo.encoding or "utf-8").lower()
    if kind == "nitf":
        items = [("item 1", _nitf_record(root, root.get(_XML_LANG)))]
    elif kind == "NewsML":
        items = [(f"item {n}", _newsml1_record(item)) for n, item in enumerate(_all(root, "NewsItem"), start=1)]
    else:
        items = [(f"item {n}", _g2_record(item)) for n, item in enumerate(
            [root] if kind == "newsItem" else _all(root, "newsItem"), start=1)]
    if not items:
        raise Reject("no_article_text", f"a {kind} that holds no news item")
    return [(where, record if isinstance(record, dict) else Problem("no_article_text", f"{where}: {record}"))
            for where, record in items]


def _parse_xml(data: bytes):
    """An XML document's root, never loading a DTD or an external entity (a hostile file could
    name one); not well-formed XML is a `parse_error`."""
    from lxml import etree

    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as err:
        raise Reject("parse_error", f"not well-formed XML: {err}") from err


# NITF writes HTML's named entities (`&nbsp;`, `&mdash;`) and leaves them to a DTD we never
# load (an external one may be hostile): they become character references before parsing
_HTML_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")


def _numeric_entity(match: re.Match) -> bytes:
    import html.entities

    name = match.group(1).decode()
    code = html.entities.name2codepoint.get(name)
    return b"&#%d;" % code if code and name not in ("amp", "lt", "gt", "quot", "apos") else match.group(0)


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _all(element, name: str) -> list:
    return [e for e in element.iter() if _local(e) == name]


def _first(element, *path: str):
    """The first descendant along `path` of local names, each a descendant of the one before."""
    for name in path:
        element = next((e for e in element.iter() if e is not element and _local(e) == name), None) \
            if element is not None else None
    return element


def _text(element) -> str | None:
    text = " ".join("".join(element.itertext()).split()) if element is not None else ""
    return text or None


def _markup_text(element) -> tuple[str, str | None]:
    """An XHTML or NITF body as (text, the dateline it marks): its markup without namespaces,
    read as HTML, without the `header` that repeats the item's metadata (dpa's slugline, time,
    headline, byline). A span marked `dateline` leaves its paragraph: it is the item's."""
    from lxml import etree

    if element is None:
        return "", None
    copy = deepcopy(element)
    for e in list(copy.iter(etree.Entity)):  # an entity left unresolved (external) is no text
        _drop(e)
    for e in copy.iter():
        if isinstance(e.tag, str):
            e.tag = _local(e)
    etree.cleanup_namespaces(copy)
    dateline = None
    for e in [e for e in copy.iter("header", "nav", "footer", "span") if e is not copy]:
        if e.tag == "span" and "dateline" not in (e.get("class") or "").split():
            continue
        if e.tag == "span" and dateline is None:
            dateline = _text(e)
        _drop(e)
    markup = (copy.text or "") + "".join(etree.tostring(child, encoding="unicode") for child in copy)
    return html_to_text(markup), dateline


def _drop(element) -> None:
    """Remove an element, keeping the text that follows it."""
    parent, previous = element.getparent(), element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _iso(value: str | None) -> str | None:
    """`20231124T192141+0000` (ISO 8601 basic, NewsML 1 and NITF) -> `2023-11-24T19:21:41+0000`."""
    basic = re.match(r"(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)?)?", value or "")
    if basic and not re.match(r"\d{4}-", value):
        return f"{basic[1]}-{basic[2]}-{basic[3]}" + (f"T{basic[4]}:{basic[5]}:{basic[6] or '00'}" if basic[4] else "")
    return value


def _with_dateline(body: str, dateline: str | None) -> str:
    """The body with its dateline in front, as wire copy has it, unless it already opens so. A
    bare place is written in capitals, as wires write it: the metadata declared it a dateline,
    and a mixed-case `Lisbon -` would read as the start of a sentence."""
    if not dateline or " ".join(body.split()).startswith(" ".join(dateline.split()).rstrip(" -–—")):
        return body
    dateline = dateline.strip() if "(" in dateline else dateline.strip().upper()
    return f"{dateline} {body}" if re.search(r"[-–—:]$", dateline) else f"{dateline} - {body}"


def _g2_record(item) -> dict | str:
    item_class = _first(item, "itemMeta", "itemClass")
    kind = item_class.get("qcode", "") if item_class is not None else ""
    if kind and not kind.startswith("ninat:text"):
        return f"a {kind} item, not text"
    meta = _first(item, "contentMeta")
    content = next((c for c in _all(item, "inlineXML") if _text(c)), None)
    body = next((b for b in (_first(content, "body.content"), _first(content, "body"), content) if b is not None), None)
    text, marked = _markup_text(body)
    if not text.strip():
        return "a text item with no inline text"
    language = _first(meta, "language")
    return {"text": _with_dateline(text, _text(_first(meta, "dateline")) or marked),
            "title": _text(_first(meta, "headline")),
            "published": _text(_first(item, "itemMeta", "firstCreated")) or _text(_first(meta, "contentCreated"))
            or _text(_first(item, "itemMeta", "versionCreated")),
            "byline": _text(_first(meta, "by")) or _text(_first(content, "byline")), "url": None,
            "outlet": _provider(_first(item, "itemMeta", "provider")),
            "language_hint": item.get(_XML_LANG) or (language.get("tag") if language is not None else None)}


def _provider(provider) -> str | None:
    """A provider's name, else its code (`nprov:dpa` -> dpa)."""
    if provider is None:
        return None
    return _text(_first(provider, "name")) or (provider.get("qcode") or "").split(":", 1)[-1] or None


def _nitf_record(nitf, language: str | None) -> dict | str:
    text, marked = _markup_text(_first(nitf, "body.content"))
    if not text.strip():
        return "an NITF document with no body.content"
    issued = _first(nitf, "docdata", "date.issue")
    dateline = _first(nitf, "body.head", "dateline")
    return {"text": _with_dateline(text, _text(dateline) or marked),
            "title": _text(_first(nitf, "hedline", "hl1")) or _text(_first(nitf, "head", "title")),
            "published": _iso(issued.get("norm")) if issued is not None else None,
            "byline": _text(_first(nitf, "body.head", "byline")), "url": None, "outlet": None,
            "language_hint": language}


def _newsml1_record(item) -> dict | str:
    texts = [c for c in _all(item, "ContentItem")
             if (_first(c, "MediaType") is None or _first(c, "MediaType").get("FormalName", "").lower() == "text")]
    body = next((b for c in texts for b in (_first(c, "body.content"), _first(c, "DataContent")) if _text(b)), None)
    if body is None:
        kinds = sorted({m.get("FormalName", "?") for m in _all(item, "MediaType")})
        return f"a {'/'.join(kinds) or 'content-less'} item, not text"
    language = _first(item, "DescriptiveMetadata", "Language")
    city = next((p.get("Value") for p in _all(item, "Property") if p.get("FormalName") == "City"), None)
    created = _first(item, "NewsManagement", "FirstCreated")
    text, marked = _markup_text(body)
    return {"text": _with_dateline(text, marked or (f"{city} -" if city else None)),
            "title": _text(_first(item, "NewsLines", "HeadLine")),
            "published": _iso(_text(created)), "byline": _text(_first(item, "NewsLines", "ByLine")), "url": None,
            "outlet": _text(_first(item, "ProviderId")),
            "language_hint": item.get(_XML_LANG) or (language.get("FormalName") if language is not None else None)}


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _feed_bytes(data: bytes) -> tuple[bytes, str | None]:
    """A feed that is not UTF-8 and declares no other encoding, as UTF-8 bytes, and the
    encoding it was read in. feedparser without chardet reads such bytes as cp1252: a KOI8-R
    or Shift-JIS feed came out as mojibake, so it is decoded as every other text file is."""
    declared = _XML_ENCODING.match(data)
    if declared and declared.group(1).decode().casefold().replace("_", "-") not in ("utf-8", "utf8"):
        return data, None
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError:
        pass
    text, encoding = decode_text(data)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    return ('<?xml version="1.0" encoding="utf-8"?>' + text).encode("utf-8"), encoding


_READERS = {"txt": _read_txt, "markdown": _read_markdown, "html": _read_html, "json": _read_json, "jsonl": _read_jsonl,
            "csv": _read_csv, "tsv": _read_tsv, "parquet": _read_parquet, "warc": _read_warc, "feed": _read_feed,
            "newsml": _read_newsml, "arc": _read_arc}


def read_chunk(root: Path, rel_paths: list[str], skip_pairs: set[tuple[str, str]],
               known_ids: set[str], limits: ReadLimits) -> list[ParsedFile]:
    """Read and parse one chunk (an archive gives its members too). Files whose (file_id, path)
    is already in the warehouse come back without records (`format = None`, no problems): the
    flow counts them as skipped."""
    out = []
    for rel in rel_paths:
        try:
            data, fid, size, problem = read_file(root, rel, limits.limit_for(rel))
        except OSError as err:
            out.append(_refused(rel, "unreadable", f"{type(err).__name__}: {err.strerror or err}", f"unreadable {rel}"))
            continue
        if (fid, rel) in skip_pairs or fid in known_ids:
            out.append(ParsedFile(rel, fid, size))
        elif problem is not None:
            out.append(ParsedFile(rel, fid, size, problems=[problem]))
        else:
            out += parse_input(rel, data, limits)
    return out
