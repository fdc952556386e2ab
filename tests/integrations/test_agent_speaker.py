"""The engine under both framework services, against the emulator's worker: turns of sentences on warm sessions.

No framework is needed here (this runs in the core .venv): what Pipecat and LiveKit add is only their frames.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from conftest import make_voice, sentence_takes

from daisys_ext import AsyncClient
from daisys_ext.integrations._speaker import Speaker, SpokenTurn, TurnAudio, TurnEnd
from daisys_ext.testing import Emulator

SENTENCES = ["Good morning, this is your agent speaking.", "How can I help?", "I can book a table for you."]


async def hear(turn: SpokenTurn) -> tuple[list[bytes], list[TurnEnd]]:
    """Each sentence's PCM (joined) and the sentence ends, in the order the turn gives them."""
    audio: dict[int, bytearray] = {}
    ends: list[TurnEnd] = []
    async for event in turn.events():
        if isinstance(event, TurnAudio):
            assert len(turn.turn.in_flight) <= turn.turn.ahead
            audio.setdefault(event.sentence.index, bytearray()).extend(event.pcm)
        else:
            ends.append(event)
    return [bytes(audio.get(i, b"")) for i in range(len(turn.turn.sentences))], ends


async def test_a_turn_is_each_sentences_take_in_order_timed_by_its_samples(aclient: AsyncClient, voice_id: str) -> None:
    speaker = Speaker(aclient, voice_id=voice_id)
    try:
        turn = speaker.turn()
        for sentence in SENTENCES:
            await turn.say(sentence)
        # Paced: two sentences in flight, the third waits for the first one's audio.
        assert [s.sent for s in turn.turn.sentences] == [True, True, False]
        turn.end()
        audio, ends = await hear(turn)
    finally:
        await speaker.close()
    takes = await sentence_takes(aclient)
    assert sorted(takes) == sorted(SENTENCES)
    assert audio == [takes[text] for text in SENTENCES]  # sample for sample, sentence by sentence
    assert [end.error for end in ends] == [None, None, None]
    rate = ends[0].sample_rate
    assert rate == 44100
    starts = [end.sentence.start_seconds(rate) for end in ends]
    assert starts[0] == 0
    for before, after, pcm in zip(ends, ends[1:], audio, strict=False):  # each begins where the one before ends
        assert after.sentence.start_seconds(rate) == pytest.approx(before.sentence.end_seconds(rate))
        assert before.sentence.end_seconds(rate) - before.sentence.start_seconds(rate) == len(pcm) / 2 / rate


async def test_a_failed_sentence_is_reported_and_the_turn_goes_on(aclient: AsyncClient, voice_id: str) -> None:
    speaker = Speaker(aclient, voice_id=voice_id)
    try:
        turn = speaker.turn()
        for sentence in ["First one.", "This one [[fail]] fails.", "The last one."]:
            await turn.say(sentence)
        turn.end()
        audio, ends = await hear(turn)
    finally:
        await speaker.close()
    assert ends[0].error is None and ends[2].error is None
    assert ends[1].error is not None and audio[1] == b""
    takes = await sentence_takes(aclient)
    assert takes["This one [[fail]] fails."] is None
    assert [audio[0], audio[2]] == [takes["First one."], takes["The last one."]]


