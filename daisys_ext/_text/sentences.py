"""Sentences out of a stream of text: what to send as one take request while an LLM is still writing.

"Speech as the text is written": tokens arrive a few characters at a time, and each sentence should
be sent to the service as soon as it is complete, neither earlier (a sentence cut in two sounds
wrong: each request is spoken with its own intonation) nor much later (the listener waits).
`SentenceChunker` is that decision, without I/O: ``feed`` it text as it comes, it returns the
sentences that piece completed; ``flush`` at the end returns what is left.

The rules, in order of precedence:

- **Line breaks.** By default every line break ends a sentence (``newline_ends_sentence=True``):
  an LLM writes list items, headings and table rows on lines of their own, often without a final
  period, and those should be spoken as separate sentences. Hard-wrapped prose (a line break in the
  middle of a sentence) is rare in LLM output; for text that has it, ``newline_ends_sentence=False``
  ends a sentence only at a blank line (two line breaks with nothing but spaces between).
  A line break is any of the characters `str.splitlines` breaks at (``\\r\\n`` counts once).
- **Sentence ends.** A run of ``. ! ? … ‽`` (``?!``, ``...``), then any closing quotes, brackets or
  markdown emphasis (`CLOSERS`: straight and typographic quotes, ``) ] } * _``), then whitespace.
  Nothing else ends a sentence, so a period inside a token never does: ``3.5``, ``1,000.25``,
  ``example.com``, ``U.S.A``. It is *not* a sentence end when
    - the next word starts with a lowercase letter (``etc. and``, ``Well... maybe``,
      ``"Stop!" he said``): a sentence does not start in lowercase. Scripts without case never
      match this rule;
    - a single period follows an abbreviation: a word with a period inside (``e.g.``, ``i.e.``,
      ``U.S.``, ``a.m.``, ``Ph.D.``), a single letter (``J. R. R. Tolkien``, a list's ``a.``), or a
      title or Latin abbreviation that is always followed by more (``Mr. Dr. Prof. St. vs. cf.``;
      see `TITLES`); a reference abbreviation (``No. Fig. Eq. Vol. pp. Jan.``; see
      `BEFORE_NUMBERS`) when the next word is a number;
    - the sentence so far has no letter at all (``1.`` of a numbered list, ``...``).
  ``etc.`` followed by a capitalised word ends the sentence.
- **Length.** A sentence longer than ``max_chars`` is cut so that a run-on sentence (or text
  without punctuation) does not wait forever: at the last clause break (``, ; :`` followed by
  whitespace) in the second half of the limit, else at the last whitespace within the limit, else
  (one word longer than the limit, a URL say) at the first whitespace after the word.

Deciding a sentence end may need the next characters: ``It costs 3.`` could continue with ``5``,
and ``Mr.`` could end the text. The chunker waits for them, so a sentence comes out when the next
word has begun (or a line break, in the default mode, or ``flush``). Because every decision waits
until the text it depends on has arrived, the sentences do not depend on how the text was cut
into pieces. Cuts fall only where there is whitespace, so joining the sentences with single spaces
gives the text back, whitespace normalised. Sentences are stripped; a sentence of whitespace only
is never returned.
"""

from __future__ import annotations

import re

from .._errors import DaisysInputError

__all__ = ["BEFORE_NUMBERS", "DEFAULT_MAX_CHARS", "TITLES", "SentenceChunker"]

DEFAULT_MAX_CHARS = 300
"""Long enough for nearly every written sentence, short enough that the first audio of a run-on one is not late."""

TERMINATORS = ".!?…‽"
CLOSERS = "\"')]}*_\u201d\u2019\u00bb\u203a"  # and the typographic closing quotes
OPENERS = "\"'([{*_\u201c\u2018\u201e\u00ab\u2039\u00bf\u00a1"  # and the typographic opening quotes, ¿ and ¡
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
CLAUSE_BREAKS = ",;:"

# fmt: off
TITLES = frozenset([
    # Titles before a name, and Latin abbreviations that introduce more: a period after them never ends a sentence.
    # (Jr. and Sr. come after a name, so they may end one; the lowercase rule handles "Jr. was".)
    "mr", "mrs", "ms", "mx", "dr", "prof", "rev", "hon", "st", "gen", "col", "capt", "lt", "sgt", "sen", "rep", "gov",
    "pres", "vs", "cf", "viz", "approx", "incl", "esp",
])
"""Abbreviations (lowercase, without the period) after which a period never ends a sentence."""

BEFORE_NUMBERS = frozenset([
    "no", "nr", "nos", "fig", "figs", "eq", "eqs", "vol", "vols", "ch", "chap", "sec", "art", "pp", "para", "ref",
    "tab", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
])
"""Abbreviations after which a period does not end a sentence when a number follows (``No. 5``, ``Jan. 3``)."""
# fmt: on

_CANDIDATE = re.compile(
    f"[{re.escape(TERMINATORS)}]+[{re.escape(CLOSERS)}]*|[{re.escape(LINE_BREAKS)}]",
)


