"""Subtitles: cue timing from parts (exact to the millisecond), the text fallbacks, SubRip and WebVTT both ways."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from daisys_ext._audio.subtitles import (
    Cue,
    cues_from_parts,
    format_srt,
    format_vtt,
    parse_subtitles,
    read_subtitles,
    samples_to_ms,
    write_subtitles,
)
from daisys_ext._errors import DaisysInputError

# The example take of the service's documentation: two sentences, 44.1 kHz.
SENTENCES = ["Hello, Daisys!", "It's a beautiful day."]


def exact_ms(samples: int, rate: int) -> float:
    return samples * 1000 / rate


# --- timing ------------------------------------------------------------------------------------


def test_one_cue_per_part_with_its_sentence() -> None:
    cues = cues_from_parts([44100, 66150], 44100, SENTENCES)
    assert cues == [Cue(0, 1000, "Hello, Daisys!"), Cue(1000, 2500, "It's a beautiful day.")]
    assert cues[1].start == 1.0 and cues[1].end == 2.5


def test_boundaries_are_rounded_from_the_running_sample_count_not_added_up() -> None:
    # 22 samples at 44.1 kHz are 0.4989 ms: each rounds to 0, but 100 of them are 49.89 ms -> 50.
    cues = cues_from_parts([22] * 100, 44100)
    assert cues[-1].end_ms == 50
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(cues))


def test_halves_round_up() -> None:
    assert samples_to_ms(1, 2000) == 1  # 0.5 ms
    assert samples_to_ms(1, 2001) == 0  # 0.49975 ms
    assert samples_to_ms(3, 2000) == 2  # 1.5 ms


def test_start_sample_places_a_later_take_without_drift() -> None:
    first = cues_from_parts([22, 22, 22], 44100)
    later = cues_from_parts([22, 22], 44100, start_sample=66)
    assert first[-1].end_ms == later[0].start_ms == 1
    assert later == cues_from_parts([22] * 5, 44100)[3:]


@settings(deadline=None)  # no timing in tests: a slow machine is not a failure
@given(
    counts=st.lists(st.integers(0, 10**7), max_size=30),
    rate=st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000, 44101]),
    start=st.integers(0, 10**6),
)
def test_every_boundary_is_within_half_a_millisecond_of_the_audio(counts: list[int], rate: int, start: int) -> None:
    cues = cues_from_parts(counts, rate, start_sample=start)
    assert len(cues) == len(counts)
    position = start
    for cue, count in zip(cues, counts, strict=True):
        assert abs(cue.start_ms - exact_ms(position, rate)) <= 0.5
        position += count
        assert abs(cue.end_ms - exact_ms(position, rate)) <= 0.5
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(cues))


@pytest.mark.parametrize(("counts", "rate", "start"), [([1], 0, 0), ([-1], 44100, 0), ([1], 44100, -5)])
def test_impossible_parts_are_rejected(counts: list[int], rate: int, start: int) -> None:
    with pytest.raises(DaisysInputError, match="cannot time parts"):
        cues_from_parts(counts, rate, start_sample=start)


def test_no_parts_no_cues() -> None:
    assert cues_from_parts([], 44100, SENTENCES) == []


# --- which text goes with which part -----------------------------------------------------------


def test_without_sentences_the_cues_have_no_text() -> None:
    assert [cue.text for cue in cues_from_parts([100, 200], 8000)] == ["", ""]
    assert [cue.text for cue in cues_from_parts([100, 200], 8000, [])] == ["", ""]


def test_sentences_are_stripped() -> None:
    assert cues_from_parts([8000], 8000, ["  Hi.\n"])[0].text == "Hi."


def test_more_sentences_than_parts_are_grouped_in_order_by_length() -> None:
    # Part 1 is two thirds of the audio: it gets the sentences making two thirds of the text.
    sentences = ["One.", "Two.", "Six.", "Ten."]
    cues = cues_from_parts([3000, 1000], 1000, sentences)
    assert [cue.text for cue in cues] == ["One. Two. Six.", "Ten."]
    cues = cues_from_parts([1000, 3000], 1000, sentences)
    assert [cue.text for cue in cues] == ["One.", "Two. Six. Ten."]
    # Lengths count: a long sentence weighs as much as several short ones.
    cues = cues_from_parts([1000, 1000], 1000, ["A much longer first sentence.", "Short.", "Tiny.", "Wee."])
    assert [cue.text for cue in cues] == ["A much longer first sentence.", "Short. Tiny. Wee."]


def test_every_part_gets_a_sentence_when_there_are_enough() -> None:
    # A tiny last part still gets the last sentence, however long.
    cues = cues_from_parts([10000, 10000, 1], 1000, ["A.", "B.", "C.", "A very long last sentence indeed."])
    assert [cue.text for cue in cues] == ["A. B.", "C.", "A very long last sentence indeed."]


def test_fewer_sentences_than_parts_share_out_the_words_by_duration() -> None:
    sentence = "one two three four five six"
    cues = cues_from_parts([2000, 1000, 3000], 1000, [sentence, "Bye now."])
    # The first sentence spans the first two parts (3 s of 6 s, more than half the text), the second the last.
    assert [cue.text for cue in cues] == ["one two three four", "five six", "Bye now."]
    assert " ".join(cue.text for cue in cues[:2]) == sentence


def test_a_part_without_a_word_to_show_gets_an_empty_cue() -> None:
    cues = cues_from_parts([1000, 1000, 1000], 1000, ["Hi"])
    assert [cue.text for cue in cues] == ["Hi", "", ""]


@settings(deadline=None)  # no timing in tests: a slow machine is not a failure
@given(
    counts=st.lists(st.integers(0, 10**5), min_size=1, max_size=12),
    sentences=st.lists(st.text(st.sampled_from("ab .,!"), min_size=1, max_size=30), max_size=12),
)
def test_the_text_is_kept_whole_and_in_order(counts: list[int], sentences: list[str]) -> None:
    cues = cues_from_parts(counts, 16000, sentences)
    assert len(cues) == len(counts)
    shown = " ".join(cue.text for cue in cues)
    assert shown.split() == " ".join(sentences).split()
    if len(sentences) >= len(counts) and all(s.strip() for s in sentences):
        assert all(cue.text for cue in cues)


# --- formats -----------------------------------------------------------------------------------

CUES = [
    Cue(0, 1000, "Hello, Daisys!"),
    Cue(1000, 2500, "It's a <b>beautiful</b> day & a --> arrow."),
    Cue(2500, 3_723_004, "Two\nlines"),
]


def test_srt_text() -> None:
    assert format_srt([CUES[0], CUES[2]]) == (
        "1\n00:00:00,000 --> 00:00:01,000\nHello, Daisys!\n\n2\n00:00:02,500 --> 01:02:03,004\nTwo\nlines\n"
    )


def test_vtt_text_is_escaped() -> None:
    assert format_vtt(CUES[1:2]) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nIt's a &lt;b&gt;beautiful&lt;/b&gt; day &amp; a --&gt; arrow.\n"
    )


@pytest.mark.parametrize("formatter", [format_srt, format_vtt])
def test_both_formats_parse_back_to_the_same_cues(formatter: object) -> None:
    assert callable(formatter)
    assert parse_subtitles(formatter(CUES)) == CUES


@pytest.mark.parametrize("formatter", [format_srt, format_vtt])
def test_empty_cues_are_left_out_and_blank_lines_dropped(formatter: object) -> None:
    assert callable(formatter)
    cues = [Cue(0, 10, ""), Cue(10, 20, "  \n"), Cue(20, 30, " a \n\n b ")]
    assert parse_subtitles(formatter(cues)) == [Cue(20, 30, "a\nb")]


def test_nothing_to_show_is_an_empty_file() -> None:
    assert format_srt([]) == ""
    assert format_vtt([]) == "WEBVTT\n"
    assert parse_subtitles("") == [] and parse_subtitles("WEBVTT\n") == []


@settings(deadline=None)  # no timing in tests: a slow machine is not a failure
@given(
    counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=20),
    rate=st.sampled_from([8000, 22050, 44100, 48000]),
    vtt=st.booleans(),
)
def test_parsed_files_match_the_parts_durations_exactly(counts: list[int], rate: int, vtt: bool) -> None:
    texts = [f"Sentence {i}." for i in range(len(counts))]
    cues = cues_from_parts(counts, rate, texts)
    parsed = parse_subtitles(format_vtt(cues) if vtt else format_srt(cues))
    assert parsed == cues
    position = 0
    for cue, count in zip(parsed, counts, strict=True):
        assert cue.start_ms == samples_to_ms(position, rate)
        position += count
        assert cue.end_ms == samples_to_ms(position, rate)


def test_parsing_what_other_tools_write() -> None:
    vtt = (
        "\ufeffWEBVTT - a title\r\nKind: captions\r\n\r\n"
        "NOTE written by hand\r\n\r\n"
        "STYLE\r\n::cue { color: red }\r\n\r\n"
        "intro\r\n00:01.500 --> 00:02.000 align:start position:10%\r\nShort &amp; sweet &lrm;\r\n\r\n\r\n"
        "00:00:02.000 --> 00:00:03.250\r\n<v Speaker>Hi</v>\r\n"
    )
    assert parse_subtitles(vtt) == [Cue(1500, 2000, "Short & sweet \u200e"), Cue(2000, 3250, "<v Speaker>Hi</v>")]
    srt = "1\n00:00:00,000 --> 00:00:01,000\n<i>Hi</i>\n\n\n2\n00:00:01,000 --> 00:00:02,000\nthere\n\n"
    assert parse_subtitles(srt) == [Cue(0, 1000, "<i>Hi</i>"), Cue(1000, 2000, "there")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("1\n00:00:00,000 -> 00:00:01,000\nHi\n", 1),
        ("1\n00:00:00,000 --> 00:00:01,000\nHi\n\n2\nnot a time\nthere\n", 5),
        ("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nBackwards\n", 3),
    ],
)
def test_unreadable_cues_name_their_line(text: str, line: int) -> None:
    with pytest.raises(DaisysInputError, match=f"line {line}:"):
        parse_subtitles(text)


def test_a_cue_cannot_end_before_it_starts() -> None:
    with pytest.raises(DaisysInputError, match="must not end before"):
        Cue(10, 5, "x")
    with pytest.raises(DaisysInputError):
        Cue(-1, 5, "x")


# --- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["speech.srt", "speech.vtt", "SPEECH.VTT"])
def test_write_and_read_a_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_subtitles(CUES, path)
    assert read_subtitles(path) == CUES
    assert path.read_bytes().startswith(b"WEBVTT" if name.lower().endswith(".vtt") else b"1\n")
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


def test_writing_replaces_a_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "speech.srt"
    path.write_text("old")
    write_subtitles(CUES[:1], os.fspath(path))
    assert read_subtitles(path) == CUES[:1]


def test_an_unknown_extension_is_an_input_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(DaisysInputError, match=r"\.srt \(SubRip\) or \.vtt \(WebVTT\)"):
        write_subtitles(CUES, tmp_path / "speech.txt")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "speech.vtt"
    path.write_text("WEBVTT\n")

    def broken() -> list[Cue]:
        raise RuntimeError("no cues after all")

    with pytest.raises(RuntimeError):
        write_subtitles(iter(broken()), path)
    assert path.read_text() == "WEBVTT\n"
