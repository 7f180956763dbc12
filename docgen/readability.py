"""Reading grades of English text: Flesch-Kincaid grade and SMOG, for the review document.

A small, dependency-free estimate (vowel groups as syllables) shown to the clinical lead
next to each text; the test suite measures the rendered documents with textstat.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")


def syllables(word: str) -> int:
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1  # silent final e: "take", "spine"
    return max(count, 1)


@dataclass(frozen=True)
class Grades:
    flesch_kincaid: float
    smog: float


def grades(texts: list[str]) -> Grades:
    """Each text is at least one sentence; a text without a full stop still ends one."""
    text = " ".join(t if t.rstrip().endswith((".", "!", "?", ":", ";")) else f"{t}." for t in texts)
    sentences = max(len(_SENTENCE_END.findall(text)), 1)
    words = _WORD.findall(text)
    if not words:
        return Grades(0.0, 0.0)
    counts = [syllables(w) for w in words]
    fk = 0.39 * len(words) / sentences + 11.8 * sum(counts) / len(words) - 15.59
    polysyllables = sum(1 for c in counts if c >= 3)
    smog = 1.043 * math.sqrt(polysyllables * 30 / sentences) + 3.1291
    return Grades(round(fk, 1), round(smog, 1))
