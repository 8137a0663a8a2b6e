"""Showing an error a chapter expects, and proving that it really happens.

A chapter that shows what goes wrong (a shape mismatch, a second ``backward``) must fail if the
operation one day stops raising. ``expect_error`` prints the error the way a reader would see it
and turns a missing or different error into an ``AssertionError`` that says what happened instead.
"""

from __future__ import annotations

import re
from types import TracebackType


class expect_error:  # noqa: N801 (a context manager, used like a function: `with expect_error(...)`)
    """Expect the block to raise ``error_type`` with a message that matches ``match``.

    Used as ``with dnnbook.expect_error(RuntimeError, match="second time"):``. When the error is
    raised, its message is printed as ``TypeName: message`` (unless ``show=False``) and kept in
    ``.message`` (and the error itself in ``.error``) for later checks; the error does not
    propagate. The block fails with an ``AssertionError`` when it raises nothing, raises another
    type, or raises a message in which ``re.search(match, message)`` finds nothing.
    """

    def __init__(self, error_type: type[BaseException] | tuple[type[BaseException], ...],
                 match: str | None = None, *, show: bool = True) -> None:
        types = error_type if isinstance(error_type, tuple) else (error_type,)
        if not types or not all(isinstance(t, type) and issubclass(t, BaseException) for t in types):
            raise TypeError(f"expect_error needs an exception class such as RuntimeError, not {error_type!r}")
        if match is not None and not isinstance(match, str):
            raise TypeError(f"match is a regular expression (a str), not {type(match).__name__}")
        self.types = types
        self.match = match
        self.show = show
        self.error: BaseException | None = None

    @property
    def message(self) -> str:
        if self.error is None:
            raise AttributeError("no error has been caught yet: read .message after the with block")
        return str(self.error)

    def _expected(self) -> str:
        names = " or ".join(t.__name__ for t in self.types)
        return names + (f" matching {self.match!r}" if self.match is not None else "")

    def __enter__(self) -> expect_error:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> bool:
        if error is None:
            raise AssertionError(f"expected {self._expected()}, but the block raised nothing")
        if not isinstance(error, self.types):
            if not isinstance(error, Exception):
                return False  # KeyboardInterrupt, SystemExit: never swallowed
            raise AssertionError(f"expected {self._expected()}, but got "
                                 f"{type(error).__name__}: {error}") from error
        if self.match is not None and not re.search(self.match, str(error)):
            raise AssertionError(f"expected {self._expected()}, but the message was: "
                                 f"{type(error).__name__}: {error}") from error
        self.error = error
        if self.show:
            print(f"{type(error).__name__}: {error}")
        return True  # handled: the cell goes on
