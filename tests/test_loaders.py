"""Bad documents beside the real ones: the build names each bad file with its reason, indexes
the rest, and the real documents stay searchable. Scripts and event handlers end up inert.

One build (real model, the real documents plus the bad files) for the module.
The 50 MB file is generated in the temporary folder, never committed: the loader's limit is
MAX_FILE_BYTES (20 MiB) per document, so it is skipped with a warning. A bigger limit would not
help anyone: a 50 MB text is ~100,000 chunks, hours of CPU embedding, and no real article is
a thousandth of that (PDFs, whose images make them big, are measured the same way).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from assistant.document_files import MAX_FILE_BYTES, DocumentError, doc_id_for, load_file
from assistant.index_build import build_index
from assistant.indexer import load_index, stale_reasons
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import IndexStore

DOCS = Path(__file__).resolve().parent.parent / "docs_src"
HUGE_BYTES = 50 * 1000 * 1000

XSS_HTML = """<!doctype html><html><head><title>Hostile page</title>
<script>window.__xss = 1; alert("head")</script>
<style>body { background: url(javascript:alert(1)) }</style></head>
<body onload="alert('body')">
<h1 onclick="alert('h1')">Quokka vermis study</h1>
<p onmouseover="alert('p')" style="x:expression(alert(1))">The quokka vermis was measured in every animal.
<img src="x" onerror="alert('img')"><a href="javascript:alert('link')">a link</a></p>
<svg onload="alert('svg')"><script>alert('svg script')</script></svg>
<iframe src="javascript:alert('frame')"></iframe><!-- alert('comment') -->
<p>Escaped markup stays text: &lt;i&gt;kept&lt;/i&gt;</p>
</body></html>"""
XSS_TEXT = (
    "# Wallaby notes\n\nThe wallaby cerebellum was examined. <script>alert('md')</script> "
    "<img src=x onerror=\"alert('md img')\"> [click](javascript:alert('md link'))\n"
)

GOOD_EXTRA = {  # file name -> a sentence only that file has
    "notes with spaces.txt": "The numbat cerebellum is small.",
    "ünïcödé 文档 (draft).md": "The bilby vermis is large.",
    "UPPER Case.TXT": "The potoroo gait is steady.",
}
BAD = {  # file name -> words the warning must contain
    "empty.txt": "empty",
    "binary.txt": "binary",
    "noise.md": "binary",
    "picture.png": "unsupported",
    "archive": "unsupported",
    "broken.pdf": "PDF",
    "huge.txt": "limit",
    "bad-year.txt": "year",
    "list-meta.txt": "JSON object",
    "not-json.txt": "not valid JSON",
    "only-punctuation.txt": "no text left",
}


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("baddocs")
    docs = root / "docs"
    shutil.copytree(DOCS, docs)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (docs / "noise.md").write_bytes(bytes((i * 7919 % 254) + 1 for i in range(20000)))  # no NUL, no text
    (docs / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    (docs / "archive").write_bytes(b"PK\x03\x04" + os.urandom(512))
    (docs / "broken.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n" + os.urandom(300)
    )
    line = b"The cerebellum coordinates movement and balance in every child. " * 16 + b"\n"
    with (docs / "huge.txt").open("wb") as fh:
        for _ in range(HUGE_BYTES // len(line) + 1):
            fh.write(line)
    (docs / "bad-year.txt").write_text("The dunnart cerebellum is tiny.\n")
    (docs / "bad-year.meta.json").write_text('{"title": "X", "year": "twenty twenty"}')
    (docs / "list-meta.txt").write_text("The kowari cerebellum is tiny.\n")
    (docs / "list-meta.meta.json").write_text("[1, 2, 3]")
    (docs / "not-json.txt").write_text("The mulgara cerebellum is tiny.\n")
    (docs / "not-json.meta.json").write_text("{title: oops")
    (docs / "only-punctuation.txt").write_text("... --- *** !!! ???\n\n" * 20)
    (docs / "windows-1252.txt").write_bytes(
        "The caf\xe9 owner\u2019s child had an unsteady gait; the ph\xe6ochromocytoma was ruled out.\n".encode("cp1252")
    )
    (docs / "utf16.txt").write_bytes("The antechinus gait was clumsy.\n".encode("utf-16"))
    for name, sentence in GOOD_EXTRA.items():
        (docs / name).write_text(f"# Small note\n\n{sentence} It was measured twice.\n", encoding="utf-8")
    (docs / os.fsdecode(b"caf\xe9-latin1-name.txt")).write_text("The quoll cerebellum is fine.\n")
    (docs / "hostile.html").write_text(XSS_HTML)
    (docs / "hostile-markdown.md").write_text(XSS_TEXT)
    (docs / "hostile-text.txt").write_text(XSS_TEXT.replace("wallaby", "pademelon").replace("Wallaby", "Pademelon"))
    (docs / "dup.md").write_text("The dibbler cerebellum is fine.\n")
    (docs / "dup.txt").write_text("The same id as dup.md.\n")
    (docs / ".hidden.txt").write_text("hidden files are not documents")
    return docs


@pytest.fixture(scope="module")
def built(bad_folder, tmp_path_factory, embedder):
    settings = Settings(docs_dir=bad_folder, index_dir=tmp_path_factory.mktemp("badindex"))
    logged: list[str] = []
    report = build_index(settings, embedder=embedder, progress=False, log=logged.append)
    return settings, report, logged


def warning_for(report, name: str) -> str:
    found = [w for w in report.warnings if w.startswith(name + ":")]
    assert len(found) == 1, (name, report.warnings)
    return found[0]


def test_each_bad_file_is_reported_once_with_its_reason(built):
    settings, report, logged = built
    for name, reason in BAD.items():
        w = warning_for(report, name)
        assert reason.lower() in w.lower(), w
        assert "\n" not in w and ("skipped" in w or "fix or remove" in w), w
        assert any(name in line for line in logged)  # also shown while building
    assert "MiB" in warning_for(report, "huge.txt") and f"{MAX_FILE_BYTES // 2**20} MiB" in warning_for(
        report, "huge.txt"
    )
    assert "Windows-1252" in warning_for(report, "windows-1252.txt")  # read, with a warning
    manifest = IndexStore(settings.index_dir).read_manifest()
    assert manifest["warnings"] == report.warnings  # kept in the manifest for later
    assert not any(w.startswith(".hidden") for w in report.warnings)
    assert "same id 'dup' as dup.md" in warning_for(report, "dup.txt")


def test_the_rest_is_indexed(built):
    settings, report, _ = built
    index = load_index(settings)
    ids = set(index.documents)
    real = {doc_id_for(p) for p in DOCS.iterdir() if not p.name.endswith(".meta.json")}
    assert real <= ids
    good = [
        *GOOD_EXTRA,
        "windows-1252.txt",
        "utf16.txt",
        "hostile.html",
        "hostile-markdown.md",
        "hostile-text.txt",
        "dup.md",
        os.fsdecode(b"caf\xe9-latin1-name.txt"),
    ]
    for name in good:
        assert doc_id_for(Path(name)) in ids, name
    for name in BAD:
        assert doc_id_for(Path(name)) not in ids, name
    assert report.documents == len(ids) == len(real) + len(good)
    for doc_id in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", doc_id), doc_id
    text = index.documents[doc_id_for(Path("windows-1252.txt"))].text
    assert "café owner’s child" in text and "phæochromocytoma" in text
    assert "antechinus" in index.documents[doc_id_for(Path("utf16.txt"))].text


def test_skipped_files_do_not_make_the_index_stale(built, embedder):
    settings, _, _ = built
    manifest = IndexStore(settings.index_dir).read_manifest()
    assert stale_reasons(settings, manifest) == []  # or every start would rebuild
    assert set(manifest["skipped"]) >= {doc_id_for(Path(n)) for n in BAD}


def test_real_documents_and_odd_names_are_searchable(built, embedder):
    settings, _, _ = built
    assistant = Assistant(settings, embedder=embedder)
    resp = assistant.ask("Which genes cause cerebellar hypoplasia?")
    top = resp.passages[0].chunk.text
    assert all(g in top for g in ("CACNA1A", "ITPR1", "KIF1A")), top
    resp = assistant.ask("What is the incidence of opsoclonus-myoclonus syndrome?")
    assert any("0.18 cases per million" in p.chunk.text for p in resp.passages[:3])
    for name, sentence in GOOD_EXTRA.items():
        animal = sentence.split()[1]
        resp = assistant.ask(f"What about the {animal}?", retriever="bm25")
        assert resp.passages and resp.passages[0].chunk.doc_id == doc_id_for(Path(name)), name
        assert animal in resp.passages[0].chunk.text
    resp = assistant.ask("What about the quoll?", retriever="bm25")
    assert resp.passages[0].chunk.doc_id == doc_id_for(Path(os.fsdecode(b"caf\xe9-latin1-name.txt")))
    json.dumps([r.path for r in assistant.index.documents.values()], ensure_ascii=False).encode("utf-8")


def test_html_scripts_and_handlers_are_dropped(built):
    settings, _, _ = built
    doc = load_index(settings).documents[doc_id_for(Path("hostile.html"))]
    assert "quokka vermis was measured" in doc.text.lower()
    low = doc.text.lower()
    for gone in (
        "alert(",
        "__xss",
        "onload",
        "onclick",
        "onerror",
        "onmouseover",
        "javascript:",
        "<script",
        "expression(",
        "comment",
    ):
        assert gone not in low, gone
    # markup the author escaped is the page's text, kept as text (and escaped again by the UI)
    assert "<i>kept</i>" in doc.text
    assert doc.meta.title == "Hostile page"


def test_markup_in_text_documents_is_inert_in_every_output(built, embedder):
    """.md/.txt keep their characters (they are the document's text); every output escapes them."""
    from assistant import ui

    settings, _, _ = built
    assistant = Assistant(settings, embedder=embedder)
    for animal, q in (
        ("wallaby", "What about the wallaby cerebellum?"),
        ("pademelon", "What about the pademelon cerebellum?"),
        ("quokka", "What about the quokka vermis?"),
    ):
        resp = assistant.ask(q, retriever="bm25")
        assert animal in resp.passages[0].chunk.text.lower()
        out = json.dumps(resp.to_json())  # the CLI's --json and the API: markup is a JSON string
        assert json.loads(out)["passages"][0]["text"] == resp.passages[0].chunk.text
        for html in (ui.reply_html(resp), ui.ChatApp(assistant).answer(q, "clinician", [])[0]):
            low = html.lower()
            assert "<script" not in low and "<img" not in low
            assert animal == "quokka" or "&lt;script&gt;" in low  # shown as text, escaped
            assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", low), "an event handler attribute in the HTML"
            assert re.search(r"<a [^>]*href=\"javascript", low) is None


def test_load_file_messages_name_the_file(bad_folder):
    for name in BAD:
        if name in ("only-punctuation.txt",):
            continue  # read fine; it is the cleaner that finds no text
        with pytest.raises(DocumentError) as err:
            load_file(bad_folder / name)
        assert str(err.value).startswith(name + ":") and "\n" not in str(err.value)


def test_a_folder_of_only_bad_files_says_so(tmp_path, embedder):
    from assistant.store import IndexMissing

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(b"\x00\x01" * 100)
    settings = Settings(docs_dir=docs, index_dir=tmp_path / "index")
    with pytest.raises(IndexMissing, match="no readable documents"):
        build_index(settings, embedder=embedder, progress=False, log=lambda m: None)
    assert not (tmp_path / "index" / "current").exists()
