"""Each option's allowed values are listed once, in keras_attn.config, and every place that
offers or checks them reads that list."""

import argparse

import pytest

from keras_attn import config


def _train_parser():
    from keras_attn.commands import train

    parser = argparse.ArgumentParser()
    train.add_parser(parser.add_subparsers())
    return parser


@pytest.mark.parametrize(
    "option, values",
    [
        ("--decay", config.DECAYS),
        ("--tokenizer", config.TOKENIZERS),
        ("--attention", config.ATTENTIONS),
        ("--style", config.STYLES),
        ("--rnn", config.RNN_TYPES),
        ("--precision", config.PRECISIONS),
        ("--strategy", config.STRATEGIES),
    ],
)
def test_train_command_offers_the_configuration_values(option, values, capsys):
    """`keras-attn train` accepts every value of the configuration's list and refuses
    others, naming the choices."""
    parser = _train_parser()
    for value in values:
        args = parser.parse_args(["train", "data.tsv", "--out", "m.keras", option, value])
        assert getattr(args, option[2:].replace("-", "_")) == value
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "data.tsv", "--out", "m.keras", option, "unheard-of"])
    assert "invalid choice: 'unheard-of'" in capsys.readouterr().err


def test_schedule_accepts_the_configuration_decays_only():
    from keras_attn.schedules import LearningRateSchedule

    for decay in config.DECAYS:
        schedule = LearningRateSchedule(1e-3, warmup_steps=2, decay=decay, total_steps=10)
        assert float(schedule(5)) > 0
    with pytest.raises(ValueError, match="argument `decay`.*'linear'"):
        LearningRateSchedule(1e-3, decay="linear")


def test_text_and_layers_use_the_configuration_lists():
    """The text encoder builds each concrete tokenizer and normal form the configuration
    allows; the decoder and Luong attention take every style and score it names."""
    from keras_attn.layers import AttentionDecoder, LuongAttention
    from keras_attn.text import TextEncoder

    for tokenizer in config.TOKENIZER_KINDS:
        for form in config.NORMALIZATIONS:
            encoder = TextEncoder.build(
                ["ein kleiner Satz"], tokenizer=tokenizer, normalization=form
            )
            assert encoder.decode(encoder.encode(["ein Satz"]).to_list())[0] == "ein satz"
    for style in config.STYLES:
        assert AttentionDecoder(10, 4, 4, style=style).style == style
    for kind in config.ATTENTIONS:
        if kind.startswith("luong-"):
            assert LuongAttention(kind.removeprefix("luong-"), units=4).method in kind
