import datetime as dt

import pytest

from tasks.amounts import find_amounts
from tasks.date_mentions import find_date_mentions
from tasks.quotes import find_quotes, load_parser


@pytest.mark.parametrize("text, expected", [
    ("a loan of $300 million", ("$300 million", 3e8, "USD")),
    ("expected to exceed $ 200 billion this year", ("$ 200 billion", 2e11, "USD")),
    ("worth 450 million euros", ("450 million euros", 4.5e8, "EUR")),
    ("a deal worth C$5.2 bln", ("C$5.2 bln", 5.2e9, "CAD")),
    ("losses of 12 mln stg", ("12 mln stg", 1.2e7, "GBP")),
    ("a 2.5 billion yuan fund", ("2.5 billion yuan", 2.5e9, "CNY")),
    ("bonds worth 30 billion roubles", ("30 billion roubles", 3e10, "RUB")),
    ("valued at £800m", ("£800m", 8e8, "GBP")),
    ("sold for 5 Canadian dollars", ("5 Canadian dollars", 5.0, "CAD")),
])
def test_amounts_value_and_currency(text, expected):
    amount, = find_amounts(text)
    assert (amount["text"], amount["value"], amount["currency"]) == expected
    assert text[amount["start_char"]:amount["end_char"]] == amount["text"]


def test_numbers_that_are_not_money_are_ignored():
    assert find_amounts("a 12-kilometre wall, up 4.75% on 3 May, 40 vessels") == []


def dates(body, anchor):
    return [(m["text"], m["resolved_date"], m["granularity"]) for m in find_date_mentions(body, anchor)]


def test_relative_dates_resolve_against_the_anchor():
    monday = dt.date(2023, 9, 18)
    body = "Talks began on Monday. Last month the minister visited, and in March the president went; next Friday too."
    assert dates(body, monday) == [
        ("Monday", monday, "day"), ("Last month", dt.date(2023, 8, 1), "month"),
        ("March", dt.date(2023, 3, 1), "month"), ("next Friday", dt.date(2023, 9, 22), "day")]


def test_weekday_means_the_latest_such_day_and_null_without_anchor():
    assert dates("The vote was on Tuesday.", dt.date(2024, 6, 6)) == [("Tuesday", dt.date(2024, 6, 4), "day")]
    assert dates("The vote was on Tuesday.", None) == [("Tuesday", None, "day")]
    assert dates("It opened on March 3, 1987.", None) == [("March 3, 1987", dt.date(1987, 3, 3), "day")]


def test_month_last_year_and_years():
    assert dates("Prices fell in February last year and since 2005.", dt.date(2023, 9, 18)) == [
        ("February last year", dt.date(2022, 2, 1), "month"), ("2005", dt.date(2005, 1, 1), "year")]


def person(body, name, label="PERSON"):
    start = body.index(name)
    return {"start_char": start, "end_char": start + len(name), "label": label, "canonical_name": name}


def parsed_quotes(body, entities=()):
    """(text, speaker, cue) of each quote, attributed with the dependency parse as the pipeline runs."""
    return [(q["text"], q["speaker"], q["cue"]) for q in find_quotes(body, list(entities), load_parser("en_core_web_sm"))]


def attributions(body, entities=()):
    """(speaker, cue, the attributing mention as written) of each quote, with the dependency parse."""
    return [(q["speaker"], q["cue"], body[q["speaker_start_char"]:q["speaker_end_char"]])
            for q in find_quotes(body, list(entities), load_parser("en_core_web_sm"))]


def quotes(body, entities=()):
    """Both attribution paths: the dependency parse (as the pipeline runs) and the patterns alone."""
    with_parse = parsed_quotes(body, entities)
    patterns_only = [(q["text"], q["speaker"], q["cue"]) for q in find_quotes(body, list(entities))]
    assert with_parse == patterns_only
    return with_parse


def test_quote_then_speaker_and_speaker_then_quote():
    body = ("“We will reopen the mine,” mining minister Ana Ruiz told reporters.\n\n"
            "Union leader Tom Berg said: “The workers have waited long enough.”")
    assert quotes(body, [person(body, "Ana Ruiz"), person(body, "Tom Berg")]) == [
        ("We will reopen the mine,", "Ana Ruiz", "told"),
        ("The workers have waited long enough.", "Tom Berg", "said")]


