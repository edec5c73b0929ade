"""``cached_property`` without a lock.

Python 3.11's ``functools.cached_property`` holds one lock per property for *every* instance of
the class while it computes: threads of one worker verifying different credentials wait for each
other (the proof check of one report waits for another's). Python 3.12 dropped that lock; this is
its behaviour on 3.11 too. Each instance here belongs to one request, so a value computed twice by
two threads cannot happen in practice and would be the same value if it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from functools import cached_property as cached_property
else:

    class cached_property(Generic[T]):
        def __init__(self, func: Any) -> None:
            self.func = func
            self.name = func.__name__
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None:
                return self
            # A non-data descriptor: once stored, the instance's own attribute answers.
            value = instance.__dict__[self.name] = self.func(instance)
            return value
