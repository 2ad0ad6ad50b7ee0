"""Tables whose cell separators were lost in conversion ("GeneMutation TypeTypical Phenotype"):
where their cells are, read from camel-case boundaries, and where a table starts and ends."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

# a line that ends like a sentence is not a table header
TERMINAL_RE = re.compile(r"[.!?:;)\]”\"'](?:\d{1,3}(?:[,–-]\d{1,3})*)?\s*$")
# A cell boundary lost in a table line: lower -> Upper ("GeneMutation"), or the end of an
# upper-case run (digits included) before Upper+lower ("CASKXlinked" -> "CASK|Xlinked").
CELL_BOUNDARY_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])")
# a column name: one to four words, no sentence punctuation
COLUMN_NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9()/&%'’ -]*$")
MIN_TABLE_ROWS = 2


def table_cells(line: str) -> tuple[tuple[int, int], ...]:
    """Cell spans of a table line whose separators were lost, cut at camel-case boundaries."""
    cuts = [0, *(m.start() for m in CELL_BOUNDARY_RE.finditer(line)), len(line)]
    return tuple(pairwise(cuts))


def is_header(line: str, cells: tuple[tuple[int, int], ...]) -> bool:
    if len(line) > 120 or len(cells) < 2 or TERMINAL_RE.search(line):
        return False
    names = [line[a:b].strip() for a, b in cells]
    return all(COLUMN_NAME_RE.match(n) and len(n.split()) <= 4 for n in names)


def find_table(lines: list[str]) -> tuple[int, int] | None:
    """(first, end) line indices of a table in a block: a header line whose cells read as column
    names, then lines that split into as many cells. A line with a camel-case boundary but
    another cell count is ambiguous: it stays in the table as plain text. The table ends at the
    first line without any boundary."""
    stripped = [line.strip() for line in lines]
    cells = [table_cells(line) for line in stripped]
    found = None
    end = len(lines)
    following: Counter[int] = Counter()  # cell counts of the lines after this one, up to end
    for i in range(len(lines) - 1, -1, -1):  # backwards, so that each line is looked at once
        n = len(cells[i])
        if n < 2:
            end = i
            following.clear()
            continue
        if following[n] >= MIN_TABLE_ROWS and is_header(stripped[i], cells[i]):
            found = (i, end)
        following[n] += 1
    return found
