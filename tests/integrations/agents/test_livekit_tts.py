"""`daisys_ext.integrations.livekit.TTS` driven as LiveKit Agents drives a TTS, against the emulator.

LiveKit ships no offline harness: its `SynthesizeStream` and `ChunkedStream` run in plain asyncio (no LiveKit
server), fed with `push_text`, `flush` and `end_input`, and read as the agent session reads them.
"""

from __future__ import annotations

import asyncio

import pytest
from conftest import make_voice, sentence_takes
from livekit.agents import APIConnectOptions, APIStatusError
from livekit.agents.tts import SynthesizedAudio, TTSError
from livekit.agents.types import USERDATA_TIMED_TRANSCRIPT, TimedString

from daisys_ext import AsyncClient
from daisys_ext.integrations.livekit import TTS
from daisys_ext.testing import Emulator

SENTENCES = ["Hello there, I am your agent.", "The weather is fine today.", "Shall I book a table?"]
RATE = 44100
NO_RETRY = APIConnectOptions(max_retry=0, timeout=10)


def tokens(text: str, size: int = 5) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def pcm(events: list[SynthesizedAudio]) -> bytes:
    return b"".join(event.frame.data.tobytes() for event in events)


def transcripts(events: list[SynthesizedAudio]) -> list[TimedString]:
    return [t for event in events for t in event.frame.userdata.get(USERDATA_TIMED_TRANSCRIPT, [])]


async def test_a_stream_is_each_sentences_take_in_order_with_a_timed_transcript_per_sentence(
    aclient: AsyncClient, voice_id: str
) -> None:
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        assert daisys.capabilities.streaming and daisys.capabilities.aligned_transcript
        stream = daisys.stream(conn_options=NO_RETRY)
        for token in tokens(" ".join(SENTENCES)):
            stream.push_text(token)
        stream.end_input()
        events = [event async for event in stream]
        await stream.aclose()
    takes = await sentence_takes(aclient)
    assert sorted(takes) == sorted(SENTENCES)
    assert pcm(events) == b"".join(takes[s] or b"" for s in SENTENCES)
    assert {event.segment_id for event in events} == {events[0].segment_id}  # one segment
    assert events[-1].is_final and all(event.frame.sample_rate == RATE for event in events)
    timed = transcripts(events)
    assert [t.strip() for t in timed] == SENTENCES
    start = 0.0
    for t, sentence in zip(timed, SENTENCES, strict=True):  # relative to the segment's first audio
        assert t.start_time == pytest.approx(start)
        assert t.end_time - t.start_time == pytest.approx(len(takes[sentence] or b"") / 2 / RATE)
        start = t.end_time


