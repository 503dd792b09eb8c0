"""Quotes: direct quotations with their speaker and cue verb.

A quotation is text between quote marks (curly or straight), within a paragraph or running
on to the paragraph's end (a quote that continues in the next paragraph reopens there). The
attributing clause is looked for after the quote (`…,” Stam said` / `…,” said Stam`) and
before it in the same sentence (`Stam said: “…`, `the ministry said in a statement that
Wang “…`, `according to …`); with a parse, where no pattern right behind the quote names
a speaker, the speech verb whose clause holds the quote does. Pronoun speakers take their
antecedent (a writer's `I`/`we`: no one named); a speaker phrase that holds a named entity takes
the entity's canonical name. Short marked phrases with no attribution (scare quotes, titles)
are not quotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CUES = ("said", "says", "say", "told", "tells", "tell", "added", "adds", "announced", "announces", "wrote", "writes",
        "stated", "states", "explained", "explains", "noted", "notes", "argued", "argues", "insisted", "insists",
        "warned", "warns", "claimed", "claims", "asked", "asks", "replied", "replies", "declared", "declares",
        "continued", "continues", "recalled", "recalls", "acknowledged", "acknowledges", "conceded", "stressed",
        "stresses", "urged", "urges", "suggested", "suggests", "predicted", "tweeted", "posted", "quipped", "joked",
        "responded", "remarked", "observed", "concluded", "admitted", "admits", "complained", "boasted", "pointed out",
        "went on", "according to", "vowed", "promised", "cautioned", "emphasized", "emphasised", "reported",
        "reports", "testified", "shouted", "exclaimed", "whispered", "mused", "countered", "agreed",
        # verbs that introduce partial quotes ("called the plan “reckless”")
        "called", "calls", "calling", "described", "describes", "describing", "labeled", "labelled", "dubbed",
        "branded", "thinks", "believes", "saying", "telling", "asking", "arguing", "insisting", "warning", "urging",
        "adding", "noting", "claiming", "vowing", "promising", "declaring", "writing", "sings", "sang", "ruled",
        "referred to", "accused", "blasted", "slammed", "praised", "denied", "pledged", "demanded", "described as",
        "characterized", "characterised", "decried", "hailed", "mocked", "quoted", "quoting", "cited", "citing",
        "commented", "comments", "wondered", "asserted", "asserts", "contended", "contends", "maintained",
        "maintains", "lamented", "recounted", "confirmed", "revealed", "retorted")
_CUE = "|".join(sorted((re.escape(c) for c in CUES), key=len, reverse=True))
PRONOUNS = {"he", "she", "they", "we", "i", "it", "him", "her"}
_OPEN, _CLOSE = "“", "”"
_SPEAKER_WORD = r"[A-Za-z][\w.’'-]*"
_AUX = (r"(?:(?:has|have|had|would|will|also|previously|earlier|later|again|then|once|repeatedly|recently|"
        r"publicly|separately|reportedly|simply|just|often|always|never|only)\s+){0,3}")
# after the quote: `, Stam said` / `, said Stam` / `, according to Stam`
AFTER_SPEAKER_CUE = re.compile(
    rf"^[\s,]*(?P<speaker>(?:{_SPEAKER_WORD}\s+){{0,7}}?{_SPEAKER_WORD})\s+{_AUX}"
    rf"(?P<cue>{_CUE})\b", re.IGNORECASE)
AFTER_CUE_SPEAKER = re.compile(
    rf"^[\s,]*(?P<cue>{_CUE})\s+(?P<speaker>(?:{_SPEAKER_WORD}\s*){{1,8}})", re.IGNORECASE)
_STOP_AFTER = re.compile(r"\b(?:in|on|at|to|that|who|which|during|after|before|when|while|as|last|this|"
                         r"on|of|from|with|about|reporters|journalists)\b.*$", re.IGNORECASE)
# before the quote, in the same sentence: `Stam said: “` / `X told reporters that Y “`
BEFORE = re.compile(
    rf"(?P<speaker>(?:{_SPEAKER_WORD}\s+){{0,6}}?{_SPEAKER_WORD})\s+{_AUX}(?P<cue>{_CUE})\b"
    rf"(?P<rest>[^.!?“”\"]{{0,120}})$", re.IGNORECASE)
_LEADING_JUNK = re.compile(r"^(?:and|but|so|then|while|as|because|although|though|that|when)\s+", re.IGNORECASE)
_NOT_SPEAKERS = {"it", "this", "that", "which", "there", "what", "who", "after", "before", "since", "until", "in",
                 "on", "at", "by", "for", "with", "without", "during", "despite", "instead", "if", "when", "while"}
# a generic subject quotes no one ("as you go through the 'want' list", "anybody who complains")
NOBODY_IN_PARTICULAR = {"you", "one", "someone", "somebody", "anyone", "anybody", "everyone", "everybody", "nobody",
                        "no one", "people"}


# the quote marks of other languages: opening mark -> the marks that close it
OTHER_MARKS = {"«": "»", "„": "“”", "‹": "›", "「": "」", "『": "』", "‚": "‘’"}


def quote_spans(paragraph: str) -> list[tuple[int, int, bool]]:
    """(start, end, closed) of the text inside each pair of quote marks: curly and straight
    double quotes (two single marks typed for one too: `''…''`, ``` ``…'' ```), single quotes that
    open and close words (`‘…’`, British style, and `'…'`), and
    `«…»`, `„…“`, `‹…›`, `「…」`, `『…』`, `‚…‘`; the spaces French sets inside guillemets are
    not part of the quotation, and marks around no letter or digit quote nothing."""
    spans = []
    i = 0
    while i < len(paragraph):
        char = paragraph[i]
        if char in OTHER_MARKS:
            close = min((at for at in (paragraph.find(mark, i + 1) for mark in OTHER_MARKS[char]) if at != -1),
                        default=-1)
            end = close if close != -1 else len(paragraph)
            start = i + 1
            while start < end and paragraph[start].isspace():
                start += 1
            inner_end = end
            while inner_end > start and paragraph[inner_end - 1].isspace():
                inner_end -= 1
            spans.append((start, inner_end, close != -1))
            i = end + 1
        elif char == _OPEN:
            close = paragraph.find(_CLOSE, i + 1)
            reopen = paragraph.find(_OPEN, i + 1)
            if close == -1 or (reopen != -1 and reopen < close):
                end = reopen if reopen != -1 else len(paragraph)
                spans.append((i + 1, end, False))
                i = end
                continue
            inner = [at for at in _straight_quotes(paragraph, i + 1) if at < close]
            spans += _mixed_pairs(paragraph, i + 1, close, inner)
            i = close + 1
        elif paragraph.startswith(("''", "``"), i):
            # two single marks typed for a double one (`''It's over,'' he said.`: archive copy, TeX)
            close = paragraph.find("''", i + 2)
            if close == -1:
                spans.append((i + 2, len(paragraph), False))
                break
            spans.append((i + 2, close, True))
            i = close + 2
        elif char in _SINGLE_CLOSE and _opens_single(paragraph, i):
            close = next((at for at in _single_closers(paragraph, i + 1, _SINGLE_CLOSE[char])), -1)
            if close == -1:  # an unclosed single mark quotes nothing: it may be an apostrophe
                i += 1
                continue
            spans.append((i + 1, close, True))
            i = close + 1
        elif char == '"' and not _apostrophe(paragraph, i):
            close = next((at for at in _straight_quotes(paragraph, i + 1)), -1)
            if close == -1:
                spans.append((i + 1, len(paragraph), False))
                break
            inner = [at for at in range(i + 1, close) if paragraph[at] in (_OPEN, _CLOSE)]
            spans += _mixed_pairs(paragraph, i + 1, close, inner)
            i = close + 1
        else:
            i += 1
    # marks around no word (`" | "` between a table's cells) quote nothing
    return [(s, e, closed) for s, e, closed in spans if any(c.isalnum() for c in paragraph[s:e])]


def _holds_quotation(paragraph: str) -> bool:
    """Whether a paragraph quotes anything: a double mark does, a single mark or another
    language's only when it pairs (an apostrophe, `the group's`, quotes nothing)."""
    return _OPEN in paragraph or '"' in paragraph or (
        any(mark in paragraph for mark in ("‘", "'", "`", *OTHER_MARKS)) and bool(quote_spans(paragraph)))


