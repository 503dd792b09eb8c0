"""Every format news arrives in, read end to end from fixtures written here."""

import bz2
import datetime as dt
import gzip
import io
import json
import lzma
import tarfile
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.io.readers import ReadLimits, parse_input

LIMITS = ReadLimits(100_000)
STORY = "ROME, May 2 - Trains stopped for an hour on Thursday, the operator said."
OTHER = "MILAN, May 3 - The airport reopened after fog, officials said on Friday."


def records(path, data, limits=LIMITS):
    return [(p.path, p.format, [(r["record_index"], r["locator"], r["text"][:5]) for r in p.records],
             [(q.reason, q.record_index) for q in p.problems]) for p in parse_input(path, data, limits)]


def fields(path, data, limits=LIMITS, keys=("title", "published", "byline", "url", "outlet", "language_hint")):
    return [{k: r[k] for k in keys} for p in parse_input(path, data, limits) for r in p.records]


def test_csv_tsv_and_gzip_of_csv_one_article_a_row():
    rows = "title,text,date\nTrains,\"" + STORY + "\",2024-05-02\nEmpty,,2024-05-02\nFog,\"" + OTHER + "\",2024-05-03\n"
    assert records("a.csv", rows.encode()) == [
        ("a.csv", "csv", [(0, "row 1", "ROME,"), (2, "row 3", "MILAN")], [("no_article_text", 1)])]
    assert fields("a.csv", rows.encode())[0] == {"title": "Trains", "published": "2024-05-02", "byline": None,
                                                 "url": None, "outlet": None, "language_hint": None}
    tsv = "headline\tarticle\nTrains\t" + STORY + "\n"
    assert records("b.tsv.gz", gzip.compress(tsv.encode())) == [("b.tsv.gz", "tsv", [(0, "row 1", "ROME,")], [])]


def test_parquet_rows_with_nested_values():
    table = pa.table({"title": ["Trains", "Blank", "Fog"], "content": [STORY, None, OTHER],
                      "source": [{"id": "ansa", "name": "ANSA"}, None, {"id": None, "name": "Corriere"}]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    assert records("x.parquet", sink.getvalue()) == [
        ("x.parquet", "parquet", [(0, "row 1", "ROME,"), (2, "row 3", "MILAN")], [("no_article_text", 1)])]
    assert [r["outlet"] for r in fields("x.parquet", sink.getvalue())] == ["ANSA", "Corriere"]


def test_json_lines_inside_a_json_file_as_hugging_face_writes_them():
    lines = [{"document": STORY, "published_at": "2024-05-02"}, {"article": OTHER, "lang": "it"}]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    assert records("hf.json", data) == [("hf.json", "jsonl", [(0, "line 1", "ROME,"), (1, "line 2", "MILAN")], [])]
    assert [(r["published"], r["language_hint"]) for r in fields("hf.json", data)] == [("2024-05-02", None),
                                                                                      (None, "it")]


def test_envelopes_newsapi_and_data():
    newsapi = {"status": "ok", "totalResults": 2, "articles": [
        {"source": {"id": "engadget", "name": "Engadget"}, "author": "Ann Lee", "title": "Trains",
         "url": "https://x.example/a", "publishedAt": "2024-05-02T10:00:00Z",
         "content": STORY + " More text follows… [+1287 chars]"},
        {"source": {"id": None, "name": "Wire"}, "title": "No body", "content": None}]}
    parsed, = parse_input("news.json", json.dumps(newsapi).encode(), LIMITS)
    (record,) = parsed.records
    assert (record["outlet"], record["byline"], record["published"], record["text"]) == (
        "Engadget", "Ann Lee", "2024-05-02T10:00:00Z", STORY + " More text follows")
    assert [(p.reason, p.record_index, p.locator) for p in parsed.problems] == [("no_article_text", 1, "item 2")]
    assert records("d.json", json.dumps({"data": [{"body": STORY}]}).encode()) == [
        ("d.json", "json", [(0, "item 1", "ROME,")], [])]


def test_json_feed_and_markup_in_a_text_field():
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": [
        {"id": "1", "url": "https://x.example/1", "title": "Trains", "date_published": "2024-05-02T10:00:00Z",
         "authors": [{"name": "Ann Lee"}], "content_html": "<p>Trains &amp; buses stopped.</p><p>Fog lifted.</p>"}]}
    (record,) = parse_input("feed.json", json.dumps(feed).encode(), LIMITS)[0].records
    assert (record["text"], record["byline"], record["url"]) == (
        "Trains & buses stopped.\n\nFog lifted.", "Ann Lee", "https://x.example/1")


