"""Time to quality, the arithmetic: the scoring points and the training seconds each
model needs to reach a score (see `bench/quality_clock.py`)."""

from __future__ import annotations

NAMES = ("tutorial", "keras-attn")
METRICS = ("bleu_tutorial_space", "bleu_cased")
NOT_REACHED = "not reached"


def marks(time_limit: float, every: float) -> list[float]:
    """The training seconds at which both models are scored: 0, every, 2 every, ... and
    the time limit itself."""
    points = [0.0]
    k = 1
    while k * every < time_limit - 1e-9:
        points.append(round(k * every, 6))
        k += 1
    points.append(float(time_limit))
    return points


def seconds_to_reach(curve, target: float, key: str):
    """The training seconds at which `curve` (points with ``train_seconds`` and `key`)
    first reaches `target`, interpolated linearly between the two scoring points around
    it; None when it never does."""
    previous = None
    for point in curve:
        if point[key] >= target:
            if previous is None:
                return point["train_seconds"]
            t0, s0 = previous["train_seconds"], previous[key]
            t1, s1 = point["train_seconds"], point[key]
            return t0 + (target - s0) / (s1 - s0) * (t1 - t0)
        previous = point
    return None


def reach_table(curves: dict) -> dict:
    """For each metric: the tutorial's best score (and the training seconds of the point
    where it scored it), both models' scores at the time limit, and the training
    seconds each model needs to reach the tutorial's best score and the tutorial's
    score at the time limit ("not reached" when it never does)."""
    table = {}
    tutorial = curves["tutorial"]
    for key in METRICS:
        best = max(tutorial, key=lambda point: point[key])
        targets = {"tutorial_best": best[key], "tutorial_at_time_limit": tutorial[-1][key]}
        entry = {
            "tutorial_best": best[key],
            "tutorial_best_at": best["train_seconds"],
            "at_time_limit": {model: curves[model][-1][key] for model in NAMES},
        }
        for name, value in targets.items():
            seconds = {model: seconds_to_reach(curves[model], value, key) for model in NAMES}
            entry[f"seconds_to_{name}"] = {
                model: NOT_REACHED if value is None else round(value, 1)
                for model, value in seconds.items()
            }
        table[key] = entry
    return table
