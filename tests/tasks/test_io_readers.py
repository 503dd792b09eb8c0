import gzip
import json
import os
import socket

import pytest

from tasks.ingest import classify_files
from tasks.io.readers import ReadLimits, Reject, decode_text, discover_files, parse_file, read_chunk

STORY = "ROME, May 2 - Trains stopped for an hour on Thursday, the operator said.\n"


def test_legacy_encodings_are_detected_not_assumed():
    cases = {"cp1251": "Министр финансов заявил в понедельник, что бюджет будет принят до конца года. ",
             "koi8_r": "Министр финансов заявил в понедельник, что бюджет будет принят до конца года. ",
             "gb18030": "中国外交部周一表示，王毅将于本周访问俄罗斯，举行第十八轮战略安全磋商。",
             "cp932": "日本銀行は月曜日、金融政策を据え置くと発表した。市場関係者は予想通りだと述べた。",
             "iso8859_2": "Minister powiedział, że żeby rząd mógł działać, musi być głuchy na krytykę. ",
             "utf-16-le": "Reuters reported on Monday that the port reopened. "}
    for encoding, text in cases.items():
        assert decode_text((text * 3).encode(encoding)) == (text * 3, encoding), encoding


def test_html_is_decoded_by_what_it_declares():
    from tasks.io.readers import decode_html

    polish = "<html><head><meta charset=\"iso-8859-2\"></head><body><p>żeby głuchy</p></body></html>"
    assert decode_html(polish.encode("iso-8859-2")) == (polish, "iso8859-2")
    czech = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1250\"></head>"
    assert decode_html((czech + "<p>Příliš žluťoučký kůň</p>").encode("cp1250"))[0].endswith("Příliš žluťoučký kůň</p>")
    stray = "<meta charset=utf-8><p>Zürich café</p>".encode() + b"\xff" + "<p>Genève</p>".encode()
    assert decode_html(stray) == ("<meta charset=utf-8><p>Zürich café</p>\ufffd<p>Genève</p>", "utf-8")
    assert decode_html("<p>é</p>".encode("cp1252"), declared="windows-1252")[0] == "<p>é</p>"


def test_plain_text_encodings():
    assert decode_text(STORY.encode("utf-8"))[1] == "utf-8"
    assert decode_text(b"\xef\xbb\xbf" + STORY.encode())[1] == "utf-8-sig"
    assert decode_text(STORY.encode("utf-16")) == (STORY, "utf-16")
    assert decode_text(STORY.encode("utf-32")) == decode_text(b"\x00\x00\xfe\xff"
                                                              + STORY.encode("utf-32-be")) == (STORY, "utf-32")
    stray = b"\xef\xbb\xbf" + STORY.encode() + b"\xf1!"  # one broken byte keeps the mark's word
    assert decode_text(stray) == (STORY + "\ufffd!", "utf-8-sig")
    with pytest.raises(Reject, match="a utf-8-sig byte order mark, but 6 of 12 characters are not utf-8-sig"):
        decode_text(b"\xef\xbb\xbf" + b"\xf1a" * 6)
    assert decode_text("Café owners said".encode("cp1252")) == ("Café owners said", "cp1252")


def reasons(parsed):
    return [(p.reason, p.record_index) for p in parsed.problems]


def test_hostile_bytes_are_rejected_with_reasons():
    assert reasons(parse_file("a.txt", b"", 100)) == [("empty", None)]
    assert reasons(parse_file("a.txt", b"  \n\t\n", 100)) == [("empty", None)]
    assert [p.detail for p in parse_file("a.txt", b"  \n\t\n", 100).problems] == [
        "the file holds only whitespace (5 bytes)"]
    assert reasons(parse_file("a.txt", b"\x00\x01\x02binary\x00", 100)) == [("binary", None)]
    assert reasons(parse_file("a.txt", bytes(range(128, 256)) * 2, 1000)) == [("undecodable", None)]
    assert reasons(parse_file("a.pdf", b"%PDF-1.4", 100)) == [("unknown_format", None)]
    assert reasons(parse_file("a.txt.gz", gzip.compress(STORY.encode())[:-12], 1000)) == [("truncated_archive", None)]
    assert reasons(parse_file("a.txt.gz", gzip.compress(b"x" * 5000), 1000)) == [("too_large", None)]
    assert reasons(parse_file("a.json", b'{"title": "only a title"}', 100)) == [("no_article_text", None)]