def test_trafilatura_json_source_is_its_url_and_newsapi_source_its_outlet():
    documents = [{"text": STORY, "hostname": "x.example", "source-hostname": "X News", "source": "https://x.example/a"},
                 {"content": OTHER, "source": {"id": None, "name": "Engadget"}, "url": "https://e.example/b"},
                 {"text": OTHER, "source": "Reuters"}]
    assert [(r["url"], r["outlet"]) for r in parse_input("a.json", json.dumps(documents).encode(), LIMITS)[0].records] == [
        ("https://x.example/a", "X News"), ("https://e.example/b", "Engadget"), (None, "Reuters")]


def test_field_map_and_newspaper4k_names():
    own = {"headline_text": "Trains", "story": {"body": STORY}, "meta_lang": "en", "meta_site_name": "Il Foglio"}
    limits = ReadLimits(100_000, field_map=(("text", "story.body"), ("title", "headline_text")))
    (record,) = parse_input("own.json", json.dumps(own).encode(), limits)[0].records
    assert (record["text"], record["title"], record["language_hint"], record["outlet"]) == (
        STORY, "Trains", "en", "Il Foglio")


def _zip(members: dict) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return sink.getvalue()


def _tar(members: dict, mode: str = "w") -> bytes:
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode=mode) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return sink.getvalue()


MEMBERS = {"2024/a.txt": STORY.encode(), "2024/b.json": json.dumps({"title": "only a title"}).encode(),
           "c.jsonl": json.dumps({"text": OTHER}).encode(), "__MACOSX/._a.txt": b"junk"}


def test_archives_members_are_inputs_and_a_bad_member_costs_itself():
    expected = [("2024/a.txt", "txt", [(0, None, "ROME,")], []),
                ("2024/b.json", "json", [], [("no_article_text", None)]),
                ("c.jsonl", "jsonl", [(0, "line 1", "MILAN")], [])]
    forms = {"dump.zip": _zip(MEMBERS), "dump.tar": _tar(MEMBERS), "dump.tar.gz": gzip.compress(_tar(MEMBERS)),
             "dump.tgz": _tar(MEMBERS, "w:gz"), "dump.tar.bz2": bz2.compress(_tar(MEMBERS)),
             "dump.tar.xz": lzma.compress(_tar(MEMBERS))}
    for name, data in forms.items():
        found = records(name, data)
        assert found[0][:2] == (name, "zip" if name.endswith("zip") else "tar"), name
        assert [(p.removeprefix(name + "!/"), *rest) for p, *rest in found[1:]] == expected, name
    assert parse_input("dump.zip", _zip(MEMBERS), LIMITS)[0].archive


def test_archive_limits_and_corrupt_archives():
    members = {f"{n}.txt": STORY.encode() for n in range(5)} | {"big.txt": b"x" * 200}
    found = records("many.zip", _zip(members), ReadLimits(50, max_members=3))
    assert found[0][3] == [("too_large", None)]  # over max_members: said on the archive
    assert len(found) == 4 and all(f[3] == [("too_large", None)] for f in found[1:])  # each story over 50 bytes
    nested = _zip({"inner.zip": _zip({"deeper.zip": _zip({"a.txt": STORY.encode()})})})
    assert [f[3] for f in records("outer.zip", nested)] == [[], [], [("archive_too_deep", None)]]
    assert records("bad.zip", b"PK\x03\x04 not really")[0][3] == [("corrupt_archive", None)]


def _warc(records_: list[tuple[str, str, bytes]], kind: str = "response") -> bytes:
    out = b""
    for n, (uri, content_type, body) in enumerate(records_):
        if kind == "response":
            block = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            block, content_type = block + body, "application/http; msgtype=response"
        else:
            block = body
        head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-05-02T10:00:00Z\r\n"
                f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000{n}>\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n")
        out += head.encode() + block + b"\r\n\r\n"
    return out


PAGE = ("<html><head><title>Trains stop</title></head><body><article><h1>Trains stop</h1><p>"
        + STORY + " Passengers waited in Città di Castello.</p></article></body></html>")


def test_warc_html_responses_are_articles_decoded_by_their_http_charset():
    data = _warc([("https://x.example/trains", "text/html; charset=iso-8859-1", PAGE.encode("latin-1")),
                  ("https://x.example/logo.png", "image/png", b"\x89PNG...")])
    for name, blob in (("crawl.warc", data), ("crawl.warc.gz", gzip.compress(data))):
        parsed, = parse_input(name, blob, LIMITS)
        (record,) = parsed.records
        assert (parsed.format, record["url"], record["crawl_date"], record["locator"]) == (
            "warc", "https://x.example/trains", "2024-05-02", "record 1 (https://x.example/trains)")
        assert "Città di Castello" in record["text"]
        assert [(p.reason, p.record_index) for p in parsed.problems] == [("no_article_text", 1)]


