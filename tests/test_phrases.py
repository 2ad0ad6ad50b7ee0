"""PhraseTable: whole-word, case-insensitive phrase matching with a first-word prefilter."""

from assistant.phrases import PhraseTable


def table() -> PhraseTable[str]:
    return PhraseTable(
        [
            (["tummy bug", "stomach bug"], "gastroenteritis"),
            (["wobbly", "wobbles"], "ataxia"),
            (["x-linked"], "X-linked"),
            (["(odd) form"], "odd"),
        ]
    )


def test_finds_forms_as_whole_words_in_any_case_and_spacing():
    found = [(m.group(0), v) for m, v in table().all_matches("My WOBBLY boy had a Tummy\n bug; wobbles again")]
    assert found == [("Tummy\n bug", "gastroenteritis"), ("WOBBLY", "ataxia"), ("wobbles", "ataxia")]


def test_no_match_inside_a_longer_word_or_hyphenated_word():
    assert list(table().all_matches("unwobbly tummy-bugs non-wobbly")) == []


def test_first_matches_gives_one_match_per_row_in_row_order():
    found = [v for _, v in table().first_matches("wobbly, wobbly, X-linked and a stomach bug")]
    assert found == ["gastroenteritis", "ataxia", "X-linked"]


def test_a_form_that_does_not_begin_with_a_word_is_still_found():
    assert [v for _, v in table().first_matches("an (odd) form here")] == ["odd"]


def test_values_in_row_order():
    assert table().values == ["gastroenteritis", "ataxia", "X-linked", "odd"]


def test_compile_all_compiles_each_pattern_once_and_finds_the_same():
    table = PhraseTable([(["tummy bug"], "a"), (["wobbly"], "b"), (["head size"], "c")])
    lazy = PhraseTable([(["tummy bug"], "a"), (["wobbly"], "b"), (["head size"], "c")])
    assert [v for _, v in lazy.first_matches("my wobbly baby")] == ["b"]  # compiles one row only
    assert lazy.compile_all() == 2 and lazy.compile_all() == 0
    assert table.compile_all() == 3
    text = "Her TUMMY  bug came first; now she is wobbly"
    assert [(m.group(0), v) for m, v in table.all_matches(text)] == [(m.group(0), v) for m, v in lazy.all_matches(text)]
