"""Sentences as the reader's language sets them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_sentences(sentences: Iterable[str]) -> str:
    """Sentences one after the other: English puts a space between two, Chinese none (its
    full stop takes the room of one)."""
    pattern = pgettext("two sentences one after the other", "%(first)s %(second)s")
    joined = ""
    for sentence in filter(None, sentences):
        joined = pattern % {"first": joined, "second": sentence} if joined else sentence
    return joined