def _mixed_pairs(paragraph: str, start: int, end: int, inner: list[int]) -> list[tuple[int, int, bool]]:
    """A pair of one kind of marks holding marks of the other kind in pairs, the first right after
    the end of a sentence or clause (`“Roads crumble," she said. "Grids fail.”`): a writer mixed
    straight and curly marks, and the pair holds two quotations with the words between them."""
    if not inner or len(inner) % 2 or paragraph[inner[0] - 1] not in ",.?!":
        return [(start, end, True)]
    bounds = [start] + [at + (k % 2) for k, at in enumerate(inner)] + [end]  # a quote ends, the next opens
    return [(bounds[k], bounds[k + 1], True) for k in range(0, len(bounds), 2)]


def _apostrophe(text: str, at: int) -> bool:
    """A straight double quote between two letters stands for an apostrophe (archive wire copy's
    `country"s`, `don"t`), not a quote mark."""
    return 0 < at < len(text) - 1 and text[at - 1].isalpha() and text[at + 1].isalpha()


# single marks, curly (British style) or straight (plain-text copy): opening mark -> its closing mark
_SINGLE_CLOSE = {"‘": "’", "'": "'"}


def _opens_single(text: str, at: int) -> bool:
    """A single mark opens a quotation (‘We will fight,’ she said; 'We will fight,' she said) when
    it starts a word: at the start or after a space or an opening bracket or dash, and is no elided
    year (`in ‘08`, `the '90s`: a mark typed the wrong way round for an apostrophe)."""
    before_ok = at == 0 or text[at - 1].isspace() or text[at - 1] in "([{—–-"
    elided_year = re.match(r"\d\d(?!\d)", text[at + 1:at + 4]) is not None
    return before_ok and at + 1 < len(text) and not text[at + 1].isspace() and not elided_year


def _single_closers(text: str, start: int, mark: str):
    """Closing single marks: a mark that ends a word (not don’t, not ’90s) and is followed by a
    space, punctuation or the end."""
    at = text.find(mark, start)
    while at != -1:
        after = text[at + 1] if at + 1 < len(text) else " "
        if not text[at - 1].isspace() and not after.isalnum():
            yield at
        at = text.find(mark, at + 1)


def _straight_quotes(text: str, start: int):
    at = text.find('"', start)
    while at != -1:
        if not _apostrophe(text, at):
            yield at
        at = text.find('"', at + 1)


def _sentence_start(paragraph: str, position: int) -> int:
    """Start of the sentence holding `position`: a full stop inside a quotation ends no sentence,
    one right before its closing mark (`… his work.” The change …`) and a line break do."""
    depth, start = 0, 0
    for i, char in enumerate(paragraph[:position]):
        follows_space = i + 1 < len(paragraph) and paragraph[i + 1] in " \n"
        if char == "\n":
            start = i + 1
        elif char in (_OPEN,):
            depth += 1
        elif char in (_CLOSE,):
            depth = max(0, depth - 1)
            if depth == 0 and follows_space and i and paragraph[i - 1] in ".!?":
                start = i + 2
        elif char in ".!?" and depth == 0 and follows_space:
            start = i + 2
    return start


def _sentence_before(paragraph: str, position: int) -> int | None:
    """Start of the sentence before the one holding `position`; None in the first sentence."""
    own = _sentence_start(paragraph, position)
    return _sentence_start(paragraph, own - 2) if own > 1 else None


def _clean_speaker(phrase: str) -> str | None:
    """A speaker phrase as a pattern found it, or None when it cannot be one: it must open like
    a noun phrase (a capital, a determiner or a pronoun), not mid-clause ("aids on his show and
    for saying")."""
    phrase = _LEADING_JUNK.sub("", phrase.strip(" ,;:—-"))
    if not phrase or phrase[0].isdigit() or phrase.casefold() in _NOT_SPEAKERS | _FUNCTION_WORDS | NOBODY_IN_PARTICULAR:
        return None
    words = phrase.split()
    if not (words[0][0].isupper() or words[0].casefold() in _PHRASE_OPENERS | PRONOUNS) and not (
            words[-1][0].isupper() and not _CLAUSE_WORDS & {w.casefold() for w in words}):  # "mining minister Ana Ruiz"
        return None
    return phrase


_CLAUSE_WORDS = {"and", "of", "on", "in", "for", "by", "with", "to", "at", "from", "about"}
_PHRASE_OPENERS = {"the", "a", "an", "his", "her", "its", "their", "our", "my", "your", "this", "that", "these",
                   "those", "some", "many", "several", "multiple", "most", "both", "each", "every", "another", "one",
                   "two", "three", "other", "others", "officials", "experts", "analysts", "critics", "sources",
                   "residents", "witnesses", "police", "people", "aides", "supporters", "lawmakers", "democrats",
                   "republicans", "protesters", "workers", "investors", "traders", "economists", "dealers"}


_FUNCTION_WORDS = {"and", "but", "or", "nor", "so", "yet", "the", "a", "an", "to", "of", "in", "on", "as", "than"}


def attribution(paragraph: str, start: int, end: int, goes_on: bool = False) -> tuple[str, int, str] | None:
    """(speaker phrase, its offset in the paragraph, cue) for the quote paragraph[start:end]; a
    quote that ends a sentence is not attributed by a cue that opens a quotation of its own
    (`“… by the port.” Berg added, “We stand …”`), nor, when it `goes_on` from the attribution
    right before it, by the sentence after it (`“…,” Voss said. “…” Berg noted a rally …`)."""
    ends = _ends_sentence(paragraph[start:end])
    after = None if goes_on and ends else after_quote(paragraph, end, not ends)
    return after or before_quote(paragraph, start)


def _ends_sentence(quotation: str) -> bool:
    return quotation.rstrip()[-1:] in (".", "!", "?")


