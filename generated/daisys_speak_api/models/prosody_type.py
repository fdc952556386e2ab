from enum import StrEnum


class ProsodyType(StrEnum):
    """An enum representing different prosody feature types. Not all models accept all prosody types. See the
    prosody_types field of TTSModel. SIMPLE corresponds with SimpleProsody, AFFECT with AffectProsody, SIGNAL with
    SignalProsody."""

    AFFECT = "affect"
    SIGNAL = "signal"
    SIMPLE = "simple"

    def __str__(self) -> str:
        return str(self.value)

    # --- daisys_ext addition (generator/templates/str_enum.py.jinja) ---
    @classmethod
    def _missing_(cls, value: object) -> "ProsodyType | None":
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
