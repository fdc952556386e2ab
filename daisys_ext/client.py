"""``Client``: the synchronous Daisys Speak client, on the generated endpoint functions.

Every REST call goes through ``daisys_speak_api``; this class owns the I/O (one httpx
connection pool, sleeping while polling) and delegates every decision to the sans-I/O
modules (``auth``, ``retry``, ``redirects``, ``waiting``, ``bodies``). ``AsyncClient`` is
its asyncio twin with the same methods.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from types import TracebackType
from typing import Any, BinaryIO, TypeVar, cast

import httpx

from daisys_speak_api import AuthenticatedClient
from daisys_speak_api.api.info import get_version
from daisys_speak_api.api.models import get_model, get_models
from daisys_speak_api.api.takes import delete_take, generate_take, get_take, get_take_audio, get_takes
from daisys_speak_api.api.voices import delete_voice, generate_voice, get_voice, get_voices, update_voice
from daisys_speak_api.api.websocket import get_websocket_url, get_worker_websocket_url
from daisys_speak_api.models import (
    TakeGenerate,
    TakeGenerateWithoutVoice,
    TakeResponse,
    TTSModel,
    Version,
    VoiceGender,
    VoiceInfo,
    WebsocketUrl,
    WorkerWebsocketUrl,
)

from . import bodies, events
from .attributes import TokenAttributes
from .auth import DaisysAuth, Tokens
from .bodies import Prosody, UserData, parsed, parsed_list
from .config import ClientConfig, credentials_from_env
from .errors import (
    DaisysConnectionError,
    DaisysError,
    DaisysHTTPError,
    DaisysInputError,
    DaisysNotFoundError,
    DaisysTakeDeletionError,
    DaisysTakeGenerateError,
    DaisysVoiceDeletionError,
    DaisysVoiceGenerateError,
    DaisysVoiceUpdateError,
)
from .files import AudioSink
from .reassembly import DEFAULT_MAX_BUFFERED_BYTES
from .redirects import PresignedCache, is_presigned, same_origin, storage_request
from .retry import RetryTransport
from .waiting import PollSchedule, WaitTracker, batches
from .websocket import Websocket

logger = logging.getLogger("daisys_ext")
T = TypeVar("T", TakeResponse, VoiceInfo)
R = TypeVar("R")


class Client(TokenAttributes):
    """The Daisys Speak API, synchronously: models, voices, takes, audio and websocket URLs.

    Give an email and password, or tokens (an access token, a refresh token, or both); with
    none, ``DAISYS_EMAIL`` and ``DAISYS_PASSWORD`` are used. Login happens on first use,
    and an expired access token is renewed once per expiry, for every thread sharing the
    client. Use it in a ``with`` block, or call ``close()``.
    """

    def __init__(
        self,
        email: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        *,
        daisys_url: str | None = None,
        auth_url: str | None = None,
        product: str = "speak",
        version: str = "v1",
        timeout: float = 30.0,
        audio_timeout: float = 300.0,
        max_retries: int = 2,
        poll: PollSchedule | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._config = ClientConfig.resolve(
            daisys_url=daisys_url,
            auth_url=auth_url,
            product=product,
            version=version,
            timeout=timeout,
            audio_timeout=audio_timeout,
            max_retries=max_retries,
            poll=poll,
        )
        email, password = credentials_from_env(email, password, access_token, refresh_token)
        self._tokens = Tokens(
            self._config.auth_url,
            email=email,
            password=password,
            access_token=access_token,
            refresh_token=refresh_token,
        )
        self._http = httpx.Client(
            base_url=self._config.product_url,
            auth=DaisysAuth(self._tokens, self._config.public_paths),
            timeout=self._config.timeout,
            transport=RetryTransport(transport or httpx.HTTPTransport(), self._config.retry),
            event_hooks=events.sync_hooks(),
            follow_redirects=False,
        )
        self._api = AuthenticatedClient(base_url=self._config.product_url, token="").set_httpx_client(self._http)
        self._presigned = PresignedCache()

    # -- credentials -------------------------------------------------------------------

    def _run(self, flow: Generator[httpx.Request, httpx.Response, R]) -> R:
        """Drive an auth-service exchange of ``Tokens`` (sent without the product's auth)."""
        try:
            request = next(flow)
            while True:
                request.extensions.setdefault("timeout", self._config.timeout.as_dict())
                response = self._http.send(request, auth=None)
                request = flow.send(response)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def login(self, email: str | None = None, password: str | None = None) -> bool:
        """Log in with the given (or the client's) email and password; True when logged in."""
        if email is not None:
            self._tokens.email = email
        if password is not None:
            self._tokens.password = password
        self._run(self._tokens.login())
        return True

    def login_refresh(self) -> bool | None:
        """Renew the tokens now: True if refreshed, False if refused, None without a refresh token."""
        return self._run(self._tokens.refresh())

    def logout(self, refresh_token: str | None = None) -> bool:
        """Revoke the refresh token (or the one given) and forget the tokens; False if there was none."""
        return self._run(self._tokens.logout(refresh_token))

    def close(self) -> None:
        """Log out if ``auto_logout`` says so, and close the connection pool."""
        if self._http.is_closed:
            return
        try:
            if self.auto_logout and self.refresh_token:
                self.logout()
        except (DaisysError, httpx.HTTPError) as exc:
            logger.warning("logout on close failed: %s", exc)
        finally:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- models and version ------------------------------------------------------------

    def version(self) -> Version:
        """The API's version; needs no login."""
        return parsed(get_version.sync_detailed(client=self._api).parsed, Version, "version")

    def get_models(self) -> list[TTSModel]:
        return parsed_list(get_models.sync_detailed(client=self._api).parsed, TTSModel, "get_models")

    def get_model(self, model_name: str) -> TTSModel:
        return parsed(get_model.sync_detailed(model_name, client=self._api).parsed, TTSModel, "get_model")

    # -- voices ------------------------------------------------------------------------

    def get_voices(
        self,
        length: int | None = None,
        page: int | None = None,
        older: int | None = None,
        newer: int | None = None,
        *,
        voice_ids: Sequence[str] | None = None,
    ) -> list[VoiceInfo]:
        """Voices, newest first, optionally filtered by ids, page, or timestamps (ms) older/newer."""
        answer = get_voices.sync_detailed(
            client=self._api,
            voice_id=bodies.ids_query(voice_ids),
            length=length,
            page=page,
            older=older,
            newer=newer,
        )
        return parsed_list(answer.parsed, VoiceInfo, "get_voices")

    def get_voice(self, voice_id: str) -> VoiceInfo:
        return parsed(get_voice.sync_detailed(voice_id, client=self._api).parsed, VoiceInfo, "get_voice")

    def generate_voice(
        self,
        name: str,
        model: str,
        gender: VoiceGender | str,
        description: str | None = None,
        default_style: list[str] | None = None,
        default_prosody: Prosody | None = None,
        example_take: TakeGenerateWithoutVoice | None = None,
        done_webhook: str | None = None,
        wait: bool = True,
        raise_on_error: bool = True,
        timeout: float | None = None,
    ) -> VoiceInfo:
        """Generate a new voice for a model; by default wait until it (and its example take) is ready."""
        body = bodies.voice_generate(
            name,
            model,
            gender,
            description=description,
            default_style=default_style,
            default_prosody=default_prosody,
            example_take=example_take,
            done_webhook=done_webhook,
        )
        voice = parsed(generate_voice.sync_detailed(client=self._api, body=body).parsed, VoiceInfo, "generate_voice")
        if not wait:
            return voice
        return cast(VoiceInfo, self.wait_for_voices(voice.voice_id, raise_on_error=raise_on_error, timeout=timeout))

    def update_voice(
        self,
        voice_id: str,
        name: str | None = None,
        gender: VoiceGender | str | None = None,
        description: str | None = None,
        default_style: list[str] | None = None,
        default_prosody: Prosody | None = None,
        raise_on_error: bool = True,
        **_kwargs: Any,
    ) -> bool:
        """Update a voice; other keyword arguments (the rest of ``dict(voice)``) are ignored."""
        body = bodies.voice_update(name, gender, description, default_style, default_prosody)
        try:
            result = update_voice.sync_detailed(voice_id, client=self._api, body=body).parsed
        except DaisysNotFoundError:
            if raise_on_error:
                raise DaisysVoiceUpdateError(f"Voice {voice_id} failed to update: not found.") from None
            return False
        if result is not True and raise_on_error:
            raise DaisysVoiceUpdateError(f"Voice {voice_id} failed to update.")
        return result is True

    def delete_voice(self, voice_id: str, raise_on_error: bool = True) -> bool:
        try:
            result = delete_voice.sync_detailed(voice_id, client=self._api).parsed
        except DaisysNotFoundError:
            if raise_on_error:
                raise DaisysVoiceDeletionError(f"Voice {voice_id} failed to delete: not found.") from None
            return False
        if result is not True and raise_on_error:
            raise DaisysVoiceDeletionError(f"Voice {voice_id} failed to delete.")
        return result is True

    def wait_for_voices(
        self,
        voice_ids: str | list[str],
        sleep_seconds: float | None = None,
        raise_on_error: bool = True,
        timeout: float | None = None,
        callback: Callable[[list[VoiceInfo]], Any] | None = None,
    ) -> Any:
        """Poll until the voice(s) are done; returns one VoiceInfo for one id, else a list."""
        results = self._wait(
            [voice_ids] if isinstance(voice_ids, str) else voice_ids,
            lambda ids: self.get_voices(voice_ids=ids),
            self.get_voice,
            lambda voice: voice.voice_id,
            sleep_seconds,
            callback,
            timeout,
        )
        WaitTracker.check(results, raise_on_error, DaisysVoiceGenerateError, "voice")
        return results[0] if isinstance(voice_ids, str) else results

    # -- takes -------------------------------------------------------------------------

    def get_takes(
        self,
        take_ids: Sequence[str] | None = None,
        length: int | None = None,
        page: int | None = None,
        older: int | None = None,
        newer: int | None = None,
    ) -> list[TakeResponse]:
        """Takes, newest first, optionally filtered by ids, page, or timestamps (ms) older/newer."""
        answer = get_takes.sync_detailed(
            client=self._api,
            take_id=bodies.ids_query(take_ids),
            length=length,
            page=page,
            older=older,
            newer=newer,
        )
        return parsed_list(answer.parsed, TakeResponse, "get_takes")

    def get_take(self, take_id: str) -> TakeResponse:
        return parsed(get_take.sync_detailed(take_id, client=self._api).parsed, TakeResponse, "get_take")

    def generate_take(
        self,
        voice_id: str,
        text: str,
        override_language: str | None = None,
        style: list[str] | None = None,
        prosody: Prosody | None = None,
        status_webhook: str | None = None,
        done_webhook: str | None = None,
        wait: bool = True,
        raise_on_error: bool = True,
        timeout: float | None = None,
        user_data: UserData | None = None,
    ) -> TakeResponse:
        """Generate speech for ``text`` with a voice; by default wait until the take is ready.

        The POST is never repeated by the client's retries: a repeated generate would be
        a second take.
        """
        body = bodies.take_generate(
            voice_id,
            text,
            override_language=override_language,
            style=style,
            prosody=prosody,
            status_webhook=status_webhook,
            done_webhook=done_webhook,
            user_data=user_data,
        )
        take = parsed(generate_take.sync_detailed(client=self._api, body=body).parsed, TakeResponse, "generate_take")
        if not wait:
            return take
        return self.wait_for_takes(take.take_id, raise_on_error=raise_on_error, timeout=timeout)  # type: ignore[no-any-return]

    def generate_takes(
        self,
        request: list[TakeGenerate],
        wait: bool = True,
        raise_on_error: bool = True,
        timeout: float | None = None,
    ) -> list[TakeResponse]:
        """Generate several takes in one request; by default wait until all are done."""
        answer = generate_take.sync_detailed(client=self._api, body=list(request)).parsed
        takes = parsed_list(answer, TakeResponse, "generate_takes")
        if not wait:
            return takes
        return self.wait_for_takes(  # type: ignore[no-any-return]
            [t.take_id for t in takes], raise_on_error=raise_on_error, timeout=timeout
        )

    def delete_take(self, take_id: str, raise_on_error: bool = True) -> bool:
        try:
            result = delete_take.sync_detailed(take_id, client=self._api).parsed
        except DaisysNotFoundError:
            if raise_on_error:
                raise DaisysTakeDeletionError(f"Take {take_id} failed to delete: not found.") from None
            return False
        if result is not True and raise_on_error:
            raise DaisysTakeDeletionError(f"Take {take_id} failed to delete.")
        return result is True

    def wait_for_takes(
        self,
        take_ids: str | list[str],
        sleep_seconds: float | None = None,
        callback: Callable[[list[TakeResponse]], Any] | None = None,
        async_callback: Any = None,
        raise_on_error: bool = True,
        timeout: float | None = None,
    ) -> Any:
        """Poll until the take(s) are done; returns one TakeResponse for one id, else a list.

        All pending ids are fetched in one list request per round (split when the URL would
        be too long), at intervals that start short and back off; ``sleep_seconds`` fixes
        the interval instead. Past ``timeout`` a ``DaisysTimeoutError`` carries the last states.
        """
        if async_callback is not None:
            raise DaisysInputError("async_callback needs the AsyncClient; give callback here.")
        results = self._wait(
            [take_ids] if isinstance(take_ids, str) else take_ids,
            lambda ids: self.get_takes(take_ids=ids),
            self.get_take,
            lambda take: take.take_id,
            sleep_seconds,
            callback,
            timeout,
        )
        WaitTracker.check(results, raise_on_error, DaisysTakeGenerateError, "take")
        return results[0] if isinstance(take_ids, str) else results

    def _wait(
        self,
        ids: list[str],
        fetch_many: Callable[[list[str]], list[T]],
        fetch_one: Callable[[str], T],
        id_of: Callable[[T], str],
        sleep_seconds: float | None,
        callback: Callable[[list[T]], Any] | None,
        timeout: float | None,
    ) -> list[T]:
        tracker = WaitTracker(ids, id_of)
        schedule = PollSchedule.fixed(sleep_seconds) if sleep_seconds else self._config.poll
        deadline = tracker.deadline(timeout)
        for pause in schedule.intervals():
            for batch in batches(tracker.pending()):
                items = fetch_many(batch)
                # An id the list leaves out is fetched alone: a 404 then says it is gone.
                items += [fetch_one(missing) for missing in tracker.missing(batch, items)]
                if tracker.update(items) and callback is not None:
                    callback(tracker.results())
            if tracker.done:
                break
            time.sleep(tracker.pause(pause, deadline))
        return tracker.results()

    # -- audio -------------------------------------------------------------------------

    def get_take_audio_url(self, take_id: str, format: str = "wav") -> str:
        """The presigned storage URL of a take's audio (the 307's Location), without downloading it.

        Presigned URLs are cached until shortly before they expire. Hand one to a player or
        a browser: it needs no token, and it carries none.
        """
        audio_format = bodies.audio_format(format)
        cached = self._presigned.get(take_id, format)
        if cached is not None:
            return cached
        answer = get_take_audio.sync_detailed(take_id, audio_format, client=self._api)
        location = answer.headers.get("location")
        if answer.status_code != 307 or not location:
            raise DaisysError(f"GET takes/{take_id}/{format} answered {answer.status_code} without a Location.")
        location = str(httpx.URL(self._config.product_url).join(location))
        self._presigned.put(take_id, format, location)
        return location

    def _open_audio(self, take_id: str, format: str) -> httpx.Response:
        """Start streaming a take's audio from storage, with no credential sent there."""
        for attempt in range(2):
            url = self.get_take_audio_url(take_id, format)
            foreign = is_presigned(url) or not same_origin(httpx.URL(url), httpx.URL(self._config.product_url))
            request = storage_request(url) if foreign else self._http.build_request("GET", url)
            request.extensions["timeout"] = self._config.audio_timeout.as_dict()
            try:
                if foreign:
                    return self._http.send(request, auth=None, stream=True, follow_redirects=True)
                return self._http.send(request, stream=True)
            except DaisysHTTPError as exc:
                # A cached URL the storage no longer honours: ask the API for a fresh one, once.
                if exc.status_code != 403 or attempt:
                    raise
                self._presigned.forget(take_id, format)
        raise AssertionError("unreachable")

    def get_take_audio(
        self, take_id: str, file: str | os.PathLike[str] | BinaryIO | None = None, format: str = "wav"
    ) -> bytes | memoryview:
        """Download a take's audio; with ``file`` (a path or binary file) stream it there.

        A path is written to a temporary name in the same folder and renamed when complete,
        so it is never half-written; memory stays constant, and the return value is then a
        read-only memory map of the file. Without ``file`` the bytes are returned. Only wav
        can be fetched before the take is ready (it streams while it is generated).
        """
        response = self._open_audio(take_id, format)
        try:
            with AudioSink(file) as sink:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
        finally:
            response.close()
        return sink.result()

    def stream_take_audio(self, take_id: str, format: str = "wav") -> AudioStream:
        """Iterate over a take's audio as it arrives; works before the take is ready (wav).

        Use as ``with client.stream_take_audio(take_id) as stream: for chunk in stream: ...``
        (or iterate directly).
        """
        return AudioStream(lambda: self._open_audio(take_id, format))

    def speak(
        self,
        text: str,
        voice_id: str,
        file: str | os.PathLike[str],
        *,
        format: str = "wav",
        **take_options: Any,
    ) -> TakeResponse:
        """From text to a finished audio file with the least latency; returns the ready take.

        For wav the download starts at once and streams while the take is generated,
        instead of polling until it is ready. The file appears only when complete and the
        take ready; on any failure there is no file.
        """
        bodies.audio_format(format)  # refuse an unknown format before generating anything
        take = self.generate_take(voice_id, text, wait=format != "wav", **take_options)
        sink = AudioSink(file)
        with sink:
            response = self._open_audio(take.take_id, format)
            try:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
            except httpx.TransportError as exc:
                # The stream broke: say whether generation failed or the connection did.
                self.wait_for_takes(take.take_id)
                raise DaisysConnectionError(f"The audio stream of take {take.take_id} broke: {exc}") from exc
            finally:
                response.close()
            take = cast(TakeResponse, self.wait_for_takes(take.take_id))
        return take

    # -- websocket ---------------------------------------------------------------------

    def websocket(
        self,
        model: str | None = None,
        voice_id: str | None = None,
        *,
        connect_timeout: float = 10.0,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        worker_url: str | None = None,
    ) -> Websocket:
        """A websocket session with a worker for ``model`` (or ``voice_id``'s model), for the lowest latency.

        Use it in a ``with`` block: ``with client.websocket(voice_id=v) as ws: ws.speak("Hi", "hi.wav")``.
        ``max_buffered_bytes`` bounds the out-of-order audio held per request. ``worker_url``
        connects there (a local replay server, a proxy of your own) instead of to a URL from
        the API, on every (re)connection.
        """
        return Websocket(
            self,
            model,
            voice_id,
            connect_timeout=connect_timeout,
            max_buffered_bytes=max_buffered_bytes,
            worker_url=worker_url,
        )

    def websocket_url(
        self, model: str | None = None, voice_id: str | None = None, raise_on_error: bool = True
    ) -> str | None:
        """A worker's websocket URL for a model (or a voice's model), e.g. for a front-end.

        The URL carries a short-lived secret of its own, not the access token.
        """
        if voice_id is not None and model is None:
            model = self.get_voice(voice_id).model
        if not model:
            raise DaisysInputError("websocket_url needs a model or a voice_id.")
        try:
            try:
                answer = get_worker_websocket_url.sync_detailed(model, client=self._api).parsed
                return parsed(answer, WorkerWebsocketUrl, "websocket_url").worker_websocket_url
            except DaisysNotFoundError as exc:
                if "model" in str(exc.detail).lower():
                    raise
                # A service with only the form the endpoints page describes.
                other = get_websocket_url.sync_detailed(client=self._api, model=model).parsed
                return parsed(other, WebsocketUrl, "websocket_url").websocket_url
        except DaisysError:
            if raise_on_error:
                raise
            return None


class AudioStream:
    """A take's audio as an iterator of byte chunks, opened on first use and closed at the end."""

    def __init__(self, open_response: Callable[[], httpx.Response]) -> None:
        self._open = open_response
        self._response: httpx.Response | None = None

    def __enter__(self) -> AudioStream:
        if self._response is None:
            self._response = self._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        self.__enter__()
        assert self._response is not None
        try:
            yield from self._response.iter_bytes()
        finally:
            self.close()

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