def _behind(paragraph: str, end: int) -> int:
    """Where the text behind a quote's closing mark starts (the quote may run to the end; two
    single marks may close it)."""
    return end + (2 if paragraph.startswith("''", end) else 1) if end < len(paragraph) else end


_QUOTE_OPENS = re.compile(r"[ ,:]{0,3}(?:[“\"]|'')")


def after_quote(paragraph: str, end: int, cue_may_open: bool = True) -> tuple[str, int, str] | None:
    """`…,” Stam said` / `…,” said Stam` / `…,” according to Stam`; with `cue_may_open` false,
    not a cue right before a quotation of its own."""
    after_at = _behind(paragraph, end)
    after = paragraph[after_at:after_at + 160]
    match = AFTER_SPEAKER_CUE.match(after)
    if match and not cue_may_open and _QUOTE_OPENS.match(after, match.end()):
        return None  # the cue's own quotation follows
    if match and not re.search(r"[.!?;]", match["speaker"]):
        speaker = _clean_speaker(match["speaker"])
        if speaker and len(speaker.split()) <= 8:
            offset = after_at + match.start("speaker") + match["speaker"].find(speaker.split()[0])
            return speaker, offset, match["cue"].lower()
    match = AFTER_CUE_SPEAKER.match(after)
    # a participle is never inverted: `…,” saying the town embodied …` reports a clause
    if match and not match["cue"].lower().endswith("ing") \
            and (cue_may_open or not _QUOTE_OPENS.match(after, match.end())):
        # inverted order (`said Stam`, `said the minister`): a name, a pronoun or a determiner phrase
        name = re.match(r"(?:(?:the|a|an)\s+[\w-]+(?:\s+[\w-]+)?|[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*|he|she|they|we|I)\b",
                        match["speaker"])
        speaker = _clean_speaker(_STOP_AFTER.sub("", name.group(0)).strip(" ,.;:")) if name else None
        if speaker:
            return speaker, after_at + match.start("speaker"), match["cue"].lower()
    return None


def before_quote(paragraph: str, start: int) -> tuple[str, int, str] | None:
    """`Stam said: “…` / `X told reporters that Y “…`, in the quote's own sentence."""
    sentence_start = _sentence_start(paragraph, start)
    before = paragraph[sentence_start:max(sentence_start, start - 1)]
    match = BEFORE.search(before)
    # a participle ("… replacing it with softer language calling for “…”") follows no subject of its own
    if match and not match["cue"].lower().endswith("ing"):
        speaker = _clean_speaker(match["speaker"])
        if speaker:
            offset = sentence_start + match.start("speaker") + match["speaker"].find(speaker.split()[0])
            return speaker, offset, match["cue"].lower()
    return None


_CREDIT = re.compile(r"[^\S\n]*[―—–-]{1,2}[^\S\n]*(?P<speaker>[A-Z][\w.’'-]*(?:[^\S\n]+(?:[A-Z][\w.’'-]*|de|van|von|al)){0,4})")
_NAME_APPOSITIVE_CUE = re.compile(
    rf"[\s,]*(?P<speaker>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){{0,4}}),\s+[^,“”\"]{{2,90}},\s+{_AUX}(?P<cue>{_CUE})\b")


def named_with_appositive(paragraph: str, end: int) -> tuple[str, int, str] | None:
    """`…,” Vann R. Newkirk II, a writer for The Atlantic, said`: a name, a description in
    commas, then the cue verb, right behind the quote."""
    match = _NAME_APPOSITIVE_CUE.match(paragraph, _behind(paragraph, end))
    if not match:
        return None
    return match["speaker"], match.start("speaker"), match["cue"].lower()


_TURN = re.compile(r"(?P<speaker>[A-Z][A-Z.'’-]+(?:[ ][A-Z][A-Z.'’-]+){0,2}):[ \t]+(?=\S)")


def transcript_turn(paragraph: str, start: int) -> tuple[str, int, str] | None:
    """`"WALLACE: Let's start …` / `"PENCE: Well, …`: a quoted transcript turn is its
    labelled speaker's, whoever was quoted before."""
    match = _TURN.match(paragraph, start)
    if not match:
        return None
    return match["speaker"].title(), match.start("speaker"), "transcript"  # as a name is written elsewhere


def credit(paragraph: str, end: int) -> tuple[str, int, str] | None:
    """`“…” ― Jacklyn Ashley`: a name after a dash right behind the closing mark (testimonials,
    epigraphs) credits the quote to that name, whatever verbs are nearby."""
    match = _CREDIT.match(paragraph, _behind(paragraph, end))
    if not match:
        return None
    return match["speaker"].rstrip("."), match.start("speaker"), "credited"


# `…?” Hannity pressed.` / `…,” Rubio fired back.` / `…,” the letter reads.`: a name (or a
# determiner's noun) and one verb in the past or present that close the sentence right behind
# a quote are its attribution, whatever the verb
_NAME_AND_VERB = re.compile(r"[^\S\n]*(?P<speaker>[A-Z][\w.’'-]*(?:[^\S\n]+[A-Z][\w.’'-]*){0,3}|he|she|they|we|I"
                            r"|(?:the|a|an|his|her|its|their)[^\S\n]+[a-z]+)"
                            r"[^\S\n]+(?P<cue>[a-z]{3,}(?:ed|s))(?:[^\S\n]+(?:back|up|out|in|on))?[^\S\n]*[.,;]")


def closing_clause(paragraph: str, end: int) -> tuple[str, int, str] | None:
    match = _NAME_AND_VERB.match(paragraph, _behind(paragraph, end))
    if not match or match["speaker"].casefold() in _NOT_SPEAKERS:
        return None
    return match["speaker"], match.start("speaker"), match["cue"]


INTRODUCER = re.compile(rf"(?P<speaker>(?:{_SPEAKER_WORD}\s+){{0,6}}?{_SPEAKER_WORD})\s+(?P<cue>{_CUE})\b[^.!?“”\"]{{0,80}}:\s*$",
                        re.IGNORECASE)


def _introduces(paragraph: str) -> bool:
    """A paragraph ending in a colon introduces what opens the next one."""
    return paragraph.rstrip().endswith(":")


def _introducing_subject(doc, people: list[dict], base: int, body: str) -> tuple[str, int, str] | None:
    """(phrase, offset, verb) of the subject of the sentence that ends a paragraph in a colon, when
    it names someone or is a pronoun, whatever its verb (`President Clinton released the following
    statement:`, `Potts echoed:`); `introduced` needs a speech verb."""
    sentence = doc[len(doc) - 1].sent if len(doc) else None
    named_subject = _named_subject(sentence, people, base, body) if sentence is not None else None
    if named_subject is None:
        return None
    subject, phrase, named = named_subject
    if phrase.text.casefold() in NOBODY_IN_PARTICULAR or not (subject.pos_ == "PRON" or named):
        return None
    return phrase.text, phrase.start_char, sentence.root.text.lower()


def introduced(paragraph: str) -> tuple[str, int, str] | None:
    """`He said:` closing a paragraph introduces the quotation that opens the next one."""
    match = INTRODUCER.search(paragraph[_sentence_start(paragraph, len(paragraph) - 1):])
    if not match:
        return None
    speaker = _clean_speaker(match["speaker"])
    if not speaker:
        return None
    offset = _sentence_start(paragraph, len(paragraph) - 1) + match.start("speaker") + match["speaker"].find(speaker.split()[0])
    return speaker, offset, match["cue"].lower()


