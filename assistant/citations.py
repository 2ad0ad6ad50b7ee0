"""Human-readable citations and evidence labels."""

from __future__ import annotations

from .documents import DocumentMeta


def citation(meta: DocumentMeta, section: str) -> str:
    """e.g. "Takenaka J, et al. Asia Ocean J Nucl Med Biol. 2023 — Discussion"."""
    parts = []
    authors = meta.short_authors()
    if authors:
        parts.append(authors.rstrip(".") + ".")
    if meta.journal:
        parts.append(meta.journal.rstrip(".") + ".")
    if meta.year:
        parts.append(f"{meta.year}")
    if not authors:
        parts.insert(0, _short_title(meta.title) + ".")
    head = " ".join(parts).strip()
    return f"{head} — {section}" if section else head


def full_reference(meta: DocumentMeta) -> str:
    """Title, authors, journal or site, year, DOI or source; unknown parts left out."""
    bits = []
    if meta.authors:
        bits.append(", ".join(meta.authors) + ".")
    bits.append(meta.title.rstrip(".") + ".")
    if meta.journal:
        bits.append(meta.journal.rstrip(".") + ".")
    if meta.year:
        bits.append(f"{meta.year}.")
    if meta.doi:
        bits.append(f"doi:{meta.doi}")
    elif meta.source:
        bits.append(meta.source)
    return " ".join(bits)


def _short_title(title: str, limit: int = 70) -> str:
    title = title.split(" [")[0].strip()
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"