class SentenceChunker:
    """Splits text that arrives in pieces into sentences, each returned as soon as it is certainly complete.

    >>> chunker = SentenceChunker()
    >>> chunker.feed("It costs 3.")
    []
    >>> chunker.feed("5 euros. Then")
    ['It costs 3.5 euros.']
    >>> chunker.flush()
    ['Then']

    See the module's documentation for the rules. Memory is bounded by the sentence in progress.
    After `flush` the chunker is empty and can be fed a new text.
    """

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS, *, newline_ends_sentence: bool = True) -> None:
        if max_chars < 1:
            raise DaisysInputError(f"max_chars must be at least 1, not {max_chars}")
        self.max_chars = max_chars
        self.newline_ends_sentence = newline_ends_sentence
        # The sentence in progress: starts with a non-space character, or is empty.
        self._buffer = ""
        # Candidate ends before this offset in the buffer were decided: none of them ends the sentence.
        self._resume = 0

    def feed(self, text: str) -> list[str]:
        """Add the next piece of text; return the sentences it completed (often none), in order."""
        self._buffer = (self._buffer + text) if self._buffer else text.lstrip()
        return self._take(final=False)

    def flush(self) -> list[str]:
        """The text is complete: return the sentences still held, and start over empty."""
        sentences = self._take(final=True)
        rest = self._buffer.strip()
        if rest:
            sentences.append(rest)
        self._buffer = ""
        self._resume = 0
        return sentences

    @property
    def pending(self) -> str:
        """The text held back: the sentence in progress (a caller may show it, not speak it)."""
        return self._buffer

    def _take(self, *, final: bool) -> list[str]:
        sentences = []
        while (end := self._sentence_end(final)) is not None:
            sentence = self._buffer[:end].strip()
            if sentence:
                sentences.append(sentence)
            self._buffer = self._buffer[end:].lstrip()
            self._resume = 0
        return sentences

    def _sentence_end(self, final: bool) -> int | None:
        """Where the sentence at the start of the buffer ends, or None when that is not known yet."""
        buffer, limit = self._buffer, self.max_chars
        if not buffer:
            return None
        for match in _CANDIDATE.finditer(buffer, self._resume):
            start, end = match.span()
            if end > limit:
                break
            if buffer[start] in LINE_BREAKS:
                verdict = self._ends_at_line_break(start, final)
            else:
                verdict = self._ends_at_terminators(start, end, final)
            if verdict is None:
                return None
            if verdict:
                return end
            self._resume = end
        return self._cut(final) if len(buffer) > limit else None

    def _ends_at_line_break(self, at: int, final: bool) -> bool | None:
        if self.newline_ends_sentence:
            return True
        # Only a blank line ends the sentence: the next line break with nothing but spaces before it.
        buffer, n = self._buffer, len(self._buffer)
        i = at + 1
        if buffer[at] == "\r":
            if i == n:
                return True if final else None
            if buffer[i] == "\n":
                i += 1
        while i < n and buffer[i].isspace() and buffer[i] not in LINE_BREAKS:
            i += 1
        if i == n:
            return True if final else None
        return buffer[i] in LINE_BREAKS

    def _ends_at_terminators(self, start: int, end: int, final: bool) -> bool | None:
        buffer, n = self._buffer, len(self._buffer)
        if end == n:  # more terminators or closers may follow, or the next word decides
            return True if final else None
        if not buffer[end].isspace():  # 3.5, e.g.,  U.S.A, "Hi."Then
            return False
        before_number = False
        if buffer[start] == "." and (start + 1 == end or buffer[start + 1] not in TERMINATORS):
            word_start = start
            while word_start > 0 and not buffer[word_start - 1].isspace():
                word_start -= 1
            word = buffer[word_start:start].lstrip(OPENERS)
            lower = word.lower()
            if "." in word or lower in TITLES or (len(word) == 1 and word.isalpha()):
                return False
            before_number = lower in BEFORE_NUMBERS
        if not any(c.isalpha() for c in buffer[:start]):
            return False
        # The next word decides.
        i = end
        while i < n and buffer[i].isspace():
            if self.newline_ends_sentence and buffer[i] in LINE_BREAKS:
                return True  # the line break ends the sentence whatever follows
            i += 1
        while i < n and buffer[i] in OPENERS:
            i += 1
        if i == n:
            return True if final else None
        following = buffer[i]
        if following.islower():
            return False
        return not (before_number and following.isdigit())

    def _cut(self, final: bool) -> int | None:
        """The end of a sentence longer than the limit (the buffer holds more than ``max_chars``)."""
        buffer, limit = self._buffer, self.max_chars
        for i in range(limit - 1, limit // 2 - 1, -1):
            if buffer[i] in CLAUSE_BREAKS and buffer[i + 1].isspace():
                return i + 1
        for i in range(limit, 0, -1):
            if buffer[i].isspace():
                return i
        # One word longer than the limit: cut after it, never inside it.
        for i in range(limit + 1, len(buffer)):
            if buffer[i].isspace():
                return i
        return None
