"""JSON responses written by orjson (C), the same text as Flask's provider with the services'
settings (no key sorting, UTF-8 rather than \\u escapes, indented in debug mode), at a tenth of the
cost: a verification report is a few kilobytes of JSON on every request.

Whatever orjson writes differently goes through Flask's own ``default`` (dates as HTTP dates,
dataclasses, Decimal, ``__html__``); what orjson cannot write at all (an integer beyond 64 bits)
is handed to Flask's provider whole.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class JSONProvider(DefaultJSONProvider):
    """``app.json`` of both services."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        indent = kwargs.pop("indent", None)
        if kwargs or self.sort_keys or self.ensure_ascii or indent not in (None, 2):
            return super().dumps(obj, indent=indent, **kwargs)
        options = _OPTIONS | (orjson.OPT_INDENT_2 if indent == 2 else 0)
        try:
            return orjson.dumps(obj, default=self.default, option=options).decode()
        except TypeError:
            return super().dumps(obj, indent=indent)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        pretty = (self.compact is None and self._app.debug) or self.compact is False
        text = self.dumps(obj, indent=2) if pretty else self.dumps(obj)
        return self._app.response_class(f"{text}\n", mimetype=self.mimetype)
