"""`assistant bench` output: the table, the ratios and which goals a run met (a hand-made run:
no timing is asserted)."""

from assistant.evaluation.bench import format_bench, goals_met
from assistant.evaluation.measure import floor_ms


def stats(p50, p95):
    return {"p50": p50, "p95": p95, "mean": p50, "n": 10}


RUN = {
    "questions": 10,
    "qa_file": "qa.jsonl",
    "model": "m",
    "model_load_s": 0.5,
    "build_s": 3.0,
    "load_s": 0.004,
    "build": {"documents": 3, "chunks": 55, "sentences": 161},
    "serving_rss_mb": 300.0,
    "load_average": 0.5,
    "encoder": {"backend": "onnx", "threads": 1, "runtime": "onnxruntime x"},
    "st_ms": stats(10.0, 12.0),
    "onnx_ms": stats(4.0, 5.0),
    "ask_ms": {"hybrid": {**stats(7.0, 9.0), "p50_ratio": 0.7}, "bm25": {**stats(8.0, 12.0), "p50_ratio": 0.8}},
    "ask_unsettled_ms": stats(7.5, 11.0),
    "ask_floor_ms": stats(5.0, 6.5),
    "cold_ask": {"runs_s": [0.9, 1.1, 0.95], "median_s": 0.95, "peak_rss_mb": 260.0},
    "cold_st": {"runs_s": [6.0], "median_s": 6.0, "peak_rss_mb": 600.0},
    "serve_ready": {"runs_s": [3.0], "median_s": 3.0, "answer_runs_s": [3.6], "answer_median_s": 3.6},
}


def test_goals_are_judged_on_the_hybrid_retriever():
    assert goals_met(RUN) == {
        "p50": True,
        "p95": True,
        "one-shot time": True,
        "one-shot memory": False,
        "serve ready": True,
    }


def test_table_shows_ratios_to_sentence_transformers():
    text = format_bench(RUN)
    assert "ask, warm, hybrid" in text and "0.70" in text and "0.40" in text  # ONNX 4.0 / ST 10.0
    assert "one-shot memory NO" in text and "serve ready yes" in text


def test_table_shows_asking_before_the_process_settles():
    line = next(x for x in format_bench(RUN).splitlines() if "before settle" in x)
    assert line.split()[-3:] == ["7.50", "11.00", "0.75"]  # p50, p95, p50 / ST 10.0
    floor = next(x for x in format_bench(RUN).splitlines() if "fastest of 5" in x)
    assert floor.split()[-3:] == ["5.00", "6.50", "0.50"]
    without = {k: v for k, v in RUN.items() if k not in ("ask_unsettled_ms", "ask_floor_ms")}
    assert "before settle" not in format_bench(without) and "fastest of 5" not in format_bench(without)


def test_floor_is_each_texts_fastest_call():
    calls = []
    out = floor_ms(calls.append, ["a", "b", "c"], repeats=4)
    assert calls == ["a", "b", "c"] * 4  # every text, every round
    assert out["n"] == 3 and out["p50"] <= out["p95"]
