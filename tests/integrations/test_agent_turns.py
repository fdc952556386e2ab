"""`Turn` (pacing, timing, completion of a turn's sentences) and `choose_voice`, without I/O."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from daisys_ext import DaisysInputError
from daisys_ext.integrations._turns import Turn
from daisys_ext.integrations._voices import choose_voice


def test_at_most_ahead_sentences_are_in_flight_and_the_rest_go_as_each_completes() -> None:
    turn: Turn[str] = Turn(ahead=2)
    sentences = [turn.add(f"Sentence {i}.", "voice") for i in range(4)]
    first = turn.to_send()
    assert first == sentences[:2]
    assert turn.to_send() == []  # two in flight (being sent counts)
    for request_id, sentence in enumerate(first):
        turn.sent(sentence, request_id)
    assert turn.to_send() == []
    turn.audio(sentences[0], 100)
    turn.finished(sentences[0])
    assert turn.to_send() == [sentences[2]]
    assert turn.next_to_hear() is sentences[1]


def test_each_sentence_starts_where_the_ones_before_it_ended_failed_ones_included() -> None:
    turn: Turn[None] = Turn()
    a, b, c = (turn.add(text, None) for text in ("A.", "B.", "C."))
    assert turn.audio(a, 441) is True
    assert turn.audio(a, 441) is False
    turn.finished(a)
    turn.finished(b, failed=True)  # no audio at all
    assert turn.audio(c, 100) is True
    turn.finished(c)
    assert (a.start_sample, b.start_sample, c.start_sample) == (0, 882, 882)
    assert a.end_seconds(44100) == pytest.approx(0.02) and c.start_seconds(44100) == pytest.approx(0.02)
    assert b.failed and not turn.complete  # the input has not ended
    turn.end_input()
    assert turn.complete and turn.samples == 982


def test_an_interruption_sends_nothing_more_and_names_what_was_sent() -> None:
    turn: Turn[None] = Turn(ahead=2)
    a, b, _c = (turn.add(text, None) for text in ("A.", "B.", "C."))
    for request_id, sentence in enumerate(turn.to_send()):
        turn.sent(sentence, request_id)
    turn.finished(a)
    assert turn.interrupt() == [b]
    assert turn.to_send() == []
    with pytest.raises(DaisysInputError, match="ended"):
        turn.add("D.", None)


def test_a_turn_needs_room_for_one_sentence() -> None:
    with pytest.raises(DaisysInputError, match="at least one"):
        Turn(ahead=0)


def voice(voice_id: str, model: str, status: str, timestamp_ms: int) -> Any:
    return SimpleNamespace(voice_id=voice_id, model=model, status=status, timestamp_ms=timestamp_ms)


def test_the_newest_ready_voice_of_the_model_is_chosen() -> None:
    voices = [
        voice("a", "shakespeare", "ready", 1),
        voice("b", "shakespeare", "ready", 3),
        voice("c", "shakespeare", "started", 4),  # not ready yet
        voice("d", "theatrical-v2", "ready", 5),
    ]
    assert choose_voice(voices, "shakespeare").voice_id == "b"
    assert choose_voice(voices, None).voice_id == "d"
    assert choose_voice(voices, "other") is None
