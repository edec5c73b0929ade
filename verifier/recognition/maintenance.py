"""The conventions dataset's update path: validate a maintainer's replacement and list, in plain
words, what it changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from vc.errors import MalformedValueError
from verifier.recognition.dataset import parse_dataset
from verifier.recognition.model import Convention, ConventionsDataset


def update_dataset(
    current: ConventionsDataset, new_data: Mapping[str, Any]
) -> tuple[ConventionsDataset, list[str]]:
    """Validate a maintainer's replacement dataset and list, in plain words, what it changes.

    Returns the new dataset and the list of changes (empty when the content is the same). Raises
    MalformedValueError when the new data is invalid, or changes content without a new
    ``dataset_version``.
    """
    new = parse_dataset(new_data)
    changes: list[str] = []
    if new.as_of != current.as_of:
        direction = " (earlier than the current dataset)" if new.as_of < current.as_of else ""
        changes.append(f"as_of: {current.as_of.isoformat()} → {new.as_of.isoformat()}{direction}")
    old_ids = {c.id for c in current.conventions}
    new_ids = {c.id for c in new.conventions}
    for convention in new.conventions:
        if convention.id not in old_ids:
            changes.append(
                f"convention added: {convention.id} ({convention.short_name}, "
                f"{len(convention.parties)} State row(s))"
            )
    for convention in current.conventions:
        if convention.id not in new_ids:
            changes.append(f"convention removed: {convention.id} ({convention.short_name})")
    for old in current.conventions:
        replacement = new.convention(old.id)
        if replacement is not None:
            changes.extend(_convention_changes(old, replacement))
    content_changed = bool(changes)
    if new.version != current.version:
        changes.insert(0, f"dataset_version: {current.version} → {new.version}")
    elif content_changed:
        raise MalformedValueError(
            f"the new dataset changes content but keeps dataset_version {new.version!r}; "
            "give it a new version"
        )
    return new, changes


def _convention_changes(old: Convention, new: Convention) -> list[str]:
    label = f"{old.id} ({new.short_name})"
    changes: list[str] = []
    for field in ("name", "short_name", "in_force"):
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes.append(f"{label}: {field} {_show(before)} → {_show(after)}")
    old_articles = {(a.article, a.topic): a for a in old.key_articles}
    new_articles = {(a.article, a.topic): a for a in new.key_articles}
    for key in new_articles.keys() - old_articles.keys():
        changes.append(f"{label}: key article added: {_article_key(key)}")
    for key in old_articles.keys() - new_articles.keys():
        changes.append(f"{label}: key article removed: {_article_key(key)}")
    for key in old_articles.keys() & new_articles.keys():
        if old_articles[key] != new_articles[key]:
            changes.append(f"{label}: key article changed: {_article_key(key)}")
    old_rows = {row.country: row for row in old.parties}
    new_rows = {row.country: row for row in new.parties}
    for country in sorted(new_rows.keys() - old_rows.keys()):
        row = new_rows[country]
        changes.append(
            f"{label}: {country} added (status {row.status}, in force {_show(row.in_force)})"
        )
    for country in sorted(old_rows.keys() - new_rows.keys()):
        changes.append(f"{label}: {country} removed (was {old_rows[country].status})")
    for country in sorted(old_rows.keys() & new_rows.keys()):
        before_row, after_row = old_rows[country], new_rows[country]
        for field in (
            "status",
            "deposited",
            "in_force",
            "party_as_of",
            "confidence",
            "source",
            "reservations",
        ):
            before, after = getattr(before_row, field), getattr(after_row, field)
            if before != after:
                changes.append(f"{label}: {country} {field} {_show(before)} → {_show(after)}")
    return changes


def _article_key(key: tuple[str | None, str]) -> str:
    article, topic = key
    return f"{article or '(no number)'} — {topic}"


def _show(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + "; ".join(str(item) for item in value) + "]" if value else "none"
    return str(value)