CUE_LEMMAS = {"say", "tell", "add", "announce", "write", "state", "explain", "note", "argue", "insist", "warn",
              "claim", "ask", "reply", "declare", "continue", "recall", "acknowledge", "concede", "stress", "urge",
              "suggest", "predict", "tweet", "post", "respond", "remark", "observe", "conclude", "admit", "complain",
              "boast", "vow", "promise", "caution", "emphasize", "emphasise", "report", "testify", "call", "describe",
              "label", "dub", "brand", "think", "believe", "accuse", "deny", "hail", "cite", "quote", "agree", "joke",
              "quip", "counter", "shout", "exclaim", "demand", "pledge", "blast", "slam", "praise", "mock", "decry",
              "characterize", "characterise", "refer", "sing", "rule", "point", "go", "accord", "comment", "wonder",
              "assert", "contend", "maintain", "lament", "recount", "confirm", "reveal", "retort"}
_SUBJECTS = {"nsubj", "nsubjpass"}
# phrasal cues: "go" and "point" speak only as "went on" and "pointed out"
_PARTICLE_OF = {"go": "on", "point": "out"}


def _speech_verb(token) -> bool:
    lemma = token.lemma_.lower()
    if lemma == "put":  # `as Berg puts it, …`
        return {("it", "dobj"), ("as", "mark")} <= {(child.lower_, child.dep_) for child in token.children}
    if lemma not in CUE_LEMMAS:
        return False
    particle = _PARTICLE_OF.get(lemma)
    return particle is None or any(child.dep_ in ("prt", "prep", "advmod") and child.lower_ == particle
                                   for child in token.children)


def parsed_attribution(doc, start: int, end: int, quoted: list[tuple[int, int]] = (),
                       follow: bool = True) -> tuple[str, int, str] | None | bool:
    """(speaker, offset, cue) from the dependency parse, in the quote's sentence or the one right
    after it; False when the parse shows the words are said by no one named (a passive with no
    agent), so that no pattern should name anyone. A speech verb whose clause holds the quote
    attributes it, the outermost first (`Trump said Clinton called it “the gold standard”`:
    Trump quotes her); else the verb nearest the quote. Its subject must lie outside the quote
    and outside any other quotation of the paragraph (`quoted`: a verb in quoted words is the
    speaker's, as in `"they'll go easier"`)."""
    spans = [(start, end), *quoted]
    inside = lambda token: any(s - 1 <= token.idx < e + 1 for s, e in spans)  # noqa: E731
    # the words that hold the quotation: from each of its words whose head lies outside it, up
    # the parse to the clause it belongs to (a coordinated clause, `… and she replied, “…”`, is
    # its own, not the first clause's)
    # the clause of a speech verb in the passive (`Asked whether she “…”, 75 percent said yes`, `a
    # group called the “…”`) is said by its agent, or by no one named
    holders, passive_holder = set(), None
    for word in doc:
        if start <= word.idx < end and not word.is_punct \
                and (word.head.i == word.i or not start - 1 <= word.head.idx < end + 1):
            holders.add(word.i)
            spoken = False
            while word.head.i != word.i and not (word.dep_ == "conj" and word.pos_ in ("VERB", "AUX")):
                word = word.head
                holders.add(word.i)
                if word.pos_ in ("VERB", "AUX") and _speech_verb(word) and not inside(word):
                    if _denied(word, inside) and not spoken:
                        return False  # `without confirming whether he will go … on charges of “…”`
                    if _passive(word) and not spoken:
                        passive_holder = passive_holder or word
                        break
                    spoken = True
                    if word.dep_ in ("relcl", "advcl") and _subjects(word, inside):
                        # `the server, which he described as “…”`, `…, although he tweeted that he
                        # “…”`: a relative or adverbial clause is its own sayer's, reported by no one above it
                        break
    sentences = [sent for sent in doc.sents if sent.start_char < end + 2 and sent.end_char > start - 2]
    own = len(sentences)
    if follow and sentences and sentences[-1].end < len(doc):
        following = doc[sentences[-1].end].sent
        if following.text.strip() and following.text.lstrip()[:1] not in _OPEN + '"' \
                and not any(following.start_char <= s < following.end_char for s, _ in quoted):
            sentences.append(following)  # not when it quotes someone of its own (`Miller added, “…”`)

    # `“… by the port.” Berg added, “We stand …”`: a verb behind a finished sentence that opens
    # a quotation of its own is that quotation's
    finished = _ends_sentence(doc.text[start:end])

    def rank(later: int, governor, token) -> tuple:
        if governor.i in holders:
            # a participle or coordinated verb speaks for its head's subject (`Voss mocked it,
            # saying …`): ranked with that head, and before it, as the verb nearer the words
            bearer = _subject_bearer(governor, inside)
            return later, 0, len(list(bearer.ancestors)), -len(list(governor.ancestors))
        return later, 1, min(abs(token.idx - start), abs(token.idx - end)), 0

    cues = []
    for number, sent in enumerate(sentences):
        later = int(number >= own)  # the quote's own sentence first, the next one only if it has no cue
        for token in sent:
            if inside(token):
                continue
            if token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
                objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
                if objects:
                    phrase = doc[objects[0].left_edge.i:objects[0].right_edge.i + 1]
                    cues.append((rank(later, token.head, token), (phrase, "according to")))
            # a verb in the next sentence that says something of its own (`Menendez pointed out
            # that …`, `what he calls political correctness`) attributes nothing before it
            elif token.pos_ in ("VERB", "AUX") and _speech_verb(token) and not _passive(token) \
                    and not (later and any(c.dep_ in _OWN_CONTENT for c in token.children)) \
                    and not (finished and token.idx > end and _opens_quote(token)):
                # `…, Obama said, a majority have come to believe “…”`: an inserted `said` governs its host
                cues.append((rank(later, token.head if token.dep_ == "parataxis" else token, token), token))
    colon = next((t for t in doc if t.text == ":" and t.idx < start and not doc.text[t.idx + 1:start - 1].strip()), None)
    label = _LABEL.search(doc.text, 0, colon.idx) if colon is not None else None
    if label and not inside(doc[colon.i - 1]):
        # `… are problematic - Pew Research: “…”`, `Obama: “…”`: a name alone before the colon
        # (after a dash or opening its line) labels the words as that name's
        cues.append(((0, -2, 0, 0), (doc.char_span(*label.span("name"), alignment_mode="expand"), "credited")))
    elif colon is not None and colon.i > 0 and not inside(doc[colon.i - 1]):
        # `Rubio fired back: “…”`: the clause a colon ends introduces the quote; its verb is the
        # cue, or a speech verb that clause hangs from (`said she has one quality: “…”`)
        chain = [doc[colon.i - 1]]
        while chain[-1].head.i != chain[-1].i and not inside(chain[-1].head):
            chain.append(chain[-1].head)
        verbs = [t for t in chain if t.pos_ in ("VERB", "AUX")]
        spoken = [t for t in verbs if _speech_verb(t)]
        if verbs and verbs[0].dep_ == "advcl" and _subjects(verbs[0], inside):
            spoken = []  # an adverbial clause with a sayer of its own (`…, to which O'Malley interjected: “…”`)
        if verbs:
            cues.append(((0, -1, 0, 0), (spoken or verbs)[0]))
    if passive_holder is not None:
        agent = _agent(passive_holder)
        return (agent.text, agent.start_char, passive_holder.text.lower()) if agent and not inside(agent[0]) else False
    generic = False  # the quote's own sentence credits it to nobody in particular
    for (later, *_), cue in sorted(cues, key=lambda c: c[0]):
        if later and generic:
            return None
        if isinstance(cue, tuple):
            phrase, word = cue
            return phrase.text, phrase.start_char, word
        verb = _subject_bearer(cue, inside)
        subjects = _subjects(verb, inside)
        if not subjects:
            continue
        # `The promise to “take our country back” appeals to …, said Alan Abramowitz`: the parse
        # gave `said` both the reported clause's subject and the inverted one; the inverted one speaks
        subject = next((s for s in subjects if s.i > verb.i), subjects[0]) if len(subjects) > 1 else subjects[0]
        relative = None
        if subject.lower_ in ("who", "that", "which") and verb.dep_ == "relcl":
            relative, subject = subject, _relative_antecedent(subject, verb)
        phrase = _subject_phrase(subject)
        if phrase.text.casefold() in NOBODY_IN_PARTICULAR:
            generic = True  # ("anybody who complains … "…"": the clause's own speaker may be further out)
            continue
        if any(inside(token) for token in phrase):
            continue
        if relative is not None:
            # the mention that attributes is the relative pronoun; the speaker is what it refers to
            return relative.text, relative.idx, cue.text.lower(), (phrase.text, phrase.start_char)
        return phrase.text, phrase.start_char, cue.text.lower()
    return None


