"""Lost dashes: how to read words an HTML-to-text conversion glued together ("expectedwhat"
-> "expected—what", "handeye" -> "hand-eye"), recorded as Repairs with offsets into the text,
which itself never changes."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .documents import Repair, Section, Table
from .schema import SectionKind

# Some HTML-to-text conversions drop every dash and hyphen: "smaller than expectedwhat doctors
# call", "handeye coordination", "Xlinked". Word knowledge comes from wordfreq (Zipf scale: 3 is
# once per million words, 6 once per thousand): a token it does not list that splits into
# exactly one pair of common words was glued by the conversion. Evidence from the document
# itself comes first: a hyphenated ("de‑novo") or spaced form of the token elsewhere.
ABSENT_ZIPF = 1.0  # below the rarest word wordfreq lists: not an English word
RARE_ZIPF = 2.0  # rare enough that a hyphenated or spaced form elsewhere in the document decides
COMMON_ZIPF = 3.5  # each part of a split must be at least this common
FUNCTION_ZIPF = 6.0  # "what", "from", "but", "are", "some", "like", "make": starts a new clause
UNCLEAR_ZIPF = 5.7  # between the two ("does", "work"): could be either, so the token is left alone
MAX_GLUED = 40  # longer tokens are not two words glued together
EM_DASH = "—"
WORD_RE = re.compile(r"(?<![\w'’‐‑-])[A-Za-z]+(?![\w'’‐‑-])")
HYPHENATED_RE = re.compile(r"(?<![\w'’])([A-Za-z]+)[-‐‑]([A-Za-z]+)(?![\w'’‐‑-])")
SPACED_RE = re.compile(r"(?<![\w'’‐‑-])(?=([A-Za-z]+) ([A-Za-z]+)(?![\w'’‐‑-]))")
# a closing bracket or curly quote glued to the next word: 'Herpes)can', 'call “hypoplasia”those'
GLUED_CLOSE_RE = re.compile(r"(?<=[\w.])[)\]”](?=[a-z])")
# the document shows the symptom when at least this many clause dashes are missing (and one
# per SYMPTOM_WORDS words): correct text never glues "expected" to "what"
SYMPTOM_MIN = 3
SYMPTOM_WORDS = 500


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en")


def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of one English word (0 when it does not list the word)."""
    frequency = _frequencies().get(word.lower(), 0.0)
    return math.log10(frequency) + 9 if frequency else 0.0


def _is_plural(word: str) -> bool:
    """'factors', 'infections', 'hazards': a plural of a common word ends a noun phrase."""
    w = word.lower()
    if not w.endswith("s") or w.endswith(("ss", "us", "is")):
        return False
    return zipf(w[:-1]) >= COMMON_ZIPF or (w.endswith("es") and zipf(w[:-2]) >= COMMON_ZIPF)


def _dash(first: str, second: str) -> str | None:
    """The dash lost between two words: an em dash at a clause boundary ("expected—what",
    "factors—maternal"), a hyphen in a compound ("hand-eye", "X-linked"), None when unclear."""
    if zipf(second) >= FUNCTION_ZIPF or _is_plural(first):
        return EM_DASH
    if zipf(second) >= UNCLEAR_ZIPF:
        return None
    return "-"


def _word_splits(word: str) -> list[int]:
    """Cut points where a token splits into two common words. A one-letter first part only as a
    capital symbol ("X-linked", "T-cell"), never the words "A" or "I"."""
    out = []
    for i in range(1, len(word) - 1):
        first, second = word[:i], word[i:]
        if len(first) == 1 and not (first.isupper() and first not in "AI"):
            continue
        if zipf(first) >= COMMON_ZIPF and zipf(second) >= COMMON_ZIPF:
            out.append(i)
    return out


def _forms(pattern: re.Pattern[str], text: str) -> dict[str, set[int]]:
    """Word pairs written apart in the text, by their glued form: {"denovo": {2}} for "de‑novo"."""
    out: dict[str, set[int]] = {}
    for first, second in pattern.findall(text):
        out.setdefault((first + second).lower(), set()).add(len(first))
    return out


