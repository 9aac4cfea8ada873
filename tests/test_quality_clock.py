"""bench/quality_clock.py: the scoring points, the time to reach a score, and a worker's
pacing between batches (a score per order, pauses left out of the training seconds)."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import quality_clock  # noqa: E402


def point(seconds, bleu):
    return {"train_seconds": seconds, "bleu_cased": bleu, "bleu_tutorial_space": bleu}


def test_marks_start_at_zero_and_end_at_the_time_limit():
    assert quality_clock.marks(600, 60) == [0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600]
    assert quality_clock.marks(50, 20) == [0, 20, 40, 50]


def test_seconds_to_reach_interpolates_between_the_points_around_the_crossing():
    curve = [point(0, 0.0), point(60, 10.0), point(120, 30.0), point(180, 25.0)]
    assert quality_clock.seconds_to_reach(curve, 20.0, "bleu_cased") == 90.0
    assert quality_clock.seconds_to_reach(curve, 10.0, "bleu_cased") == 60.0
    assert quality_clock.seconds_to_reach(curve, 30.5, "bleu_cased") is None


def test_reach_table_names_the_tutorials_best_and_who_reaches_it():
    curves = {
        "tutorial": [point(0, 0.0), point(60, 12.0), point(120, 10.0)],
        "keras-attn": [point(0, 0.0), point(60, 24.0), point(120, 30.0)],
    }
    entry = quality_clock.reach_table(curves)["bleu_tutorial_space"]
    assert entry["tutorial_best"] == 12.0 and entry["tutorial_best_at"] == 60
    assert entry["seconds_to_tutorial_best"] == {"tutorial": 60, "keras-attn": 30.0}
    assert entry["seconds_to_tutorial_at_time_limit"]["keras-attn"] == 25.0
    assert entry["at_time_limit"] == {"tutorial": 10.0, "keras-attn": 30.0}
    curves["tutorial"][1]["bleu_cased"] = 40.0
    cased = quality_clock.reach_table(curves)["bleu_cased"]
    assert cased["seconds_to_tutorial_best"]["keras-attn"] == "not reached"


def test_pacer_scores_once_per_order_and_leaves_scoring_out_of_the_clock(monkeypatch):
    orders = [{"train_until": 0}, {"train_until": 0.05}, {"train_until": 0.1}, {"finish": True}]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(json.dumps(o) + "\n" for o in orders)))
    channel = io.StringIO()

    def slow_score():
        time.sleep(0.3)
        return {"bleu_cased": 1.0}

    pacer = quality_clock.Pacer(channel, slow_score)
    assert not pacer.between_batches()  # scored untrained, then told to train to 0.05 s
    pacer.clock.start()
    batches = 0
    while not pacer.between_batches():
        time.sleep(0.005)
        batches += 1
    assert pacer.between_batches()  # finished: stays finished
    seconds = [
        json.loads(line)["score"]["train_seconds"] for line in channel.getvalue().splitlines()
    ]
    assert len(seconds) == 3
    assert seconds[0] == 0.0
    assert 0.05 <= seconds[1] < 0.1
    # The 0.3 s of the second scoring are not training: the third slice still trains
    # (counted, they would put the third score at 0.35 s or later).
    assert 0.1 <= seconds[2] < 0.3
    assert batches >= 10