def _relative_antecedent(relative, verb):
    """What the relative pronoun of `verb`'s clause refers to ("Stam, who said …"). Of a name and
    its apposition the name ("McConnell, now the majority leader, who …", "Trump's running mate,
    Mike Pence, who …"); a `who` is a person, not the object of a preposition that describes one
    ("one Democrat familiar with the discussion, who added …")."""
    antecedent = verb.head
    if antecedent.dep_ == "appos" and (antecedent.head.pos_ == "PROPN" or antecedent.pos_ != "PROPN"):
        antecedent = antecedent.head
    while relative.lower_ == "who" and antecedent.pos_ != "PROPN" and antecedent.dep_ == "pobj" \
            and antecedent.head.dep_ == "prep":
        described = antecedent.head.head
        if described.pos_ == "ADJ" and described.dep_ in ("amod", "acl"):
            described = described.head
        if described.pos_ not in ("NOUN", "PROPN"):
            break
        antecedent = described
    return antecedent


_NOUN_PHRASE_RIGHT = {"prep", "compound", "amod", "nmod", "nummod", "case"}


def _subject_phrase(subject):
    """The subject's phrase without relative clauses and appositions ("Stam, who …")."""
    doc = subject.doc
    left = subject.left_edge.i
    right = subject.i
    for child in subject.rights:
        # only what extends a noun phrase ("secretary of state", "Clinton’s"): an adverb or a verb
        # the parse hung on the subject ("She further announced", "Sanders was asked") is no part of it
        if child.dep_ not in _NOUN_PHRASE_RIGHT or child.text in (",", "(", "—"):
            break
        right = child.right_edge.i
        # a clause deep inside the extension ("one Democrat familiar with the talks, who added …")
        # is no part of the name
        cut = next((t.i for t in doc[child.i:right + 1] if t.text in (",", "(", "—") or t.dep_ == "relcl"), None)
        if cut is not None:
            right = cut - 1
            break
    while right > left and (doc[right].dep_ in ("cc", "punct") or doc[right].lower_ in ("and", "or")):
        right -= 1  # "the former secretary of state and" (a coordination the parse cut short)
    return doc[left:right + 1]


def _main_subject(sentence):
    """The subject of a sentence's main verb, or None."""
    return next((c for c in sentence.root.children if c.dep_ == "nsubj"), None)


def previous_subject(doc, start: int, people: list[dict], base: int, body: str) -> tuple[str, int, str | None] | None:
    """(phrase, offset in the body, entity name) of the subject of the sentence before the one
    a quotation opens, when it names someone or is a he/she (resolved by the caller)."""
    opening = next((t for t in doc if t.idx >= start), None)
    if opening is None or opening.sent.start == 0:
        return None
    subject = _named_subject(doc[opening.sent.start - 1].sent, people, base, body)
    if subject is None:
        return None
    _, phrase, named = subject
    if not named and phrase.text.casefold() not in ("he", "she"):
        return None
    return phrase.text, base + phrase.start_char, named


def _named_subject(sentence, people: list[dict], base: int, body: str):
    """(subject token, its phrase, the entity heading the phrase or None) of the sentence's main
    verb, or None when it has no subject."""
    subject = _main_subject(sentence)
    if subject is None:
        return None
    return subject, *_phrase_and_entity(subject, people, base, body)


def _phrase_and_entity(subject, people: list[dict], base: int, body: str | None = None):
    """(the subject's phrase, the entity heading it or None); `base`: the paragraph's body offset."""
    phrase = _subject_phrase(subject)
    return phrase, _entity_in(people, base + phrase.start_char, base + phrase.end_char, body)


def _token_at(doc, offset: int):
    return next((t for t in doc if t.idx == offset), None)


_LABEL = re.compile(r"(?:^|\n|[-―—–][^\S\n]+)(?:[a-z]+[^\S\n]+){0,3}"
                    r"(?P<name>[A-Z][\w.'’-]*(?:[^\S\n]+(?:and[^\S\n]+)?[A-Z][\w.'’-]*){0,4})[^\S\n]*$")


def _opens_quote(verb) -> bool:
    """A quotation opens right behind the verb (`added, “…`, `said: "…`)."""
    return bool(_QUOTE_OPENS.match(verb.doc.text, verb.idx + len(verb.text)))


def _subject_bearer(verb, inside):
    """The verb whose subject speaks for `verb`: itself, or for a verb with no subject of its own
    ("He did not give details but said …", "Rubino reached out, writing …", "I had to change my
    answer: …", "She followed that by saying …") the verb its coordinated, participle, infinitive or
    prepositional clause hangs from; when that verb is what someone said ("Sanders said the process
    could be “messy,” adding …"), the sayer."""
    while not _subjects(verb, inside) and verb.head.i != verb.i:
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.pos_ in ("VERB", "AUX"):
            verb = verb.head  # on to the verb the preposition hangs from
        elif verb.dep_ not in ("conj", "advcl", "xcomp"):
            break
        verb = verb.head
        while verb.dep_ == "ccomp" and _speech_verb(verb.head):
            verb = verb.head
    return verb


_OWN_CONTENT = {"ccomp", "xcomp", "oprd", "acomp", "dobj"}