def test_warc_resource_pages_are_read_and_a_damaged_archive_keeps_the_records_before_the_damage():
    pages = _warc([("<https://x.example/trains>", "text/html; charset=iso-8859-1", PAGE.encode("latin-1")),
                   ("metadata://wget/log", "text/plain", b"wget log")], kind="resource")
    # a record whose stated length runs into the next one leaves the reader inside that record
    cut = (b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Type: text/html\r\nContent-Length: 60\r\n\r\n<p>cut</p>\r\n\r\n"
           + _warc([("https://x.example/lost", "text/html", b"<p>lost</p>")], kind="resource"))
    parsed, = parse_input("saved.warc", pages + cut, LIMITS)
    (record,) = parsed.records
    assert (record["url"], record["locator"]) == ("https://x.example/trains", "record 1 (https://x.example/trains)")
    assert "Città di Castello" in record["text"]
    assert [(p.reason, p.locator) for p in parsed.problems] == [
        ("no_article_text", "record 2 (metadata://wget/log)"), ("no_article_text", "record 3"),
        ("parse_error", "after record 3")]
    requests = _warc([("https://x.example/a", "application/http; msgtype=request", b"GET /a HTTP/1.1\r\n\r\n")],
                     kind="request")
    assert [(p.reason, p.detail) for p in parse_input("asked.warc", requests, LIMITS)[0].problems] == [
        ("no_article_text", "no response or resource records in the WARC file (1 request)")]


def _arc(records_: list[tuple[str, str, bytes]]) -> bytes:
    description = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    out = b"filedesc://crawl.arc 127.0.0.1 20240502100000 text/plain %d\n%s\n" % (len(description), description)
    for uri, content_type, body in records_:
        http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n".encode() + body
        out += f"{uri} 10.0.0.1 20240502100000 {content_type.split(';')[0]} {len(http)}\n".encode() + http + b"\n"
    return out


def test_arc_html_responses_are_articles_and_a_broken_header_keeps_the_records_before_it():
    data = _arc([("https://x.example/a page", "text/html; charset=iso-8859-1", PAGE.encode("latin-1")),
                 ("https://x.example/logo.png", "image/png", b"\x89PNG")])
    for name, blob in (("crawl.arc", data + b"garbage that is no header\n"), ("crawl.arc.gz", gzip.compress(data)),
                       ("noext", data)):
        parsed, = parse_input(name, blob, LIMITS)
        (record,) = parsed.records
        assert (parsed.format, record["url"], record["crawl_date"], record["locator"]) == (
            "arc", "https://x.example/a page", "2024-05-02", "record 2 (https://x.example/a page)")
        assert "Città di Castello" in record["text"]
        assert [p.reason for p in parsed.problems] == ["no_article_text"] + (["parse_error"] if name == "crawl.arc" else [])


RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Wire</title>
<language>it</language>
<item><title>Trains</title><link>https://x.example/1</link><pubDate>Thu, 02 May 2024 10:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>{STORY}</p><p>Service resumed.</p>]]></content:encoded></item>
<item><title>Only a link</title><link>https://x.example/2</link><description>Read more.</description></item>
</channel></rss>"""
ATOM = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><title>Fog</title><link href="https://x.example/3"/><updated>2024-05-03T10:00:00Z</updated>
<author><name>Ann Lee</name></author><content type="html">&lt;p&gt;{OTHER}&lt;/p&gt;</content></entry></feed>"""


def test_rss_and_atom_items_with_content_are_articles_and_link_only_items_are_recorded():
    parsed, = parse_input("wire.rss", RSS.encode(), LIMITS)
    (record,) = parsed.records
    assert (record["text"], record["url"], record["outlet"], record["language_hint"]) == (
        STORY + "\n\nService resumed.", "https://x.example/1", "Wire", "it")
    briefs = RSS.replace("</channel>", f"<item><title>Brief</title><description>{OTHER}</description></item></channel>")
    (_, brief), = [parse_input("briefs.rss", briefs.encode(), LIMITS)[0].records]
    assert (brief["text"], brief["url"]) == (OTHER, None)  # no link: its description is the item
    assert [(p.reason, p.record_index, p.locator, p.detail) for p in parsed.problems] == [
        ("feed_link_only", 1, "item 2",
         "item 2: https://x.example/2 has a link and only a 2-word teaser (under 40 words) in the feed")]
    broken, = parse_input("broken.rss", b"<rss><channel><item><title>Half", LIMITS)
    assert [(p.reason, p.detail) for p in broken.problems] == [
        ("no_article_text", "item 1: an item with neither content nor a link")]
    (entry,) = parse_input("wire.atom", ATOM.encode(), LIMITS)[0].records
    assert (entry["text"], entry["byline"], entry["url"]) == (OTHER, "Ann Lee", "https://x.example/3")


