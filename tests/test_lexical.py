"""BM25 (bm25s): question words are stop words, stems match, the index saves without pickle."""

from assistant.lexical import BM25Index, tokenize


def test_question_words_are_dropped_and_words_stemmed():
    assert tokenize(["What does the treatment of tumours involve?"])[0] == ["treatment", "tumour", "involv"]


def test_search_ranks_the_matching_text_first_and_skips_zero_scores(tmp_path):
    index = BM25Index.build(["the cerebellum coordinates balance", "tumours of the adrenal gland", "nothing here"])
    assert [row for row, _ in index.search("adrenal tumour", 3)] == [1]
    assert index.search("what is it", 3) == []  # only stop words: no result rather than noise
    index.save(tmp_path / "bm25")
    assert not list((tmp_path / "bm25").glob("*.pkl"))
    again = BM25Index.load(tmp_path / "bm25")
    assert again.search("balance", 2) == index.search("balance", 2) and again.size == 3


def test_tokenize_gives_bm25s_own_terms_on_the_documents(assistant):
    import bm25s

    from assistant.lexical import _stemmer, stopwords

    texts = [c.text for c in assistant.index.chunks] + ["", "Ünïcode café ÉCOLE", "x-linked 12 3d İstanbul ß"]
    theirs = bm25s.tokenize(texts, stopwords=list(stopwords()), stemmer=_stemmer(), return_ids=False)
    assert tokenize(texts) == theirs


def test_search_breaks_score_ties_by_row():
    index = BM25Index.build(["ataxia", "hypotonia", "ataxia", "ataxia and more words here"])
    hits = index.search("ataxia", 4)
    assert [row for row, _ in hits] == [0, 2, 3] and hits[0][1] == hits[1][1] > hits[2][1]