def _group_subject(doc, offset: int, people: list[dict], base: int, body: str) -> str | None:
    """What a `they` or `it` names when no entity before it does: the subject of its sentence's
    main verb, a noun phrase before it (`Clinton's campaign is seeking … what they call …`)."""
    pronoun = _token_at(doc, offset)
    if pronoun is None:
        return None
    subject = _main_subject(pronoun.sent)
    if subject is None or subject.pos_ == "PRON" or subject.i >= pronoun.i:
        return None
    phrase, named = _phrase_and_entity(subject, people, base, body)
    return named or _as_written(phrase.text)


def _governing_person(doc, offset: int, people: list[dict], base: int) -> str | None:
    """The person a he/she speaker refers to when a clause above it has one as its subject: in
    `With Trump ruled out, Cross said he …` the subject of `said`, not the first person named."""
    pronoun = _token_at(doc, offset)
    persons = [e for e in people if e["label"] == "PERSON"]
    for clause in pronoun.ancestors if pronoun is not None else ():
        for subject in (c for c in clause.children if c.dep_ == "nsubj" and c.i < pronoun.i and c is not pronoun):
            if named := _phrase_and_entity(subject, persons, base)[1]:
                return named
    return None


def _as_written(phrase: str) -> str:
    """"The report" opening a sentence and "the report" inside one are one speaker."""
    return phrase[0].lower() + phrase[1:] if re.match(r"The [a-z]", phrase) else phrase


def _passive(verb) -> bool:
    """`was announced`, `is said to`, `a group called …`, `Asked whether …`: the subject (or the
    noun the participle describes) is what was said or who was asked, not the sayer."""
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return True
    # a past participle hanging from a noun or a clause (the tagger calls some a past tense)
    participle = verb.tag_ == "VBN" or (verb.tag_ == "VBD" and verb.dep_ == "acl")
    return participle and verb.dep_ in ("acl", "advcl", "amod") \
        and not any(c.dep_ in ("aux", "nsubj") for c in verb.children)


_DECLINING = {"decline", "refuse", "fail"}
# verbs whose denial means no words were given (`would not comment on`, `without confirming
# whether`); a denied `say` or `believe` still reports words (`do not believe she “cares”`)
_GIVING_NO_WORDS = {"comment", "confirm", "disclose", "elaborate", "specify", "detail", "reveal", "discuss"}


def _denied(verb, inside) -> bool:
    """`would not comment`, `never confirmed`, `without confirming`, `declined to comment`: what
    the clause holds is not what its subject said."""
    return verb.lemma_ in _GIVING_NO_WORDS and (
        any(c.dep_ == "neg" and not inside(c) for c in verb.children)
        or (verb.dep_ == "pcomp" and verb.head.lower_ == "without")
        or (verb.dep_ == "xcomp" and verb.head.lemma_ in _DECLINING))


def _agent(verb):
    """The `by …` phrase of a verb in the passive (the parse may hang it lower: `described as
    “reckless” by Ruiz`), or None."""
    agent = next((g for c in verb.subtree if c.lower_ == "by" and c.dep_ in ("agent", "prep") and c.i > verb.i
                  for g in c.children if g.dep_ == "pobj"), None)
    return _subject_phrase(agent) if agent is not None else None


def _subjects(verb, inside) -> list:
    """The verb's subjects outside quotes; a dash the parse took for a noun ("made public ―
    Trump boasted") is none."""
    return [c for c in verb.children if c.dep_ in _SUBJECTS and not inside(c) and c.text.strip("―—–-")]


@lru_cache(maxsize=2)
def load_parser(model: str):
    import spacy

    from tasks.entities import _MODEL_ALIASES

    for name in dict.fromkeys([model, _MODEL_ALIASES.get(model, model)]):
        try:
            return spacy.load(name, exclude=["ner"])
        except OSError:
            continue
    raise RuntimeError(f"spaCy model {model!r} is not installed")


def find_quotes(body: str, entities: list[dict], parser=None, parsed: dict | None = None) -> list[dict]:
    """Quotations in one article's body with speaker, cue and offsets (into the body)."""
    from tasks.entities import MAX_MODEL_CHARS, paragraph_offsets

    people = sorted((e for e in entities if e["label"] in ("PERSON", "ORG", "NORP", "GPE")),
                    key=lambda e: e["start_char"])
    rows = []
    last_named: str | None = None
    previous_speaker: tuple | None = None
    introducer: tuple | None = None  # (found, base) of a paragraph ending "… said:"
    same_sentence: tuple | None = None  # ((base, sentence start), found) of the last attribution
    paragraphs = paragraph_offsets(body)
    quoted = [(base + s, base + e) for base, paragraph in paragraphs for s, e, _ in quote_spans(paragraph)]
    for base, paragraph in paragraphs:
        spans_here = quote_spans(paragraph)
        doc = None
        introduces = _introduces(paragraph)
        wanted = spans_here or introduces
        if wanted and parsed is not None:
            doc = parsed.get(base)
        elif wanted and parser is not None and len(paragraph) <= MAX_MODEL_CHARS:
            doc = parser(paragraph)
        attributed_end = None  # where the paragraph's last attributed quotation's attribution ends
        for start, end, closed in spans_here:
            text = paragraph[start:end]
            # `“…,” he said. “…”`: a quotation right behind an attributed one's attribution goes on
            # with it, whoever the sentence after it names
            # (not when a sentence of its own stands between them: `…,” says Ana Ruiz. She says … “…”`)
            carries_on = attributed_end is not None and _continues(paragraph, start) \
                and previous_speaker is not None and attributed_end <= previous_speaker[2] <= base + start \
                and previous_speaker[1] >= base + (_sentence_before(paragraph, max(0, start - 1)) or 0)
            if work_title(paragraph, start, end):
                continue  # `told CNN's “New Day.”`: the name of a show, a book or a film, not words said
            # a quote that ends in a comma, a question or an exclamation mark hands over to the
            # clause right behind it (`…,” X said`, `…?” Clinton said`)
            handed_over = text.rstrip().endswith((",", "?", "!"))
            found = transcript_turn(paragraph, start) or credit(paragraph, end)
            if found is None:
                verdict = parsed_attribution(doc, start, end, [(s, e) for s, e, _ in spans_here],
                                             follow=not carries_on) if doc is not None else None
                if verdict is not False:  # False: the parse shows no one named says these words
                    found = (named_with_appositive(paragraph, end) if handed_over else None) \
                        or (after_quote(paragraph, end) if handed_over else None) \
                        or (closing_clause(paragraph, end) if handed_over else None) \
                        or verdict or attribution(paragraph, start, end, carries_on)
            sentence = (base, _sentence_start(paragraph, start))
            if found is None and same_sentence is not None and same_sentence[0] == sentence:
                found = same_sentence[1]  # “disgusting” and “a con”: one attribution for both
            if found is None and introducer is not None and start <= 1:
                (phrase, offset, cue), intro_base = introducer
                found = (phrase, offset + intro_base - base, cue)
            opens_sentence = len(text.split()) >= 6 and _continues(paragraph, start)  # not a phrase quoted mid-sentence
            row = {"start_char": base + start, "end_char": base + end, "text": text, "speaker": None, "cue": None,
                   "speaker_start_char": None, "speaker_end_char": None}
            if found:
                same_sentence = (sentence, found)
                phrase, offset, cue, *refers_to = found
                phrase = phrase.rstrip(" ,;:—–-")  # "Officials in Brussels, who …, said"
                mention_start, mention_end = base + offset, base + offset + len(phrase)
                if refers_to:  # a relative pronoun: its antecedent names the speaker
                    phrase, offset = refers_to[0]
                    phrase = phrase.rstrip(" ,;:—–-")
                named = _entity_in(people, base + offset, base + offset + len(phrase), body)
                if phrase.casefold() in ("i", "we"):
                    speaker = None  # the writer (or the writer's side), whom the body does not name
                elif phrase.casefold() in PRONOUNS:
                    speaker = (_governing_person(doc, offset, people, base) if phrase.casefold() in ("he", "she")
                               and doc is not None else None) \
                        or _pronoun_antecedent(people, phrase.casefold(), mention_start, quoted, paragraph, base) \
                        or (_group_subject(doc, offset, people, base, body) if phrase.casefold() in ("they", "it")
                            and doc is not None else None)
                    if not speaker and phrase.casefold() != "it":  # an `it` is nobody's name for a person
                        speaker = last_named or _last_person_before(people, mention_start, quoted)
                elif named:
                    speaker = named
                else:
                    speaker = _as_written(phrase)
                row.update(speaker=speaker, cue=cue, speaker_start_char=mention_start, speaker_end_char=mention_end)
                if named or phrase.casefold() in PRONOUNS:
                    last_named = speaker or last_named
                previous_speaker = (row["speaker"], row["speaker_start_char"], row["speaker_end_char"])
            elif opens_sentence and not carries_on and doc is not None \
                    and (subject := previous_subject(doc, start, people, base, body)):
                # `Sanders named bigotry as a reason. “The younger people are …”`
                phrase, mention_start, speaker = subject
                speaker = speaker or _pronoun_antecedent(people, phrase.casefold(), mention_start, quoted, paragraph,
                                                         base) or last_named
                row.update(speaker=speaker, speaker_start_char=mention_start,
                           speaker_end_char=mention_start + len(phrase))
            elif (opens_sentence or carries_on) and previous_speaker is not None:
                # a quotation that carries on from the last attributed one ("…,” he said. “And …”),
                # however short
                row.update(speaker=previous_speaker[0], speaker_start_char=previous_speaker[1],
                           speaker_end_char=previous_speaker[2])
            else:
                continue  # scare quotes, titles, unattributed phrases
            rows.append(row)
            attributed_end = base + end
        intro = introduced(paragraph) or (_introducing_subject(doc, people, base, body)
                                          if doc is not None and introduces else None)
        introducer = (intro, base) if intro else None
    return rows


