"""The other services' wire formats and decisions, without I/O; the fakes' refusals; what importing costs."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from daisys_ext import DaisysInputError, DaisysTimeoutError
from daisys_ext._peers import neuphonic, vivoka
from daisys_ext._peers.common import PcmFormat, PcmWavWriter
from daisys_ext._peers.errors import PeerResponseError
from daisys_ext._peers.redaction import PeerRedactingFilter, redact, remember
from daisys_ext._websocket.connection import ConnectOptions
from daisys_ext.audio import FrameError, parse_wav_header
from daisys_ext.testing.neuphonic import FakeNeuphonic
from daisys_ext.testing.vivoka import FakeVivoka

# -- Vivoka ------------------------------------------------------------------------------------------------


def test_vivoka_urls_follow_the_base_url() -> None:
    base = vivoka.base_url("http://localhost:39806/")
    assert vivoka.voices_url(base) == "http://localhost:39806/v1/voice-synthesis/voices"
    assert vivoka.synthesize_url(base) == "http://localhost:39806/v1/voice-synthesis/synthesize"
    assert vivoka.websocket_url(base, "tok/en+1") == "ws://localhost:39806/v1/ws/tok%2Fen%2B1"
    assert vivoka.websocket_url("https://tts.example/prefix", "t") == "wss://tts.example/prefix/v1/ws/t"
    assert vivoka.shown_websocket_url(base) == "ws://localhost:39806/v1/ws/[redacted]"


@pytest.mark.parametrize(
    ("answer", "rate"), [({"token": "t", "sample_rate": 22050}, 22050), ({"token": "t", "sample_rate": "16000"}, 16000)]
)
def test_the_synthesize_answer_gives_token_and_sample_rate(answer: dict[str, Any], rate: int) -> None:
    ticket = vivoka.parse_ticket(answer, "v", "URL")
    assert (ticket.token, ticket.sample_rate, ticket.voice_id) == ("t", rate, "v")
    assert "t'" not in repr(ticket) and "token" not in repr(ticket)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ([1], "answered an array"),
        ({"sample_rate": 22050, "other": "secret-token"}, "answered no token (fields: other, sample_rate)"),
        ({"token": "secret-token", "sample_rate": 0}, "sample_rate 0"),
        ({"token": "secret-token", "sample_rate": True}, "sample_rate True"),
        ({"token": "secret-token", "sample_rate": "fast"}, "sample_rate 'fast'"),
    ],
)
def test_a_synthesize_answer_not_understood_is_a_response_error_without_its_values(answer: Any, says: str) -> None:
    with pytest.raises(PeerResponseError, match=re.escape(says)) as caught:
        vivoka.parse_ticket(answer, "v", "POST-URL")
    assert "secret-token" not in str(caught.value)


def test_vivoka_messages_in_the_documentations_order() -> None:
    audio = json.dumps({"data": vivoka.AUDIO_PREFIX + "AAEC"})
    assert vivoka.parse_message(audio) == vivoka.AudioData(b"\x00\x01\x02")
    assert vivoka.parse_message('{"event": {"a": 1}}') == vivoka.EventMessage({"a": 1})
    assert vivoka.parse_message('{"error": "boom"}') == vivoka.ErrorMessage("boom")
    assert vivoka.parse_message('{"data": "x", "error": "y"}') == vivoka.UnknownMessage(
        "a data message that is not data:audio/pcm;base64,... audio: '{\"data\": \"x\", \"error\": \"y\"}'"
    )
    for other in ("nope", "3", '{"x": 1}', b"\x00"):
        assert isinstance(vivoka.parse_message(other), vivoka.UnknownMessage)
    with pytest.raises(FrameError, match="base64 is corrupt"):
        vivoka.parse_message(json.dumps({"data": vivoka.AUDIO_PREFIX + "A"}))


def test_the_first_voice_is_the_first_key() -> None:
    assert vivoka.first_voice({"b": {}, "a": {}}, "URL") == "b"
    assert vivoka.parse_voices({}, "URL") == {}
    with pytest.raises(PeerResponseError, match="answered an array where an object keyed by voice id"):
        vivoka.parse_voices([], "URL")


# -- Neuphonic ---------------------------------------------------------------------------------------------


def test_a_url_given_keeps_its_own_query_beside_speed_and_temperature() -> None:
    values = neuphonic.settings("key-0123", url="ws://h:1/speak/en?trace=1&speed=9", speed=1.5)
    assert values.endpoint == "ws://h:1/speak/en?trace=1&speed=1.5&temperature=0.5"
    assert "key-0123" not in repr(values)
    assert values.headers == (("x-api-key", "key-0123"),)


@pytest.mark.parametrize(("speed", "temperature"), [(0.7, 0), (2.5, 1), (1, 0.25)])
def test_the_ends_of_the_documented_ranges_are_accepted(speed: float, temperature: float) -> None:
    values = neuphonic.settings("k" * 8, speed=speed, temperature=temperature)
    assert (values.speed, values.temperature) == (speed, temperature)


def test_neuphonic_answers() -> None:
    message = json.dumps({"version": "1.0.0", "timestamp": "t", "data": {"audio": "SGVsbG8h", "text": "Hello "}})
    assert neuphonic.parse_message(message) == neuphonic.Answer(b"Hello!", "Hello ")
    assert isinstance(neuphonic.parse_message('{"data": {"text": "x"}}'), neuphonic.UnknownMessage)
    assert isinstance(neuphonic.parse_message(b"\x00"), neuphonic.UnknownMessage)
    with pytest.raises(FrameError, match="not base64"):
        neuphonic.parse_message('{"data": {"audio": "***"}}')
    assert neuphonic.text_message("Hello, ") == '{"text": "Hello, "}'
    assert neuphonic.STOP_MESSAGE == '{"text": "<STOP>"}'


class TestPassage:
    """When a passage's audio is complete: the service marks no end, so the client decides."""

    def passage(self) -> neuphonic.Passage:
        p = neuphonic.Passage(end_silence=1.0, timeout=10.0)
        p.sending(neuphonic.text_message("Hi there"), text="Hi there")
        return p

    def test_while_the_text_is_coming_the_reader_polls(self) -> None:
        assert self.passage().next_wait(0.0) == neuphonic.POLL

    def test_after_stop_it_waits_for_an_answer_then_for_silence(self) -> None:
        p = self.passage()
        p.heard(0.5, 100)  # an answer to the text before <STOP>
        p.stopping(1.0)
        assert p.next_wait(2.0) == 9.0  # the answer to <STOP> is awaited up to `timeout`
        p.heard(3.0, 100)
        assert p.next_wait(3.5) == 0.5  # then silence is awaited
        p.heard(3.9, 100)
        assert p.next_wait(4.0) == pytest.approx(0.9)
        assert p.next_wait(4.9) is None
        assert p.sent[-1] == neuphonic.STOP_MESSAGE

    def test_an_unanswered_stop_ends_a_passage_with_audio_and_fails_one_without(self) -> None:
        p = self.passage()
        p.heard(0.5, 100)
        p.stopping(1.0)
        assert p.next_wait(11.0) is None
        q = self.passage()
        q.stopping(1.0)
        with pytest.raises(DaisysTimeoutError, match="no audio within 10 s"):
            q.next_wait(11.0)

    def test_no_text_is_complete_at_once(self) -> None:
        p = neuphonic.Passage(end_silence=1.0, timeout=10.0)
        p.sending(neuphonic.text_message("  "), text="  ")
        p.no_text()
        assert p.next_wait(0.0) is None and p.ended_by_close(None)

    def test_a_close_ends_it_only_when_normal_and_after_stop_was_answered(self) -> None:
        p = self.passage()
        p.stopping(1.0)
        assert not p.ended_by_close(1000)
        p.heard(2.0, 10)
        assert p.ended_by_close(1000) and p.ended_by_close(1001)
        assert not p.ended_by_close(1011) and not p.ended_by_close(None)

    def test_a_lost_connection_is_recovered_once_and_only_before_audio(self) -> None:
        p = self.passage()
        assert p.lost_is_recoverable()
        p.stopping(1.0)
        p.resent(2.0)
        assert not p.lost_is_recoverable() and p.stop_at == 2.0
        q = self.passage()
        q.heard(0.1, 5)
        assert not q.lost_is_recoverable()


