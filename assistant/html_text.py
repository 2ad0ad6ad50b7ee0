"""HTML -> markdown-like text: headings become ``#`` lines, blocks become paragraphs.

Scripts, styles and every attribute are dropped, so event handlers never survive; what
remains is plain text that the UI escapes again when it shows it.
"""

from __future__ import annotations

import re

BLOCK_TAGS = ["p", "li", "div", "section", "article", "blockquote", "pre", "tr", "figcaption", "caption", "dd", "dt"]


def html_to_markdown(html: str) -> tuple[str, dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    meta: dict = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    authors = [m.get("content", "").strip() for m in soup.find_all("meta", attrs={"name": "citation_author"})]
    if any(authors):
        meta["authors"] = tuple(a for a in authors if a)
    for name, key in (("citation_journal_title", "journal"), ("citation_doi", "doi"), ("citation_title", "title")):
        tag = soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            meta[key] = tag["content"].strip()
    date = soup.find("meta", attrs={"name": re.compile("citation_(publication_)?date")})
    if date and (m := re.search(r"(19|20)\d\d", date.get("content", ""))):
        meta["year"] = int(m.group(0))
    for tag in soup(["script", "style", "noscript", "template", "iframe", "object", "head", "nav", "footer"]):
        tag.decompose()
    body = soup.body or soup
    lines: list[str] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", *BLOCK_TAGS]):
        if el.find(["h1", "h2", "h3", "h4", "h5", "h6", *BLOCK_TAGS]):
            continue  # only the innermost blocks carry text of their own
        text = " ".join(el.get_text(" ").split())
        if not text:
            continue
        if el.name.startswith("h"):
            lines.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            lines.append("• " + text)
        else:
            lines.append(text)
    if not lines:
        lines = [" ".join(body.get_text(" ").split())]
    return "\n\n".join(lines), meta