_TITLE_SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "from", "by", "vs",
                      "de"}
_BEFORE_A_TITLE = re.compile(r"(?:\b(?:on|in|at|from|told)|\w['’]s)\s*$", re.IGNORECASE)


def work_title(paragraph: str, start: int, end: int) -> bool:
    """A short quoted name in title case right after `on`, `in`, `at`, `from`, `told` or a possessive
    (`on “The View,”`, `told CNN's “New Day.”`, `in “The Revenant.”`): a show, a book, a film."""
    words = paragraph[start:end].strip(" ,.?!:;").split()
    content = [w for w in words if w.casefold() not in _TITLE_SMALL_WORDS]
    if not 1 <= len(words) <= 6 or not content or not all(w[0].isupper() or w[0].isdigit() for w in content):
        return False
    return bool(_BEFORE_A_TITLE.search(paragraph[:max(0, start - 1)]))


def _continues(paragraph: str, start: int) -> bool:
    """The quote opens a sentence (not a phrase quoted mid-sentence)."""
    before = paragraph[:max(0, start - 1)].rstrip()
    return not before or before[-1] in ".!?:”\""


# an English phrase whose name comes after a preposition is headed by the noun before it
# ("officials in Brussels", "the governor of the Bank of Japan"): the name only modifies it
_MODIFIER_BEFORE = re.compile(r"\b(?:in|of|from|at|for|with|near|on|by)\s+(?:the\s+)?$", re.IGNORECASE)


def _entity_in(people: list[dict], start: int, end: int, body: str | None = None) -> str | None:
    """The entity that heads the speaker phrase ("union spokesman Niek Stam"), not one that
    only modifies it ("China's foreign ministry", with `body`: "officials in Brussels")."""
    inside = [e for e in people if e["start_char"] < end and start < e["end_char"] and e["end_char"] >= end - 1
              and not (body is not None and _MODIFIER_BEFORE.search(body[start:e["start_char"]]))]
    for label in ("PERSON", "ORG", "NORP", "GPE"):
        for mention in inside:
            if mention["label"] == label:
                return mention["canonical_name"]
    return None


def _outside(mention: dict, quoted: list[tuple[int, int]]) -> bool:
    return not any(s <= mention["start_char"] < e for s, e in quoted)


def _persons_before(people: list[dict], position: int, quoted: list[tuple[int, int]]) -> list[dict]:
    return [e for e in people if e["label"] == "PERSON" and e["end_char"] <= position and _outside(e, quoted)]


def _last_person_before(people: list[dict], position: int, quoted: list[tuple[int, int]]) -> str | None:
    before = _persons_before(people, position, quoted)
    return before[-1]["canonical_name"] if before else None


def _pronoun_antecedent(people: list[dict], pronoun: str, position: int, quoted: list[tuple[int, int]],
                        paragraph: str, base: int) -> str | None:
    """`_antecedent` of a pronoun at body offset `position` in the paragraph at `base`."""
    before = _sentence_before(paragraph, position - base)
    return _antecedent(people, pronoun, position, quoted, base + _sentence_start(paragraph, position - base),
                       None if before is None else base + before)


def _antecedent(people: list[dict], pronoun: str, position: int, quoted: list[tuple[int, int]],
                sentence_start: int, previous_start: int | None = None) -> str | None:
    """What a pronoun speaker refers to: for he/she the first person named outside any quotation
    before it in its own sentence, else in the sentence before (the subject, usually), else the
    nearest ("Ban Ki-moon condemned what he called …", "Obama condemned … He said …"); for it,
    an organisation (else a place or group) named earlier in the same sentence ("the Security
    Council … what it called …"). None: fall back to the last named speaker."""
    if pronoun in ("he", "she", "him", "her"):
        persons = _persons_before(people, position, quoted)
        for start in (sentence_start, previous_start):
            since = [e for e in persons if start is not None and e["start_char"] >= start]
            if since:
                return since[0]["canonical_name"]
        return persons[-1]["canonical_name"] if persons else None
    if pronoun == "it":
        here = [e for e in people if sentence_start <= e["start_char"] and e["end_char"] <= position
                and _outside(e, quoted)]
        for labels in (("ORG",), ("NORP", "GPE")):
            named = [e for e in here if e["label"] in labels]
            if named:
                return named[-1]["canonical_name"]
    return None


