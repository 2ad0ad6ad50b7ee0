"""Cleaning on the real documents: hyphen joins, re-flow, sections, furniture removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DOCS

from assistant.cleaning import clean
from assistant.document_files import load_file
from assistant.documents import Span
from assistant.loaders import load_folder
from assistant.schema import SectionKind

NECROSIS = DOCS / "postinfective-cerebellar-necrosis.txt"
OMS = DOCS / "oms-neuroblastoma-cerebellar-hypoperfusion.md"
ARTICLE = DOCS / "cerebellar-hypoplasia-causes.txt"


def cleaned(path: Path):
    raw, _ = load_file(path)
    return clean(raw)


def titles(doc) -> list[str]:
    return [s.title for s in doc.sections]


def test_hyphenated_line_breaks_are_joined():
    doc = cleaned(NECROSIS)
    for word in (
        "thrombocytopenia",
        "gastroenteritis",
        "ventriculoperitoneal",
        "analysis",
        "symmetrical",
        "conditions",
        "cerebellar tonsils",
        "established",
        "bilaterally symmetrical",
    ):
        assert word in doc.text, word
    assert "throm-" not in doc.text and "\n" not in doc.sections[0].title
    # a real hyphen stays where the hyphenated form is used elsewhere in the text
    assert "non-progressive" in doc.text and "1-year-old" in doc.text
    # a word split across a page break in the markdown paper
    assert "metaiodobenzylguanidine" in cleaned(OMS).text


def test_hard_wrapped_lines_are_reflowed_and_page_breaks_joined():
    doc = cleaned(NECROSIS)
    para = doc.text[doc.sections[0].paragraphs[0].start : doc.sections[0].paragraphs[0].end]
    assert para.startswith("A developmentally normal, previously well 1-year-old girl presented")
    assert "\n" not in para
    assert "striatal necrosis in children,5 the isolated extensive" in doc.text
    oms = cleaned(OMS)
    assert "much lower uptake than that in the cerebral cortex on SPECT (Figure 2)" in oms.text
    assert "The mass was surgically removed" in oms.text


def test_headings_and_captions_become_sections():
    doc = cleaned(NECROSIS)
    assert titles(doc) == ["Description", "Figure 1", "Figure 2", "Patient’s perspective", "Learning points"]
    kinds = {s.title: s.kind for s in doc.sections}
    assert kinds["Figure 1"] is SectionKind.CAPTION
    assert len(doc.sections[-1].paragraphs) == 3  # the three learning points

    oms = cleaned(OMS)
    assert titles(oms)[:3] == ["Abstract", "Introduction", "Case Report"]
    assert {"Figure 1", "Figure 2", "Figure 3", "Discussion", "References"} <= set(titles(oms))

    article = cleaned(ARTICLE)
    for t in (
        "Quick Snapshot",
        "What Is It?",
        "Genetic Causes › Key Genes Involved",
        "Conclusion",
        "Treatment Options › TherapyFocused Care",
        "FAQs › How is cerebellar hypoplasia diagnosed?",
    ):
        assert t in titles(article), t
    assert "\nTreatment Options\nTherapyFocused Care\n" in article.text


def test_page_furniture_is_dropped():
    oms = cleaned(OMS).text
    for junk in (
        "Please cite this paper as",
        "All rights reserved",
        "Corresponding author",
        "Open Access article",
        "<sup>",
        "Department of Diagnostic Imaging",
        "Received: 29 Jun 2022",
        "doi:10.22038",
    ):
        assert junk not in oms, junk
    article = cleaned(ARTICLE).text
    for junk in ("Table Of Content", "Related Coverage", "Why Ribose Sparked", "Other Providers"):
        assert junk not in article, junk
    assert "\nClose\n" not in article
    # the article's own text, including its disclaimer, stays
    assert "Disclaimer: This article is for informational purposes only" in article


def test_reference_list_is_its_own_section():
    oms = cleaned(OMS)
    refs = [s for s in oms.sections if s.kind is SectionKind.REFERENCES]
    assert len(refs) == 1 and len(refs[0].paragraphs) == 9
    first = oms.text[refs[0].paragraphs[0].start : refs[0].paragraphs[0].end]
    assert first.startswith("Rössor T") and "*" not in first
    body = [s for s in oms.sections if s.kind is not SectionKind.REFERENCES]
    assert all(s.end <= refs[0].start for s in body)


def test_text_is_never_rewritten():
    """Every paragraph's words occur in the source once whitespace and line-break hyphens are folded."""
    import re

    for path in (NECROSIS, OMS, ARTICLE):
        raw_text = path.read_text(encoding="utf-8")
        folded = re.sub(r"[^a-z0-9]", "", re.sub(r"-\s*\n\s*", "", raw_text).lower())
        doc = cleaned(path)
        for s in doc.sections:
            for p in s.paragraphs:
                words = re.sub(r"[^a-z0-9]", "", doc.text[p.start : p.end].lower())
                assert words in folded, (path.name, doc.text[p.start : p.start + 80])