def test_a_news_sitemap_records_its_links_and_an_index_is_no_article():
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://x.example/1</loc>'
               '<news:news><news:title>Trains stop</news:title></news:news></url>'
               '<url><loc>https://x.example/2</loc></url></urlset>')
    parsed, = parse_input("news-sitemap.xml", sitemap.encode(), LIMITS)
    assert [(p.reason, p.detail) for p in parsed.problems] == [
        ("feed_link_only", "item 1: https://x.example/1 ('Trains stop') is a sitemap link, not fetched"),
        ("feed_link_only", "item 2: https://x.example/2 is a sitemap link, not fetched")]
    index = '<sitemapindex><sitemap><loc>https://x.example/s1.xml</loc></sitemap></sitemapindex>'
    assert [p.reason for p in parse_input("index.xml", index.encode(), LIMITS)[0].problems] == ["no_article_text"]


def test_a_feed_in_an_undeclared_legacy_encoding_is_decoded_not_read_as_cp1252():
    story = "Поезда остановились на час в четверг, сообщил оператор железной дороги в Москве."
    feed = f"<rss><channel><item><title>Поезда</title><description>{story}</description></item></channel></rss>"
    parsed, = parse_input("wire.rss", feed.encode("koi8-r"), LIMITS)
    assert (parsed.encoding, parsed.records[0]["title"], parsed.records[0]["text"]) == ("koi8_r", "Поезда", story)


G2 = """<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<newsItem guid="urn:newsml:x.example:1" xml:lang="it"><itemMeta><itemClass qcode="ninat:text"/>
<provider qcode="nprov:ANSA"/><firstCreated>2024-05-02T10:00:00+02:00</firstCreated></itemMeta>
<contentMeta><headline>Trains stop</headline><by>Di Ann Lee</by><dateline>ROME (ANSA) - </dateline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body>
<header><ul class="slugline"><li>Rail</li></ul><h1>Trains stop</h1><p class="byline">Di Ann Lee</p></header>
<section><p class="teaser">Passengers waited for an hour.</p>
<p><span class="dateline">ROME (ANSA) - </span>Trains stopped for an hour on Thursday, the operator said.</p>
</section></body></html></inlineXML></contentSet></newsItem>
<newsItem guid="urn:newsml:x.example:2"><itemMeta><itemClass qcode="ninat:picture"/></itemMeta></newsItem>
</itemSet></newsMessage>"""
NITF = """<nitf><head><title>Fog</title><docdata><date.issue norm="20240503T101500Z"/></docdata></head>
<body><body.head><hedline><hl1>Airport reopens</hl1></hedline><byline>By Jo Park</byline>
<dateline><location>MILAN</location></dateline></body.head>
<body.content><p>The airport reopened after fog, officials said on Friday.</p></body.content></body></nitf>"""
NEWSML1 = """<?xml version="1.0" encoding="utf-8"?><NewsML Version="1.2"><NewsItem xml:lang="fr"><NewsManagement>
<FirstCreated>20240503T101500+0000</FirstCreated></NewsManagement><NewsComponent><NewsLines><HeadLine>Brouillard</HeadLine>
</NewsLines><DescriptiveMetadata><Location><Property FormalName="City" Value="Milan"/></Location></DescriptiveMetadata>
<ContentItem><MediaType FormalName="Text"/><DataContent><nitf><body><body.content>
<p>L'aéroport a rouvert après le brouillard vendredi, selon les autorités.</p></body.content></body></nitf>
</DataContent></ContentItem></NewsComponent></NewsItem></NewsML>"""


