"""Accord's errors: one base, specific kinds, each saying what went wrong and where."""

from __future__ import annotations


class AccordError(Exception):
    """Base of every error Accord raises on purpose."""


class InputError(AccordError):
    """A vendor record or page that cannot be understood.

    `where` says where it was found (file, page, record id, field) so a person can go and look.
    The run goes on with the rest; the raw payload is kept.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def at(self, where: str) -> InputError:
        """The same error with an outer location prepended (file → record → field)."""
        joined = f"{where} {self.where}".strip() if self.where else where
        return InputError(self.message, where=joined)


class ConfigurationError(AccordError):
    """Settings or a rules file that cannot be used; says which key and why."""


class SourceUnavailableError(AccordError):
    """A source that cannot be read at all (a missing directory, a vendor outage)."""


class PermanentVendorError(AccordError):
    """A vendor error that retrying will not fix (bad credentials, invalid request)."""

    def __init__(self, vendor: str, code: str, message: str) -> None:
        self.vendor = vendor
        self.code = code
        super().__init__(f"{vendor} {code}: {message}")