def test_unreadable_files_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text("Heading\n\nThe cerebellum coordinates balance.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    result = load_folder(tmp_path)
    assert [d.doc_id for d in result.documents] == ["good"]
    joined = "\n".join(result.warnings)
    for name in ("empty.txt", "binary.txt", "notes.docx"):
        assert name in joined


def test_html_loader_keeps_text_and_drops_scripts(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Ataxia guide</title><script>alert(1)</script></head><body>"
        '<h1>Ataxia guide</h1><h2>What is ataxia?</h2><p onclick="x()">Ataxia means unsteady movement.'
        "</p><ul><li>Falls</li></ul></body></html>",
        encoding="utf-8",
    )
    raw, _ = load_file(page)
    doc = clean(raw)
    assert raw.meta.title == "Ataxia guide"
    assert "alert(1)" not in doc.text and "onclick" not in doc.text
    assert [s.title for s in doc.sections] == ["What is ataxia?"]
    assert "Ataxia means unsteady movement." in doc.text and "Falls" in doc.text


@pytest.mark.parametrize("path", [NECROSIS, OMS, ARTICLE])
def test_real_documents_have_metadata(path):
    raw, warnings = load_file(path)
    assert warnings == []
    assert raw.meta.title and raw.meta.doc_type in ("case report", "plain-language article")


def test_table_with_lost_cell_separators_is_recovered():
    doc = cleaned(ARTICLE)
    assert len(doc.tables) == 1
    table = doc.tables[0]

    def cells(row):
        return [doc.text[c.start : c.end] for c in row.cells]

    assert table.n_columns == 3 and cells(table.header) == ["Gene", "Mutation Type", "Typical Phenotype"]
    assert [cells(r) for r in table.rows] == [
        ["CACNA1A", "Missense/Deletion", "Ataxia, tremor, sometimes epilepsy"],
        ["ITPR1", "Lossoffunction", "Earlyonset ataxia, developmental delay"],
        ["KIF1A", "Dominant denovo", "Severe motor impairment, peripheral neuropathy"],
        ["CASK", "Xlinked", "Microcephaly, intellectual disability, cerebellar hypoplasia"],
        ["BICD2", "Missense", "Lowerlimb weakness, spinal muscular atrophylike features"],
    ]
    section = doc.section_at(table.header.start)
    assert section.title == "Genetic Causes › Key Genes Involved"
    for row in (table.header, *table.rows):  # each line is its own paragraph; its cells tile it
        assert Span(row.start, row.end) in section.paragraphs
        assert row.cells[0].start == row.start and row.cells[-1].end == row.end
    # the text stays as received
    assert "GeneMutation TypeTypical Phenotype\nCACNA1AMissense/DeletionAtaxia" in doc.text


def test_other_tables_of_the_kind_are_recovered_and_prose_is_not_a_table(tmp_path):
    path = tmp_path / "scans.txt"
    path.write_text(
        "Scans In Childhood\n\nWhich Scan When\n\n"
        "ScanRadiation DoseBest For\n"
        "MRINoneSoft tissue, the cerebellum\n"
        "CTHighBleeding, fractures\n"
        "UltrasoundNoneNewborn brain through the fontanelle\n\n"
        "McDonald and the iPhone team\nwrote a paper on YouTube videos\nabout scans in children.\n",
        encoding="utf-8",
    )
    raw, _ = load_file(path)
    doc = clean(raw)
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert [doc.text[c.start : c.end] for c in table.header.cells] == ["Scan", "Radiation Dose", "Best For"]
    assert [[doc.text[c.start : c.end] for c in r.cells] for r in table.rows] == [
        ["MRI", "None", "Soft tissue, the cerebellum"],
        ["CT", "High", "Bleeding, fractures"],
        ["Ultrasound", "None", "Newborn brain through the fontanelle"],
    ]
    assert "McDonald and the iPhone team wrote a paper" in doc.text  # prose re-flowed as before


def test_lost_dashes_are_recorded_as_repairs_not_rewrites():
    doc = cleaned(ARTICLE)
    assert doc.repairs == tuple(sorted(doc.repairs, key=lambda r: r.start))
    readings = {doc.text[r.start : r.end]: r.text for r in doc.repairs}
    assert readings["handeye"] == "hand-eye" and readings["eyemovement"] == "eye-movement"
    assert readings["expectedwhat"] == "expected—what" and readings["Xlinked"] == "X-linked"
    assert readings["denovo"] == "de-novo"  # the article spells "de‑novo" in its FAQ
    for kept in ("drugscan", "EveryLife", "CACNA", "TherapyFocused"):  # ambiguous, or a name
        assert kept not in readings, kept
    assert "handeye" in doc.text and "hand-eye" not in doc.text
    assert doc.readable(0, len(doc.text)).count("hand-eye coordination") == 1
    for path in (NECROSIS, OMS):  # correct text: nothing to put back
        assert cleaned(path).repairs == ()


def test_tables_and_repairs_round_trip_through_the_store():
    import json

    from assistant.documents import Document

    for path in (ARTICLE, NECROSIS):
        doc = cleaned(path)
        assert Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc
