"""Calibration chooses the threshold by the abstention policy and writes it into a settings
file the user names, never into the package."""

import json

from assistant.abstention import choose_threshold
from assistant.evaluation.calibration import rates, two_fold, write_settings
from assistant.settings import Settings

ROWS = [(True, True, 0.9), (True, True, 0.8), (True, False, 0.3), (False, False, 0.2), (False, False, 0.5)] * 4


def test_rates_at_a_threshold():
    r = rates(ROWS, 0.4)
    assert r["false_abstention_rate"] == 1 / 3 and r["abstention_rate"] == 0.5 and r["answer_accuracy"] == 2 / 3


def test_two_fold_reports_each_half_on_the_other():
    folds = two_fold(ROWS)
    assert len(folds) == 2 and all(0 <= f["false_abstention_rate"] <= 1 for f in folds)


def test_written_settings_file_loads(tmp_path):
    path = tmp_path / "tuned.json"
    path.write_text(json.dumps({"dense_weight": 0.5}))
    write_settings(path, choose_threshold(ROWS))
    s = Settings().with_file(path)
    assert s.dense_weight == 0.5 and s.abstain_threshold == round(choose_threshold(ROWS), 6)
