from enum import StrEnum


class AudioFormat(StrEnum):
    """An audio format a take's audio can be retrieved in. Only wav may be retrieved before the take is ready."""

    FLAC = "flac"
    M4A = "m4a"
    MP3 = "mp3"
    WAV = "wav"
    WEBM = "webm"

    def __str__(self) -> str:
        return str(self.value)

    # --- daisys_ext addition (generator/templates/str_enum.py.jinja) ---
    @classmethod
    def _missing_(cls, value: object) -> "AudioFormat | None":
        """Accept a value this client does not know yet as a pseudo-member.

        The service may add a value (a new status, say) before this client is
        regenerated; failing the whole answer over it would be worse than
        passing the value through.
        """
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member
