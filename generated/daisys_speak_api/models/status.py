from enum import StrEnum


class Status(StrEnum):
    """Represents the status of a take or voice generation process. WAITING: item is waiting to be processed. STARTED:
    processing has started for this item. PROGRESS_25, PROGRESS_50, PROGRESS_75: item has been 25%, 50% or 75%
    processed. READY: item is ready to be used; for takes, audio is available. ERROR: an error occurred during
    processing of this item. TIMEOUT: processing did not finish for this item; used for very long intervals (an item
    in the queue for more than a day, and therefore removed), not for a few seconds or minutes."""

    ERROR = "error"
    PROGRESS_25 = "progress_25"
    PROGRESS_50 = "progress_50"
    PROGRESS_75 = "progress_75"
    READY = "ready"
    STARTED = "started"
    TIMEOUT = "timeout"
    WAITING = "waiting"

    def __str__(self) -> str:
        # daisys_ext: printed as the official SDK prints it (Status.READY), as the documentation's examples
        # show. f-strings still give the value, and a status never goes into a URL.
        return f"{type(self).__name__}.{self.name}"

    # --- daisys_ext addition (generator/templates/str_enum.py.jinja) ---
    @classmethod
    def _missing_(cls, value: object) -> "Status | None":
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

    def done(self) -> bool:
        """Whether processing has finished: ready, error or timeout."""
        return self in (Status.READY, Status.ERROR, Status.TIMEOUT)
