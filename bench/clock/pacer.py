"""Time to quality, a worker's side of the controller's orders: its training clock, the
:class:`Pacer` called between two batches, the channel to the controller, and the
pairs and scores both workers use (see `bench/quality_clock.py`)."""

from __future__ import annotations

import json
import os
import sys
import time


class Clock:
    """Training seconds: time since `start`, less the pauses."""

    def __init__(self):
        self.started = None
        self.paused_at = None
        self.paused_total = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        now = self.paused_at if self.paused_at is not None else time.perf_counter()
        return now - self.started - self.paused_total

    def pause(self) -> None:
        if self.started is not None:
            self.paused_at = time.perf_counter()

    def resume(self) -> None:
        if self.paused_at is not None:
            self.paused_total += time.perf_counter() - self.paused_at
        self.paused_at = None


class Pacer:
    """Between two batches, keeps a model training until its slice is used up, then
    scores it, reports the score and waits for the controller's next order.

    Orders (one JSON line on stdin): ``{"train_until": SECONDS}`` or ``{"finish": true}``.
    Messages (one JSON line on the channel): ``ready``, ``score`` and ``done`` events.
    """

    def __init__(self, channel, score):
        self.channel = channel
        self.score = score  # () -> dict of scores
        self.clock = Clock()
        self.until = None  # training seconds of the slice's end (None: no order yet)
        self.finished = False

    def send(self, message: dict) -> None:
        self.channel.write(json.dumps(message) + "\n")
        self.channel.flush()

    def scored(self) -> dict:
        """The current weights' scores, at the current training seconds."""
        train_seconds = self.clock.seconds()
        started = time.perf_counter()
        scores = self.score()
        return {
            "train_seconds": round(train_seconds, 2),
            **scores,
            "score_seconds": round(time.perf_counter() - started, 1),
        }

    def between_batches(self) -> bool:
        """True when training should stop (the controller said finish)."""
        if self.finished:
            return True
        while self.until is None or self.clock.seconds() >= self.until:
            if self.until is not None:  # the slice is used up
                self.clock.pause()
                self.send({"event": "score", "score": self.scored()})
            order = json.loads(sys.stdin.readline() or '{"finish": true}')
            self.clock.resume()
            if order.get("finish"):
                self.finished = True
                return True
            self.until = float(order["train_until"])
        return False

    def done(self, info: dict) -> None:
        """Training has ended: report `info`; when it ended by itself (early stopping)
        before the controller said finish, with the final weights' scores as the curve's
        last point."""
        message = {"event": "done", "info": info}
        if not self.finished:
            message["score"] = self.scored()
        self.send(message)


def open_channel():
    """The controller's channel (this process's stdout); anything else written to
    stdout (Keras, TensorFlow) goes to stderr instead."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def read_pairs(path, limit):
    from keras_attn.data import read_parallel

    pairs = read_parallel(path).pairs
    return pairs[:limit] if limit else pairs


def scorer(translate, test):
    from defaults_quality import score

    sources = [s for s, _ in test]
    references = [t for _, t in test]

    def scores():
        return score(translate(sources), references)

    return scores


def quiet_sacrebleu() -> None:
    """Silence sacrebleu's warning that the tutorial's output looks tokenized: it is,
    that is how the model writes it, and the cased score measures it as it is."""
    import logging

    logging.getLogger("sacrebleu").setLevel(logging.ERROR)
