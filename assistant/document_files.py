"""Read one document file (.txt, .md, .html, .pdf) and its metadata sidecar into a RawDocument.

A file that cannot be read raises ``DocumentError`` with a message naming it and the reason:
empty, binary (NUL bytes, or over 2% control characters once decoded), over MAX_FILE_BYTES,
unsupported, an unreadable PDF, or a sidecar that is not a JSON object with a numeric year.
Text that is not UTF-8 (nor UTF-16 with a byte-order mark) is read as Windows-1252, with a
warning. File names need not be UTF-8: ids and messages use a printable form of the name.
Metadata comes from ``<stem>.meta.json`` beside the file (title, authors, journal, year,
doi, source, doc_type); HTML ``<meta name="citation_*">`` tags fill what the sidecar lacks.
A new document type is a reader here, registered in ``SUPPORTED``.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from .documents import DocumentMeta, RawDocument
from .jsonfile import read_json_object

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
META_SUFFIX = ".meta.json"
MAX_FILE_BYTES = 20 * 1024 * 1024
# Share of control / undecodable characters above which a file is treated as binary.
MAX_CONTROL_SHARE = 0.02


class DocumentError(Exception):
    """A document that cannot be read; the message names the file and the reason."""


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: lower-case, a-z0-9 and dashes."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if not slug or slug != stem:
        # keep ids unique for names that are not already clean (spaces, unicode, case)
        # os.fsencode: names that are not valid UTF-8 (surrogate escapes) still hash
        slug = (slug or "doc") + "-" + hashlib.sha1(os.fsencode(path.name)).hexdigest()[:6]
    return slug


def display_name(path: Path) -> str:
    """The file name, printable and JSON-safe even when it is not valid UTF-8."""
    return path.name.encode("utf-8", "backslashreplace").decode("utf-8")


def file_digest(path: Path) -> str:
    """sha256 of the file and of its sidecar, so a metadata edit also counts as a change."""
    h = hashlib.sha256(path.read_bytes())
    sidecar = meta_path(path)
    if sidecar.is_file():
        h.update(b"\0meta\0" + sidecar.read_bytes())
    return h.hexdigest()


def meta_path(path: Path) -> Path:
    return path.with_name((path.name[: -len(path.suffix)] if path.suffix else path.name) + META_SUFFIX)


def _control_share(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc"))
    return bad / len(sample)


def _decode(data: bytes, path: Path, warnings: list[str]) -> str:
    name = display_name(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{name}: starts like UTF-16 but does not decode ({exc.reason}); skipped") from exc
    else:
        if b"\x00" in data[:8192]:
            raise DocumentError(f"{name}: looks binary (NUL bytes); skipped")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            if _control_share(text) <= MAX_CONTROL_SHARE:
                warnings.append(f"{name}: not valid UTF-8; read as Windows-1252 (check the characters)")
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise DocumentError(f"{name}: looks binary (control characters, not text); skipped")
    return text


def _read_meta(path: Path, fallback_title: str) -> DocumentMeta:
    sidecar = meta_path(path)
    data: dict = {}
    name = f"{display_name(path)}: its metadata file {display_name(sidecar)}"
    if sidecar.is_file():
        try:
            data = read_json_object(sidecar)
        except ValueError as exc:
            raise DocumentError(f"{name} {exc}; fix or remove it; skipped") from exc
    year = data.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        raise DocumentError(f"{name} gives year {str(year)[:40]!r}, not a number; fix it; skipped") from None
    authors = data.get("authors") or ()
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, (list, tuple)):
        raise DocumentError(f"{name} must give authors as a list of names; fix it; skipped")

    def text_or_none(key: str) -> str | None:
        value = data.get(key)
        return None if value in (None, "") else str(value)

    return DocumentMeta(
        title=str(data.get("title") or fallback_title),
        authors=tuple(str(a) for a in authors),
        journal=text_or_none("journal"),
        year=year,
        doi=text_or_none("doi"),
        source=text_or_none("source"),
        doc_type=str(data.get("doc_type") or "document"),
    )


def load_file(path: Path) -> tuple[RawDocument, list[str]]:
    """Read one file; raises DocumentError with a clear reason when it cannot."""
    warnings: list[str] = []
    name = display_name(path)
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise DocumentError(
            f"{name}: unsupported file type {Path(name).suffix or '(none)'}; "
            f"supported: {', '.join(sorted(SUPPORTED))}; skipped"
        )
    try:
        size = path.stat().st_size
        if size == 0:
            raise DocumentError(f"{name}: empty file; skipped")
        if size > MAX_FILE_BYTES:
            raise DocumentError(
                f"{name}: {size / 2**20:.0f} MiB is over the {MAX_FILE_BYTES // 2**20} MiB limit per document; skipped"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{name}: cannot be read ({exc.strerror or exc}); skipped") from exc

    html_meta: dict = {}
    if fmt == "pdf":
        text = _pdf_text(path, data)
    else:
        text = _decode(data, path, warnings)
        if fmt == "html":
            from .html_text import html_to_markdown

            text, html_meta = html_to_markdown(text)
    if not text.strip():
        raise DocumentError(f"{name}: no text could be read; skipped")
    meta = _read_meta(path, html_meta.get("title") or first_line(text) or Path(name).stem)
    if html_meta:
        meta = DocumentMeta(
            title=meta.title,
            authors=meta.authors or tuple(html_meta.get("authors", ())),
            journal=meta.journal or html_meta.get("journal"),
            year=meta.year or html_meta.get("year"),
            doi=meta.doi or html_meta.get("doi"),
            source=meta.source,
            doc_type=meta.doc_type,
        )
    raw = RawDocument(
        doc_id=doc_id_for(path),
        path=str(path).encode("utf-8", "backslashreplace").decode("utf-8"),
        text=text,
        fmt=fmt,
        meta=meta,
        sha256=file_digest(path),
    )
    return raw, warnings


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def _pdf_text(path: Path, data: bytes) -> str:
    try:
        import io

        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise DocumentError(f"{display_name(path)}: PDF support needs pypdf (pip install pypdf)") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"{display_name(path)}: not a readable PDF ({exc}); skipped") from exc
    except Exception as exc:  # a hostile PDF can trip pypdf anywhere (recursion, struct, zlib)
        raise DocumentError(f"{display_name(path)}: not a readable PDF ({type(exc).__name__}: {exc}); skipped") from exc
