"""Plain-language explanations of medical terms, from ``assistant/data/glossary.json``.

Each entry: term, aliases, explanation, source (a verbatim quote from a document where one
explains the term, otherwise "project-written")."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from .jsonfile import package_json
from .phrases import PhraseTable
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
def _entries() -> PhraseTable[GlossaryEntry]:
    data = package_json("glossary.json")
    return PhraseTable(
        [
            (
                [item["term"], *item.get("aliases", [])],
                GlossaryEntry(item["term"], item["explanation"], item["source"], quoted_doc(item["source"])),
            )
            for item in data
        ],
        gap=r"[\s\-]+",
    )


def compile_patterns() -> int:
    """Compile every term's pattern now (``PhraseTable.compile_all``)."""
    return _entries().compile_all()


def all_entries() -> list[GlossaryEntry]:
    return _entries().values


def find_terms(text: str) -> list[GlossaryEntry]:
    """Glossary entries whose term or alias occurs in text, in order of first occurrence;
    a term inside a longer matched term ("cerebellum" in "cerebellar hypoplasia") still counts."""
    found = sorted(((m.start(), entry) for m, entry in _entries().first_matches(text)), key=lambda x: x[0])
    return [e for _, e in found]