# -- shared ------------------------------------------------------------------------------------------------


def test_pcm_is_written_as_a_wav_with_its_sizes() -> None:
    import io

    out = io.BytesIO()
    writer = PcmWavWriter(out, PcmFormat(16000))
    writer.write(b"\x01\x02" * 10)
    writer.write(memoryview(b"\x03\x04"))
    writer.close()
    header = parse_wav_header(out.getvalue())
    assert (header.sample_rate, header.channels, header.bits_per_sample, header.data_size) == (16000, 1, 16, 22)
    assert out.getvalue()[header.data_offset :] == b"\x01\x02" * 10 + b"\x03\x04"


def test_the_secrets_are_redacted_from_log_lines() -> None:
    remember("a-remembered-key-123")
    assert redact("> x-api-key: abc123") == "> x-api-key: [redacted]"
    assert redact("headers=[('x-api-key', 'abc123')]") == "headers=[('x-api-key', '[redacted]')]"
    assert redact("{'X-API-KEY': 'abc123'}") == "{'X-API-KEY': '[redacted]'}"
    assert redact("GET ws://h/v1/ws/tok3n HTTP/1.1") == "GET ws://h/v1/ws/[redacted] HTTP/1.1"
    assert redact("echo a-remembered-key-123!") == "echo [redacted]!"
    record = logging.LogRecord("websockets.client", logging.DEBUG, "f", 1, "> %s: %s", ("x-api-key", "abc123"), None)
    assert PeerRedactingFilter().filter(record) and record.getMessage() == "> x-api-key: [redacted]"