async def test_synthesize_is_a_chunked_stream_of_the_same_audio(aclient: AsyncClient, voice_id: str) -> None:
    daisys = TTS(client=aclient, voice_id=voice_id)
    async with daisys, daisys.synthesize(" ".join(SENTENCES[:2]), conn_options=NO_RETRY) as chunked:
        events = [event async for event in chunked]
    takes = await sentence_takes(aclient)
    expected = (takes[SENTENCES[0]] or b"") + (takes[SENTENCES[1]] or b"")
    heard = pcm(events)
    assert heard[: len(expected)] == expected
    # LiveKit's ChunkedStream ends the segment with its own 10 ms marker of silence.
    assert heard[len(expected) :] == bytes(RATE // 100 * 2)
    assert [t.strip() for t in transcripts(events)] == SENTENCES[:2]


async def test_aclose_in_the_middle_drops_what_is_in_flight_and_the_next_stream_is_not_delayed(
    aclient: AsyncClient, voice_id: str, emu: Emulator
) -> None:
    emu.take_seconds = 1.5  # queued takes would hold the next stream for seconds
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        daisys.prewarm()
        stream = daisys.stream(conn_options=NO_RETRY)
        for sentence in SENTENCES:
            stream.push_text(sentence + " ")
        stream.flush()
        await anext(aiter(stream))  # the first audio
        sessions = await daisys.speaker.start()
        old = sessions.current
        await stream.aclose()
        assert sessions.current is not old  # the spare connection, already open, took its place
        assert len(await aclient.get_takes()) == 2 + 1  # two sentences sent (and the voice's example take)

        loop = asyncio.get_running_loop()
        started = loop.time()
        next_stream = daisys.stream(conn_options=NO_RETRY)
        next_stream.push_text("Of course, go ahead.")
        next_stream.end_input()
        await anext(aiter(next_stream))
        # Behind the dropped takes the first audio would take more than 1.5 s; here it is the take's own latency.
        assert loop.time() - started < 1.0
        await next_stream.aclose()


async def test_a_failing_first_take_is_retried_by_livekit_and_then_raised_with_its_status(
    aclient: AsyncClient, voice_id: str
) -> None:
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        stream = daisys.stream(conn_options=APIConnectOptions(max_retry=1, retry_interval=0, timeout=10))
        stream.push_text("This [[fail]] fails.")
        stream.end_input()
        with pytest.raises(APIStatusError) as raised:
            async for _ in stream:
                pass
        await stream.aclose()
    assert raised.value.status_code == 500 and raised.value.retryable
    failed = [take for take in await aclient.get_takes() if take.text == "This [[fail]] fails."]
    assert len(failed) == 2  # LiveKit's own retry sent it again (no audio had been pushed)


async def test_a_failing_take_after_audio_is_a_recoverable_error_and_the_segment_goes_on(
    aclient: AsyncClient, voice_id: str
) -> None:
    errors: list[TTSError] = []
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        daisys.on("error", errors.append)
        stream = daisys.stream(conn_options=APIConnectOptions(max_retry=2, retry_interval=0, timeout=10))
        stream.push_text("This works. This [[fail]] fails. And this is heard.")
        stream.end_input()
        events = [event async for event in stream]
        await stream.aclose()
    takes = await sentence_takes(aclient)
    assert pcm(events) == (takes["This works."] or b"") + (takes["And this is heard."] or b"")
    assert [t.strip() for t in transcripts(events)] == ["This works.", "And this is heard."]
    assert len(errors) == 1 and errors[0].recoverable and isinstance(errors[0].error, APIStatusError)
    assert sum(text == "This [[fail]] fails." for text in takes) == 1  # not retried


async def test_update_options_applies_from_the_next_sentence(
    aclient: AsyncClient, voice_id: str, emu: Emulator
) -> None:
    other = make_voice(emu, "Other")
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        stream = daisys.stream(conn_options=NO_RETRY)
        stream.push_text("Spoken by the first voice. Spo")  # the first sentence is complete (and sent)
        events = stream.__aiter__()
        await anext(events)  # and under way
        daisys.update_options(voice_id=other, style=["happy"])
        stream.push_text("ken by the other.")
        stream.end_input()
        async for _ in events:
            pass
        await stream.aclose()
    takes = {take.text: take for take in await aclient.get_takes()}
    assert takes["Spoken by the first voice."].voice_id == voice_id
    assert takes["Spoken by the other."].voice_id == other and takes["Spoken by the other."].style == ["happy"]


async def test_a_worker_drop_between_streams_is_survived(aclient: AsyncClient, voice_id: str, emu: Emulator) -> None:
    emu.ws_drop_after = 1
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        heard = []
        for sentence in SENTENCES[:2]:
            async with daisys.synthesize(sentence, conn_options=NO_RETRY) as chunked:
                heard.append(pcm([event async for event in chunked])[: -RATE // 100 * 2])  # LiveKit's end marker
            await asyncio.sleep(0.3)  # the worker drops the idle connection
    takes = await sentence_takes(aclient)
    assert heard == [takes[SENTENCES[0]], takes[SENTENCES[1]]]


async def test_prewarm_opens_the_websockets_before_any_text(aclient: AsyncClient, voice_id: str, emu: Emulator) -> None:
    async with TTS(client=aclient, voice_id=voice_id) as daisys:
        assert emu.requests_to("worker") == []
        daisys.prewarm()
        for _ in range(200):  # the session in use and its spare
            if len(emu.requests_to("worker")) >= 2:
                break
            await asyncio.sleep(0.02)
        assert len(emu.requests_to("worker")) == 2
