"""The agent frameworks' part of `make bench`: one contender's measurements in a fresh interpreter (run by bench.py).

Usage: python scripts/bench_agents.py '{"contender": "ours"|"pipecat"|"livekit", "url": ..., "email": ...,
"password": ..., "voice_id": ..., "take_seconds": ...}'; prints one JSON line of seconds:

- ``sentence``: from the token that completes a sentence (with the next token right behind it, as both
  sentence cutters need; the rest at the model's pace, a token every 10 ms) to the first audio out: of our
  own ``stream_text``, of Pipecat's pipeline with ``DaisysTTSService``, of LiveKit's ``SynthesizeStream``.
- ``fresh``: a one-sentence turn on a warm, idle service: from its last token to its first audio.
- ``after_interrupt``: the same turn right after a three-sentence turn was interrupted at its first audio
  (``stream_text`` left early; Pipecat's ``InterruptionFrame``; LiveKit's ``aclose()``).

Needs .venv-agents (`make setup`): `make bench` runs bench.py there.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from daisys_ext import AsyncClient

PACE = 0.01  # seconds between a pretend model's tokens
FIRST = "Hello there, I am your agent"
END = "."
NEXT = " How"
REST = " can I help you today? I can book a table, or read you the news."
TURN = "Of course, go ahead and ask"
LONG = "This is the first of three sentences. This is the second one, still queued. And a third one."


def tokens(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


now = time.perf_counter


# -- ours: stream_text --------------------------------------------------------------------------------------


async def ours(client: AsyncClient, voice_id: str, idle: float) -> dict[str, float]:
    async with client.websocket(voice_id=voice_id) as ws:

        async def first_audio(text: AsyncIterator[str], *, interrupt: bool = False) -> float:
            """When the first audio came; the rest is heard to the end, unless the listener interrupts there."""
            first = None
            async for _ in ws.stream_text(text):
                first = first or now()
                if interrupt:
                    break  # leaving early stops the rest
            if first is None:
                raise RuntimeError("no audio")
            return first

        await first_audio(written("Warm up", ""))
        marks: dict[str, float] = {}
        sentence = await first_audio(written(FIRST, NEXT + REST, marks)) - marks["t0"]
        await asyncio.sleep(idle)
        fresh = await first_audio(written(TURN, "", marks)) - marks["t0"]
        await asyncio.sleep(idle)
        await first_audio(written(LONG.removesuffix("."), ""), interrupt=True)  # its other sentences stay queued
        after = await first_audio(written(TURN, "", marks)) - marks["t0"]
    return {"sentence": sentence, "fresh": fresh, "after_interrupt": after}


async def written(sentence: str, after: str, marks: dict[str, float] | None = None) -> AsyncIterator[str]:
    """A model writing ``sentence`` (then END), then ``after`` at once; ``marks["t0"]``: when END was given."""
    for token in tokens(sentence):
        yield token
        await asyncio.sleep(PACE)
    if marks is not None:
        marks["t0"] = now()
    yield END
    for i, token in enumerate(tokens(after)):
        if i:
            await asyncio.sleep(PACE)  # the next token right behind the sentence's end, then the model's pace
        yield token


# -- Pipecat ---------------------------------------------------------------------------------------------------


async def pipecat(client: AsyncClient, voice_id: str, idle: float) -> dict[str, float]:
    from pipecat.frames.frames import (
        EndFrame,
        Frame,
        InterruptionFrame,
        LLMFullResponseEndFrame,
        LLMFullResponseStartFrame,
        LLMTextFrame,
        TTSAudioRawFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
    from pipecat.workers.runner import WorkerRunner

    from daisys_ext.integrations.pipecat import DaisysTTSService

    audio: asyncio.Queue[tuple[float, str | None]] = asyncio.Queue()

    class FirstAudio(FrameProcessor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: set[str | None] = set()

        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, TTSAudioRawFrame) and frame.context_id not in self.seen:
                self.seen.add(frame.context_id)
                audio.put_nowait((now(), frame.context_id))
            await self.push_frame(frame, direction)

    service = DaisysTTSService(client=client, voice_id=voice_id)
    worker = PipelineWorker(
        Pipeline([service, FirstAudio()]),
        params=PipelineParams(audio_out_sample_rate=44100),
        cancel_on_idle_timeout=False,
    )
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def on_started(*_: Any) -> None:
        started.set()

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    running = asyncio.create_task(runner.run())
    await asyncio.wait_for(started.wait(), 30)

    async def turn(sentence: str, after: str, end: bool = True) -> float:
        """One reply; seconds from its first sentence's last token to its first audio."""
        await worker.queue_frame(LLMFullResponseStartFrame())
        for token in tokens(sentence):
            await worker.queue_frame(LLMTextFrame(token))
            await asyncio.sleep(PACE)
        t0 = now()
        rest = tokens(after)
        await worker.queue_frames([LLMTextFrame(END), *(LLMTextFrame(t) for t in rest[:1])])

        async def write_on() -> None:  # the model goes on writing at its pace
            for token in rest[1:]:
                await asyncio.sleep(PACE)
                await worker.queue_frame(LLMTextFrame(token))
            if end:
                await worker.queue_frame(LLMFullResponseEndFrame())

        writing = asyncio.create_task(write_on())
        first = (await audio.get())[0] - t0
        await writing
        return first

    await turn("Warm up", "")
    await asyncio.sleep(idle)
    sentence = await turn(FIRST, NEXT + REST)
    await asyncio.sleep(idle * 3)  # its audio plays out
    fresh = await turn(TURN, "")
    await asyncio.sleep(idle)
    await turn(LONG.removesuffix("."), "", end=False)
    await worker.queue_frame(InterruptionFrame())
    after = await turn(TURN, "")
    await worker.queue_frame(EndFrame())
    await running
    return {"sentence": sentence, "fresh": fresh, "after_interrupt": after}


