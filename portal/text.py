"""Sentences as the reader's language sets them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.formats import number_format
from django.utils.translation import pgettext


def join_sentences(sentences: Iterable[str]) -> str:
    """Sentences one after the other: English puts a space between two, Chinese none (its
    full stop takes the room of one)."""
    pattern = pgettext("two sentences one after the other", "%(first)s %(second)s")
    joined = ""
    for sentence in filter(None, sentences):
        joined = pattern % {"first": joined, "second": sentence} if joined else sentence
    return joined


def listed(names: Iterable[str]) -> str:
    """Names one after the other, as the reader's language lists them ("a, b"; "a、b")."""
    return pgettext("between two names of a list", ", ").join(names)


def grouped(value: int) -> str:
    """A count as sentences show it, grouped in thousands in the reader's format."""
    return number_format(value, force_grouping=True)
