"""Customer data in agents' queries is masked before anything is stored, and only that: a
labelled set of queries as agents paste them (tests/pipeline/masking_queries.tsv)."""

import csv
from pathlib import Path

import pytest

from pipeline.analytics.masking import mask_query, normalise_query

LABELLED = Path(__file__).with_name("masking_queries.tsv")


def _rows() -> list[tuple[str, str]]:
    lines = [line for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]
    reader = csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t")
    return [(query, stored) for query, stored in reader]


@pytest.mark.parametrize(("query", "stored"), _rows())
def test_what_is_stored_of_a_query(query, stored):
    assert mask_query(query) == stored


def test_the_labelled_set_covers_every_language_and_every_mask():
    rows = _rows()
    assert len(rows) >= 25
    stored = " ".join(s for _, s in rows)
    assert all(mask in stored for mask in ("<email>", "<phone>", "<number>"))
    kept = [q for q, s in rows if "<" not in s]
    assert len(kept) >= 10  # numbers agents search for stay


def test_queries_group_alike_whatever_the_spacing_case_or_composition():
    assert normalise_query("  Atzvani\u0304s\u030cana  LAIKS ") == "atzvanīšana laiks"
