# mypy: disable-error-code="import-untyped,misc"
"""The official `daisys` SDK's websocket examples (from the documentation) run against the full Emulator.

The examples are the files in tests/websocket/examples with their official imports put back and the emulator's
URLs passed to DaisysAPI; the same files run on daisys_ext in tests/websocket.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.websocket_doc_output import check_callback_flow, check_iter_flow, official_example_source

from daisys_ext.testing import Emulator

daisys = pytest.importorskip("daisys")
pytest.importorskip("httpx_ws")  # the SDK's websocket support

from daisys import DaisysAPI  # noqa: E402
from daisys.v1.speak import (  # noqa: E402
    DaisysWebsocketGenerateError,
    Status,
    StreamMode,
    StreamOptions,
    VoiceGender,
    VoiceInfo,
)

EMAIL = "user@example.com"
PASSWORD = "pw"
URL = ""  # the emulator's api_url, set by the `emu` fixture


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(email=EMAIL, password=PASSWORD, take_seconds=0.3) as emu:
        yield emu


@pytest.fixture
def emu(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Emulator:
    global URL
    URL = emulator.api_url
    emulator.reset()
    monkeypatch.chdir(tmp_path)  # the examples write websocket_part*.wav to the working directory
    with DaisysAPI("speak", email=EMAIL, password=PASSWORD, daisys_url=URL, auth_url=URL) as speak:
        speak.generate_voice(name="Jane", model="shakespeare", gender=VoiceGender.FEMALE)
    return emulator


# -- the documentation's examples, from tests/websocket/examples with the official imports ------------------------


def run_doc_example(script: str, chunks: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a documentation example as its ``__main__``, on the official SDK pointed at the emulator."""
    source = official_example_source(script).replace(
        "DaisysAPI('speak', email=EMAIL, password=PASSWORD)",
        "DaisysAPI('speak', email=EMAIL, password=PASSWORD, daisys_url=URL, auth_url=URL)",
    )
    assert "daisys_url=URL" in source
    monkeypatch.setattr(sys, "argv", [script] + (["--chunks"] if chunks else []))
    exec(compile(source, script, "exec"), {"__name__": "__main__", "URL": URL})


# -- the same flow with the synchronous client's iter_request ----------------------------------------------------


def websocket_example_iter(chunks: bool) -> None:
    with DaisysAPI("speak", email=EMAIL, password=PASSWORD, daisys_url=URL, auth_url=URL) as speak:
        print("Found Daisys Speak API", speak.version())
        voice = speak.get_voices()[0]
        with speak.websocket(voice_id=voice.voice_id) as ws:
            t0 = time.time()
            generate_request_id = ws.generate_take(
                voice_id=voice.voice_id,
                text="Hello from Daisys websockets! How may I help you?",
                stream_options=StreamOptions(mode=StreamMode.CHUNKS) if chunks else None,
            )
            for take_id, take, header, audio in ws.iter_request(generate_request_id):  # noqa: B007
                now = time.time() - t0
                if take is not None:
                    print(f"[{now:.03f}] Take status was changed to: {take.status.name}.")
                if header is not None:
                    print(f"[{now:.03f}] New part being received.")
                if audio is not None:
                    print(f"[{now:.03f}] Received audio chunk of size {len(audio)}.")
        if take_id:
            print(f"Deleting take {take_id}:", speak.delete_take(take_id))


@pytest.mark.parametrize("chunks", [False, True], ids=["parts", "chunks"])
def test_websocket_example(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, chunks: bool
) -> None:
    run_doc_example("websocket_example.py", chunks, monkeypatch)
    check_callback_flow(capsys.readouterr().out, chunks)
    assert len(emu.requests_to("worker")) == 1


@pytest.mark.parametrize("chunks", [False, True], ids=["parts", "chunks"])
def test_websocket_example_async(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, chunks: bool
) -> None:
    run_doc_example("websocket_example_async.py", chunks, monkeypatch)
    out = capsys.readouterr().out
    check_callback_flow(out, chunks)
    assert out.count("stream done") == 1
    assert out.count("part done") == (2 if chunks else 0)


@pytest.mark.parametrize("chunks", [False, True], ids=["parts", "chunks"])
def test_websocket_example_async_iter(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, chunks: bool
) -> None:
    run_doc_example("websocket_example_async_iter.py", chunks, monkeypatch)
    check_iter_flow(capsys.readouterr().out, chunks)


def test_websocket_example_iter_chunks(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    # iter_request handles one queued event per update(timeout=1), so each iterator flow takes ~2.5 s.
    websocket_example_iter(True)
    check_iter_flow(capsys.readouterr().out, True)


def test_sdk_generate_voice_streams_example_take(emu: Emulator) -> None:
    """/voices/generate: VoiceInfo status messages and the example take's audio, in the SDK's default chunks."""
    voices: list[VoiceInfo] = []
    received: list[tuple[str, int, int | None, bytes | None]] = []
    with DaisysAPI("speak", email=EMAIL, password=PASSWORD, daisys_url=URL, auth_url=URL) as speak:
        with speak.websocket(model="shakespeare") as ws:
            ws.generate_voice(
                name="Ada",
                model="shakespeare",
                gender=VoiceGender.FEMALE,
                status_callback=lambda _, voice: voices.append(voice),
                audio_callback=lambda request_id, take_id, part_id, chunk_id, audio: received.append(
                    (take_id, part_id, chunk_id, audio)
                ),
            )
            deadline = time.time() + 10
            while not (voices and voices[-1].status.done() and received and received[-1][3] is None):
                assert time.time() < deadline
                ws.update(timeout=1)
        assert [v.status for v in voices] == [Status.WAITING, Status.STARTED, Status.READY]
        example = voices[-1].example_take_id
        assert {take_id for take_id, *_ in received} == {example}
        assert all(chunk_id is not None for _, _, chunk_id, _ in received)  # chunks mode
        assert speak.get_voice(voices[-1].voice_id).status == Status.READY
        assert speak.get_take(example).status == Status.READY


@pytest.mark.parametrize("chunks", [False, True], ids=["parts", "chunks"])
def test_sdk_reorders_shuffled_frames(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, chunks: bool
) -> None:
    """The SDK puts out-of-order frames back in order, so the examples behave exactly as without faults."""
    emu.ws_shuffle_window = 6
    run_doc_example("websocket_example.py", chunks, monkeypatch)
    check_callback_flow(capsys.readouterr().out, chunks)


def test_sdk_sees_generate_error(emu: Emulator) -> None:
    """A request the worker refuses surfaces as the SDK's DaisysWebsocketGenerateError for that request."""
    api = DaisysAPI("speak", email=EMAIL, password=PASSWORD, daisys_url=URL, auth_url=URL)
    with api as speak, speak.websocket(model="shakespeare") as ws:
        request_id = ws.generate_take(voice_id="v01" + "0" * 26, text="Nobody speaks.")
        with pytest.raises(DaisysWebsocketGenerateError) as info:
            for _ in range(20):
                ws.update(timeout=1)
        assert info.value.request_id == request_id