def test_gzip_of_jsonl_with_a_bad_line_keeps_its_neighbours():
    lines = [json.dumps({"title": "A", "maintext": STORY}), "{broken", json.dumps({"title": "B", "text": STORY})]
    parsed = parse_file("batch.jsonl.gz", gzip.compress("\n".join(lines).encode()), 10_000)
    assert parsed.format == "jsonl"
    assert [(r["title"], r["record_index"], r["locator"]) for r in parsed.records] == [
        ("A", 0, "line 1"), ("B", 2, "line 3")]
    assert reasons(parsed) == [("invalid_json", 1)]


def test_a_nul_byte_costs_its_row_or_line_not_the_file():
    rows = "title,text\nGood,{story}\nBad,Tr\x00ains\nAlso good,{story}\n".format(story=STORY.strip())
    parsed = parse_file("export.csv", rows.encode(), 10_000)
    assert [(r["title"], r["locator"]) for r in parsed.records] == [("Good", "row 1"), ("Also good", "row 3")]
    assert reasons(parsed) == [("binary", 1)]
    lines = "\n".join([json.dumps({"title": "A", "text": STORY}), '{"title": "B", "text": "x\x00y"}',
                        json.dumps({"title": "C", "text": STORY})])
    parsed = parse_file("feed.jsonl", lines.encode(), 10_000)
    assert [(r["title"], r["locator"]) for r in parsed.records] == [("A", "line 1"), ("C", "line 3")]
    assert reasons(parsed) == [("binary", 1)]
    assert reasons(parse_file("export.csv", b"title,text\n" + b"\x00" * 40, 10_000)) == [("binary", None)]


def test_json_field_names_of_common_scrapers():
    document = {"title": "T", "maintext": STORY, "date_publish": "2024-05-02 10:00:00", "authors": ["A", "B"],
                "url": "https://x.example/a", "source_domain": "x.example", "language": "en"}
    record, = parse_file("a.json", json.dumps(document).encode(), 10_000).records
    assert {k: record[k] for k in ("title", "published", "byline", "url", "outlet", "language_hint")} == {
        "title": "T", "published": "2024-05-02 10:00:00", "byline": "A; B", "url": "https://x.example/a",
        "outlet": "x.example", "language_hint": "en"}


def test_symlinks_never_leave_the_source_root(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "secret.txt"
    root.mkdir()
    outside.write_text(STORY)
    (root / "story.txt").write_text(STORY)
    os.symlink(outside, root / "leak.txt")
    os.symlink(root / "story.txt", root / "alias.txt")
    paths, escaped = discover_files(root)
    assert paths == ["alias.txt", "story.txt"]
    assert [(e.path, e.problems[0].reason) for e in escaped] == [("leak.txt", "symlink_outside_root")]


def test_classify_byte_copies_and_skips(tmp_path):
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.txt").write_text(STORY)
    (tmp_path / "c.txt").write_text("")
    parsed = read_chunk(tmp_path, ["a.txt", "b.txt", "c.txt"], set(), set(), ReadLimits(1000))
    first = classify_files(parsed, {}, set())
    assert [(f["path"], f["status"], f.get("duplicate_of_path")) for f in first.files] == [
        ("a.txt", "ingested", None), ("b.txt", "duplicate", "a.txt"), ("c.txt", "quarantined", None)]
    known = {f["file_id"]: f["path"] for f in first.files}
    pairs = {(f["file_id"], f["path"]) for f in first.files}
    again = classify_files(read_chunk(tmp_path, ["a.txt", "b.txt", "c.txt"], pairs, set(known), ReadLimits(1000)), known, pairs)
    assert (again.skipped, again.files) == (3, [])


def test_oversized_file_is_hashed_not_read(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"x" * 2048)
    parsed, = read_chunk(tmp_path, ["big.txt"], set(), set(), ReadLimits(1024))
    assert (parsed.size_bytes, reasons(parsed), len(parsed.file_id)) == (2048, [("too_large", None)], 64)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tasks.clean import MIN_ARTICLE_WORDS, clean_records  # noqa: E402

NAMES = st.sampled_from(["a.txt", "a.json", "a.jsonl", "a.html", "a.txt.gz", "a.jsonl.gz", "noext", "a.bin"])
CONTENT = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=400).map(lambda t: t.encode("utf-8")),
    st.text(max_size=200).map(lambda t: t.encode("utf-16")),
    st.binary(max_size=300).map(gzip.compress),
    st.lists(st.dictionaries(st.sampled_from(["title", "text", "maintext", "date", "authors"]),
                             st.one_of(st.text(max_size=60), st.integers(), st.none(), st.lists(st.text(max_size=9)))),
             max_size=3).map(lambda docs: "\n".join(json.dumps(d) for d in docs).encode()),
)


