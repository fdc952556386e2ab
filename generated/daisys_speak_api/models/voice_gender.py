from enum import StrEnum


class VoiceGender(StrEnum):
    """Represents the gender of a voice."""

    FEMALE = "female"
    MALE = "male"
    NONBINARY = "nonbinary"

    def __str__(self) -> str:
        return str(self.value)

    # --- daisys_ext addition (generator/templates/str_enum.py.jinja) ---
    @classmethod
    def _missing_(cls, value: object) -> "VoiceGender | None":
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
