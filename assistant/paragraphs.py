"""Raw text into classified paragraphs, the units cleaning works on.

The text is split into blocks at blank lines (a block that goes on in lower case after a page
break is joined to the one before); each block becomes paragraphs of one kind: a heading
(markdown ``#`` lines, or short unpunctuated lines in plain text), a figure or table caption, a
bullet or numbered item, a table's header and rows (``tables.py``), a line of a table-like
block, or a paragraph re-flowed from its wrapped lines with words hyphenated at line ends
joined. ``cleaning.py`` decides which of them to keep and lays them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .documents import RawDocument
from .tables import MIN_TABLE_ROWS, TERMINAL_RE, find_table, table_cells

BULLET_RE = re.compile(r"^\s*(?:[•►▪●◦‣∙·*\-–]|\d{1,3}\.)\s+(?=\S)")
CAPTION_RE = re.compile(r"^(?:fig(?:ure)?|table)\.?\s*(\d+[a-z]?)\b", re.IGNORECASE)
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class Para:
    text: str
    kind: str  # "para" | "heading" | "caption" | "bullet" | "line" | "header" | "row" (table lines)
    level: int = 0
    bullet: str = ""
    cells: tuple[tuple[int, int], ...] = ()  # table cells, offsets into text


def _inline_markdown(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\((?:[^)\s]+)\)", r"\1", text)  # [text](url) -> text
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\\([*_#\[\]()])", r"\1", text)
    text = re.sub(r"^((?:Figure|Fig\.|Table)\s*\d+[a-z]?\.)(?=[A-Za-z])", r"\1 ", text)
    return text


def join_lines(lines: list[str], whole_text: str) -> str:
    """Re-flow wrapped lines into one line, joining words hyphenated at line ends.

    "throm-" + "bocytopenia" -> "thrombocytopenia"; the hyphen stays when the hyphenated
    form occurs elsewhere in the document not at a line break ("non-progressive"), or when
    the part before it is not a lower-case word fragment ("T2-" + "weighted").
    """
    flat = re.sub(r"-[ \t]*\n\s*", "\x00", whole_text).lower()
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif re.search(r"\w-$", out):
            m = re.search(r"([a-z]+)-$", out)
            suffix = re.match(r"[a-z]+", line)
            if m and suffix and f"{m.group(1)}-{suffix.group(0)}" not in flat:
                out = out[:-1] + line
            else:
                out = out + line
        else:
            out = out + " " + line
    return out


def _is_heading_line(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > 90 or BULLET_RE.match(s) or CAPTION_RE.match(s):
        return False
    words = s.split()
    if s.endswith("?"):
        return len(words) <= 16
    if len(words) > 8 or TERMINAL_RE.search(s) or "," in s:
        return False
    return any(c.isalpha() for c in s) and (s[0].isupper() or s[0].isalpha())


def _split_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    # a page break inside a sentence: the next block goes on in lower case
    merged: list[list[str]] = []
    for block in blocks:
        prev = merged[-1] if merged else None
        if (
            prev
            and block[0].strip()[:1].islower()
            and not TERMINAL_RE.search(prev[-1])
            and len(" ".join(prev)) > 40
            and not MD_HEADING_RE.match(prev[-1].strip())
        ):
            prev.extend(block)
        else:
            merged.append(block)
    return merged


def paragraphs(raw: RawDocument) -> list[Para]:
    text = raw.text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    markdown = raw.fmt in ("md", "html")
    paras: list[Para] = []
    for block in _split_blocks(text):
        # markdown headings may share a block with text
        pending: list[str] = []
        for line in block:
            m = MD_HEADING_RE.match(line.strip()) if markdown else None
            if m:
                if pending:
                    paras.extend(_classify_block(pending, text, markdown))
                pending = []
                paras.append(Para(_inline_markdown(m.group(2)), "heading", level=len(m.group(1))))
            else:
                pending.append(line)
        if pending:
            paras.extend(_classify_block(pending, text, markdown))
    return paras


def _table_paras(lines: list[str]) -> list[Para]:
    header = lines[0].strip()
    paras = [Para(header, "header", cells=table_cells(header))]
    for line in lines[1:]:
        row = line.strip()
        cells = table_cells(row)
        paras.append(Para(row, "row", cells=cells) if len(cells) == len(paras[0].cells) else Para(row, "line"))
    return paras


def _classify_block(lines: list[str], whole: str, markdown: bool) -> list[Para]:
    if markdown:
        lines = [_inline_markdown(line) for line in lines]
    table = find_table(lines) if len(lines) > MIN_TABLE_ROWS else None
    if not table:
        return _classify_lines(lines, whole, markdown)
    first, end = table
    before = _classify_lines(lines[:first], whole, markdown) if first else []
    after = _classify_lines(lines[end:], whole, markdown) if end < len(lines) else []
    return [*before, *_table_paras(lines[first:end]), *after]


def _classify_lines(lines: list[str], whole: str, markdown: bool) -> list[Para]:
    # a bullet or numbered list: each item its own paragraph, wrapped lines joined to it
    if any(BULLET_RE.match(line) for line in lines):
        items: list[list[str]] = []
        for line in lines:
            if BULLET_RE.match(line) or not items:
                items.append([line])
            else:
                items[-1].append(line)
        out = []
        for item in items:
            joined = join_lines(item, whole)
            m = BULLET_RE.match(joined)
            if m:
                out.append(Para(joined[m.end() :], "bullet", bullet=joined[: m.end()].strip()))
            else:
                out.append(Para(joined, "para"))
        return out
    if not markdown and len(lines) == 1 and _is_heading_line(lines[0]):
        return [Para(lines[0].strip(), "heading")]
    if not markdown and len(lines) > 1:
        # a heading on the first line of a wrapped paragraph ("DesCripTion\nA developmentally ...")
        first = lines[0].strip()
        if (
            len(first.split()) <= 4
            and not re.search(r"[,.;:]", first)
            and TERMINAL_RE.search(lines[-1])
            and _is_heading_line(first)
        ):
            return [Para(first, "heading"), *_classify_lines(lines[1:], whole, markdown)]
        # a heading on the last line after a finished sentence ("... development.\n Learning points")
        last = lines[-1].strip()
        if len(last.split()) <= 5 and _is_heading_line(last) and re.search(r"[.!?]\s*$", lines[-2]):
            return [*_classify_lines(lines[:-1], whole, markdown), Para(last, "heading")]
    joined = join_lines(lines, whole)
    if CAPTION_RE.match(joined):
        return [Para(joined, "caption")]
    if (
        len(lines) > 1
        and not markdown
        and not TERMINAL_RE.search(lines[-1])
        and not re.search(r"[A-Za-z]-$", lines[-1].strip())
    ):
        # table-like block (rows without sentence punctuation): keep each line a paragraph
        return [Para(line.strip(), "line") for line in lines]
    return [Para(joined, "para")]
