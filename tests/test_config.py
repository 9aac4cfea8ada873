"""Tests of the configuration dataclass and presets."""

import pytest

from keras_attn.config import Config, preset
from keras_attn.errors import ConfigurationError


def test_presets_are_valid_and_grow():
    """tiny < small < base in model size, and each preset validates."""
    sizes = [preset(name).model.units for name in ("tiny", "small", "base")]
    assert sizes == sorted(sizes) and len(set(sizes)) == 3


def test_dict_round_trip():
    """to_dict -> from_dict gives an equal configuration."""
    config = preset("small").replace(
        **{"model.attention": "luong-general", "source.tokenizer": "subword"}
    )
    assert Config.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    "field,value,pattern",
    [
        ("model.units", 0, r"`model.units`: 0; expected an integer >= 1"),
        ("model.attention", "cosine", r"`model.attention`: 'cosine'"),
        ("source.tokenizer", "bpe", r"`source.tokenizer`: 'bpe'"),
        ("train.learning_rate", -1.0, r"`train.learning_rate`"),
        ("train.validation_split", 0.9, r"`train.validation_split`"),
        ("model.dropout", True, r"`model.dropout`"),
    ],
)
def test_invalid_values_name_field_and_value(field, value, pattern):
    """An invalid value raises ConfigurationError naming the field and the value."""
    with pytest.raises(ConfigurationError, match=pattern):
        preset("tiny").replace(**{field: value})


def test_unknown_fields_and_presets_are_refused():
    """Unknown sections, fields and presets are named in the error."""
    with pytest.raises(ConfigurationError, match="unknown preset 'huge'"):
        preset("huge")
    with pytest.raises(ConfigurationError, match=r"section `model`: \['colour'\]"):
        Config.from_dict({"model": {"colour": "red"}})
    with pytest.raises(ConfigurationError, match="model.colour"):
        preset("tiny").replace(**{"model.colour": 1})


def test_input_feeding_needs_luong_style():
    """Input feeding with the bahdanau style is refused with an explanation."""
    with pytest.raises(ConfigurationError, match="input feeding belongs to the luong style"):
        preset("tiny").replace(**{"model.style": "bahdanau", "model.input_feeding": True})
