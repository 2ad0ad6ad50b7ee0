"""HTML documents become Markdown-like text: headings, paragraphs and list items in order,
citation metadata read, scripts and navigation dropped."""

from assistant.html_text import html_to_markdown

PAGE = """<html><head><title>T</title><meta name="citation_author" content="Roe A">
<meta name="citation_journal_title" content="J Test"><meta name="citation_date" content="2021/05/01">
<script>alert(1)</script></head><body><nav>Home | About</nav><h2>Findings</h2>
<p>The   cerebellum was <b>small</b>.</p><ul><li>ataxia</li><li>nystagmus</li></ul><footer>(c)</footer></body></html>"""


def test_structure_and_metadata():
    text, meta = html_to_markdown(PAGE)
    assert text == "## Findings\n\nThe cerebellum was small .\n\n• ataxia\n\n• nystagmus"
    assert meta == {"title": "T", "authors": ("Roe A",), "journal": "J Test", "year": 2021}


def test_text_without_blocks_is_kept():
    assert html_to_markdown("<body>just words</body>")[0] == "just words"
