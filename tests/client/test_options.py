"""The client's options against the emulator, each test once per flavour (`Client` and `AsyncClient`, one body).

Headers (User-Agent, ``default_headers``; none of them on storage requests), ``proxy=`` (a real forward proxy
carries the API, the storage download and the websocket), ``verify=`` (TLS in front of the emulator with a test
CA's certificate, for https:// and wss://), ``http_client=``, ``with_options()``, ``DAISYS_LOG`` and a
session's ``decoder=``. A sync client blocks the test's event loop while it works: the emulator, the proxy and
the TLS terminator answer from threads of their own.
"""

from __future__ import annotations

import collections
import io
import json
import os
import ssl
import subprocess
import sys
import textwrap
import time
import urllib.parse
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from support.flavours import Api, get_client
from support.proxy import ForwardProxy, TlsTerminator

import daisys_ext
from daisys_ext import (
    DaisysAPI,
    DaisysConnectionError,
    DaisysInputError,
    DaisysServerError,
    DaisysTimeoutError,
    DaisysWebsocketConnectError,
    Status,
)
from daisys_ext.audio import AudioFrame, DaisysFrameDecoder, FrameDecoder, Message
from daisys_ext.testing import Emulator

TEXT = "Hello through every option. A second sentence follows."
USER_AGENT = f"daisys-ext/{daisys_ext.__version__}"


# -- fixtures ----------------------------------------------------------------------------------------------------


# ``emu``, ``voice_id`` (made with plain httpx, not through the client, proxy or TLS under test), ``flavour`` and
# ``connect`` are the fixtures of conftest.py.


@pytest.fixture
def client_with(emu: Emulator, connect: Callable[..., Api]) -> Callable[..., Api]:
    """``client_with(**options)``: a client of the test's flavour on the emulator, with its email and password and
    these options (the emulator's URLs unless given), logged in on first use. ``async with`` it."""

    def make(**options: Any) -> Api:
        options.setdefault("daisys_url", emu.api_url)
        options.setdefault("auth_url", emu.api_url)
        return connect(emu.email, emu.password, **options)

    return make


def login_token(emu: Emulator) -> str:
    tokens = httpx.post(f"{emu.api_url}/auth/login", json={"email": emu.email, "password": emu.password}, timeout=10)
    tokens.raise_for_status()
    return str(tokens.json()["access_token"])


def wav_frames(data: bytes) -> int:
    """The number of frames of a WAV file's bytes; raises if they are not a valid WAV."""
    with wave.open(io.BytesIO(data)) as wav:
        frames = wav.getnframes()
        assert wav.getframerate() > 0
        assert len(wav.readframes(frames)) == frames * wav.getsampwidth() * wav.getnchannels()
        return frames


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as running:
        yield running


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A certificate authority of this module's own: no system trusts it."""
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_path(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="module")
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    """The TLS servers' context: a certificate for 127.0.0.1 (and localhost) signed by the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def https_api(emu: Emulator, server_context: ssl.SSLContext) -> Iterator[TlsTerminator]:
    """https://127.0.0.1:{port} in front of the emulator's API (and auth) origin."""
    with TlsTerminator.for_url(server_context, emu.api_url) as terminator:
        yield terminator


@pytest.fixture
def wss_worker(emu: Emulator, server_context: ssl.SSLContext) -> Iterator[TlsTerminator]:
    """wss://127.0.0.1:{port} in front of the emulator's websocket worker."""
    with TlsTerminator.for_url(server_context, emu.worker_url) as terminator:
        yield terminator


def trusting(kind: str, ca: trustme.CA, ca_path: str) -> Any:
    """``verify=`` of each kind that lets the test CA's certificates through."""
    if kind == "ca-path":
        return ca_path
    if kind == "ssl-context":
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return context
    assert kind == "no-check"
    return False


TRUSTING = ["ca-path", "ssl-context", "no-check"]


