"""Errors the command line reports as one line (no traceback)."""


class FinliteError(Exception):
    """Base of every error caused by user input: bad data, a missing run, a tampered bundle."""


class ExportError(FinliteError):
    """An export that cannot proceed or whose parity check failed."""
