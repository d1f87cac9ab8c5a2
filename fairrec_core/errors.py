"""Exceptions whose one-line message is shown to the user as is (UI error box, CLI stderr)."""


class FairrecError(Exception):
    """Base class: the message is one line naming the file/column/row and what was expected."""


class DataError(FairrecError, ValueError):
    """Input data could not be read or does not have the expected shape."""


class ModelError(FairrecError, ValueError):
    """A model was misused (unfitted, unknown user, wrong data) or a model file is invalid."""
