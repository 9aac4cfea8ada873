"""The entry points each input goes through: a file through the readers, `check`,
`tmx_languages` and now and then `train`; a batch of sentences through the tiny models'
decoders, their SavedModels and `DecodingSession`."""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from pathlib import Path

from .files import make_file
from .outcomes import Hang, Tally, attempt_one, bounded, wrapped_unforeseen
from .sentences import make_sentence, toy_pairs


def run_file(
    seed, folder: Path, tally: Tally, bound: float, train_it: bool, train_bound: float = 300.0
) -> tuple[bool, bool]:
    """One generated file through the readers, `check`, `tmx_languages`, and with
    `train_it`, when it gives pairs, `train`. Returns (gave pairs, trained)."""
    from keras_attn.cli import main
    from keras_attn.data import read_parallel
    from keras_attn.data.tmx import tmx_languages
    from keras_attn.errors import ConfigurationError, DataError

    suffix, data, target, options = make_file(seed)
    path = folder / f"data{suffix}"
    for old in folder.iterdir():
        old.unlink()
    path.write_bytes(data)
    if target is not None:
        options["target_path"] = str(folder / "data.en")
        (folder / "data.en").write_bytes(target)
    pairs = None

    def attempt(entry, function, bound=bound):
        start, cpu = time.perf_counter(), time.process_time()
        try:
            with bounded(bound):
                value = function()
            tally.count(entry, "answer")
            return value
        except Hang as error:
            tally.fail("file", entry, seed, error, "hang")
        except (DataError, ConfigurationError) as error:
            if wrapped_unforeseen(error):
                tally.fail("file", entry, seed, error.__cause__, "crash")
            else:
                tally.count(entry, "refused")
        except Exception as error:  # noqa: BLE001 - what the fuzzing looks for
            tally.fail("file", entry, seed, error, "crash")
        finally:
            tally.since(entry, start, cpu, seed)
        return None

    result = attempt("read_parallel", lambda: read_parallel(path, **options))
    pairs = result.pairs if result is not None else None
    arguments = [str(path)]
    for key, value in options.items():
        flag = "--" + key.replace("_path", "_file").replace("_", "-")
        if key in ("source_column", "target_column"):
            value += 1
        if key == "header":
            arguments.append("--header" if value else "--no-header")
            continue
        arguments += [flag, str(value)]

    def check(json_output):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", *arguments, *(["--json"] if json_output else [])])
        if code != (0 if pairs is not None else 1):
            raise AssertionError(
                f"check exited {code} where read_parallel "
                f"{'gave pairs' if pairs is not None else 'refused'}: "
                f"{err.getvalue()[:200]}"
            )
        if json_output and code == 0:
            json.loads(out.getvalue())
        return code

    attempt("check", lambda: check(False))
    attempt("check --json", lambda: check(True))
    if suffix == ".tmx" or options.get("format") == "tmx":
        attempt("tmx_languages", lambda: tmx_languages(path))
    if train_it and pairs:
        attempt("train", lambda: _train_a_little(pairs), train_bound)
    return bool(pairs), bool(train_it and pairs)


def _train_a_little(pairs):
    from keras_attn.config import preset
    from keras_attn.evaluation import translate_batch
    from keras_attn.training import train

    steps = []
    config = preset("tiny").replace(**{"train.epochs": 1, "train.batch_size": 8})
    result = train(
        pairs[:200],
        config,
        should_stop=lambda: len(steps) >= 3,
        on_progress=lambda event: steps.append(event),
        progress_every=1,
    )
    translate_batch(result.model, [source for source, _ in pairs[:4]])
    return result


def make_models(folder: Path):
    """Two tiny trained models (subword and character tokens) and their SavedModels."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (the exported graph's text ops)

    from keras_attn.config import preset
    from keras_attn.export import export
    from keras_attn.training import train

    models = []
    for tokenizer in ("subword", "char"):
        config = preset("tiny").replace(
            **{"train.epochs": 3, "source.tokenizer": tokenizer, "target.tokenizer": tokenizer}
        )
        model = train(toy_pairs(), config).model
        directory = folder / f"export-{tokenizer}"
        export(model, directory, overwrite=True)
        serve = tf.saved_model.load(str(directory)).signatures["serving_default"]
        models.append((tokenizer, model, serve))
    return models


def run_sentences(seeds, model, serve, tally: Tally, bound: float, session_every: int):
    """A batch of sentences through every entry point of `model`."""
    import tensorflow as tf

    from keras_attn.errors import TranslationError
    from keras_attn.evaluation import translate_batch
    from keras_attn.session import DecodingSession

    sentences = [make_sentence(seed) for seed in seeds]

    def each(entry, function, items, allowed=(TranslationError,)):
        """`function(items)` for the batch. A refusal naming its sentence ("Sentence N
        ...") counts for that sentence, and the batch goes on without it; any other
        failure sends the batch through one sentence at a time."""
        kept = list(range(len(items)))
        start, cpu = time.perf_counter(), time.process_time()
        try:
            with bounded(bound):
                while kept:
                    try:
                        function([items[k] for k in kept])
                        break
                    except TranslationError as error:
                        named = re.match(r"Sentence (\d+) ", str(error))
                        if named is None:
                            raise
                        del kept[int(named[1]) - 1]
                        tally.count(entry, "refused")
            tally.count(entry, "answer", len(kept))
            return
        except Hang as error:
            tally.fail("sentence", entry, seeds[0], error, "hang (batch)")
        except allowed:
            pass
        except Exception as error:  # noqa: BLE001
            tally.fail("sentence", entry, seeds[0], error, "crash (batch)")
        finally:
            tally.since(entry + " (batch)", start, cpu, seeds[0])
        seeds_left = [seeds[k] for k in kept]
        items = [items[k] for k in kept]
        for seed, item in zip(seeds_left, items, strict=True):
            attempt_one(
                tally, "sentence", entry, seed, lambda item=item: function([item]), bound, allowed
            )

    each("translate (greedy)", model.translate, sentences)
    each("translate_batch beam 3", lambda s: translate_batch(model, s, beam=3, n_best=2), sentences)
    each(
        "translate_batch sampling",
        lambda s: translate_batch(model, s, temperature=1.0, top_k=5, seed=seeds[0]),
        sentences,
    )
    encoded = [s.encode("utf-8", "surrogatepass") for s in sentences]
    each(
        "exported model",
        lambda items: serve(sentences=tf.constant(items, tf.string)),
        encoded,
        allowed=(tf.errors.InvalidArgumentError,),
    )

    def session(items, beam):
        for item in items:
            s = DecodingSession(model, top_k=3)
            s.start(item)
            s.run_to_end()
            if beam:
                s.beam(3)

    chosen = [
        (seed, s) for seed, s in zip(seeds, sentences, strict=True) if seed % session_every == 0
    ]
    if chosen:
        picked_seeds, picked = zip(*chosen, strict=True)
        for seed, item in zip(picked_seeds, picked, strict=True):
            attempt_one(
                tally,
                "sentence",
                "DecodingSession",
                seed,
                lambda item=item, seed=seed: session([item], beam=seed % 40 == 0),
                bound,
                (TranslationError,),
            )
