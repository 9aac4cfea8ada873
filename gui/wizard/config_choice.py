"""The configuration the wizard trains, chosen the way ``keras-attn train`` chooses it.

The wizard's pages send the preset asked for (None: automatic) and only the fields the
person set; :func:`choose_config` splits off the validation pairs and asks
:func:`keras_attn.sizing.choose` for the rest. Called on the training worker's thread and
in the training process (it imports keras_attn's configuration and sizing code; no Qt).
"""

from __future__ import annotations


def choose_config(request: dict, pairs):
    """The configuration for `pairs` as the wizard asks for it, the way ``keras-attn train``
    chooses it: split off the validation pairs, then :func:`keras_attn.sizing.choose` on
    the training pairs with the preset asked for (None: automatic) and the fields set.

    Args:
        request: ``{"preset": name or None, "settings": {dotted field: value}}``.
        pairs: all the sentence pairs read.

    Returns:
        ``(choice, train_pairs, validation_pairs)``.
    """
    from keras_attn import sizing
    from keras_attn.config import Config, preset
    from keras_attn.data import split_pairs

    name = request.get("preset") or None
    settings = dict(request.get("settings") or {})
    architecture = settings.get("model.architecture", "rnn")
    asked = (preset(name, architecture) if name else Config()).replace(**settings)  # checks
    train_pairs, val_pairs, _ = split_pairs(
        pairs, validation=asked.train.validation_split, seed=asked.train.seed
    )
    choice = sizing.choose(
        train_pairs, time_limit=asked.train.time_limit, settings=settings, preset_name=name
    )
    return choice, train_pairs, val_pairs


def describe_choice(choice) -> dict:
    """A :class:`keras_attn.sizing.Choice` as plain data for the window."""
    return {
        "preset": choice.preset,
        "summary": choice.summary(),
        "reasons": list(choice.reasons),
        "precision": choice.precision,
        "config": choice.config.to_dict(),
    }


def automatic_tokenizers(pairs) -> dict:
    """What the ``"auto"`` tokenizer gives for each side of `pairs`:
    ``{"source": [name, why], "target": [name, why]}``."""
    from keras_attn import sizing

    found = {}
    for side, column in (("source", 0), ("target", 1)):
        stats = sizing.side_stats(pair[column] for pair in pairs)
        found[side] = list(sizing.tokenizer_for(stats, len(pairs)))
    return found
