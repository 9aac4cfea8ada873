"""A time-limited run lowers its learning rate linearly to 0 as its time runs out
(``train.time_decay``), on the clock the time limit itself follows."""

from __future__ import annotations

import numpy as np
import pytest

from keras_attn import sizing
from keras_attn.callbacks import TimeDecayCallback
from keras_attn.config import Config, preset
from keras_attn.schedules import LearningRateSchedule, schedule_of
from keras_attn.training import build_model, train
from tests.helpers import reverse_pairs

PAIRS = reverse_pairs(120, seed=5)
CONFIG = preset("tiny").replace(
    **{
        "train.epochs": 1,
        "train.batch_size": 40,
        "train.validation_split": 0.0,
        "train.patience": 0,
        "train.time_limit": 1000.0,
    }
)


def test_the_schedule_is_multiplied_by_its_budget_scale():
    schedule = LearningRateSchedule(0.01, warmup_steps=10, decay="inverse_sqrt")
    full = [float(schedule(step)) for step in (0, 5, 50)]
    schedule.budget_scale.assign(0.25)
    assert [float(schedule(step)) for step in (0, 5, 50)] == pytest.approx(
        [0.25 * rate for rate in full]
    )


def test_the_scale_falls_linearly_with_the_time_used_and_is_reset_after_training():
    schedule = LearningRateSchedule(0.01)
    now = [0.0]
    decay = TimeDecayCallback(schedule, 200.0, lambda: now[0])
    seen = []
    for now[0] in (0.0, 50.0, 150.0, 200.0, 260.0):
        decay.on_train_batch_begin(0)
        seen.append(float(schedule.budget_scale.numpy()))
    assert seen == pytest.approx([1.0, 0.75, 0.25, 0.0, 0.0])
    decay.on_train_end()
    assert float(schedule.budget_scale.numpy()) == 1.0


def _weight_change(config):
    """How far one epoch moves the weights when the clock says 999.9 of 1,000 s are used."""
    model = build_model(config, PAIRS)
    before = [np.array(w) for w in model.get_weights()]
    result = train(PAIRS, config, model=model, clock=lambda: 999.9)
    after = result.model.get_weights()
    return max(
        float(np.max(np.abs(a - b))) for a, b in zip(after, before, strict=True)
    ), result.model


def test_the_rate_applied_in_training_follows_the_time_left():
    moved, model = _weight_change(CONFIG)
    constant, _ = _weight_change(CONFIG.replace(**{"train.time_decay": False}))
    # With 0.1 s of 1,000 left the rate is 1e-4 of the configured one.
    assert constant > 1e-4
    assert moved < constant * 1e-2
    # The model keeps its configured rate for training on.
    assert float(schedule_of(model.optimizer).budget_scale.numpy()) == 1.0


def test_the_choice_says_so_and_the_command_line_can_keep_the_rate():
    chosen = sizing.choose(PAIRS, time_limit=300)
    assert chosen.config.train.time_decay
    assert any("falls linearly to 0 over the 300 s" in r for r in chosen.reasons)
    untimed = sizing.choose(PAIRS)
    assert not any("falls linearly" in r for r in untimed.reasons)
    assert Config().train.time_decay  # the default, and what older model files load with
    import argparse

    from keras_attn.commands.train import add_parser, settings_from_args

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    settings, config = settings_from_args(
        parser.parse_args(
            ["train", "x.tsv", "--out", "m.keras", "--time-limit", "60", "--constant-rate"]
        )
    )
    assert settings["train.time_decay"] is False and config.train.time_decay is False
    settings, _ = settings_from_args(parser.parse_args(["train", "x.tsv", "--out", "m.keras"]))
    assert "train.time_decay" not in settings