async def test_without_a_voice_the_newest_ready_voice_of_the_model_speaks(
    aclient: AsyncClient, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    older = make_voice(emu, "Older")
    newest = make_voice(emu, "Newest")
    make_voice(emu, "Other model", model="theatrical-v2")  # newer still, but of another model
    assert older != newest
    speaker = Speaker(aclient, model="shakespeare")
    with caplog.at_level(logging.INFO, logger="daisys_ext.integrations"):
        await speaker.start()
    try:
        assert speaker.voice_id == newest
        assert f"Newest ({newest})" in caplog.text
    finally:
        await speaker.close()


async def test_an_interruption_with_takes_queued_moves_the_next_turn_to_the_spare_connection(
    aclient: AsyncClient, voice_id: str, emu: Emulator
) -> None:
    emu.take_seconds = 1.5  # long takes: the next turn would wait seconds behind the interrupted ones
    speaker = Speaker(aclient, voice_id=voice_id)
    try:
        sessions = await speaker.start()
        first_ws = sessions.current
        turn = speaker.turn()
        for sentence in SENTENCES:
            await turn.say(sentence)
        async for event in turn.events():
            assert isinstance(event, TurnAudio)
            break  # the listener speaks at the first audio
        await turn.interrupt()
        assert sessions.current is not first_ws  # the spare, already open
        assert [s.sent for s in turn.turn.sentences] == [True, True, False]  # the third was never sent
        assert [e async for e in turn.events()] == []  # nothing more of the interrupted turn

        emu.take_seconds = 0.2
        started = time.monotonic()
        next_turn = speaker.turn()
        await next_turn.say("Sure, go ahead.")
        next_turn.end()
        async for event in next_turn.events():
            assert isinstance(event, TurnAudio)
            break
        waited = time.monotonic() - started
        # Behind the interrupted takes the first audio would come after more than 1.5 s; here it is the
        # new take's own latency (a fraction of its 0.2 s).
        assert waited < 1.0
        await next_turn.interrupt()
    finally:
        await speaker.close()


async def test_a_worker_drop_between_sentences_is_survived(aclient: AsyncClient, voice_id: str, emu: Emulator) -> None:
    emu.ws_drop_after = 1  # the worker closes the connection after each request, when it has no other
    speaker = Speaker(aclient, voice_id=voice_id)
    try:
        turn = speaker.turn()
        results: list[bytes] = []
        for sentence in SENTENCES:  # one at a time, so the connection is idle (and dropped) in between
            await turn.say(sentence)
            await asyncio.sleep(0.5)
        turn.end()
        results, ends = await hear(turn)
    finally:
        await speaker.close()
    assert [end.error for end in ends] == [None, None, None]
    takes = await sentence_takes(aclient)
    assert results == [takes[text] for text in SENTENCES]


async def test_a_voice_of_another_model_speaks_from_the_next_sentence_on_that_models_worker(
    aclient: AsyncClient, voice_id: str, emu: Emulator
) -> None:
    other = make_voice(emu, "Theatre", model="theatrical-v2")
    speaker = Speaker(aclient, voice_id=voice_id)
    try:
        first_sessions = await speaker.start()
        turn = speaker.turn()
        await turn.say("Spoken by the first voice.")
        speaker.set_voice(model="theatrical-v2")  # its newest ready voice
        await turn.say("Spoken by the theatre voice.")
        turn.end()
        audio, ends = await hear(turn)
        assert (await speaker.start()).model == "theatrical-v2" and first_sessions.model == "shakespeare"
    finally:
        await speaker.close()
    assert [end.error for end in ends] == [None, None]
    takes = {take.text: take for take in await aclient.get_takes()}
    assert takes["Spoken by the first voice."].voice_id == voice_id
    assert takes["Spoken by the theatre voice."].voice_id == other
    pcm = await sentence_takes(aclient)
    assert audio == [pcm["Spoken by the first voice."], pcm["Spoken by the theatre voice."]]


def test_the_speaker_options_are_checked_as_keyword_arguments() -> None:
    """Both services hand their voice options on as a `SpeakerOptions`: a name it does not have is refused, as
    Python refuses a misspelt keyword, and the ones it has arrive (a style as a tuple, fixed for the turn)."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'voice'"):
        Speaker(voice="v01")  # type: ignore[call-arg]
    speaker = Speaker(voice_id="v01", model="shakespeare", style=["narrator"])
    got = (speaker.voice_id, speaker.model, speaker.prosody, speaker.style)
    assert got == ("v01", "shakespeare", None, ("narrator",))
