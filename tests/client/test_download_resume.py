"""Downloads resume: a take's audio cut midway continues with a ranged request, checked to join, both clients.

The storage answers are broken by a real forward proxy on 127.0.0.1 (`support.storage_faults`, given as
``proxy=``): cut mid-body, with their ranges ignored, or with another ETag. Every file must come out equal to
the audio downloaded without faults, or not at all. The emulator's storage origin itself is checked for
``Range``, ``If-Range``, 206, 416 and its ETag.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from support.flavours import Api
from support.storage_faults import Fault, StorageFaults

from daisys_ext import DaisysConnectionError
from daisys_ext.testing import Emulator

TEXT = "Cut short. Then resumed."
CUTS = (3000, 10000, 15000)  # bytes of each answer's body before its connection drops: received 3000, 13000, 28000


@pytest.fixture
def faults() -> Iterator[StorageFaults]:
    with StorageFaults() as proxy:
        yield proxy


@pytest.fixture
async def proxied(connect: Callable[..., Api], emu: Emulator, faults: StorageFaults) -> AsyncIterator[Api]:
    """A client of the test's flavour whose connections (storage ones too) go through the faulty proxy."""
    async with connect(emu.email, emu.password, daisys_url=emu.api_url, auth_url=emu.api_url, proxy=faults.url) as c:
        yield c


@pytest.fixture
async def ready(api: Api, voice_id: str) -> tuple[str, bytes]:
    """A ready take and its audio, downloaded without any fault."""
    take = await api.generate_take(voice_id, TEXT)
    audio = bytes(await api.get_take_audio(take.take_id))
    assert len(audio) > sum(CUTS) + 10000
    return take.take_id, audio


def ranges(faults: StorageFaults) -> list[str | None]:
    return [headers.get("range") for headers in faults.storage_requests()]


async def streamed(api: Api, take_id: str) -> bytes:
    return b"".join([chunk async for chunk in api.stream_take_audio(take_id)])


@pytest.mark.parametrize("how", ["file", "memory", "stream"])
async def test_cut_download_resumes_where_it_stopped(
    proxied: Api, faults: StorageFaults, ready: tuple[str, bytes], tmp_path: Path, how: str
) -> None:
    """Three cuts (more than max_retries=2: each came after new bytes), and the audio comes out whole."""
    take_id, audio = ready
    faults.plan = [Fault(cut_after=n) for n in CUTS]
    if how == "file":
        await proxied.get_take_audio(take_id, file=tmp_path / "a.wav")
        got = (tmp_path / "a.wav").read_bytes()
        assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]
    elif how == "memory":
        got = bytes(await proxied.get_take_audio(take_id))
    else:
        got = await streamed(proxied, take_id)
    assert got == audio
    assert faults.cuts == 3
    assert ranges(faults) == [None, "bytes=3000-", "bytes=13000-", "bytes=28000-"]
    if_ranges = {headers.get("if-range") for headers in faults.storage_requests()[1:]}
    assert len(if_ranges) == 1 and None not in if_ranges  # the ETag of the first answer, on every resume


@pytest.mark.parametrize("how", ["file", "memory"])
@pytest.mark.parametrize("ignore_range", [False, True], ids=["range", "no-range"])
async def test_changed_object_starts_over(
    proxied: Api, faults: StorageFaults, ready: tuple[str, bytes], tmp_path: Path, how: str, ignore_range: bool
) -> None:
    """The resumed answer carries another ETag (a 206 of a changed object, or the changed object whole from a
    server that ignores ranges): the file or buffer starts over, and the result is that object, whole."""
    take_id, audio = ready
    faults.plan = [Fault(cut_after=5000), Fault(etag='"changed"', ignore_range=ignore_range)]
    target = tmp_path / "a.wav"
    got = bytes(await proxied.get_take_audio(take_id, file=target if how == "file" else None))
    assert got == audio
    if ignore_range:  # the changed object came whole: taken from its start
        assert ranges(faults) == [None, None]
    else:  # a range of another object is of no use: asked again from byte 0
        assert ranges(faults) == [None, "bytes=5000-", None]