def extract_quotes(articles: list[dict], entities: list[dict], parser=None) -> list[dict]:
    by_article: dict[str, list[dict]] = {}
    for mention in entities:
        by_article.setdefault(mention["article_id"], []).append(mention)
    parsed: dict[str, dict[int, object]] = {}
    if parser is not None:  # one batched parse of every paragraph that holds a quote mark or ends in a colon
        from tasks.entities import MAX_MODEL_CHARS, paragraph_offsets

        # a paragraph too long for the parser keeps the pattern rules only
        jobs = [(a["article_id"], base, text) for a in articles for base, text in paragraph_offsets(a["body"])
                if len(text) <= MAX_MODEL_CHARS and (_holds_quotation(text) or _introduces(text))]
        for (aid, base, _), doc in zip(jobs, parser.pipe((text for _, _, text in jobs), batch_size=64)):
            parsed.setdefault(aid, {})[base] = doc
    rows = []
    for article in articles:
        for row in find_quotes(article["body"], by_article.get(article["article_id"], []), None,
                               parsed.get(article["article_id"], {}) if parser is not None else None):
            rows.append({"article_id": article["article_id"], **row})
    return rows


# ---- languages with attribution rules and no parser of ours -----------------------------------

@dataclass(frozen=True)
class AttributionRules:
    """A language's attribution patterns. Each pattern names a `speaker` or a `pronoun` group
    and a `cue` group; `after` patterns match the text right behind a closing mark, `before`
    ones the text of the sentence right before the opening mark."""

    after: tuple[re.Pattern, ...]
    before: tuple[re.Pattern, ...]
    pronouns: frozenset[str]


def _french_rules() -> AttributionRules:
    past = ("déclaré|dit|affirmé|ajouté|expliqué|estimé|souligné|indiqué|précisé|annoncé|assuré|confié|martelé|"
            "lancé|insisté|rappelé|poursuivi|commenté|jugé|reconnu|répondu|prévenu|déploré|dénoncé|regretté|"
            "raconté|témoigné|écrit|conclu|noté|observé|résumé|avancé|admis|ironisé|tranché|plaidé|protesté")
    present = ("déclare|dit|affirme|ajoute|explique|estime|souligne|indique|précise|annonce|assure|confie|martèle|"
               "lance|insiste|rappelle|poursuit|commente|juge|reconnaît|répond|prévient|déplore|dénonce|regrette|"
               "raconte|témoigne|écrit|conclut|note|observe|résume|avance|admet|ironise|tranche|plaide|proteste")
    pronoun = r"(?P<pronoun>il|elle|ils|elles|on)"
    phrase = r"(?P<speaker>[^,.;:!?«»()\"“”]{2,80}?)"
    return AttributionRules(
        after=(
            re.compile(rf"^[\s,]*(?:a|ont|avait|avaient)-t-{pronoun}\s+(?P<cue>{past})\b"),       # a-t-il ajouté
            re.compile(rf"^[\s,]*(?P<cue>{present}|{past})-(?:t-)?{pronoun}\b"),                   # estime-t-elle
            re.compile(rf"^[\s,]*(?:a|ont|avait|avaient)\s+(?P<cue>{past})\s+(?:à\s+\S+\s+)?{phrase}"
                       rf"(?=\s*[,.;:!?(]|\s*$)"),                                                 # a déclaré X
            re.compile(rf"^[\s,]*(?P<cue>{present})\s+{phrase}(?=\s*[,.;:!?(]|\s*$)"),             # estime X
            re.compile(rf"^[\s,]*(?P<cue>selon|d'après)\s+{phrase}(?=\s*[,.;:!?(]|\s*$)"),         # selon X
        ),
        before=(
            re.compile(rf"(?:^|[.!?]\s+){phrase}\s+(?:a|ont|avait|avaient)\s+(?P<cue>{past})\s*:\s*$"),  # X a dit :
            re.compile(rf"(?:^|[.!?]\s+){phrase}\s+(?P<cue>{present})\s*:\s*$"),                       # X affirme :
            re.compile(rf"(?:^|[.!?]\s+)(?P<cue>Selon|selon|D'après|d'après)\s+{phrase}\s*,\s*$"),     # Selon X,
        ),
        pronouns=frozenset({"il", "elle", "ils", "elles", "on"}),
    )


RULES_BY_LANGUAGE = {"fr": _french_rules()}
_MARKS_AND_SPACES = " \u00a0\u202f\t\"'`“”«»„‹›「」『』‚‘’"


def _entity_leading(people: list[dict], start: int, end: int, lead: int = 12) -> str | None:
    """The person or organisation that opens a speaker phrase (`a déclaré Emmanuel Macron
    lundi à Paris`): what follows it qualifies the speaker."""
    for mention in people:
        if start <= mention["start_char"] <= start + lead and mention["end_char"] <= end:
            return mention["canonical_name"]
    return None


def rule_quotes(articles: list[dict], entities: list[dict], rules: AttributionRules) -> list[dict]:
    """Quotations with speaker and cue by a language's attribution rules: a named person or
    organisation in the speaker phrase gives its canonical name, a pronoun the person named
    last before the quote outside any quotation; an unattributed quotation is left out."""
    from tasks.entities import paragraph_offsets

    by_article: dict[str, list[dict]] = {}
    for mention in entities:
        by_article.setdefault(mention["article_id"], []).append(mention)
    rows = []
    for article in articles:
        people = sorted((e for e in by_article.get(article["article_id"], []) if e["label"] in ("PERSON", "ORG")),
                        key=lambda e: e["start_char"])
        paragraphs = paragraph_offsets(article["body"])
        quoted = [(base + s, base + e) for base, paragraph in paragraphs for s, e, _ in quote_spans(paragraph)]
        for base, paragraph in paragraphs:
            for start, end, closed in quote_spans(paragraph):
                # past the closing mark (and the spaces French sets inside it), before the opening one
                after = end + len(paragraph[end:]) - len(paragraph[end:].lstrip(_MARKS_AND_SPACES)) if closed else None
                found = None
                for pattern in rules.after if after is not None else ():
                    if (match := pattern.match(paragraph[after:])):
                        found = (match, base + after)
                        break
                if found is None:
                    ahead = paragraph[:start].rstrip(_MARKS_AND_SPACES)
                    for pattern in rules.before:
                        if (match := pattern.search(ahead)):
                            found = (match, base)
                            break
                if found is None:
                    continue
                match, offset = found
                group = "pronoun" if match.groupdict().get("pronoun") else "speaker"
                s_start, s_end = offset + match.start(group), offset + match.end(group)
                if group == "pronoun":
                    speaker = _last_person_before(people, base + start, quoted)
                else:
                    speaker = _entity_leading(people, s_start, s_end) or _entity_in(people, s_start, s_end) \
                        or match.group("speaker").strip()
                rows.append({"article_id": article["article_id"], "start_char": base + start, "end_char": base + end,
                             "text": paragraph[start:end], "speaker": speaker, "cue": match.group("cue").lower(),
                             "speaker_start_char": s_start, "speaker_end_char": s_end})
    return rows
