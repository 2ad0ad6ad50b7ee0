"""Records of the documents' text: units round-trip through dicts."""

from assistant.documents import Sentence
from assistant.schema import SentenceKind


def test_sentence_round_trip_keeps_kind_and_display():
    s = Sentence(3, "d", "Genes", 10, 20, "CASKXlinked", SentenceKind.TABLE_ROW, "Gene: CASK; Type: X-linked")
    again = Sentence.from_dict(s.to_dict())
    assert again == s and again.readable == "Gene: CASK; Type: X-linked"