def test_extra_handshake_headers_are_not_in_the_options_repr() -> None:
    options = ConnectOptions(5.0, None, None, (("x-api-key", "hidden-123"),))
    assert "hidden-123" not in repr(options) and options.headers[0][1] == "hidden-123"
    assert ConnectOptions(1.0, None, None) == ConnectOptions(1.0)  # existing callers' positional form


def test_importing_the_peers_package_is_cheap() -> None:
    code = (
        "import sys, daisys_ext.peers as p\n"
        "assert 'httpx' not in sys.modules and 'websockets' not in sys.modules, sorted(sys.modules)\n"
        "assert p.NeuphonicClient.__module__ == 'daisys_ext.peers.neuphonic'\n"
        "assert p.VivokaClient.__module__ == 'daisys_ext.peers.vivoka'\n"
        "assert 'websockets' not in sys.modules\n"
        "print(sorted(p.__all__))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "NeuphonicFrameDecoder" in done.stdout and "VivokaError" in done.stdout


@pytest.mark.parametrize(
    ("bad", "status"),
    [(dict(language=None, key="wrong"), 403), (dict(language=None, key=None), 401), (dict(language="a/b"), 404)],
)
def test_the_fake_neuphonic_refuses_bad_handshakes(bad: dict[str, Any], status: int) -> None:
    with FakeNeuphonic() as fake:
        url = fake.origin + "/speak/" + (bad.get("language") or "en")
        headers = {} if bad.get("key", fake.api_key) is None else {"x-api-key": bad.get("key", fake.api_key)}
        with pytest.raises(InvalidStatus) as caught:
            connect(url, additional_headers=headers).close()
    assert caught.value.response.status_code == status


@pytest.mark.parametrize("query", ["speed=0.5", "speed=fast", "temperature=1.5"])
def test_the_fake_neuphonic_refuses_parameters_outside_the_documented_ranges(query: str) -> None:
    with FakeNeuphonic() as fake, pytest.raises(InvalidStatus) as caught:
        connect(f"{fake.url}?{query}", additional_headers={"x-api-key": fake.api_key}).close()
    assert caught.value.response.status_code == 400 and fake.refused[0][1] == 400


def test_the_fake_neuphonic_closes_on_a_message_that_is_not_text_json() -> None:
    with FakeNeuphonic() as fake, connect(fake.url, additional_headers={"x-api-key": fake.api_key}) as ws:
        ws.send('{"speak": "hello"}')
        with pytest.raises(Exception, match="1003"):
            ws.recv(timeout=5)
    assert fake.connections[0].closed == "bad message"


def test_the_fake_vivoka_refuses_bad_requests_and_used_tokens() -> None:
    with FakeVivoka() as fake, httpx.Client(base_url=fake.url) as http:
        assert http.post("/v1/voice-synthesis/synthesize", content=b"{oops").status_code == 400
        assert http.post("/v1/voice-synthesis/synthesize", json={"voice_id": "fake-voice-a"}).status_code == 400
        assert http.post("/v1/voice-synthesis/synthesize", json={"text": "x"}).status_code == 400
        assert http.get("/v1/voice-synthesis/synthesize").status_code == 405
        assert http.get("/v1/nothing").status_code == 404
        answer = http.post("/v1/voice-synthesis/synthesize", json={"text": "x", "voice_id": "fake-voice-a"}).json()
        ws_url = fake.url.replace("http", "ws") + "/v1/ws/" + answer["token"]
        with connect(ws_url) as ws:
            messages = list(ws)  # until the server closes
        with pytest.raises(InvalidStatus) as caught:
            connect(ws_url).close()
    assert caught.value.response.status_code == 404
    assert json.loads(messages[0]) == {"event": {"type": "synthesis_started"}}
    assert json.loads(messages[-1]) == {"event": {"type": "synthesis_finished"}}
    assert all(json.loads(m)["data"].startswith(vivoka.AUDIO_PREFIX) for m in messages[1:-1])


def test_a_bad_input_error_is_a_value_error_too() -> None:
    with pytest.raises(ValueError):
        neuphonic.settings("k" * 8, speed=3)
    with pytest.raises(DaisysInputError):
        vivoka.synthesize_body("", "v")