def _restore(
    text: str, start: int, end: int, hyphenated: dict[str, set[int]], spaced: dict[str, set[int]], sentence_start: bool
) -> Repair | None:
    word = text[start:end]
    if not 4 <= len(word) <= MAX_GLUED or not (word.islower() or (word[0].isupper() and word[1:].islower())):
        return None  # acronyms, gene symbols and camel-case names ("EveryLife") are left alone
    if word[0].isupper() and not sentence_start and zipf(word[1:]) < COMMON_ZIPF:
        return None  # a capitalised word inside a sentence is a name ("Matthay"), unless "Xlinked"
    frequency = zipf(word)
    if frequency >= RARE_ZIPF:
        return None
    lower = word.lower()
    cuts = sorted(hyphenated.get(lower, ()))
    if len(cuts) == 1:  # the document spells it with a hyphen elsewhere
        return Repair(start, end, word[: cuts[0]] + "-" + word[cuts[0] :])
    cuts = sorted(spaced.get(lower, ()))
    if len(cuts) != 1 and frequency < ABSENT_ZIPF:
        cuts = _word_splits(word)
    if len(cuts) != 1:
        return None
    dash = _dash(word[: cuts[0]], word[cuts[0] :])
    return Repair(start, end, word[: cuts[0]] + dash + word[cuts[0] :]) if dash else None


def _regions(sections: list[Section], tables: list[Table]) -> list[tuple[int, int]]:
    """The spans whose words are read: paragraphs, and each cell of a table line on its own."""
    rows = {(r.start, r.end): r for t in tables for r in (t.header, *t.rows)}
    out: list[tuple[int, int]] = []
    for section in sections:
        if section.kind is SectionKind.REFERENCES:
            continue  # names and journal abbreviations, not prose
        for p in section.paragraphs:
            row = rows.get((p.start, p.end))
            out.extend([(c.start, c.end) for c in row.cells] if row else [(p.start, p.end)])
    return out


def _glued_closings(text: str, start: int, end: int) -> list[int]:
    """Closing brackets and quotes directly followed by a word; a straight double quote is a
    closing one when an odd number of them came before it in the paragraph."""
    out = [m.start() for m in GLUED_CLOSE_RE.finditer(text, start, end)]
    quotes = [start + m.start() for m in re.finditer('"', text[start:end])]
    out.extend(q for q in quotes[1::2] if q + 1 < end and text[q + 1].islower() and not text[q - 1].isspace())
    return sorted(out)


def lost_dash_repairs(text: str, sections: list[Section], tables: list[Table]) -> tuple[Repair, ...]:
    """Readings that put back the dashes a conversion dropped, if the document shows that symptom:
    none for a document whose text is right."""
    hyphenated, spaced = _forms(HYPHENATED_RE, text), _forms(SPACED_RE, text)
    repairs: list[Repair] = []
    n_words = 0
    for start, end in _regions(sections, tables):
        region = text[start:end]
        for m in WORD_RE.finditer(region):  # a region's edges are word edges (table cells)
            n_words += 1
            # a few characters back tell whether a sentence starts here (opening quotes, bullets skipped)
            before = region[max(0, m.start() - 20) : m.start()].rstrip(" \t\n\"'“‘(•*-–")
            sentence_start = not before or before[-1] in ".!?:;"
            repair = _restore(text, start + m.start(), start + m.end(), hyphenated, spaced, sentence_start)
            if repair:
                repairs.append(repair)
        repairs.extend(Repair(at, at + 1, text[at] + EM_DASH) for at in _glued_closings(text, start, end))
    clause_dashes = sum(1 for r in repairs if EM_DASH in r.text)
    if clause_dashes < max(SYMPTOM_MIN, n_words // SYMPTOM_WORDS):
        return ()
    return tuple(sorted(repairs, key=lambda r: r.start))