def test_wire_agency_xml_newsml_g2_nitf_and_newsml_1_items_are_articles():
    from tasks.clean import clean_record

    keys = ("title", "published", "byline", "outlet", "language_hint")
    parsed, = parse_input("wire.xml", G2.encode(), LIMITS)
    (record,) = parsed.records
    assert (parsed.format, {k: record[k] for k in keys}) == ("newsml", {
        "title": "Trains stop", "published": "2024-05-02T10:00:00+02:00", "byline": "Di Ann Lee", "outlet": "ANSA",
        "language_hint": "it"})
    # the metadata header is not text; the dateline marked in the second paragraph leads the item
    assert record["text"] == ("ROME (ANSA) - Passengers waited for an hour.\n\n"
                              "Trains stopped for an hour on Thursday, the operator said.")
    article = clean_record(record, None)
    assert (article["dateline_city"], article["agency"], article["published_date"]) == (
        "Rome", "ANSA", dt.date(2024, 5, 2))
    assert [(p.reason, p.detail) for p in parsed.problems] == [
        ("no_article_text", "item 2: a ninat:picture item, not text")]
    (story,) = parse_input("fog.nitf", NITF.encode(), LIMITS)[0].records
    assert {k: story[k] for k in ("title", "published", "byline", "text")} == {
        "title": "Airport reopens", "published": "2024-05-03T10:15:00", "byline": "By Jo Park",
        "text": "MILAN - The airport reopened after fog, officials said on Friday."}
    (afp,) = parse_input("afp.xml", NEWSML1.encode(), LIMITS)[0].records
    assert {k: afp[k] for k in ("title", "published", "language_hint")} == {
        "title": "Brouillard", "published": "2024-05-03T10:15:00", "language_hint": "fr"}
    assert afp["text"].startswith("MILAN - L'aéroport a rouvert")  # a bare place, as wires write it
    assert clean_record(afp, None)["dateline_city"] == "Milan"
    concept = '<conceptItem xmlns="http://iptc.org/std/nar/2006-10-01/"><concept/></conceptItem>'
    assert [(p.reason, p.detail) for p in parse_input("c.xml", concept.encode(), LIMITS)[0].problems] == [
        ("no_article_text", "a NewsML-G2 conceptItem: metadata, not an article")]
    broken = parse_input("cut.xml", G2.encode()[:300], LIMITS)[0]
    assert [p.reason for p in broken.problems] == ["parse_error"]


def test_wire_xml_reads_html_entities_and_never_an_external_one(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    hostile = (f'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY s SYSTEM "file://{secret}">]><nitf><body>'
               '<body.content><p>The port reopened&nbsp;on Friday &mdash; &s;officials said.</p></body.content>'
               '</body></nitf>')
    (record,) = parse_input("a.nitf", hostile.encode(), LIMITS)[0].records
    assert record["text"] == "The port reopened on Friday — officials said."
    laughs = ('<!DOCTYPE nitf [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefg", "bcdefgh")) + ']><nitf><body>'
        '<body.content><p>&h;</p></body.content></body></nitf>')
    assert [p.reason for p in parse_input("b.nitf", laughs.encode(), LIMITS)[0].problems] == ["parse_error"]


def test_markdown_files_and_fields_are_read_without_their_marks():
    page = f"# Trains stop\n\n**{STORY[:11]}** - {STORY[14:]}\n\n- [Timetable](https://x.example/t)\n"
    parsed, = parse_input("notes/trains.md", page.encode(), LIMITS)
    (record,) = parsed.records
    assert (parsed.format, record["title"], record["text"]) == ("markdown", "Trains stop", STORY + "\n\nTimetable")
    crawl = {"success": True, "data": {"markdown": f"## Trains\n\n{STORY}\n\n*Service resumed.*",
                                       "metadata": {"sourceURL": "https://x.example/a", "language": "en"}}}
    (record,) = parse_input("crawl.json", json.dumps(crawl).encode(), LIMITS)[0].records
    assert (record["title"], record["text"], record["url"], record["language_hint"]) == (
        "Trains", STORY + "\n\nService resumed.", "https://x.example/a", "en")


def test_a_markdown_file_s_front_matter_gives_its_title_and_is_no_text():
    page = f"---\ntitle: \"Trains stop\"\nauthor: Desk\n---\n\n# Rail strike\n\n{STORY}\n"
    (record,) = parse_input("post.md", page.encode(), LIMITS)[0].records
    assert (record["title"], record["text"]) == ("Trains stop", STORY)


def test_markdown_in_a_text_field_or_a_text_file_is_read_as_markdown_only_on_proof():
    rows = f"title\ttext\nBold\t**{STORY[:11]}** - {STORY[14:]}\nPlain\t{STORY} Shares fell 2 * 3 percent.\n"
    bold, plain = parse_input("export.tsv", rows.encode(), LIMITS)[0].records
    assert (bold["text"], plain["text"]) == (STORY, STORY + " Shares fell 2 * 3 percent.")
    parsed, = parse_input("notes.txt", f"## Trains\n\n{STORY} [More](https://x.example/m)".encode(), LIMITS)
    assert (parsed.format, parsed.records[0]["title"], parsed.records[0]["text"]) == ("markdown", "Trains", STORY + " More")
