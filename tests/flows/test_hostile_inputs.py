"""Every format and every hostile kind in one run: good articles published, nothing lost, nothing hangs."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random
import socket

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
        ("batch.jsonl", "ingest", "invalid_json", 1),
        ("batch.jsonl", "ingest", "no_article_text", 2),
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
        ("batch.jsonl", 0, "Pisa", "2024-04-07"),
        ("batch.jsonl", 3, "Siena", "2024-04-07"),
        ("batch.jsonl.gz", 0, "Lucca", "2024-04-08"),
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


def build_poison(root):
    """Good articles beside inputs that each once stopped every run."""
    write(root, "good/a.txt", story("Lisbon", 3, "The bridge"))
    write(root, "good/b.txt", story("Porto", 3, "The port"))
    write(root, "future.json", json.dumps({"title": "Clock", "text": story("Oslo", 4, "The airport"),
                                           "date_publish": "2031-05-01"}))  # a scraper's clock
    write(root, "future-undated.json", json.dumps({"title": "Clock", "text": "The airport in Oslo reopened on Tuesday, "
                                                   "officials said.", "date_publish": "2031-05-01"}))
    write(root, "deep.json", "[" * 5000)
    write(root, "number.json", '{"text": "Bern.", "views": ' + "9" * 6000 + "}")
    write(root, "long.txt", "GENEVA, April 5, 2024 - " + "Delegates met in Geneva on Friday and talked. " * 1400)
    write(root, "array.jsonl", json.dumps([{"text": story("Graz", 5, "The square")}, {"text": story("Linz", 5, "The dock")}])
          + "\n" + json.dumps({"text": story("Bonn", 6, "The museum")}))
    write(root, "two-members.txt.gz", gzip.compress(story("Nice", 6, "The beach").encode())
          + gzip.compress(b"\nCafes reopened too.\n"))
    rng = random.Random(3)
    write(root, "noise.txt", bytes(rng.choice(range(1, 256)) for _ in range(4096)).replace(b"\x81", b"a"))
    os.mkfifo(root / "pipe.txt")
    os.symlink(root / "loop-b.txt", root / "loop-a.txt")
    os.symlink(root / "loop-a.txt", root / "loop-b.txt")
    os.symlink(root / "good", root / "folder-link.txt")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(root / "socket.json"))
    return listener


def test_no_input_can_stop_publishing(prefect_server, tmp_path):
    source, warehouse = tmp_path / "source", tmp_path / "wh"
    listener = build_poison(source)
    try:
        row = run_flow(source, warehouse)
        again = run_flow(source, warehouse)
    finally:
        listener.close()
    assert sql(warehouse, "select source_path, record_index, locator, dateline_city from articles order by 1, 2") == [
        ("array.jsonl", 0, "line 1, item 1", "Graz"), ("array.jsonl", 1, "line 1, item 2", "Linz"),
        ("array.jsonl", 2, "line 2", "Bonn"), ("future.json", 0, None, "Oslo"), ("good/a.txt", 0, None, "Lisbon"),
        ("good/b.txt", 0, None, "Porto"), ("long.txt", 0, None, "Geneva"), ("two-members.txt.gz", 0, None, "Nice")]
    # a scraper's clock: the metadata date gives way to the article's own dateline, and the row says so
    assert sql(warehouse, "select published_date, published_date_source, repairs from articles "
                          "where source_path = 'future.json'") == [(dt.date(2024, 4, 4), "dateline", (
        "published_date: metadata value 2031-05-01 broke expect_column_values_to_be_between; "
        "the dateline date 2024-04-04 used"))]
    assert sql(warehouse, "select path, stage, reason, table_name from quarantine order by path") == [
        ("deep.json", "ingest", "invalid_json", None),
        ("folder-link.txt", "ingest", "not_a_regular_file", None),
        ("future-undated.json", "validate", "failed_expectation", "articles"),
        ("loop-a.txt", "ingest", "symlink_loop", None),
        ("loop-b.txt", "ingest", "symlink_loop", None),
        ("noise.txt", "ingest", "binary", None),
        ("number.json", "ingest", "invalid_json", None),
        ("pipe.txt", "ingest", "not_a_regular_file", None),
        ("socket.json", "ingest", "not_a_regular_file", None)]
    (detail,), = sql(warehouse, "select detail from quarantine where path = 'future-undated.json'")
    assert "published_date" in detail and "2031-05-01" in detail
    assert sql(warehouse, "select path, status, records from files where path like 'future%' or path = 'array.jsonl' "
                          "order by 1") == [("array.jsonl", "ingested", 3), ("future-undated.json", "quarantined", 0),
                                            ("future.json", "ingested", 1)]
    assert sql(warehouse, "select body like '%Cafes reopened too.' from articles where source_path like '%.gz'") == [
        (True,)]
    assert (row["status"], row["files_seen"], row["files_ingested"], row["files_quarantined"], row["articles_new"],
            row["quarantined"]) == ("succeeded", 15, 6, 9, 8, 9)
    assert (again["status"], again["files_seen"], again["files_new"], again["quarantined"]) == ("succeeded", 15, 0, 0)


def test_real_feed_formats_and_languages_end_to_end(prefect_server, tmp_path):
    import io
    import zipfile

    from tests.tasks.test_io_formats import RSS, _warc

    source, warehouse = tmp_path / "source", tmp_path / "wh"
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("inner/oslo.txt", story("Oslo", 8, "The ferry terminal"))
        archive.writestr("inner/empty.txt", "")
    write(source, "dump.zip", sink.getvalue())
    write(source, "export.csv", 'title,text\nBridge,"' + story("Bergen", 8, "The bridge").replace("\n", " ") + '"\n')
    page = ("<html><head><title>Port</title></head><body><article><p>"
            + story("Tallinn", 9, "The port") + "</p></article></body></html>")
    write(source, "crawl.warc", _warc([("https://x.example/port", "text/html; charset=utf-8", page.encode())]))
    write(source, "wire.rss", RSS)
    write(source, "de.txt", "BERLIN, 5. April 2024 - „Wir schaffen das“, sagte Bundeskanzler Olaf Scholz am Montag in "
                            "Berlin. Das Kabinett der Regierung beriet über die Frage, und der Minister stimmte zu.\n")
    write(source, "fr.txt", "PARIS, 5 avril 2024 (AFP) - « Nous ne céderons pas », a déclaré Emmanuel Macron lundi "
                            "à Paris devant les préfets réunis au ministère.\n")
    write(source, "zh.txt", "中国外交部周一表示，王毅将于本周访问俄罗斯，举行第十八轮战略安全磋商。双方将就国际和地区问题交换意见。")
    row = run_flow(source, warehouse, reference_date="2024-12-31")

    assert sql(warehouse, "select path, format, status, records from files order by path") == [
        ("crawl.warc", "warc", "ingested", 1), ("de.txt", "txt", "ingested", 1), ("dump.zip", "zip", "ingested", 1),
        ("dump.zip!/inner/empty.txt", "txt", "quarantined", 0), ("dump.zip!/inner/oslo.txt", "txt", "ingested", 1),
        ("export.csv", "csv", "ingested", 1), ("fr.txt", "txt", "ingested", 1), ("wire.rss", "feed", "ingested", 1),
        ("zh.txt", "txt", "ingested", 1)]
    articles = sql(warehouse, """
        select a.source_path, a.language, a.extraction, a.dateline_city, a.word_count > 20,
               (select count(*) from entities e where e.article_id = a.article_id),
               (select list(q.speaker) from quotes q where q.article_id = a.article_id)
        from articles a order by 1""")
    assert [a[:5] for a in articles] == [
        ("crawl.warc", "en", "full", "Tallinn", False), ("de.txt", "de", "language_unsupported", "Berlin", True),
        ("dump.zip!/inner/oslo.txt", "en", "full", "Oslo", False), ("export.csv", "en", "full", "Bergen", False),
        ("fr.txt", "fr", "entities_quotes", "Paris", False), ("wire.rss", "en", "full", "Rome", False),
        ("zh.txt", "zh", "language_unsupported", None, True)]
    counts = {a[0]: (a[5], a[6]) for a in articles}
    assert counts["de.txt"] == (0, None) and counts["zh.txt"] == (0, None)  # no English model on German or Chinese
    assert counts["fr.txt"][1] == ["Emmanuel Macron"] and counts["fr.txt"][0] >= 2
    assert sql(warehouse, "select path, reason from quarantine order by 1") == [
        ("dump.zip!/inner/empty.txt", "empty"), ("wire.rss", "feed_link_only")]
    assert (row["files_seen"], row["files_ingested"], row["files_quarantined"]) == (9, 8, 1)
    again = run_flow(source, warehouse, reference_date="2024-12-31")
    assert (again["files_new"], again["quarantined"]) == (0, 0)
