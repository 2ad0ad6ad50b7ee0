"""Plain-language explanations of medical terms, from ``assistant/data/glossary.json``.

Each entry: term, aliases, explanation, source (a verbatim quote from a document where one
explains the term, otherwise "project-written")."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from .schema import GlossaryEntry


def quoted_doc(source: str) -> str:
    """The doc_id an explanation is quoted from ("" when written for this assistant)."""
    if not source.startswith("document: "):
        return ""
    return source[len("document: ") :].split(" — ", 1)[0].strip()


def cited(entry: GlossaryEntry, documents) -> GlossaryEntry:
    """The entry with ``quoted_from`` set to its document's citation (documents: doc_id -> Document)."""
    from .citations import citation

    doc = documents.get(quoted_doc(entry.source)) if entry.quoted_from else None
    return replace(entry, quoted_from=citation(doc.meta, "")) if doc else entry


@lru_cache(maxsize=1)
def _entries() -> tuple[tuple[GlossaryEntry, re.Pattern], ...]:
    data = json.loads(resources.files("assistant.data").joinpath("glossary.json").read_text(encoding="utf-8"))
    out = []
    for item in data:
        forms = sorted({item["term"], *item.get("aliases", [])}, key=len, reverse=True)
        alternatives = "|".join(re.escape(f).replace(r"\ ", r"[\s\-]+") for f in forms if f.strip())
        pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)
        out.append(
            (GlossaryEntry(item["term"], item["explanation"], item["source"], quoted_doc(item["source"])), pattern)
        )
    return tuple(out)


def all_entries() -> list[GlossaryEntry]:
    return [e for e, _ in _entries()]


def find_terms(text: str) -> list[GlossaryEntry]:
    """Glossary entries whose term or alias occurs in text, in order of first occurrence;
    a term inside a longer matched term ("cerebellum" in "cerebellar hypoplasia") still counts."""
    found = []
    for entry, pattern in _entries():
        m = pattern.search(text)
        if m:
            found.append((m.start(), entry))
    found.sort(key=lambda x: x[0])
    return [e for _, e in found]


def term_patterns() -> list[tuple[str, re.Pattern]]:
    return [(e.term, p) for e, p in _entries()]