def eventually(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Whether ``condition`` holds within ``timeout`` (for what a server thread records after the client is done)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def requests_since(emu: Emulator, origin: str, start: int) -> list[Any]:
    return emu.requests_to(origin)[start:]


# -- headers -----------------------------------------------------------------------------------------------------


async def test_api_requests_carry_the_user_agent_and_default_headers_storage_requests_none(
    client_with: Callable[..., Api], emu: Emulator, voice_id: str
) -> None:
    start = len(emu.requests_to("api"))
    async with client_with(default_headers={"X-Team": "voices"}) as client:
        assert (await client.version()).version == 1
        assert await client.get_models()
        take = await client.generate_take(voice_id, TEXT)
        assert take.status == Status.READY
        assert wav_frames(bytes(await client.get_take_audio(take.take_id))) > 0

    sent = requests_since(emu, "api", start)
    paths = {r.path for r in sent}
    # The auth service's requests too: login on first use and logout on close.
    assert {"/auth/login", "/v1/speak/version", "/v1/speak/models", "/auth/logout"} <= paths
    for request in sent:
        assert request.header("User-Agent") == USER_AGENT, (request.method, request.path)
        assert request.header("X-Team") == "voices", (request.method, request.path)
        assert [k for k, _ in request.headers.items_raw() if k.lower() == "user-agent"] == ["User-Agent"]

    storage = emu.requests_to("storage")
    assert storage, "the audio was downloaded from storage"
    for request in storage:
        assert "Authorization" not in request.headers
        assert "X-Team" not in request.headers
        assert request.header("User-Agent") != USER_AGENT


@pytest.mark.parametrize("name", ["User-Agent", "user-agent"])
async def test_default_headers_replace_the_user_agent(
    client_with: Callable[..., Api], emu: Emulator, name: str
) -> None:
    start = len(emu.requests_to("api"))
    async with client_with(default_headers={name: "my-app/2.0"}) as client:
        await client.get_models()
    sent = requests_since(emu, "api", start)
    assert {r.path for r in sent} >= {"/auth/login", "/v1/speak/models", "/auth/logout"}
    for request in sent:
        agents = [v for k, v in request.headers.items_raw() if k.lower() == "user-agent"]
        assert agents == ["my-app/2.0"], (request.path, agents)  # one header, the caller's


# -- proxy= ------------------------------------------------------------------------------------------------------


def proxied_paths(proxy: ForwardProxy, origin_url: str) -> collections.Counter[tuple[str, str]]:
    return collections.Counter((r.method, r.path) for r in proxy.for_origin(origin_url) if r.method != "CONNECT")


async def test_proxy_carries_api_storage_and_websocket(
    client_with: Callable[..., Api], emu: Emulator, voice_id: str, proxy: ForwardProxy, tmp_path: Path
) -> None:
    api_start, worker_start = len(emu.requests_to("api")), len(emu.requests_to("worker"))
    async with client_with(proxy=proxy.url) as client:
        take = await client.speak(TEXT, voice_id, tmp_path / "rest.wav")
        assert take.status == Status.READY
        async with client.websocket(voice_id=voice_id) as ws:
            spoken = await ws.speak(TEXT, tmp_path / "websocket.wav")
        assert spoken.status == Status.READY
    assert wav_frames((tmp_path / "rest.wav").read_bytes()) > 0
    assert wav_frames((tmp_path / "websocket.wav").read_bytes()) > 0

    # Every request the API and storage origins received from the client came through the proxy, in absolute form.
    api = collections.Counter((r.method, r.path) for r in requests_since(emu, "api", api_start))
    assert api and proxied_paths(proxy, emu.api_url) == api
    storage = collections.Counter((r.method, r.path) for r in emu.requests_to("storage"))
    assert storage and proxied_paths(proxy, emu.storage_url) == storage
    # The websocket went through a CONNECT tunnel: one per handshake the worker saw.
    tunnels = [r for r in proxy.for_origin(emu.worker_url) if r.method == "CONNECT"]
    assert tunnels and all(r.status == 200 for r in tunnels)
    assert len(tunnels) == len(requests_since(emu, "worker", worker_start))
    # The proxy saw no credential meant for the origin on the storage requests.
    assert all("authorization" not in r.headers for r in proxy.for_origin(emu.storage_url))


async def test_an_explicit_proxy_is_used_even_for_hosts_no_proxy_lists(
    client_with: Callable[..., Api],
    emu: Emulator,
    voice_id: str,
    proxy: ForwardProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """proxy= is used for every host, as httpx uses it: NO_PROXY is for proxies from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    async with client_with(proxy=proxy.url) as client, client.websocket(voice_id=voice_id) as ws:
        await ws.speak(TEXT, tmp_path / "websocket.wav")
    assert wav_frames((tmp_path / "websocket.wav").read_bytes()) > 0
    assert proxied_paths(proxy, emu.api_url)[("GET", "/v1/speak/websocket/shakespeare")] >= 1
    assert [r.method for r in proxy.for_origin(emu.worker_url)] == ["CONNECT"]


# -- verify= -----------------------------------------------------------------------------------------------------


async def test_verify_true_refuses_a_certificate_of_an_unknown_ca(
    client_with: Callable[..., Api], https_api: TlsTerminator
) -> None:
    url = f"https://127.0.0.1:{https_api.port}"
    # max_retries=0: a failed connection is retried with backoff, which only slows this test down.
    async with client_with(daisys_url=url, auth_url=url, max_retries=0) as client:
        with pytest.raises(DaisysConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.version()
    assert eventually(lambda: bool(https_api.refusals)), "the client refused the handshake"
    assert https_api.handshakes == 0


@pytest.mark.parametrize("kind", TRUSTING)
async def test_verify_trusting_the_ca_reaches_the_api_over_tls(
    client_with: Callable[..., Api], kind: str, emu: Emulator, https_api: TlsTerminator, ca: trustme.CA, ca_path: str
) -> None:
    url = f"https://127.0.0.1:{https_api.port}"
    start = len(emu.requests_to("api"))
    verify = trusting(kind, ca, ca_path)
    async with client_with(daisys_url=url, auth_url=url, verify=verify) as client:
        version = await client.version()  # the public route, no login
        models = await client.get_models()  # login, then a product route
    assert (version.version, version.minor) == (1, 0)
    assert "shakespeare" in {m.name for m in models}
    assert https_api.handshakes >= 1 and not https_api.refusals
    assert {"/v1/speak/version", "/auth/login", "/v1/speak/models", "/auth/logout"} <= {
        r.path for r in requests_since(emu, "api", start)
    }


def test_verify_must_be_a_ca_bundle_a_context_or_a_flag(client_with: Callable[..., Api], tmp_path: Path) -> None:
    not_pem = tmp_path / "not-a-bundle.pem"
    not_pem.write_text("this is not a certificate\n")
    for verify in (str(tmp_path / "missing.pem"), str(not_pem), 42):
        with pytest.raises(DaisysInputError, match="verify"):
            client_with(verify=verify)


def worker_url_behind(emu: Emulator, terminator: TlsTerminator) -> str:
    """A worker URL from the API (its token included), with the wss:// terminator as its origin."""
    response = httpx.get(
        f"{emu.product_url}/websocket/shakespeare", headers={"Authorization": f"Bearer {login_token(emu)}"}, timeout=10
    )
    response.raise_for_status()
    url = response.json()["worker_websocket_url"]
    parts = urllib.parse.urlsplit(url)
    assert url.startswith(emu.worker_url)
    return urllib.parse.urlunsplit(parts._replace(scheme="wss", netloc=f"127.0.0.1:{terminator.port}"))


@pytest.mark.parametrize("kind", TRUSTING)
async def test_verify_applies_to_a_wss_worker(
    client_with: Callable[..., Api],
    kind: str,
    emu: Emulator,
    voice_id: str,
    wss_worker: TlsTerminator,
    ca: trustme.CA,
    ca_path: str,
    tmp_path: Path,
) -> None:
    worker_url = worker_url_behind(emu, wss_worker)
    async with (
        client_with(verify=trusting(kind, ca, ca_path)) as client,
        client.websocket(voice_id=voice_id, worker_url=worker_url, connect_timeout=5) as ws,
    ):
        take = await ws.speak(TEXT, tmp_path / "wss.wav", request_timeout=20)
    assert take.status == Status.READY
    assert wav_frames((tmp_path / "wss.wav").read_bytes()) > 0
    assert wss_worker.handshakes >= 1 and not wss_worker.refusals


async def test_verify_true_refuses_a_wss_worker_of_an_unknown_ca(
    api: Api, emu: Emulator, wss_worker: TlsTerminator
) -> None:
    worker_url = worker_url_behind(emu, wss_worker)
    with pytest.raises(DaisysWebsocketConnectError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        async with api.websocket(model="shakespeare", worker_url=worker_url, connect_timeout=5):
            pass
    assert "token=[redacted]" in str(caught.value)  # the worker URL's secret is not in the message
    assert eventually(lambda: bool(wss_worker.refusals))
    assert wss_worker.handshakes == 0


# -- http_client= ------------------------------------------------------------------------------------------------


def make_http_client(flavour: str, **options: Any) -> httpx.Client | httpx.AsyncClient:
    """A user's own httpx client of the flavour (``http_client=``)."""
    return httpx.Client(**options) if flavour == "sync" else httpx.AsyncClient(**options)


async def close_http_client(http_client: httpx.Client | httpx.AsyncClient) -> None:
    if isinstance(http_client, httpx.AsyncClient):
        await http_client.aclose()
    else:
        http_client.close()


class Seen:
    """What a user's httpx client's event hooks saw: (method, path) of requests, and (method, path, status)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.responses: list[tuple[str, str, int]] = []
        self.on_response: Callable[[httpx.Response], None] = lambda response: None

    def hooks(self, flavour: str) -> dict[str, list[Any]]:
        def request(request: httpx.Request) -> None:
            self.requests.append((request.method, request.url.path))

        def response(response: httpx.Response) -> None:
            self.responses.append((response.request.method, response.request.url.path, response.status_code))
            self.on_response(response)

        if flavour == "sync":
            return {"request": [request], "response": [response]}

        async def arequest(r: httpx.Request) -> None:
            request(r)

        async def aresponse(r: httpx.Response) -> None:
            response(r)

        return {"request": [arequest], "response": [aresponse]}

    def statuses(self, method: str, path: str) -> list[int]:
        return [status for m, p, status in self.responses if (m, p) == (method, path)]


async def test_http_client_carries_every_request_and_stays_open(
    flavour: str, client_with: Callable[..., Api], emu: Emulator, voice_id: str
) -> None:
    seen = Seen()
    mine = make_http_client(flavour, headers={"X-Mine": "yes"}, event_hooks=seen.hooks(flavour))
    start = len(emu.requests_to("api"))
    try:
        async with client_with(http_client=mine) as client:
            await client.get_models()
            take = await client.generate_take(voice_id, TEXT)
            assert wav_frames(bytes(await client.get_take_audio(take.take_id))) > 0
        assert not mine.is_closed  # the caller's to close
        version_url = f"{emu.api_url}/v1/speak/version"
        answer = mine.get(version_url) if isinstance(mine, httpx.Client) else await mine.get(version_url)
        assert answer.status_code == 200

        paths = {path for _, path in seen.requests}
        assert {"/auth/login", "/v1/speak/models", "/v1/speak/takes/generate", "/auth/logout"} <= paths
        storage_paths = {r.path for r in emu.requests_to("storage")}
        assert storage_paths and storage_paths <= paths  # storage downloads went through it too
        sent = [r for r in requests_since(emu, "api", start) if r.path != "/v1/speak/version"]
        for request in sent:  # its own header, and ours, on every API request
            assert request.header("X-Mine") == "yes", request.path
            assert request.header("User-Agent") == USER_AGENT, request.path
        for request in emu.requests_to("storage"):  # but nothing of either on a storage request
            assert "X-Mine" not in request.headers and "Authorization" not in request.headers
    finally:
        await close_http_client(mine)


async def test_http_client_keeps_retries_and_token_renewal(
    flavour: str, client_with: Callable[..., Api], emu: Emulator
) -> None:
    seen = Seen()
    mine = make_http_client(flavour, event_hooks=seen.hooks(flavour))
    try:
        async with client_with(http_client=mine) as client:
            await client.login()
            # The next product request answers 503 (Retry-After: 0), and the one after it no longer.
            emu.fail_status, emu.retry_after = 503, 0

            def heal(response: httpx.Response) -> None:
                if response.status_code == 503:
                    emu.fail_rate = 0.0

            seen.on_response = heal
            emu.fail_rate = 1.0
            assert await client.get_models()
            assert seen.statuses("GET", "/v1/speak/models") == [503, 200]  # retried by our transport

            # A token the service no longer takes: renewed with the refresh token, and the request sent again.
            client.access_token = "revoked-token"
            assert await client.get_models()
            assert seen.statuses("GET", "/v1/speak/models") == [503, 200, 401, 200]
            assert seen.statuses("POST", "/auth/refresh") == [200]
            assert client.access_token != "revoked-token"
    finally:
        await close_http_client(mine)


async def test_daisys_api_passes_each_flavour_its_http_client(flavour: str, emu: Emulator) -> None:
    seen_sync, seen_async = Seen(), Seen()
    mine_sync = httpx.Client(event_hooks=seen_sync.hooks("sync"))
    mine_async = httpx.AsyncClient(event_hooks=seen_async.hooks("async"))
    factory = DaisysAPI(
        "speak",
        email=emu.email,
        password=emu.password,
        daisys_url=emu.api_url,
        auth_url=emu.api_url,
        http_client=mine_sync,
        async_http_client=mine_async,
    )
    try:
        async with get_client(flavour, factory) as client:
            await client.get_models()
        used, unused = (seen_sync, seen_async) if flavour == "sync" else (seen_async, seen_sync)
        assert ("GET", "/v1/speak/models") in used.requests
        assert unused.requests == []
    finally:
        mine_sync.close()
        await mine_async.aclose()


# -- with_options() ----------------------------------------------------------------------------------------------


async def test_with_options_max_retries_applies_to_the_copy_only(api: Api, emu: Emulator) -> None:
    await api.login()
    copy = api.with_options(max_retries=0)
    emu.fail_status, emu.retry_after, emu.fail_rate = 503, 0, 1.0

    def attempts() -> int:
        return len(emu.requests_to("api", "/v1/speak/models"))

    with pytest.raises(DaisysServerError):
        await copy.get_models()
    assert attempts() == 1  # the copy gives up at once
    with pytest.raises(DaisysServerError):
        await api.get_models()
    assert attempts() == 1 + 3  # the original still retries twice
    await copy.close()


async def test_with_options_timeout_applies_to_the_copy_only(api: Api, emu: Emulator) -> None:
    await api.login()
    copy = api.with_options(timeout=0.1, max_retries=0)
    emu.latency = 0.4
    began = time.monotonic()
    with pytest.raises(DaisysTimeoutError):
        await copy.get_models()
    assert time.monotonic() - began < 0.4
    assert await api.get_models()  # the original waits 30 s
    await copy.close()
    emu.latency = 0.0


async def test_with_options_shares_the_pool_and_the_tokens(
    client_with: Callable[..., Api], emu: Emulator, proxy: ForwardProxy
) -> None:
    """The proxy counts connections: a copy reuses the original's pooled one, and closing it closes nothing."""
    async with client_with(proxy=proxy.url) as client:
        await client.get_models()
        copy = client.with_options(timeout=10, max_retries=1)
        await copy.get_models()
        assert copy.access_token == client.access_token
        assert len(emu.requests_to("api", "/auth/login")) == 1  # no second login
        assert proxy.connections == 1  # one pooled connection carried both clients' requests

        await copy.close()
        assert emu.requests_to("api", "/auth/logout") == []  # a copy never logs out
        assert await client.get_models()  # the pool is still open
        assert proxy.connections == 1
        assert client.access_token is not None
    assert len(emu.requests_to("api", "/auth/logout")) == 1  # the original logs out once, on its close


async def test_with_options_refuses_a_misspelt_option(api: Api) -> None:
    """Its options are a TypedDict: a keyword it does not name is refused as Python refuses one."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'timout'"):
        api.with_options(timout=5)  # type: ignore[call-arg]


# -- DAISYS_LOG --------------------------------------------------------------------------------------------------

PASSWORD = "Open-Sesame-7f3a9c1d"


@pytest.fixture(scope="module")
def log_emu() -> Iterator[Emulator]:
    """An emulator of its own whose password is distinctive enough to look for in a log."""
    with Emulator(password=PASSWORD, take_seconds=0.1, worker=False) as emulator:
        yield emulator


LOGGED_PROGRAM = """
import json, sys
import daisys_ext

email, password, url, voice_id = sys.argv[1:]
client = daisys_ext.Client(email, password, daisys_url=url, auth_url=url)
client.version()
client.get_models()
take = client.generate_take(voice_id, "A logged sentence.")
client.get_take_audio(take.take_id)
audio_url = client.get_take_audio_url(take.take_id)
print(json.dumps({"access": client.access_token, "refresh": client.refresh_token, "audio_url": audio_url}))
client.close()
"""


def run_logged(emu: Emulator, voice_id: str, level: str | None) -> tuple[dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAISYS_LOG", "DAISYS_EMAIL", "DAISYS_PASSWORD")}
    if level is not None:
        env["DAISYS_LOG"] = level
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOGGED_PROGRAM), emu.email, PASSWORD, emu.api_url, voice_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def log_voice(log_emu: Emulator) -> str:
    response = httpx.post(
        f"{log_emu.product_url}/voices/generate",
        json={"name": "Logged", "gender": "male", "model": "shakespeare"},
        headers={"Authorization": f"Bearer {login_token(log_emu)}"},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["voice_id"])


def assert_no_secret(stderr: str, secrets: dict[str, str]) -> None:
    signature = urllib.parse.parse_qs(urllib.parse.urlsplit(secrets["audio_url"]).query)["X-Amz-Signature"][0]
    for name, secret in (
        ("password", PASSWORD),
        ("access token", secrets["access"]),
        ("refresh token", secrets["refresh"]),
        ("URL signature", signature),
    ):
        assert len(secret) >= 16 and secret not in stderr, f"the {name} is in the log"


def test_daisys_log_debug_shows_every_request_and_no_secret(log_emu: Emulator, log_voice: str) -> None:
    secrets, stderr = run_logged(log_emu, log_voice, "debug")
    url = log_emu.api_url
    for line in (
        f"DEBUG daisys_ext] GET {url}/v1/speak/version",
        f"DEBUG daisys_ext] POST {url}/auth/login -> 200",
        f"DEBUG daisys_ext] GET {url}/v1/speak/models -> 200",
        f"DEBUG daisys_ext] POST {url}/v1/speak/takes/generate",
        f"INFO httpx] HTTP Request: GET {log_emu.storage_url}/",  # the storage download, its URL redacted
        "X-Amz-Signature=[redacted]",
        "INFO daisys_ext] logged in",
        f"DEBUG daisys_ext] POST {url}/auth/logout -> 200",
    ):
        assert line in stderr, f"{line!r} not in:\n{stderr}"
    assert_no_secret(stderr, secrets)


def test_daisys_log_info_shows_no_debug_lines(log_emu: Emulator, log_voice: str) -> None:
    secrets, stderr = run_logged(log_emu, log_voice, "info")
    assert f"INFO httpx] HTTP Request: GET {log_emu.api_url}/v1/speak/models" in stderr
    assert "INFO daisys_ext] logged in" in stderr
    assert "DEBUG" not in stderr
    assert_no_secret(stderr, secrets)


@pytest.mark.parametrize("level", [None, "", "warning"])
def test_without_daisys_log_nothing_is_logged(log_emu: Emulator, log_voice: str, level: str | None) -> None:
    secrets, stderr = run_logged(log_emu, log_voice, level)
    assert secrets["access"]
    assert stderr == ""


# -- decoder= ----------------------------------------------------------------------------------------------------


class CountingDecoder:
    """The Daisys decoder, counting what passes through it."""

    def __init__(self) -> None:
        self.inner = DaisysFrameDecoder()
        self.messages = 0
        self.takes: set[str] = set()

    def decode(self, message: Message) -> AudioFrame:
        frame = self.inner.decode(message)
        self.messages += 1
        self.takes.add(frame.take_id)
        return frame


async def test_a_session_uses_the_decoder_given(api: Api, voice_id: str, tmp_path: Path) -> None:
    decoder = CountingDecoder()
    assert isinstance(decoder, FrameDecoder)
    async with api.websocket(voice_id=voice_id, decoder=decoder) as ws:
        take = await ws.speak(TEXT, tmp_path / "decoded.wav", request_timeout=20)
        first = decoder.messages
        assert first >= 2  # at least one frame of audio and the end marker
        await ws.speak("Once more.", tmp_path / "again.wav", request_timeout=20)
    assert decoder.messages > first
    assert take.take_id in decoder.takes and len(decoder.takes) == 2
    assert wav_frames((tmp_path / "decoded.wav").read_bytes()) > 0


async def test_a_decoder_that_fails_fails_the_request(api: Api, voice_id: str, tmp_path: Path) -> None:
    """Proof the decoder is the one used: one that refuses every message makes the request fail."""

    class Refusing:
        calls = 0

        def decode(self, message: Message) -> AudioFrame:
            Refusing.calls += 1
            raise daisys_ext.audio.FrameError("refused by the test's decoder")

    async with api.websocket(voice_id=voice_id, decoder=Refusing()) as ws:
        with pytest.raises(daisys_ext.DaisysWebsocketError, match="refused by the test's decoder"):
            await ws.speak(TEXT, tmp_path / "refused.wav", request_timeout=20)
    assert Refusing.calls >= 1
    assert not (tmp_path / "refused.wav").exists()