def test_inverted_cue_straight_marks_and_pronouns():
    body = ('"Prices will fall," said Ana Ruiz.\n\n'
            '"We expect a good harvest this year," she added.')
    assert quotes(body, [person(body, "Ana Ruiz")]) == [
        ("Prices will fall,", "Ana Ruiz", "said"), ("We expect a good harvest this year,", "Ana Ruiz", "added")]


def test_partial_quote_inside_a_sentence_and_scare_quotes():
    body = ("The ministry said in a statement that the envoy “will travel to Oslo next week” for talks.\n\n"
            "The so-called “peace dividend” never arrived.")
    assert quotes(body) == [("will travel to Oslo next week", "the ministry", "said")]


def test_testimonials_credited_after_a_dash_each_keep_their_own_speaker():
    body = ("Readers wrote in after the vote, said editor Ines Moll.\n\n"
            "“The new bridge saved me an hour a day.” ― Tomas Berg\n\n"
            "“Nobody asked the fishermen before they built it.”— Aino Lahti.")
    assert quotes(body) == [("The new bridge saved me an hour a day.", "Tomas Berg", "credited"),
                            ("Nobody asked the fishermen before they built it.", "Aino Lahti", "credited")]


def test_quote_across_sentences_and_continued():
    body = ("“The port is open. Ships are moving again,” harbour master Lea Voss said. “We lost two days, "
            "but nobody was hurt and the cranes are intact.”")
    assert quotes(body, [person(body, "Lea Voss")]) == [
        ("The port is open. Ships are moving again,", "Lea Voss", "said"),
        ("We lost two days, but nobody was hurt and the cranes are intact.", "Lea Voss", None)]


def test_a_verb_inside_another_quotation_is_not_an_attribution():
    body = ('Ann Kall compared the senator to a player "working the referees" in hopes that "they\'ll go easier" '
            'on him. "He is not the first," she said.')
    assert quotes(body, [person(body, "Ann Kall")]) == [("He is not the first,", "Ann Kall", "said")]


def test_a_generic_you_or_anybody_is_no_speaker():
    body = ('Ask yourself three questions as you write down the "sometimes need" list. Lea Voss mocked the '
            'complaint, saying anybody who complains about a microphone "is not having a good night."')
    found = parsed_quotes(body, [person(body, "Lea Voss")])
    assert found == [("is not having a good night.", "Lea Voss", "saying")]  # the participle's subject is its head's


def test_a_pronoun_refers_to_the_first_person_of_its_sentence_or_the_one_before():
    body = ('Ana Ruiz said on Tuesday that Tom Berg was "a lightweight" while Lea Voss is "a liar." '
            'However, she praised Ines Moll, calling her a "nice colleague."')
    entities = [person(body, name) for name in ("Ana Ruiz", "Tom Berg", "Lea Voss", "Ines Moll")]
    found = [(q["text"], q["speaker"]) for q in find_quotes(body, entities, load_parser("en_core_web_sm"))]
    assert found == [("a lightweight", "Ana Ruiz"), ("a liar.", "Ana Ruiz"), ("nice colleague.", "Ana Ruiz")]


ATTRIBUTIONS = {
    "went speaks only as went on; a second said is the first sayer's": (
        'Ana Ruiz said her union is going into "overdrive" this week. '
        'Tom Berg said the move was made by the mayor and said, "Who are you going to trust?"',
        ["Ana Ruiz", "Tom Berg"],
        [("overdrive", "Ana Ruiz", "said"), ("Who are you going to trust?", "Tom Berg", "said")]),
    "a quoted transcript turn is its labelled speaker's": (
        'Ana Ruiz spoke to the host on Sunday. "We will win," she said. A transcript follows:\n\n'
        '"HOLT: Will the toll stay?\n\n"RUIZ: For now, yes."',
        ["Ana Ruiz"],
        [("We will win,", "Ana Ruiz", "said"), ("HOLT: Will the toll stay?", "Holt", "transcript"),
         ("RUIZ: For now, yes.", "Ruiz", "transcript")]),
    "a participle after what someone said is the sayer's": (
        'Ana Ruiz said the merger could be "messy," adding, "Markets are messy." '
        'Tom Berg reached out to the union, writing in an email: "We want to talk."',
        ["Ana Ruiz", "Tom Berg"],
        [("messy,", "Ana Ruiz", "said"), ("Markets are messy.", "Ana Ruiz", "adding"),
         ("We want to talk.", "Tom Berg", "writing")]),
    "a name and any verb behind a quote, and the clause before a colon, attribute it": (
        '"Will the toll stay?" Mira Holt pressed. "For now," Jon Eide answered.\n\n'
        'When Holt suggested a ferry, Eide fired back: "The ferry sank in 1998."',
        ["Mira Holt", "Jon Eide"],
        [("Will the toll stay?", "Mira Holt", "pressed"), ("For now,", "Jon Eide", "answered"),
         ("The ferry sank in 1998.", "Eide", "fired")]),
    "a determiner's noun and a present-tense verb behind a quote attribute it": (
        'Parents wrote to the board on Monday. "Our children are thriving," the letter reads.',
        [],
        [("Our children are thriving,", "the letter", "reads")]),
    "a dash the parse takes for a subject is none": (
        "He noted that Walker has occasionally not paid anything in federal income taxes ― as was true for the few "
        "years his tax returns were made public ― Walker boasted, “That makes me smart.”",
        [],
        [("That makes me smart.", "Walker", "boasted")]),
}


