"""Issue 3's acceptance: every format and every hostile kind in one run, nothing lost."""

from __future__ import annotations

import gzip
import json
import os

from tests.conftest import run_flow, sql, write

STORY = ("Harbour reopens\n\nVALLETTA, April 2, 2024 (Reuters) - Malta's main harbour reopened on Tuesday after "
         "a storm, the transport ministry said.\n\nFerries to Sicily resumed in the afternoon.\n")


def story(city: str, day: int, what: str) -> str:
    return f"{city.upper()}, April {day}, 2024 - {what} reopened on Tuesday, officials said.\n\nTraffic was light.\n"


def build_source(root, outside):
    write(root, "utf8.txt", STORY)
    write(root, "x-mirror/utf8.txt", STORY)                                 # byte copy
    write(root, "bom.txt", b"\xef\xbb\xbf" + story("Lisbon", 3, "The bridge").encode())
    write(root, "utf16.txt", story("Porto", 3, "The port").encode("utf-16"))
    write(root, "cp1252.txt", story("Malaga", 3, "The café district").encode("cp1252"))
    write(root, "crlf.txt", story("Bari", 4, "The station").replace("\n", "\r\n"))
    write(root, "mojibake.txt", story("Split", 4, "The caféâ€™s terrace"))
    write(root, "page.html", "<html><head><title>Rail line reopens</title></head><body><nav>Home | News</nav>"
                             "<article><p>" + story("Genoa", 5, "The rail line").replace("\n\n", "</p><p>")
                             + "</p></article><footer>Copyright 2024</footer></body></html>")
    write(root, "page.htm.gz", gzip.compress(b"<html><body><article><p>" + story("Naples", 5, "The ferry").encode()
                                             + b"</p></article></body></html>"))
    write(root, "one.json", json.dumps({"title": "Tunnel", "text": story("Turin", 6, "The tunnel"),
                                        "date": "2024-04-06"}))
    write(root, "one.json.gz", gzip.compress(json.dumps({"maintext": story("Milan", 6, "The airport")}).encode()))
    write(root, "batch.jsonl", "\n".join([json.dumps({"title": "Road", "maintext": story("Pisa", 7, "The road")}),
                                          '{"title": "cut off", "maintext": "PISA',
                                          json.dumps({"title": "no text here"}),
                                          json.dumps({"text": story("Siena", 7, "The square")})]))
    write(root, "batch.jsonl.gz", gzip.compress(json.dumps({"text": story("Lucca", 8, "The wall")}).encode()))
    write(root, "empty.txt", b"")
    write(root, "blank.txt", b" \n\t\n")
    write(root, "binary.txt", bytes(range(256)) * 4)
    write(root, "undecodable.txt", b"Caf\x81 \x8d\x8f\x90\x9d")
    write(root, "truncated.txt.gz", gzip.compress(STORY.encode())[:-10])
    write(root, "notext.json", json.dumps({"title": "Only a headline", "url": "https://x.example"}))
    write(root, "invalid.json", '{"title": ')
    write(root, "big.txt", "A long story. " * 1000)
    write(root, "scan.pdf", b"%PDF-1.7 not an article")
    write(outside, "secret.txt", STORY)
    os.symlink(outside / "secret.txt", root / "leak.txt")


def test_every_format_and_hostile_kind_in_one_run(prefect_server, tmp_path):
    source, warehouse = tmp_path / "source", tmp_path / "wh"
    build_source(source, tmp_path / "outside")
    row = run_flow(source, warehouse, max_file_bytes=8000)

    assert sql(warehouse, "select path, stage, reason, record_index from quarantine order by path, record_index") == [
        ("batch.jsonl", "ingest", "invalid_json", 2),
        ("batch.jsonl", "ingest", "no_article_text", 3),
        ("big.txt", "ingest", "too_large", None),
        ("binary.txt", "ingest", "binary", None),
        ("blank.txt", "ingest", "empty", None),
        ("empty.txt", "ingest", "empty", None),
        ("invalid.json", "ingest", "invalid_json", None),
        ("leak.txt", "ingest", "symlink_outside_root", None),
        ("notext.json", "ingest", "no_article_text", None),
        ("scan.pdf", "ingest", "unknown_format", None),
        ("truncated.txt.gz", "ingest", "truncated_archive", None),
        ("undecodable.txt", "ingest", "undecodable", None),
    ]
    articles = sql(warehouse, "select source_path, record_index, dateline_city, dateline_date, body "
                              "from articles order by source_path, record_index")
    assert [(a[0], a[1], a[2], str(a[3])) for a in articles] == [
        ("batch.jsonl", 1, "Pisa", "2024-04-07"),
        ("batch.jsonl", 4, "Siena", "2024-04-07"),
        ("batch.jsonl.gz", 1, "Lucca", "2024-04-08"),
        ("bom.txt", 0, "Lisbon", "2024-04-03"),
        ("cp1252.txt", 0, "Malaga", "2024-04-03"),
        ("crlf.txt", 0, "Bari", "2024-04-04"),
        ("mojibake.txt", 0, "Split", "2024-04-04"),
        ("one.json", 0, "Turin", "2024-04-06"),
        ("one.json.gz", 0, "Milan", "2024-04-06"),
        ("page.htm.gz", 0, "Naples", "2024-04-05"),
        ("page.html", 0, "Genoa", "2024-04-05"),
        ("utf16.txt", 0, "Porto", "2024-04-03"),
        ("utf8.txt", 0, "Valletta", "2024-04-02"),
    ]
    bodies = {a[0]: a[4] for a in articles}
    assert bodies["cp1252.txt"].startswith("The café district reopened")
    assert bodies["mojibake.txt"].startswith("The café’s terrace reopened")
    assert bodies["page.html"] == "The rail line reopened on Tuesday, officials said.\n\nTraffic was light."
    assert sql(warehouse, "select path, status, duplicate_of_path from files where status = 'duplicate'") == [
        ("x-mirror/utf8.txt", "duplicate", "utf8.txt")]

    # nothing lost: every file seen has one fate, every record is an article or a quarantine row
    assert (row["files_seen"], row["files_ingested"], row["files_duplicate"], row["files_quarantined"]) == (23, 12, 1, 10)
    assert row["files_seen"] == row["files_ingested"] + row["files_duplicate"] + row["files_quarantined"]
    assert (row["articles_new"], row["quarantined"]) == (13, 12)
    assert sql(warehouse, "select status, count(*) from files group by 1 order by 1") == [
        ("duplicate", 1), ("ingested", 12), ("quarantined", 10)]

    again = run_flow(source, warehouse, max_file_bytes=8000)
    assert (again["files_seen"], again["files_skipped"], again["files_new"], again["quarantined"]) == (23, 23, 0, 0)