async def test_changed_object_fails_a_stream(proxied: Api, faults: StorageFaults, ready: tuple[str, bytes]) -> None:
    """Chunks already handed to the caller cannot be taken back: a changed object is a typed error."""
    take_id, _ = ready
    faults.plan = [Fault(cut_after=5000), Fault(etag='"changed"')]
    got = bytearray()
    with pytest.raises(DaisysConnectionError, match=r"cannot be resumed: .*ETag \"changed\""):
        async for chunk in proxied.stream_take_audio(take_id):
            got += chunk
    assert len(got) == 5000


@pytest.mark.parametrize("how", ["file", "stream"])
async def test_server_ignoring_ranges(
    proxied: Api, faults: StorageFaults, ready: tuple[str, bytes], tmp_path: Path, how: str
) -> None:
    """A 200 with the whole object to a ranged request: the same object (length, ETag), so it is read past the
    bytes already kept; a stream goes on without repeating a byte."""
    take_id, audio = ready
    faults.plan = [Fault(cut_after=7000), Fault(ignore_range=True, cut_after=20000), Fault(ignore_range=True)]
    if how == "file":
        await proxied.get_take_audio(take_id, file=tmp_path / "a.wav")
        got = (tmp_path / "a.wav").read_bytes()
    else:
        got = await streamed(proxied, take_id)
    assert got == audio
    assert len(faults.storage_requests()) == 3


async def test_speak_resumes_a_cut_stream(
    proxied: Api, api: Api, faults: StorageFaults, voice_id: str, tmp_path: Path
) -> None:
    """speak() streams the wav while the take is made (no length yet): a cut download starts the file over, and
    the file is the take's audio, whole."""
    faults.plan = [Fault(cut_after=2000)]
    take = await proxied.speak(TEXT, voice_id, tmp_path / "s.wav")
    assert take.status == "ready"
    assert (tmp_path / "s.wav").read_bytes() == bytes(await api.get_take_audio(take.take_id))
    assert [p.name for p in tmp_path.iterdir()] == ["s.wav"]
    assert faults.cuts == 1 and ranges(faults) == [None, None]


async def test_cuts_without_progress_give_up(
    proxied: Api, faults: StorageFaults, ready: tuple[str, bytes], tmp_path: Path
) -> None:
    """Cuts in a row with no byte between them: max_retries resumes (backing off), then the typed error; no file."""
    take_id, _ = ready
    faults.plan = [Fault(cut_after=4000)] + [Fault(cut_after=0)] * 5
    with pytest.raises(DaisysConnectionError, match=f"take {take_id} broke"):
        await proxied.with_options(max_retries=1).get_take_audio(take_id, file=tmp_path / "a.wav")
    assert list(tmp_path.iterdir()) == []
    assert ranges(faults) == [None, "bytes=4000-", "bytes=4000-"]  # the cut after bytes, then one retry


# -- the emulator's storage origin -----------------------------------------------------------------------------------


async def test_emulator_storage_honours_ranges(api: Api, ready: tuple[str, bytes]) -> None:
    take_id, audio = ready
    url = await api.get_take_audio_url(take_id)
    with httpx.Client() as http:
        whole = http.get(url)
        etag = whole.headers["etag"]
        assert whole.status_code == 200 and whole.content == audio and whole.headers["accept-ranges"] == "bytes"
        assert etag.startswith('"') and etag.endswith('"') and len(etag) == 34  # 32 hex digits, quoted, as S3 gives
        part = http.get(url, headers={"Range": "bytes=100-"})
        assert part.status_code == 206 and part.content == audio[100:] and part.headers["etag"] == etag
        assert part.headers["content-range"] == f"bytes 100-{len(audio) - 1}/{len(audio)}"
        assert http.get(url, headers={"Range": "bytes=100-", "If-Range": etag}).status_code == 206
        other = http.get(url, headers={"Range": "bytes=100-", "If-Range": '"another"'})
        assert other.status_code == 200 and other.content == audio  # another version: the whole object
        past = http.get(url, headers={"Range": f"bytes={len(audio)}-"})
        assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(audio)}"
