import math

import krippendorff
import numpy as np
import pytest

from review.agreement import krippendorff_alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units, missing as nan.
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, math.nan, math.nan, math.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, math.nan, 3],
    [math.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, math.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, math.nan],
]


def as_units(matrix):
    units = {}
    for row in matrix:
        for unit, value in enumerate(row):
            if not math.isnan(value):
                units.setdefault(unit, []).append(int(value))
    return units


def test_the_worked_example_of_the_paper():
    units = as_units(RELIABILITY_DATA)
    assert krippendorff_alpha(units, level="nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, level="interval") == pytest.approx(0.849, abs=5e-4)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_agrees_with_the_krippendorff_package(level):
    rng = np.random.default_rng(7)
    matrix = rng.integers(1, 6, size=(6, 40)).astype(float)
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    matrix[:3, :20] = np.where(np.isnan(matrix[:3, :20]), np.nan, matrix[0, :20])  # some agreement
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert krippendorff_alpha(as_units(matrix.tolist()), level=level) == pytest.approx(expected, abs=1e-9)
    worked = krippendorff.alpha(reliability_data=np.array(RELIABILITY_DATA), level_of_measurement=level)
    assert krippendorff_alpha(as_units(RELIABILITY_DATA), level=level) == pytest.approx(worked, abs=1e-9)


def test_perfect_agreement_and_nothing_to_compare():
    assert krippendorff_alpha({1: [1, 1], 2: [0, 0]}, level="nominal") == pytest.approx(1.0)
    assert krippendorff_alpha({1: [1]}, level="nominal") is None
    assert krippendorff_alpha({1: [1, 1], 2: [1, 1]}, level="nominal") is None


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_the_report_per_question_and_country_matches_the_formula(make_annotator, make_image_in_review, rate):
    from review.selectors import agreement_report

    annotators = [make_annotator(countries=("TH", "LA")) for _ in range(3)]
    votes = {
        "TH": [(4, True, True), (4, True, False), (5, True, True)],
        "LA": [(2, False, True), (1, False, True), (2, True, True)],
    }
    units = {"relevance": {}, "fits": {}}
    for code, item_votes in votes.items():
        submission = make_image_in_review(countries=(code,))
        for annotator, (relevance, fits, quality) in zip(annotators, item_votes, strict=True):
            rate(annotator, submission, relevance=relevance, fits=fits, quality=quality)
            units["relevance"].setdefault(submission.pk, []).append(relevance)
            units["fits"].setdefault(submission.pk, []).append(int(fits))
    report = {row.scope: row for row in agreement_report(use_cache=False)}
    assert set(report) == {"", "LA", "TH"}
    assert report[""].n_items == 2 and report[""].n_ratings == 6
    assert report[""].alpha_relevance == pytest.approx(
        krippendorff_alpha(units["relevance"], level="ordinal")
    )
    assert report[""].alpha_caption_fit == pytest.approx(krippendorff_alpha(units["fits"], level="nominal"))
    assert report["TH"].alpha_relevance is not None and report["TH"].n_items == 1
