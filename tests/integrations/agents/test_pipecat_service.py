"""`DaisysTTSService` in Pipecat's own test harness (`pipecat.tests.utils.run_test`) against the emulator.

A model's turn comes as `LLMFullResponseStartFrame`, `LLMTextFrame` tokens and `LLMFullResponseEndFrame`; Pipecat's
aggregator makes sentences of it and the service speaks them. `run_test` waits for the pipeline's start
(`start_timeout`, longer than its 1 s default: the machine is shared) and sends an `EndFrame` at the end, which
waits for every audio context to finish playing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest
from conftest import make_voice, sentence_takes
from pipecat.frames.frames import (
    ErrorFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    TTSUpdateSettingsFrame,
)
from pipecat.metrics.metrics import TTFBMetricsData, TTSUsageMetricsData
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.pipeline.worker import PipelineParams
from pipecat.tests.utils import SleepFrame, run_test

from daisys_ext import AsyncClient
from daisys_ext.integrations.pipecat import DaisysTTSService, DaisysTTSSettings
from daisys_ext.testing import Emulator

SENTENCES = ["Hello there, I am your agent.", "The weather is fine today.", "Shall I book a table?"]
START_TIMEOUT = 20.0
NATIVE = 44100


def llm_turn(sentences: Sequence[str], size: int = 5) -> list[Frame]:
    """A model's reply as Pipecat's LLM services push it: tokens of a few characters between start and end."""
    text = " ".join(sentences)
    tokens: list[Frame] = [LLMTextFrame(text[i : i + size]) for i in range(0, len(text), size)]
    return [LLMFullResponseStartFrame(), *tokens, LLMFullResponseEndFrame()]


def audio_of(frames: Sequence[Frame], context_id: str | None = None) -> bytes:
    return b"".join(f.audio for f in frames if isinstance(f, TTSAudioRawFrame) and context_id in (None, f.context_id))


class Clock(BaseObserver):
    """When the service pushed each frame (monotonic seconds)."""

    def __init__(self, service: DaisysTTSService) -> None:
        super().__init__()
        self.service = service
        self.pushed: list[tuple[float, Frame]] = []

    async def on_push_frame(self, data: FramePushed) -> None:
        if data.source is self.service:
            self.pushed.append((time.monotonic(), data.frame))


async def speak(service: DaisysTTSService, frames: list[Frame], rate: int = NATIVE, **params: Any) -> list[Frame]:
    down, _ = await run_test(
        service,
        frames_to_send=frames,
        pipeline_params=PipelineParams(audio_out_sample_rate=rate, **params),
        start_timeout=START_TIMEOUT,
    )
    return list(down)


async def test_a_turn_at_the_native_rate_is_the_takes_audio_sample_for_sample_with_sentence_timestamps(
    aclient: AsyncClient, voice_id: str
) -> None:
    service = DaisysTTSService(client=aclient, voice_id=voice_id)
    down = await speak(service, llm_turn(SENTENCES), enable_metrics=True, enable_usage_metrics=True)
    takes = await sentence_takes(aclient)
    assert sorted(takes) == sorted(SENTENCES)
    assert audio_of(down) == b"".join(takes[s] or b"" for s in SENTENCES)
    # One audio context for the whole turn: started once, stopped once after all of its audio.
    kinds = [type(f) for f in down if isinstance(f, TTSStartedFrame | TTSStoppedFrame | TTSAudioRawFrame)]
    assert kinds[0] is TTSStartedFrame and kinds[-1] is TTSStoppedFrame
    assert kinds.count(TTSStartedFrame) == 1 and kinds.count(TTSStoppedFrame) == 1
    assert all(f.sample_rate == NATIVE for f in down if isinstance(f, TTSAudioRawFrame))
    # A text frame per sentence, its presentation time where its audio begins in the turn.
    texts = [f for f in down if isinstance(f, TTSTextFrame)]
    assert [f.text for f in texts] == SENTENCES
    starts = [f.pts for f in texts]
    for k in range(len(SENTENCES) - 1):
        duration_ns = len(takes[SENTENCES[k]] or b"") // 2 * 1_000_000_000 // NATIVE
        assert starts[k + 1] - starts[k] == pytest.approx(duration_ns, abs=1_000_000)
    metrics = [d for f in down if isinstance(f, MetricsFrame) for d in f.data]
    assert any(isinstance(d, TTFBMetricsData) and d.value > 0 for d in metrics)
    usage = [d.value for d in metrics if isinstance(d, TTSUsageMetricsData)]
    assert sum(usage) == sum(len(s) for s in SENTENCES)


async def test_at_16000_hz_the_audio_is_resampled_and_the_timestamps_stay_those_of_the_audio(
    aclient: AsyncClient, voice_id: str
) -> None:
    service = DaisysTTSService(client=aclient, voice_id=voice_id)
    down = await speak(service, llm_turn(SENTENCES), rate=16000)
    takes = await sentence_takes(aclient)
    native = sum(len(takes[s] or b"") // 2 for s in SENTENCES)
    out = len(audio_of(down)) // 2
    assert all(f.sample_rate == 16000 for f in down if isinstance(f, TTSAudioRawFrame))
    assert out == pytest.approx(native * 16000 / NATIVE, abs=2)  # our resampler: no drift, no silence reset
    texts = [f for f in down if isinstance(f, TTSTextFrame)]
    first_duration_ns = len(takes[SENTENCES[0]] or b"") // 2 * 1_000_000_000 // NATIVE
    assert texts[1].pts - texts[0].pts == pytest.approx(first_duration_ns, abs=1_000_000)


async def test_an_interruption_stops_the_turn_and_the_next_turn_is_not_delayed_by_it(
    aclient: AsyncClient, voice_id: str, emu: Emulator
) -> None:
    emu.take_seconds = 1.5  # the interrupted turn's queued takes would hold the next turn for seconds
    service = DaisysTTSService(client=aclient, voice_id=voice_id)
    requests: list[tuple[float, str, str]] = []

    @service.event_handler("on_tts_request")
    async def on_tts_request(_: DaisysTTSService, context_id: str, text: str) -> None:
        requests.append((time.monotonic(), context_id, text))

    clock = Clock(service)
    first = llm_turn(SENTENCES)[:-1]  # the model is still writing when the listener speaks
    second = llm_turn(["Of course, go ahead."])
    down, _ = await run_test(
        service,
        frames_to_send=[*first, SleepFrame(sleep=0.8), InterruptionFrame(), *second, SleepFrame(sleep=0.5)],
        pipeline_params=PipelineParams(audio_out_sample_rate=NATIVE),
        observers=[clock],
        start_timeout=START_TIMEOUT,
    )
    interrupted = requests[0][1]
    assert {text for _, context, text in requests if context == interrupted} <= set(SENTENCES[:2])  # paced
    cut = next(i for i, f in enumerate(down) if isinstance(f, InterruptionFrame))
    assert audio_of(down[:cut], interrupted)  # it had begun speaking
    assert not audio_of(down[cut:], interrupted)  # and nothing of it after the interruption
    assert not any(isinstance(f, TTSStoppedFrame) and f.context_id == interrupted for f in down)
    # What the conversation keeps of the interrupted reply: the sentence that was being spoken, not the rest.
    spoken = [f.text for f in down if isinstance(f, TTSTextFrame) and f.context_id == interrupted]
    assert spoken == SENTENCES[:1]
    next_context = requests[-1][1]
    assert next_context != interrupted
    takes = await sentence_takes(aclient)
    assert audio_of(down, next_context) == takes["Of course, go ahead."]
    sent = requests[-1][0]
    first_audio = next(t for t, f in clock.pushed if isinstance(f, TTSAudioRawFrame) and f.context_id == next_context)
    # Queued behind the interrupted takes it would wait more than 1.5 s; on a fresh connection, a fraction of it.
    assert first_audio - sent < 1.0


async def test_a_failed_sentence_is_an_error_frame_and_the_service_keeps_speaking(
    aclient: AsyncClient, voice_id: str
) -> None:
    service = DaisysTTSService(client=aclient, voice_id=voice_id)
    sentences = ["This works.", "This one [[fail]] does not.", "This works again."]
    down, up = await run_test(
        service,
        frames_to_send=[*llm_turn(sentences), *llm_turn(["A later turn."])],
        pipeline_params=PipelineParams(audio_out_sample_rate=NATIVE),
        start_timeout=START_TIMEOUT,
    )
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert len(errors) == 1 and "[[fail]]" in errors[0].error
    assert service.is_usable
    takes = await sentence_takes(aclient)
    expected = [takes["This works."], takes["This works again."], takes["A later turn."]]
    assert audio_of(down) == b"".join(pcm or b"" for pcm in expected)


async def test_settings_change_mid_call_from_the_next_sentence(
    aclient: AsyncClient, voice_id: str, emu: Emulator
) -> None:
    other = make_voice(emu, "Other")
    service = DaisysTTSService(client=aclient, voice_id=voice_id)
    change = TTSUpdateSettingsFrame(delta=DaisysTTSSettings(voice=other, style=["happy"]))
    await speak(service, [*llm_turn(["Spoken by the first voice."]), change, *llm_turn(["Spoken by the other."])])
    takes = {take.text: take for take in await aclient.get_takes()}
    assert takes["Spoken by the first voice."].voice_id == voice_id
    assert takes["Spoken by the other."].voice_id == other
    assert takes["Spoken by the other."].style == ["happy"]


async def test_a_worker_drop_between_turns_is_survived(aclient: AsyncClient, voice_id: str, emu: Emulator) -> None:
    emu.ws_drop_after = 1  # the worker closes the connection after a request when it has no other
    service = DaisysTTSService(client=aclient, voice_id=voice_id)
    down = await speak(service, [*llm_turn(SENTENCES[:1]), SleepFrame(sleep=0.6), *llm_turn(SENTENCES[1:2])])
    takes = await sentence_takes(aclient)
    assert audio_of(down) == (takes[SENTENCES[0]] or b"") + (takes[SENTENCES[1]] or b"")


async def test_without_a_client_or_voice_it_uses_the_environment_and_the_newest_ready_voice(
    agent_env: dict[str, str], voice_id: str, aclient: AsyncClient
) -> None:
    service = DaisysTTSService(model="shakespeare")
    down = await speak(service, llm_turn(SENTENCES[:1]))
    takes = await sentence_takes(aclient)
    assert audio_of(down) == takes[SENTENCES[0]]
    assert service._settings.voice == voice_id