@pytest.mark.parametrize("body, names, expected", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_attribution_by_the_parse(body, names, expected):
    assert parsed_quotes(body, [person(body, name) for name in names]) == expected


def test_a_speaker_phrase_never_ends_in_a_dangling_conjunction():
    body = ('On Tuesday\'s episode of "The Morning Show," the former secretary of state and current Democratic '
            'presidential nominee said she wanted to speak "directly to white people" about it.')
    found = {q["text"]: q["speaker"] for q in find_quotes(body, [], load_parser("en_core_web_sm"))}
    assert found["directly to white people"] == "the former secretary of state"


def test_pronoun_speaker_is_the_nearest_fitting_name_outside_quotes():
    body = ("“The strike is legal,” union leader Niek Stam said.\n\n"
            "Port director Ilse Brandt condemned what she called “a reckless gamble”.\n\n"
            "The Rotterdam Port Authority rejected what it called “plain blackmail” on Friday.")
    entities = [person(body, "Niek Stam"), person(body, "Ilse Brandt"),
                person(body, "Rotterdam Port Authority", label="ORG")]
    found = [(q["text"], q["speaker"], q["cue"], body[q["speaker_start_char"]:q["speaker_end_char"]])
             for q in find_quotes(body, entities, load_parser("en_core_web_sm"))]
    assert found == [("The strike is legal,", "Niek Stam", "said", "union leader Niek Stam"),
                     ("a reckless gamble", "Ilse Brandt", "called", "she"),
                     ("plain blackmail", "Rotterdam Port Authority", "called", "it")]


def test_french_attribution_rules():
    from tasks.quotes import RULES_BY_LANGUAGE, rule_quotes

    body = ("« Nous ne céderons pas », a déclaré Emmanuel Macron lundi à Paris.\n\n"
            "Le ministre de l'Intérieur a ajouté : « La sécurité est notre priorité. »\n\n"
            "« C'est une faute », estime-t-il.\n\nSelon la CGT, « la grève continue ».\n\n"
            "Un panneau disait « fermé » sans plus.")
    person = body.index("Emmanuel Macron")
    entities = [{"article_id": "a", "start_char": person, "end_char": person + 15, "label": "PERSON",
                 "canonical_name": "Emmanuel Macron"}]
    rows = rule_quotes([{"article_id": "a", "body": body}], entities, RULES_BY_LANGUAGE["fr"])
    assert [(r["text"], r["speaker"], r["cue"]) for r in rows] == [
        ("Nous ne céderons pas", "Emmanuel Macron", "déclaré"),
        ("La sécurité est notre priorité.", "Le ministre de l'Intérieur", "ajouté"),
        ("C'est une faute", "Emmanuel Macron", "estime"),
        ("la grève continue", "la CGT", "selon")]
    assert all(body[r["start_char"]:r["end_char"]] == r["text"] for r in rows)


def test_a_straight_quote_between_letters_is_an_apostrophe():
    from tasks.quotes import quote_spans

    paragraph = 'The country"s exports rose. "We don"t expect more," the minister said.'
    assert [paragraph[s:e] for s, e, _ in quote_spans(paragraph)] == ["We don\"t expect more,"]
    cells = 'Spring " | " Summer " | " Fall: "The snow reminds me of grandma," Penny says.'
    assert [cells[s:e] for s, e, _ in quote_spans(cells)] == ["The snow reminds me of grandma,"]


def test_straight_and_curly_marks_mixed_in_one_paragraph_pair_as_written():
    from tasks.quotes import quote_spans

    mixed = '“Our piers are crumbling," she said. "Ferries run late.” Then “the word "toll" is banned.”'
    assert [mixed[s:e] for s, e, _ in quote_spans(mixed)] == [
        "Our piers are crumbling,", "Ferries run late.", 'the word "toll" is banned.']


def test_british_single_quotes_are_quotations_and_apostrophes_are_not():
    body = "‘We will not back down,’ said Mary Hart, whose members’ pay fell. It’s the ’90s again."
    assert quotes(body, [person(body, "Mary Hart")]) == [("We will not back down,", "Mary Hart", "said")]


@pytest.mark.parametrize("body, name, expected", [
    # straight single quotes pair; an apostrophe, a possessive and an elided year do not
    ("'We cannot keep up with demand,' board chairman Iain Moffat said. The nurses' union blamed the '90s cuts "
     "and didn't comment.", "Iain Moffat", ("We cannot keep up with demand,", "Iain Moffat", "said")),
    # two single marks typed for a double one (NYT archive copy)
    ("''It isn't a ferry service, it's a lottery,'' said Una Bell, who runs the pier cafe. Ferries ran on "
     "''winter hours'' all year.", "Una Bell", ("It isn't a ferry service, it's a lottery,", "Una Bell", "said")),
])
def test_single_marks_quote_when_they_pair(body, name, expected):
    assert quotes(body, [person(body, name)]) == [expected]


def test_a_bare_weekday_looks_ahead_when_its_clause_does():
    from tasks.date_mentions import find_date_mentions

    anchor = dt.date(2023, 9, 20)  # a Wednesday
    body = ("The data are scheduled to be released on Friday. Talks will resume on Monday. "
            "Prices fell on Monday. The minister said on Tuesday the vote would take place on Thursday.")
    assert [(m["text"], m["resolved_date"]) for m in find_date_mentions(body, anchor)] == [
        ("Friday", dt.date(2023, 9, 22)), ("Monday", dt.date(2023, 9, 25)), ("Monday", dt.date(2023, 9, 18)),
        ("Tuesday", dt.date(2023, 9, 19)), ("Thursday", dt.date(2023, 9, 21))]


def test_listed_amounts_share_their_currency_word():
    from tasks.amounts import find_amounts

    body = ("Bids were 4,340, 4,345 and 4,350 dlrs a tonne. The price rose from 340 to 350 cruzados. "
            "Hungary raised 2 billion forints. In 1986, sales were 9 mln stg.")
    assert [(a["text"], a["value"], a["currency"]) for a in find_amounts(body)] == [
        ("4,340", 4340.0, "USD"), ("4,345", 4345.0, "USD"), ("4,350 dlrs", 4350.0, "USD"),
        ("340", 340.0, "BRC"), ("350 cruzados", 350.0, "BRC"), ("2 billion forints", 2e9, "HUF"),
        ("9 mln stg", 9e6, "GBP")]


def test_a_ranges_lower_bound_takes_the_scale_both_bounds_share():
    from tasks.amounts import find_amounts

    body = ("Bids of $1.2-1.5 million, between $3 and $4 billion, oil at $40-50 a barrel, "
            "$5 and 6 million shares, a rise of $2-3%.")
    assert [(a["text"], a["value"]) for a in find_amounts(body)] == [
        ("$1.2", 1.2e6), ("1.5 million", 1.5e6), ("$3", 3e9), ("$4 billion", 4e9), ("$40", 40.0), ("50", 50.0),
        ("$5", 5.0), ("$2", 2.0)]


def test_the_speaker_is_the_subject_not_a_clause_fragment_or_a_modifying_place():
    body = ("Minister Ana Ruiz spoke on Monday. She did not give details but said “we will see next week.”\n\n"
            "Officials in Brussels, who asked not to be named, said “no deal is close.”")
    entities = [person(body, "Ana Ruiz"), person(body, "Brussels", label="GPE")]
    assert attributions(body, entities) == [
        ("Ana Ruiz", "said", "She"), ("Officials in Brussels", "said", "Officials in Brussels")]


def test_a_relative_pronoun_attributes_for_the_person_it_refers_to():
    body = ("The plan drew a sharp reply from Mayor Ana Ruiz, who called it “a tax on islanders.”\n\n"
            "The port spoke to one driver familiar with the talks, who added that fares looked “too high.”")
    assert attributions(body, [person(body, "Ana Ruiz")]) == [
        ("Ana Ruiz", "called", "who"), ("one driver familiar with the talks", "added", "who")]


def test_a_mark_before_an_elided_year_opens_no_quotation():
    body = ("Tom Berg said in ‘08 that the ferry would close. “We will keep it running,” he said. "
            "It ended the ‘fare war’ of the ‘90s.")
    assert parsed_quotes(body, [person(body, "Tom Berg")]) == [("We will keep it running,", "Tom Berg", "said")]


def test_a_quoted_show_or_book_title_is_no_quotation():
    body = ('Ana Ruiz told WKX’s “Morning Ferry” on Monday that “the toll will go soon.” '
            'She spoke on “Harbour Nights,” too.')
    assert parsed_quotes(body, [person(body, "Ana Ruiz")]) == [("the toll will go soon.", "Ana Ruiz", "told")]


WHOSE_WORDS = {
    "a he or she is the person a clause above it has as its subject, not the first person named": (
        'With a recount for Harlan Voss ruled out, Mira Kell said she is left with two choices: the ferry plan, '
        'which she called "a disgrace to the islands," or the bridge.',
        ["Harlan Voss", "Mira Kell"],
        [("a disgrace to the islands,", "Mira Kell", "called")]),
    "a he or she in a clause whose own subject names another person": (
        'Mira Kell said Harlan Voss was right when he called the ferry plan "a disgrace to the islands."',
        ["Harlan Voss", "Mira Kell"],
        [("a disgrace to the islands.", "Harlan Voss", "called")]),
    "a subject's phrase ends with its noun phrase, not a no-break space the parse hung on it": (
        'Tom Berg opened the meeting. He\u00a0said the ferries were "back on time."',
        ["Tom Berg"],
        [("back on time.", "Tom Berg", "said")]),
    "an it that names no organisation is nobody's name for a person": (
        'Tom Berg spoke at noon. Meanwhile, it attacked the port plan, saying the harbour "has failed the islands."',
        ["Tom Berg"],
        [("has failed the islands.", None, "saying")]),
    "an inverted sayer after a long reported clause": (
        'The promise to "cut the fares" appeals to islanders who wish for a return to an era when the ferry was '
        'cheap and the harbour was busy, said Tom Berg, a planner at the port.',
        ["Tom Berg"],
        [("cut the fares", "Tom Berg", "said")]),
    "the outer speech verb of a reported attribution": (
        'Ana Ruiz said on Monday that Tom Berg once described the toll as "a tax on islanders" in private.',
        ["Ana Ruiz", "Tom Berg"],
        [("a tax on islanders", "Ana Ruiz", "said")]),
    "a relative clause with a sayer of its own, inside a reported clause": (
        'Ana Ruiz said on Monday that she had toured the old pier, which Tom Berg described as "a danger to '
        'swimmers."',
        ["Ana Ruiz", "Tom Berg"],
        [("a danger to swimmers.", "Tom Berg", "described")]),
    "an adverbial clause with a sayer of its own": (
        'Ana Ruiz said the ferry would keep running, although Tom Berg had warned that the fares were "too high '
        'for islanders."',
        ["Ana Ruiz", "Tom Berg"],
        [("too high for islanders.", "Tom Berg", "warned")]),
    "a participle after a preposition speaks for the verb the preposition hangs from": (
        'Ana Ruiz opened the meeting. She closed it by saying, "The ferry will run all winter."',
        ["Ana Ruiz"],
        [("The ferry will run all winter.", "Ana Ruiz", "saying")]),
    "a participle before a reported clause is no inverted attribution": (
        'Ana Ruiz has delivered an impassioned defence of "island values," saying the town embodied the "courage '
        'of the coast."',
        ["Ana Ruiz"],
        [("island values,", "Ana Ruiz", "saying"), ("courage of the coast.", "Ana Ruiz", "saying")]),
    "as someone puts it": (
        'Tom Berg spoke first. That is because, as Ana Ruiz puts it, the port is "the lifeline of every islander."',
        ["Tom Berg", "Ana Ruiz"],
        [("the lifeline of every islander.", "Ana Ruiz", "puts")]),
    "a paragraph ending in a colon introduces the next one's quotation, whatever its verb": (
        'When the old ferry sank, Mayor Tom Berg released the following statement:\n\n"Our island has lost a friend."',
        ["Tom Berg"],
        [("Our island has lost a friend.", "Tom Berg", "released")]),
    "a quotation going on after a full stop, however short, is not the next sentence's subject's": (
        '"I disagree with the claim," Lea Voss said. "We feel good." Ana Ruiz noted a rally on Saturday.',
        ["Lea Voss", "Ana Ruiz"],
        [("I disagree with the claim,", "Lea Voss", "said"), ("We feel good.", "Lea Voss", None)]),
    "a coordinated clause with a sayer of its own": (
        'Ana Ruiz said the ferries would run, and when asked about fares, Tom Berg replied, "Fares stay as they are."',
        ["Ana Ruiz", "Tom Berg"],
        [("Fares stay as they are.", "Tom Berg", "replied")]),
    "a quotation right behind an attribution goes on with it": (
        '"We will not stop," Lea Voss said. "The strike goes on until the contract is signed by the port." '
        'Tom Berg added, "We stand with them."',
        ["Lea Voss", "Tom Berg"],
        [("We will not stop,", "Lea Voss", "said"),
         ("The strike goes on until the contract is signed by the port.", "Lea Voss", None),
         ("We stand with them.", "Tom Berg", "added")]),
    "a sentence between an attribution and an unattributed quotation hands it to that sentence's subject": (
        '"The fares are too high," says Lea Voss, a driver from the island. Tom Berg disagrees. '
        '"Nobody has paid less for the crossing in ten years."',
        ["Lea Voss", "Tom Berg"],
        [("The fares are too high,", "Lea Voss", "says"),
         ("Nobody has paid less for the crossing in ten years.", "Tom Berg", None)]),
    "an adverbial clause with a sayer of its own before a colon": (
        'Ana Ruiz said the toll would stay until the bridge was paid for, to which Tom Berg interjected: "Nobody '
        'believes that any more."',
        ["Ana Ruiz", "Tom Berg"],
        [("Nobody believes that any more.", "Tom Berg", "interjected")]),
    "an unattributed quotation opening a sentence is the subject's of the sentence before": (
        'Lea Voss named the pay gap as the main cause. "Nobody can live on these wages in this town any more."',
        ["Lea Voss"],
        [("Nobody can live on these wages in this town any more.", "Lea Voss", None)]),
    "a question behind which the speaker is named, on a line after another's words": (
        'Ana Ruiz said on Monday that the toll would stay "until the bridge is paid for."\n'
        '"Who pays for the new bridge then?" Tom Berg said.',
        ["Ana Ruiz", "Tom Berg"],
        [("until the bridge is paid for.", "Ana Ruiz", "said"),
         ("Who pays for the new bridge then?", "Tom Berg", "said")]),
    "a they with no name before it is the subject of its sentence": (
        'Ana Ruiz spoke first. The dock workers’ union is fighting what they call "a wage freeze in disguise."',
        ["Ana Ruiz"],
        [("a wage freeze in disguise.", "the dock workers’ union", "call")]),
    "a speech verb in the passive is its agent's or no one's": (
        'Asked whether the toll is "fair to islanders," most drivers said no. A group called the "Harbour '
        'Friends" met on Monday. The plan was described as "reckless" by Ana Ruiz.',
        ["Ana Ruiz"],
        [("reckless", "Ana Ruiz", "described")]),
    "a name alone before a colon labels the words": (
        'Fuel costs are the main worry - Ana Ruiz: "Nobody can plan with prices like these."',
        ["Ana Ruiz"],
        [("Nobody can plan with prices like these.", "Ana Ruiz", "credited")]),
    "a first-person writer is no one the body names": (
        'Ana Ruiz listened to the drivers. "Nobody told us anything about the new fares," I said.',
        ["Ana Ruiz"],
        [("Nobody told us anything about the new fares,", None, "said")]),
    "a name with its role before a colon labels the words": (
        'The slowdown is seasonal - grain trader Ana Ruiz: "Barges wait for the ice every year."',
        ["Ana Ruiz"],
        [("Barges wait for the ice every year.", "Ana Ruiz", "credited")]),
    "a sayer who gave no words, as he would not comment or spoke without confirming, says none": (
        'Tom Berg said he would sail soon, without confirming whether he would sail before the court filed charges '
        'of "reckless navigation." Ana Ruiz would not comment on an order signed by the mayor "to close the pier." '
        'Lea Voss said the pier was "safe enough."',
        ["Tom Berg", "Ana Ruiz", "Lea Voss"],
        [("safe enough.", "Lea Voss", "said")]),
    "according to, opening the sentence": (
        'According to the port authority, the cranes are "beyond repair" after the storm. Tom Berg toured the port.',
        ["Tom Berg"],
        [("beyond repair", "the port authority", "according to")]),
}


@pytest.mark.parametrize("body, names, expected", WHOSE_WORDS.values(), ids=WHOSE_WORDS.keys())
def test_whose_words_a_quotation_is(body, names, expected):
    assert parsed_quotes(body, [person(body, name) for name in names]) == expected
