"""assistant/ui/render.py and reply.py: the pure renderers and what a reply says, on hand-made
Responses (no model, no server)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest

from assistant.citations import full_reference
from assistant.documents import Chunk, DocumentMeta
from assistant.responding import EMPTY_QUESTION, NOT_ANSWERED
from assistant.schema import (
    Alternative,
    Answer,
    AnswerKind,
    Audience,
    GlossaryEntry,
    Passage,
    Response,
    Retriever,
    SectionKind,
    Status,
)
from assistant.service import Context
from assistant.ui import render, reply

SCRIPT = "<script>alert(1)</script>"
ROW = "CASK\tX-linked\tMicrocephaly with pontine and cerebellar hypoplasia"
ROW_READABLE = "Gene: CASK; Mutation Type: X-linked; Phenotype: Microcephaly with pontine and cerebellar hypoplasia"
TEXTS = (
    f"Table 1. Genes.\n{ROW}\nRELN\tAutosomal recessive\tLissencephaly with cerebellar hypoplasia",
    "Opsoclonus-myoclonus syndrome is rare. It was reported in 2019 in a journal.",
    "Postinfective cerebellar necrosis followed acute gastroenteritis in a 1-year-old girl.",
)


def passage(i: int, text: str, title: str = "A document", citation: str = "") -> Passage:
    meta = DocumentMeta(
        title=title,
        authors=("Smith J", "Doe A"),
        journal="Neurology",
        year=2019,
        doi="10.1000/x",
        doc_type="case report",
    )
    chunk = Chunk(
        chunk_id=i,
        doc_id=f"doc-{i}",
        section="Results",
        section_kind=SectionKind.BODY,
        start=100,
        end=100 + len(text),
        text=text,
        sentence_ids=(i,),
        n_tokens=10,
        n_model_tokens=10,
    )
    return Passage(
        rank=i + 1,
        chunk=chunk,
        score=0.5 - i / 10,
        meta=meta,
        evidence=meta.evidence_label,
        citation=citation or f"Smith J, et al. Neurology. 2019 — Results {i + 1}",
    )


PASSAGES = tuple(passage(i, t) for i, t in enumerate(TEXTS))


def response(answer: Answer | None = None, audience: Audience = Audience.PARENT, **kw) -> Response:
    kw.setdefault("passages", PASSAGES)
    kw.setdefault("abstained", answer is None)
    return Response(
        question=kw.pop("question", "Which genes?"),
        standalone_question=kw.pop("standalone", "Which genes?"),
        audience=audience,
        retriever=Retriever.HYBRID,
        answer=answer,
        **kw,
    )


def sentence_answer(passage_index: int = 1, sentence: str = "Opsoclonus-myoclonus syndrome is rare.") -> Answer:
    text = PASSAGES[passage_index].chunk.text
    start = text.index(sentence)
    return Answer(
        text=sentence,
        passage=passage_index,
        start=start,
        end=start + len(sentence),
        doc_start=100 + start,
        doc_end=100 + start + len(sentence),
        score=0.9,
    )


TABLE_ANSWER = replace(sentence_answer(0, ROW), kind=AnswerKind.TABLE_ROW, display=ROW_READABLE)
METADATA_ANSWER = Answer(
    text="2019",
    passage=1,
    start=0,
    end=0,
    doc_start=0,
    doc_end=0,
    score=0.8,
    kind=AnswerKind.METADATA,
    display="Year of publication: 2019",
)


def answer_part(html: str) -> str:
    """The answer bubble (parent) or quote (clinician) of a reply."""
    m = re.search(r'<p class="asst-answer">.*?</p>|<blockquote class="asst-quote">.*?</blockquote>', html)
    assert m, html
    return m.group(0)


# -- answers of each kind -----------------------------------------------------------------------
@pytest.mark.parametrize("audience", list(Audience))
def test_a_passage_that_reads_otherwise_is_shown_readable_with_its_quote_marked(audience):
    # a chunk whose table lost its cell separators reads with its rows' column names; the quote
    # is marked where its readable form stands, and the CLI prints the readable passage too
    readable = f"Table 1. Genes.\n{ROW_READABLE}\nGene: RELN; Mutation Type: Autosomal recessive; Phenotype: …"
    shown = replace(PASSAGES[0], chunk=replace(PASSAGES[0].chunk, display=readable))
    html = render.reply_html(response(TABLE_ANSWER, audience, passages=(shown, *PASSAGES[1:])))
    assert set(re.findall(r"<mark>(.*?)</mark>", html)) == {render.esc(ROW_READABLE)}
    assert render.esc(ROW) not in html and "Gene: RELN; Mutation Type" in html
    text = render.reply_text(response(TABLE_ANSWER, audience, passages=(shown, *PASSAGES[1:])))
    assert "Table 1. Genes. Gene: CASK; Mutation Type: X-linked" in text
    # a readable form that does not hold the quote's: the verbatim passage, marked by offsets
    other = replace(PASSAGES[0], chunk=replace(PASSAGES[0].chunk, display="Table 1. Something else."))
    html = render.reply_html(response(TABLE_ANSWER, audience, passages=(other, *PASSAGES[1:])))
    assert set(re.findall(r"<mark>(.*?)</mark>", html)) == {render.esc(ROW)}


@pytest.mark.parametrize("audience", list(Audience))
def test_table_row_answer_shows_cells_and_marks_the_verbatim_row(audience):
    html = render.reply_html(response(TABLE_ANSWER, audience))
    bubble = answer_part(html)
    assert render.esc(ROW_READABLE) in bubble and "Gene: CASK; Mutation Type: X-linked; " in bubble
    assert ROW not in bubble
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert marks and set(marks) == {render.esc(ROW)}  # the passage view and Sources mark the verbatim row
    assert '<span class="asst-cite">[1]</span>' in bubble
    text = render.reply_text(response(TABLE_ANSWER, audience))
    assert text.startswith(f"Answer [1]: “{ROW_READABLE}”\n   — {PASSAGES[0].citation} (single case report)")


@pytest.mark.parametrize("audience", list(Audience))
def test_metadata_answer_is_labelled_with_its_citation(audience):
    html = render.reply_html(response(METADATA_ANSWER, audience))
    bubble = answer_part(html)
    assert '<span class="asst-label">Document details:</span> Year of publication: 2019' in bubble
    assert '<span class="asst-cite">[2]</span>' in bubble
    cited = PASSAGES[1].citation if audience is Audience.PARENT else full_reference(PASSAGES[1].meta)
    assert render.esc(cited) in html
    assert "<mark" not in html and "In the document:" not in html  # "2019" is in the passage: not marked
    text = render.reply_text(response(METADATA_ANSWER, audience))
    assert text.startswith(f"Document details [2]: Year of publication: 2019\n   — {PASSAGES[1].citation}")


def test_sentence_answer_parent_and_clinician():
    a = sentence_answer()
    parent = render.reply_html(response(a))
    assert answer_part(parent) == (
        '<p class="asst-answer">Opsoclonus-myoclonus syndrome is rare. <span class="asst-cite">[2]</span></p>'
    )
    assert "In the document:" in parent and "<mark>Opsoclonus-myoclonus syndrome is rare.</mark>" in parent
    clinician = render.reply_html(response(a, Audience.CLINICIAN))
    assert "“Opsoclonus-myoclonus syndrome is rare.”" in answer_part(clinician)
    assert clinician.index("asst-quote") < clinician.index("asst-ref") < clinician.index("Sources")
    assert "doi:10.1000/x" in clinician and "Smith J, Doe A." in clinician
    assert clinician.count('class="asst-source"') == len(PASSAGES)


def test_offsets_that_disagree_fall_back_to_the_quote_found_in_the_passage():
    a = replace(sentence_answer(), start=0, end=5)
    assert "<mark>Opsoclonus-myoclonus syndrome is rare.</mark>" in render.reply_html(response(a))
    assert reply.quote_span("abc", "zz", 0, 1) is None and reply.quote_span("abc", "", 0, 0) is None


# -- alternatives ------------------------------------------------------------------------------
def test_alternatives_are_listed_with_their_markers():
    alts = (
        Alternative(
            text="Postinfective cerebellar necrosis followed acute gastroenteritis",
            passage=2,
            start=0,
            end=63,
            score=0.7,
        ),
        Alternative(text=ROW, passage=0, start=16, end=16 + len(ROW), score=0.6, display=ROW_READABLE),
        Alternative(text="out of range", passage=9, start=0, end=3, score=0.5),
    )  # ignored
    resp = response(sentence_answer(), alternatives=alts)
    html = render.reply_html(resp)
    also = re.search(r'<div class="asst-also">(.*?)</div>', html).group(1)
    assert also.startswith("<strong>Also in the documents:</strong>") and also.count("<li>") == 2
    assert (
        '“Postinfective cerebellar necrosis followed acute gastroenteritis” <span class="asst-cite">[3]</span>'
    ) in also
    assert f'“{render.esc(ROW_READABLE)}” <span class="asst-cite">[1]</span>' in also
    assert html.index("asst-answer") < html.index("asst-also") < html.index("Sources")
    assert '<mark class="asst-alt">Postinfective cerebellar necrosis followed acute gastroenteritis</mark>' in html
    assert f'<mark class="asst-alt">{render.esc(ROW)}</mark>' in html  # the verbatim row, in Sources
    text = render.reply_text(resp)
    assert "\nAlso in the documents:\n  “Postinfective cerebellar necrosis followed acute gastroenteritis” [3] " in text
    assert f"  “{ROW_READABLE}” [1] {PASSAGES[0].citation}" in text and "out of range" not in text
    assert "Also in the documents" not in render.reply_html(response(sentence_answer()))


# -- words explained ---------------------------------------------------------------------------
GLOSSARY = (
    GlossaryEntry("cerebellum", "The back part of the brain.", "project-written"),
    GlossaryEntry("opsoclonus", "Rapid, random eye movements.", "oms", quoted_from="Smith J, et al. 2019"),
)


def test_glossary_provenance_is_marked_both_ways():
    resp = response(sentence_answer(), glossary=GLOSSARY)
    html = render.reply_html(resp)
    items = re.findall(r"<li><strong>.*?</li>", html)
    assert items[0] == (
        '<li><strong>cerebellum</strong>: The back part of the brain. <span class="asst-provenance">'
        "(written for this assistant, not from the documents)</span></li>"
    )
    assert items[1] == (
        "<li><strong>opsoclonus</strong>: “Rapid, random eye movements.” "
        '<span class="asst-provenance">(quoted from Smith J, et al. 2019)</span></li>'
    )
    text = render.reply_text(resp)
    assert (
        "Words explained:\n  cerebellum: The back part of the brain. (written for this assistant, not from "
        "the documents)\n  opsoclonus: Rapid, random eye movements. (quoted from Smith J, et al. 2019)"
    ) in text
    clinician = replace(resp, audience=Audience.CLINICIAN)
    assert "Words explained" not in render.reply_html(clinician) + render.reply_text(clinician)


# -- statuses ----------------------------------------------------------------------------------
def test_not_answered_lists_related_passages():
    resp = response(message=NOT_ANSWERED, notice="Not medical advice.")
    assert resp.status is Status.NOT_ANSWERED
    html = render.reply_html(resp)
    assert "The documents don&#x27;t answer this." in html and html.count("<li>") == len(PASSAGES)
    assert "Related passages" in html and "Not medical advice." in html and "<mark" not in html
    text = render.reply_text(resp)
    assert text.startswith("The documents don't answer this.\n\nRelated passages (they do not answer the question):")
    assert text.endswith("\n\nNot medical advice.")


def test_empty_question_error_and_missing_answer():
    empty = response(passages=(), message=EMPTY_QUESTION, status=Status.EMPTY_QUESTION, notice="ignored")
    html = render.reply_html(empty)
    assert "Please type a question." in html and "ignored" not in html and "Sources" not in html
    assert render.reply_text(empty) == EMPTY_QUESTION
    error = response(passages=(), message="The index is missing.", status=Status.ERROR)
    assert render.reply_html(error) == render.error_html("The index is missing.")
    assert render.reply_text(error) == "The index is missing."
    odd = response(None, abstained=False)  # ANSWERED without an answer: shown as not answered
    assert odd.status is Status.ANSWERED and "The documents don&#x27;t answer this." in render.reply_html(odd)


def test_searched_for_only_when_a_follow_up_was_resolved():
    follow = response(
        sentence_answer(), question="How is it treated?", standalone="How is opsoclonus-myoclonus syndrome treated?"
    )
    assert "Searched for: How is opsoclonus-myoclonus syndrome treated?" in render.reply_html(follow)
    assert "(searched as: How is opsoclonus-myoclonus syndrome treated?)" in render.reply_text(follow)
    same = response(sentence_answer(), question="  Which\tgenes? ", standalone="Which genes?")
    assert "Searched for" not in render.reply_html(same) and "searched as" not in render.reply_text(same)
    cut = response(sentence_answer(), question="Which genes? " * 100, standalone="Which genes?")
    assert "Searched for" not in render.reply_html(cut)


def test_text_sources_are_cut():
    long = passage(0, "word " * 200)
    text = render.reply_text(response(passages=(long,), message=NOT_ANSWERED))
    line = text.splitlines()[-1]
    assert line.startswith("    word word") and line.endswith("…") and len(line) == 4 + 400 + 1
    assert "[1] Smith J, et al. Neurology. 2019 — Results 1 · single case report · retrieval score 0.500" in text


def test_a_scored_passage_shows_how_well_it_answers_beside_its_retrieval_score():
    scored = replace(passage(0, "Ataxia is a lack of coordination."), answer_score=0.625)
    text = render.reply_text(response(passages=(scored,), message=NOT_ANSWERED))
    assert "single case report · answer score 0.62 · retrieval score 0.500" in text
    assert "answer score 0.62 · retrieval score 0.500" in render.reply_html(
        response(passages=(scored,), message=NOT_ANSWERED)
    )


# -- escaping ----------------------------------------------------------------------------------
def hostile_response(audience: Audience) -> Response:
    bad = passage(
        0, f'{SCRIPT} The drug {SCRIPT} helped. <img src=x onerror="alert(2)">', title=SCRIPT, citation=SCRIPT
    )
    bad = replace(
        bad,
        meta=replace(
            bad.meta, authors=(SCRIPT,), journal=SCRIPT, doi='x" onmouseover="alert(1)', source="javascript:alert(1)"
        ),
        chunk=replace(bad.chunk, section=SCRIPT),
    )
    quote = f"The drug {SCRIPT} helped."
    start = bad.chunk.text.index(quote)
    answer = Answer(
        text=quote,
        passage=0,
        start=start,
        end=start + len(quote),
        doc_start=0,
        doc_end=0,
        score=1,
        kind=AnswerKind.TABLE_ROW,
        display=f"Drug: {SCRIPT}",
    )
    return response(
        answer,
        audience,
        passages=(bad,),
        question=SCRIPT,
        standalone=f"what {SCRIPT}",
        alternatives=(Alternative(text=SCRIPT, passage=0, start=0, end=len(SCRIPT), score=1, display=SCRIPT),),
        glossary=(GlossaryEntry(SCRIPT, SCRIPT, SCRIPT, quoted_from=SCRIPT),),
        notice=SCRIPT,
    )


@pytest.mark.parametrize("audience", list(Audience))
def test_document_and_question_text_is_escaped(audience):
    resp = hostile_response(audience)
    html = render.reply_html(resp)
    assert "<script" not in html and "<img" not in html and 'onmouseover="' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"<mark>The drug {render.esc(SCRIPT)} helped.</mark>" in html
    assert render.reply_text(resp).count(SCRIPT) >= 3  # the terminal shows the text as it is
    metadata = replace(resp, answer=replace(resp.answer, kind=AnswerKind.METADATA))
    assert "<script" not in render.reply_html(metadata)
    abstained = replace(resp, answer=None, abstained=True, status=None, message=SCRIPT)
    assert "<script" not in render.reply_html(abstained)
    assert "<script" not in render.reply_html(replace(abstained, status=Status.ERROR))


def test_user_error_and_context_html_escape():
    assert render.user_html(SCRIPT) == '<span class="asst-user">&lt;script&gt;alert(1)&lt;/script&gt;</span>'
    assert "<script" not in render.error_html(SCRIPT, SCRIPT)
    long = render.user_html("a" * 10_000)
    assert "10,000 characters" in long and len(long) < 1000
    assert "(empty message)" in render.user_html("  ")
    section = f"Before {SCRIPT} quote after."
    ctx = Context(
        doc_id="d", title=SCRIPT, section=SCRIPT, text=section, mark_start=7, mark_end=7 + len(SCRIPT), citation=SCRIPT
    )
    html = render.context_html(ctx)
    assert "<script" not in html and f"<mark>{render.esc(SCRIPT)}</mark>" in html


def test_marked_skips_overlapping_and_outside_spans():
    text = "one two three"
    assert (
        render.marked(text, [(4, 7, ""), (0, 3, "a"), (5, 9, "b"), (8, 99, "c")])
        == '<mark class="a">one</mark> <mark>two</mark> three'
    )
    assert render.marked("a\n<b>", []) == "a<br>&lt;b&gt;"


# -- the CLI and the package -------------------------------------------------------------------
def test_cli_prints_the_text_renderer(capsys):
    from assistant.commands import _print_response

    resp = response(TABLE_ANSWER, glossary=GLOSSARY)
    _print_response(resp)
    assert capsys.readouterr().out == render.reply_text(resp) + "\n"


def test_importing_the_ui_package_loads_no_gradio():
    code = (
        "import sys; import assistant.ui.render, assistant.ui.handlers; from assistant.ui import serve, "
        "build_app, ChatApp; print('gradio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