@settings(max_examples=300, deadline=None)
@given(name=NAMES, data=CONTENT)
def test_any_bytes_become_records_or_reasons_never_an_error(name, data):
    parsed = parse_file(name, data, 5_000)
    assert parsed.records or parsed.problems
    assert all(p.reason for p in parsed.problems)
    raws = [dict(r, source_path=name, file_id=parsed.file_id) for r in parsed.records]
    articles, problems = clean_records(raws, None)
    assert len(articles) + len(problems) == len(raws)
    assert all(a["body"].strip() and a["word_count"] >= MIN_ARTICLE_WORDS for a in articles)


def test_only_regular_files_are_opened(tmp_path):
    root = tmp_path / "root"
    (root / "folder").mkdir(parents=True)
    (root / "story.txt").write_text(STORY)
    os.mkfifo(root / "pipe.txt")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(root / "sock.json"))
    os.symlink(root / "loop-a.txt", root / "loop-b.txt")
    os.symlink(root / "loop-b.txt", root / "loop-a.txt")
    os.symlink(root / "folder", root / "dir-link.txt")
    paths, refused = discover_files(root)
    listener.close()
    assert paths == ["story.txt"]
    assert [(r.path, r.problems[0].reason) for r in refused] == [
        ("dir-link.txt", "not_a_regular_file"), ("loop-a.txt", "symlink_loop"), ("loop-b.txt", "symlink_loop"),
        ("pipe.txt", "not_a_regular_file"), ("sock.json", "not_a_regular_file")]
    assert "FIFO" in refused[3].problems[0].detail
    # refusals keep their identity across runs, so a rerun skips them
    assert [r.file_id for r in discover_files(root)[1]] == [r.file_id for r in refused]


def test_a_fifo_put_in_place_of_a_file_is_never_read(tmp_path):
    os.mkfifo(tmp_path / "late.txt")  # no writer: a blocking open would hang forever
    parsed, = read_chunk(tmp_path, ["late.txt"], set(), set(), ReadLimits(1000))
    assert reasons(parsed) == [("not_a_regular_file", None)]


def test_poison_json_costs_its_file_or_record_only():
    assert reasons(parse_file("deep.json", b"[" * 5000, 100_000)) == [("invalid_json", None)]
    assert "RecursionError" in parse_file("deep.json", b"[" * 5000, 100_000).problems[0].detail
    huge = ('{"text": "Rome.", "n": ' + "9" * 6000 + "}").encode()
    assert reasons(parse_file("huge.json", huge, 100_000)) == [("invalid_json", None)]
    assert "ValueError" in parse_file("huge.json", huge, 100_000).problems[0].detail
    lines = [json.dumps([{"text": STORY}, {"text": STORY + " Again."}]), "[" * 3000, json.dumps({"text": STORY})]
    parsed = parse_file("batch.jsonl", "\n".join(lines).encode(), 100_000)
    assert [(r["record_index"], r["locator"]) for r in parsed.records] == [
        (0, "line 1, item 1"), (1, "line 1, item 2"), (3, "line 3")]
    assert reasons(parsed) == [("invalid_json", 2)]


def test_a_json_list_with_one_textless_record_keeps_the_others():
    document = [{"text": STORY}, {"title": "no text"}, {"maintext": STORY}]
    parsed = parse_file("list.json", json.dumps(document).encode(), 10_000)
    assert [(r["record_index"], r["locator"]) for r in parsed.records] == [(0, "item 1"), (2, "item 3")]
    assert [(p.reason, p.record_index, p.locator) for p in parsed.problems] == [("no_article_text", 1, "item 2")]


def test_a_gzip_of_several_members_is_read_whole():
    data = gzip.compress(STORY.encode()) + gzip.compress(b"Second part of the story.\n")
    record, = parse_file("two.txt.gz", data, 10_000).records
    assert record["text"] == STORY + "Second part of the story.\n"


def test_random_bytes_are_binary_even_without_nul():
    import random

    rng, allowed = random.Random(4), [b for b in range(1, 256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)]
    noise = bytes(rng.choice(allowed) for _ in range(4096))  # no NUL, and every byte valid cp1252
    assert reasons(parse_file("noise.txt", noise, 10_000)) == [("binary", None)]
    text = "Zürich, Łódź, Ελλάδα, 北京, Москва: ordinary text is text. " * 20
    assert parse_file("ok.txt", text.encode(), 100_000).records
    # Windows quotes passed through Latin-1 into UTF-8 are C1 controls: mojibake, not binary
    mojibake = "\u9999\u6e2f \x93\u9053\u6b49\x94\u3002 " * 40
    record, = parse_file("zh.txt", mojibake.encode(), 100_000).records
    assert record["text"] == mojibake


def test_a_file_that_grows_while_it_is_read_is_noticed_and_not_trusted(tmp_path):
    import subprocess
    import sys
    import time

    from tasks.io.readers import read_file

    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * (32 << 20))  # long enough to read that the writer appends during the read
    writer = subprocess.Popen([sys.executable, "-c", f"import time\nf = open({str(path)!r}, 'ab')\n"
                               "while True:\n    f.write(b'y' * 4096)\n    f.flush()\n    time.sleep(0.001)"])
    try:
        time.sleep(0.3)
        data, _, _, problem = read_file(tmp_path, "growing.txt", 100 << 20)
    finally:
        writer.kill()
        writer.wait()
    assert (data, problem.reason) == (None, "changed_while_reading")


def test_a_file_name_that_is_not_utf8_is_read_and_stored_as_text(tmp_path):
    (tmp_path / "folder").mkdir()
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "w") as handle:  # a latin-1 name
        handle.write(STORY)
    paths, refused = discover_files(tmp_path)
    assert (paths, refused) == (["caf\\xe9.txt"], [])
    parsed, = read_chunk(tmp_path, paths, set(), set(), ReadLimits(1000))
    assert (parsed.path, parsed.records[0]["text"]) == ("caf\\xe9.txt", STORY)
    paths[0].encode("utf-8")  # storable as UTF-8 text


def test_a_text_file_holding_a_web_page_is_read_as_one():
    page = ("<!DOCTYPE html><html><head><title>Port strike ends</title><script>var x = 1;</script></head>"
            "<body><nav><a href='/'>Home</a></nav><article><h1>Port strike ends</h1>"
            "<p>ROTTERDAM, March 5 (Reuters) - Dock workers returned to work on Tuesday after a week-long "
            "strike over automation, the union said, ending the longest stoppage at the port in a decade.</p>"
            "<p>The operator said cargo would clear within days as ships queued outside the harbour.</p>"
            "</article></body></html>")
    for name, data in (("page.txt", page.encode()), ("page.txt.gz", gzip.compress(b"\xef\xbb\xbf" + page.encode()))):
        parsed = parse_file(name, data, 100_000)
        [record] = parsed.records
        assert parsed.format == "html" and record["title"] == "Port strike ends", name
        assert "\nROTTERDAM, March 5 (Reuters) - Dock workers" in record["text"] and "<" not in record["text"]
        assert "var x" not in record["text"] and "Home" not in record["text"]
    fragment = parse_file("note.txt", b"<p>Trains stopped on <b>Thursday</b>, the operator said.</p>", 1000)
    assert fragment.format == "html" and fragment.records[0]["text"] == "Trains stopped on Thursday, the operator said."
    plain = parse_file("note.txt", b"Prices rose 3 < 4 percent, and x<y held.", 1000)
    assert plain.format == "txt" and plain.records[0]["text"] == "Prices rose 3 < 4 percent, and x<y held."
    tickers = b"PHILLIPS <P> SUES <A.H. ROBINS>\n\nNEW YORK, March 12 - Phillips <P> said it sued A.H. Robins <I>."
    wire = parse_file("wire.txt", tickers, 1000)
    assert wire.format == "txt" and "<P> said it sued A.H. Robins <I>." in wire.records[0]["text"]


def test_a_page_whose_main_text_is_a_menu_is_no_article():
    menu = b"<html><head><title>Site</title></head><body><nav><a href='/'>Menu</a></nav></body></html>"
    parsed = parse_file("index.html", menu, 10_000)
    assert reasons(parsed) == [("no_article_text", None)] and "under 5 words" in parsed.problems[0].detail
    page = f"<html><body><article><p>{STORY}</p></article></body></html>".encode()
    assert parse_file("story.html", page, 10_000).records[0]["text"] == STORY.strip()
    moved = (b'<html><head><meta http-equiv="refresh" content="0; url=new.html"><title>Redirecting</title></head>'
             b"<body><p>This page has moved. If you are not redirected, click here.</p></body></html>")
    parsed = parse_file("old.html", moved, 10_000)
    assert [(p.reason, p.detail) for p in parsed.problems] == [
        ("no_article_text", "a redirect to 'new.html' (meta refresh) with 11 words of its own: not an article")]
    refreshed = f'<html><head><meta http-equiv="refresh" content="300; url=live.html"></head><body><article><p>{STORY}'
    assert parse_file("live.html", (refreshed * 1 + " More." * 60 + "</p></article></body></html>").encode(),
                      10_000).records


def test_a_record_over_the_file_limit_is_quarantined_and_its_neighbours_kept():
    lines = [json.dumps({"text": "word " * 400}), json.dumps({"title": "B", "text": STORY})]
    parsed = parse_file("batch.jsonl", "\n".join(lines).encode(), 1_000)
    assert [r["title"] for r in parsed.records] == ["B"]
    assert reasons(parsed) == [("too_large", 0)]
    assert parsed.problems[0].detail == "line 1: its text is 2000 bytes, over the limit of 1000 bytes"


def test_a_file_is_read_as_what_its_bytes_are_when_the_extension_says_otherwise():
    as_json = parse_file("dump.txt", json.dumps({"title": "T", "text": STORY}).encode(), 10_000)
    assert as_json.format == "json" and [(r["title"], r["text"]) for r in as_json.records] == [("T", STORY)]
    braces = parse_file("note.txt", b"{Editor's note} " + STORY.encode(), 10_000)
    assert braces.format == "txt" and braces.records[0]["text"].startswith("{Editor's note} ROME")
    xhtml = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><article><p>'
             + STORY.encode() * 3 + b"</p></article></body></html>")
    page = parse_file("page.xml", xhtml, 10_000)
    assert page.format == "html" and page.records[0]["text"].startswith("ROME, May 2 - Trains stopped")


def test_a_list_of_paragraphs_is_a_body_and_a_number_is_not():
    lines = [json.dumps({"text": ["ROME, May 2 - Trains stopped.", "The operator said so."]}), json.dumps({"text": 12345})]
    parsed = parse_file("batch.jsonl", "\n".join(lines).encode(), 10_000)
    assert [r["text"] for r in parsed.records] == ["ROME, May 2 - Trains stopped.\n\nThe operator said so."]
    assert reasons(parsed) == [("no_article_text", 1)]


@pytest.mark.parametrize("precise, fuller, wins", [
    (0, 30, True), (40, 79, False), (40, 80, True),        # a short page: twice as much
    (120, 479, False), (120, 480, True),                     # a lead only: four times as much
    (500, 5000, False)])                                     # a whole article: precision stands
def test_trafilaturas_default_pass_replaces_a_precision_cut_lead(precise, fuller, wins):
    from tasks.io.readers import fuller_extraction_wins

    assert fuller_extraction_wins(precise, fuller) is wins
