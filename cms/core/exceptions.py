"""The base of the exceptions services raise when they refuse: the API's one exception
handler answers each with its status, and forms show its message."""


class DomainError(Exception):
    """A refusal, said for the person who asked. `field` names the argument at fault, when
    one is; `code` is stable, for machines."""

    status_code = 400
    code = "invalid"
    retry_after: int | None = None  # seconds, when trying again later may succeed

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def messages(self) -> list[str]:
        """The message, or each of several (a password may break more than one rule)."""
        return [self.message]
