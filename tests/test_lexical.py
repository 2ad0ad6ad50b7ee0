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
