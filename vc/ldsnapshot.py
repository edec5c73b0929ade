"""Compiled contexts processed ahead of time: ``schemas/compiled-contexts.json``.

A verification needs the pinned contexts processed (JSON-LD 1.1 §4.1) into active contexts, and
the active contexts that their type- and property-scoped contexts make. vc.ldcontext has pyld do
that once per process. This module stores the result: every active context that Diplomat's own
credentials reach (tools/compile_contexts.py lists them: a degree under every proof suite, a
status list credential, a presentation), as pyld made them, with the transitions between them.
A ``ContextCompiler`` given the snapshot starts with all of it in place and imports pyld only for
a context the snapshot lacks (an operator's extra context, an unusual credential): the answer is
pyld's either way, and a verifier worker that verifies degrees never imports pyld (4 MiB).

The snapshot is derived data: tests/vc/test_ldsnapshot.py makes it again from pyld and the
vendored contexts and fails when the stored one differs (run ``python tools/compile_contexts.py``).

Format: ``terms``, the distinct term definitions (pyld's own dicts); ``contexts``, each processed
context as ``{"mappings": {term: index into terms, or null}, "previousContext": index, ...}`` with
the root (the initial context) first and every context after the one it reverts to;
``transitions``, ``[from, local context key, override protected, propagate, to]``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from vc.schemas import SCHEMAS_DIR

if TYPE_CHECKING:
    from vc.ldcontext import CompiledContext, ContextCompiler

SNAPSHOT_FILE: Final = "compiled-contexts.json"
FORMAT: Final = 1


@cache
def stored() -> dict[str, Any] | None:
    """The stored snapshot (read once), or None when there is none."""
    path = SCHEMAS_DIR / SNAPSHOT_FILE
    if not path.is_file():
        return None
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    return snapshot if snapshot.get("format") == FORMAT else None


def capture(compiler: ContextCompiler) -> dict[str, Any]:
    """The snapshot of everything ``compiler`` has processed (JSON-ready)."""
    contexts = compiler.contexts()
    index = {id(made): n for n, made in enumerate(contexts)}
    if index.get(id(compiler.root)) != 0:
        raise ValueError("the root context must be the compiler's first")
    terms: list[Any] = []
    term_index: dict[int, int] = {}
    stored_contexts: list[dict[str, Any]] = []
    for made in contexts:
        entry: dict[str, Any] = {}
        for key, value in made.pyld.items():
            if key == "_uuid":
                continue  # pyld's cache key, made afresh on restore
            if key == "previousContext":
                previous = compiler.wrap(value)
                if index[id(previous)] >= len(stored_contexts):
                    raise ValueError("a context must come after the one it reverts to")
                entry[key] = index[id(previous)]
            elif key == "mappings":
                mappings: dict[str, int | None] = {}
                for term, definition in value.items():
                    if definition is None:
                        mappings[term] = None
                        continue
                    found = term_index.get(id(definition))
                    if found is None:
                        found = term_index[id(definition)] = len(terms)
                        terms.append(definition)
                    mappings[term] = found
                entry[key] = mappings
            else:
                entry[key] = value
        stored_contexts.append(entry)
    transitions = [
        [n, list(key[0]) if isinstance(key[0], tuple) else key[0], key[1], key[2], index[id(to)]]
        for n, made in enumerate(contexts)
        for key, to in made.transitions()
        if id(to) in index
    ]
    return {
        "format": FORMAT,
        "terms": terms,
        "contexts": stored_contexts,
        "transitions": transitions,
    }


def restore(compiler: ContextCompiler, snapshot: Mapping[str, Any]) -> CompiledContext:
    """Put the snapshot's contexts and transitions into ``compiler``; returns its root."""
    terms: list[Any] = snapshot["terms"]
    processed: list[dict[str, Any]] = []
    for entry in snapshot["contexts"]:
        context: dict[str, Any] = {"_uuid": str(uuid.uuid4())}
        for key, value in entry.items():
            if key == "mappings":
                context[key] = {t: None if i is None else terms[i] for t, i in value.items()}
            elif key == "previousContext":
                context[key] = processed[value]
            else:
                context[key] = value
        processed.append(context)
    made = [compiler.wrap(context) for context in processed]
    for source, local, override_protected, propagate, target in snapshot["transitions"]:
        key = tuple(local) if isinstance(local, list) else local
        made[source].learn((key, override_protected, propagate), made[target])
    return made[0]