# -- LiveKit ---------------------------------------------------------------------------------------------------


async def livekit(client: AsyncClient, voice_id: str, idle: float) -> dict[str, float]:
    from livekit.agents import APIConnectOptions

    from daisys_ext.integrations.livekit import TTS

    options = APIConnectOptions(max_retry=0, timeout=30)
    async with TTS(client=client, voice_id=voice_id) as daisys:
        daisys.prewarm()

        async def first_audio(
            sentence: str, after: str, close: bool = True
        ) -> tuple[float, Callable[[], Awaitable[None]]]:
            stream = daisys.stream(conn_options=options)
            for token in tokens(sentence):
                stream.push_text(token)
                await asyncio.sleep(PACE)
            t0 = now()
            rest = tokens(after)
            stream.push_text(END)
            for token in rest[:1]:
                stream.push_text(token)

            async def write_on() -> None:  # the model goes on writing at its pace
                for token in rest[1:]:
                    await asyncio.sleep(PACE)
                    stream.push_text(token)
                stream.end_input()

            writing = asyncio.create_task(write_on())
            await anext(aiter(stream))
            latency = now() - t0
            await writing
            if close:
                async for _ in stream:
                    pass
                await stream.aclose()
            return latency, stream.aclose

        await first_audio("Warm up", "")
        await asyncio.sleep(idle)
        sentence, _ = await first_audio(FIRST, NEXT + REST)
        await asyncio.sleep(idle * 3)
        fresh, _ = await first_audio(TURN, "")
        await asyncio.sleep(idle)
        _, interrupt = await first_audio(LONG.removesuffix("."), "", close=False)
        started = now()
        await interrupt()
        closing = now() - started
        after, _ = await first_audio(TURN, "")
    return {"sentence": sentence, "fresh": fresh, "after_interrupt": after, "aclose": closing}


CONTENDERS = {"ours": ours, "pipecat": pipecat, "livekit": livekit}


async def main(job: dict[str, Any]) -> None:
    async with AsyncClient(job["email"], job["password"], daisys_url=job["url"], auth_url=job["url"]) as client:
        result = await CONTENDERS[job["contender"]](client, job["voice_id"], job["take_seconds"] * 1.5)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
