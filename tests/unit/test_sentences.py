"""SentenceChunker: sentences out of streamed text, independent of where the text was cut into tokens."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

from daisys_ext._errors import DaisysInputError
from daisys_ext._text.sentences import SentenceChunker


def chunk(text: str | list[str], max_chars: int = 300, *, newline_ends_sentence: bool = True) -> list[str]:
    """The sentences of ``text`` (or of these tokens, fed one by one), flushed at the end."""
    chunker = SentenceChunker(max_chars, newline_ends_sentence=newline_ends_sentence)
    out: list[str] = []
    for token in [text] if isinstance(text, str) else text:
        out += chunker.feed(token)
    return out + chunker.flush()


def by_char(text: str, **kwargs: bool) -> list[str]:
    return chunk(list(text), **kwargs)


def normalised(text: str) -> str:
    return " ".join(text.split())


# --- the example from the brief, and waiting for the next token -------------------------


def test_a_period_at_the_end_of_a_token_waits_for_the_next() -> None:
    chunker = SentenceChunker()
    assert chunker.feed("It costs 3.") == []
    assert chunker.feed("5 euros. Then") == ["It costs 3.5 euros."]
    assert chunker.pending == "Then"
    assert chunker.flush() == ["Then"]


def test_a_sentence_comes_out_when_the_next_word_begins() -> None:
    chunker = SentenceChunker()
    assert chunker.feed("Hello world.") == []
    assert chunker.feed(" ") == []  # the next word could be lowercase, or a number after "No."
    assert chunker.feed("H") == ["Hello world."]


def test_a_line_break_after_the_period_decides_at_once() -> None:
    chunker = SentenceChunker()
    assert chunker.feed("Hello world.\n") == ["Hello world."]


def test_flush_ends_the_last_sentence_and_empties_the_chunker() -> None:
    chunker = SentenceChunker()
    assert chunker.feed("One. Two. Three") == ["One.", "Two."]
    assert chunker.flush() == ["Three"]
    assert chunker.flush() == []
    assert chunker.feed("Again. And") == ["Again."]
    assert chunker.flush() == ["And"]


def test_flush_after_a_final_period_returns_it() -> None:
    assert chunk(["Done", "."]) == ["Done."]


# --- sentence ends ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hi. Bye.", ["Hi.", "Bye."]),
        ("Really?! Yes!!! Sure?", ["Really?!", "Yes!!!", "Sure?"]),
        ("Wait… What?", ["Wait…", "What?"]),
        ("Wait... What?", ["Wait...", "What?"]),
        ('He said "Go." Then he left.', ['He said "Go."', "Then he left."]),
        ("He left (quickly.) Then", ["He left (quickly.)", "Then"]),
        ("She asked “why?” We knew.", ["She asked “why?”", "We knew."]),
        ("It is **important.** Listen.", ["It is **important.**", "Listen."]),
        ('Stop. "Why?" she asked.', ["Stop.", '"Why?" she asked.']),
        ("Es ist gut. Über alles.", ["Es ist gut.", "Über alles."]),
        ("It works. 42 is the answer.", ["It works.", "42 is the answer."]),
        ("Это так. Да.", ["Это так.", "Да."]),
    ],
)
def test_sentence_ends(text: str, sentences: list[str]) -> None:
    assert chunk(text) == sentences
    assert by_char(text) == sentences


@pytest.mark.parametrize(
    "text",
    [
        "It costs 3.5 euros today.",
        "It costs 1,000.25 euros today.",
        "Version 2.0.1 is out today.",
        "See example.com for more.",
        "Made in the U.S.A today.",
        "Hello!Hi there.",
    ],
)
def test_a_period_not_followed_by_whitespace_never_ends_a_sentence(text: str) -> None:
    assert chunk(text) == [text]
    assert by_char(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Fruit, e.g. Apples, are good.",
        "Fruit, i.e. Apples, are good.",
        "Mr. Smith met Dr. Jones and Mrs. Brown.",
        "Prof. Xu and St. Louis.",
        "Germany vs. France was fun.",
        "He lives in the U.S. Since 2010.",
        "At 5 p.m. Everyone left.",
        "J. R. R. Tolkien wrote it.",
        "Options: a. Apples.",
        "See Fig. 3 and No. 5 on Jan. 12 now.",
        "Apples, pears, etc. and more.",
        "Well... maybe not.",
        "Well… maybe not.",
        '"Stop!" he said.',
        "Is it? maybe.",
    ],
)
def test_abbreviations_initials_and_a_lowercase_next_word_do_not_end_a_sentence(text: str) -> None:
    assert chunk(text) == [text]
    assert by_char(text) == [text]


def test_etc_before_a_capitalised_word_ends_the_sentence() -> None:
    assert chunk("Apples, pears, etc. Then more.") == ["Apples, pears, etc.", "Then more."]


def test_a_reference_abbreviation_before_a_word_ends_the_sentence() -> None:
    assert chunk("No. I disagree.") == ["No.", "I disagree."]
    assert chunk("See No. 5 here.") == ["See No. 5 here."]


def test_a_sentence_needs_a_letter() -> None:
    # A numbered list's "1." is not a sentence of its own, nor is a lone "...".
    assert chunk("1. First point. 2. Second point.") == ["1. First point.", "2. Second point."]
    assert chunk("... And then.") == ["... And then."]
    assert chunk("2024. A year.") == ["2024. A year."]


# --- line breaks ---------------------------------------------------------------------------


def test_every_line_break_ends_a_sentence_by_default() -> None:
    text = "Shopping list\n- eggs\n- milk\r\n- bread\n\nThat is all"
    expected = ["Shopping list", "- eggs", "- milk", "- bread", "That is all"]
    assert chunk(text) == expected
    assert by_char(text) == expected


def test_a_line_break_ends_a_sentence_even_after_an_abbreviation() -> None:
    assert chunk("Ask Dr.\nJones") == ["Ask Dr.", "Jones"]


def test_without_newline_mode_only_a_blank_line_ends_a_sentence() -> None:
    text = "This line is\nwrapped by hand\n  \nNew paragraph\r\n\r\nLast one\r\nwrapped"
    expected = ["This line is\nwrapped by hand", "New paragraph", "Last one\r\nwrapped"]
    assert chunk(text, newline_ends_sentence=False) == expected
    assert by_char(text, newline_ends_sentence=False) == expected


def test_a_carriage_return_at_the_end_of_a_token_waits_in_blank_line_mode() -> None:
    chunker = SentenceChunker(newline_ends_sentence=False)
    assert chunker.feed("One\r") == []
    assert chunker.feed("\n") == []
    assert chunker.feed("\r\nTwo") == ["One"]


# --- length --------------------------------------------------------------------------------


def test_a_run_on_sentence_is_cut_at_the_last_whitespace_before_the_limit() -> None:
    chunker = SentenceChunker(20)
    assert chunker.feed("aaa bbb ccc ddd eee f") == ["aaa bbb ccc ddd eee"]
    assert chunker.flush() == ["f"]


def test_a_run_on_sentence_prefers_a_clause_break_in_the_second_half() -> None:
    assert chunk("aaaa bbbb cc, dd eeee ffff", 20) == ["aaaa bbbb cc,", "dd eeee ffff"]
    # A comma early in the window would make a fragment: the last whitespace is used instead.
    assert chunk("aa, bbbb cccc dddd eeee ffff", 20) == ["aa, bbbb cccc dddd", "eeee ffff"]


def test_the_length_cut_never_splits_a_number() -> None:
    assert chunk("pay 1,000.25 now or 3.5 later", 10) == ["pay", "1,000.25", "now or 3.5", "later"]


def test_a_word_longer_than_the_limit_is_kept_whole() -> None:
    url = "https://example.com/" + "a" * 40
    chunker = SentenceChunker(20)
    assert chunker.feed(f"see {url}") == ["see"]
    assert chunker.feed(" next") == [url]
    assert chunker.flush() == ["next"]


def test_a_natural_end_within_the_limit_wins() -> None:
    text = "Short one. Then word word word word word word"
    assert chunk(text, 20) == ["Short one.", "Then word word word", "word word word"]


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(DaisysInputError, match="max_chars"):
        SentenceChunker(0)


# --- whitespace ----------------------------------------------------------------------------


def test_whitespace_only_input_gives_nothing() -> None:
    assert chunk(["  ", "\n\n", "\t"]) == []
    assert chunk("") == []


def test_sentences_are_stripped() -> None:
    assert chunk("   Hello there.    Bye.   ") == ["Hello there.", "Bye."]


# --- properties ----------------------------------------------------------------------------

# Pieces that exercise the rules, mixed with arbitrary text.
PIECES = st.sampled_from(
    [
        "Hello", "world", "the", "The", "and", "3", ".", "5", "3.5", "1,000.25", ",", " ", "  ", "\n", "\n\n",
        "\r\n", "\r", "\t", "e.g.", "i.e.", "Mr.", "Dr.", "etc.", "U.S.", "J.", "No.", "Fig.", "...", "…", "!", "?",
        "?!", '"', "”", "“", ")", "(", "*", "a", "x", "Über", "42", "https://example.com/path",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES | st.text(max_size=5), max_size=60).map("".join)


def cuts(text: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.integers(0, len(text)), max_size=20).map(
        lambda points: [text[a:b] for a, b in zip([0, *sorted(points)], [*sorted(points), len(text)], strict=True)]
    )


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    text=TEXTS,
    max_chars=st.sampled_from([1, 5, 12, 40, 300]),
    newline_ends_sentence=st.booleans(),
)
@example(data=None, text="It costs 3.5 euros. Then", max_chars=300, newline_ends_sentence=True)
def test_sentences_give_the_text_back_whatever_the_token_boundaries(
    data: st.DataObject | None, text: str, max_chars: int, newline_ends_sentence: bool
) -> None:
    tokens = data.draw(cuts(text)) if data is not None else list(text)
    assert "".join(tokens) == text
    whole = chunk(text, max_chars, newline_ends_sentence=newline_ends_sentence)
    streamed = chunk(tokens, max_chars, newline_ends_sentence=newline_ends_sentence)
    assert streamed == whole
    assert normalised(" ".join(whole)) == normalised(text)
    for sentence in whole:
        assert sentence and sentence == sentence.strip()
        # Longer than the limit only when it has no whitespace to cut at within the limit.
        assert len(sentence) <= max_chars or not any(c.isspace() for c in sentence[: max_chars + 1])


@settings(deadline=None)  # no timing in tests: a slow machine is not a failure
@given(text=TEXTS)
def test_feeding_character_by_character_gives_the_same_sentences(text: str) -> None:
    assert by_char(text) == chunk(text)
