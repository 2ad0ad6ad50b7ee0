"""Citations name authors, journal and year when known, the title otherwise."""

from assistant.citations import citation, full_reference
from assistant.documents import DocumentMeta

CASE = DocumentMeta(
    title="A case",
    authors=("Takenaka J", "Hirata K"),
    journal="Asia Ocean J Nucl Med Biol",
    year=2023,
    doi="10.1/x",
    doc_type="case report",
)
ARTICLE = DocumentMeta(
    title="Cerebellar Hypoplasia Causes: Understanding & Support [site copy]",
    journal="medicinecontact.com",
    source="https://example.org/a",
)


def test_citation_with_authors_journal_year_and_section():
    assert citation(CASE, "Discussion") == "Takenaka J, et al. Asia Ocean J Nucl Med Biol. 2023 — Discussion"


def test_citation_without_authors_leads_with_the_short_title():
    assert citation(ARTICLE, "") == "Cerebellar Hypoplasia Causes: Understanding & Support. medicinecontact.com."


def test_full_reference_prefers_the_doi_and_leaves_out_unknown_parts():
    assert full_reference(CASE).endswith("2023. doi:10.1/x")
    assert full_reference(ARTICLE).endswith("https://example.org/a") and "None" not in full_reference(ARTICLE)
