"""One turn of an agent's speech, without I/O: its sentences, how far ahead of the audio they are sent, and
where each begins and ends in the turn's audio.

The Daisys documentation says a websocket's requests are served one after another, so every take sent
ahead of the one being heard delays whatever comes after it, the next turn's first sentence included
when the listener interrupts. A turn therefore keeps at most ``ahead`` sentences in flight (sent, their
audio not complete yet): with two, the worker always has the next sentence at hand, and an interruption
leaves at most one take to wait for (or to drop, with its connection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .._errors import DaisysInputError

__all__ = ["DEFAULT_AHEAD", "Sentence", "Turn"]

DEFAULT_AHEAD = 2

S = TypeVar("S")  # what a sentence is spoken with (voice and settings), chosen when it was given


@dataclass(eq=False)
class Sentence(Generic[S]):
    """One sentence of a turn: its text, its settings, its request, and its audio's place in the turn."""

    index: int
    text: str
    settings: S
    request_id: int | None = None
    sending: bool = False
    sent: bool = False
    done: bool = False
    failed: bool = False
    start_sample: int = 0  # the turn's samples before this sentence's first
    samples: int = 0
    session: object = field(default=None, repr=False)  # where its request went (the shell's business)

    def start_seconds(self, sample_rate: int) -> float:
        """Where this sentence begins in the turn's audio (the samples of the sentences before it)."""
        return self.start_sample / sample_rate

    def end_seconds(self, sample_rate: int) -> float:
        """Where this sentence ends in the turn's audio (once its audio is complete)."""
        return (self.start_sample + self.samples) / sample_rate


class Turn(Generic[S]):
    """A turn's sentences in order: which may be sent now, where each one's audio begins, when all is said.

    The shell calls `add` for each sentence, `to_send` (and sends what it gives, then `sent`) whenever a
    sentence was added or one finished, `audio` for each piece of audio of the sentence being heard, and
    `finished` at its end; `end_input` once no more sentences will come. Audio arrives in text order, so
    a sentence begins where the ones before it ended.
    """

    def __init__(self, ahead: int = DEFAULT_AHEAD) -> None:
        if ahead < 1:
            raise DaisysInputError(f"A turn needs at least one sentence in flight (ahead={ahead}).")
        self.ahead = ahead
        self.sentences: list[Sentence[S]] = []
        self.input_ended = False
        self.interrupted = False
        self._samples = 0  # of the sentences finished so far

    def add(self, text: str, settings: S) -> Sentence[S]:
        """A sentence to speak after the ones before it."""
        if self.input_ended:
            raise DaisysInputError("This turn's input has ended: no more sentences can be added.")
        sentence = Sentence(len(self.sentences), text, settings)
        self.sentences.append(sentence)
        return sentence

    def end_input(self) -> None:
        """No more sentences will be added."""
        self.input_ended = True

    @property
    def in_flight(self) -> list[Sentence[S]]:
        """Sentences sent (or being sent) whose audio is not complete yet."""
        return [s for s in self.sentences if (s.sending or s.sent) and not s.done]

    def to_send(self) -> list[Sentence[S]]:
        """The sentences to send now, in order (marked as being sent): as many as keep ``ahead`` in flight."""
        if self.interrupted:
            return []
        room = self.ahead - len(self.in_flight)
        chosen = [s for s in self.sentences if not (s.sending or s.sent or s.done)][: max(0, room)]
        for sentence in chosen:
            sentence.sending = True
        return chosen

    def sent(self, sentence: Sentence[S], request_id: int, session: object = None) -> None:
        """``sentence`` went out as request ``request_id``."""
        sentence.request_id, sentence.session = request_id, session
        sentence.sending, sentence.sent = False, True

    def audio(self, sentence: Sentence[S], samples: int) -> bool:
        """``samples`` more of ``sentence``'s audio; True for its first audio (its start is then known)."""
        first = sentence.samples == 0 and samples > 0
        if first:
            sentence.start_sample = self._samples
        sentence.samples += samples
        return first

    def finished(self, sentence: Sentence[S], *, failed: bool = False) -> None:
        """``sentence``'s audio is complete (or it failed: the turn goes on with the next one)."""
        if sentence.samples == 0:
            sentence.start_sample = self._samples
        sentence.sending = False
        sentence.done, sentence.failed = True, failed
        self._samples += sentence.samples

    def next_to_hear(self) -> Sentence[S] | None:
        """The first sentence whose audio is not complete, if any."""
        return next((s for s in self.sentences if not s.done), None)

    @property
    def complete(self) -> bool:
        """Every sentence has all its audio (or failed) and no more will come."""
        return self.input_ended and all(s.done for s in self.sentences)

    @property
    def samples(self) -> int:
        """The samples of the turn's finished sentences."""
        return self._samples

    def interrupt(self) -> list[Sentence[S]]:
        """The listener interrupted: nothing more is sent; the sentences sent and not complete, to drop."""
        self.interrupted = True
        self.input_ended = True
        return [s for s in self.sentences if s.sent and not s.done]
