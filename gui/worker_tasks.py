"""The worker's work, as plain functions: TensorFlow in, plain Python data out.

:class:`keras_attn_app.worker.Worker` receives the window's requests on its own thread
and calls these; nothing here knows about Qt, signals or threads, and everything here runs
on the worker's thread only. What comes back (a model's summary, a snapshot of the
decoding session, the rows of a compared sentence) is made of strings, numbers, lists,
dicts, NumPy arrays and keras_attn's result records, which the views draw.

Translation is the library's own (:func:`keras_attn.evaluation.translate_batch`), and so
are stepping (:class:`keras_attn.session.DecodingSession`) and comparing
(:func:`keras_attn.compare.compare_models`).
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

TOP_K = 5  # candidates shown for each step
MAX_SAMPLES = 8  # alternatives drawn when sampling


# -- the thread and its memory --------------------------------------------------------------
def leave_a_core_to_the_window():
    """Run TensorFlow's operations on one thread (when TensorFlow has not started yet).

    The app's models are small: a second thread barely speeds them up, while TensorFlow's
    busy-waiting thread pools take the CPU the window needs to stay responsive.
    """
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow is already running (e.g. in a test process)
        pass


def any_sentences(tensors):
    """`tf.TensorSpec`s like `tensors` (a nest) with the sentence axis, and the token axis
    of per-token tensors, left open: `(batch,)` ids, `(batch, tokens)` ids and masks,
    `(batch, units)` states, `(batch, tokens, units)` encoder outputs."""
    import tensorflow as tf

    def spec(tensor):
        shape = list(tensor.shape)
        keep = 1 if len(shape) == 3 or (len(shape) == 2 and tensor.dtype.is_floating) else 0
        return tf.TensorSpec(
            [None] * (len(shape) - keep) + shape[len(shape) - keep :], tensor.dtype
        )

    return tf.nest.map_structure(spec, tensors)


def settle_memory():
    """Collect garbage once, then move every object alive to the garbage collector's
    permanent generation (``gc.freeze``).

    TensorFlow and a model make hundreds of thousands of long-lived objects; a full
    collection walks them all (over 100 ms here) while holding the GIL, which stalls the
    window's event loop at random moments. Frozen objects are never walked again.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def freeze_survivors():
    """Collect the young generations, then freeze whatever is still alive.

    Training makes long-lived objects after TensorFlow's own were frozen: the model, its
    traced functions, the optimizer's state. A full collection walked them again and
    again while the wizard trained, up to 86 ms a pass with the interpreter lock held, so
    that the window stalled (bench/gui_stall.py). ``gc.freeze`` only moves the objects'
    list (it walks nothing), and the young collection before it (a few milliseconds)
    frees the last moments' short-lived cycles; cycles that die after being frozen wait
    for :func:`settle_memory`, which the next model opened in the window runs.
    """
    gc.collect(1)
    gc.freeze()


# -- models ---------------------------------------------------------------------------------
def warm_up(model, session, path) -> None:
    """Trace the encoder and the step functions once for any number of sentences of
    any length, then run them on a one-word sentence, so that the first translation
    and the first step are quick. (Traced by a first call instead, they would be
    traced again for the next sentence length and again for the next number of
    sentences.) The window's first requests wait for this; a file's first chunk
    traces the compiled greedy loop.

    Args:
        model: the model just opened.
        session: its step-through session (:func:`new_session`).
        path: the model's file (to find a sentence to try).
    """
    try:
        import tensorflow as tf

        from keras_attn import search
        from keras_attn.text import START_ID

        word = sample_sentence(model, path).split()[:1] or ["a"]
        ids = model.source_ids(word)
        encode = search.compiled_encode(model)
        encode.get_concrete_function(any_sentences(ids))
        encoded = encode(ids)
        steps = [search.compiled_step(model)]
        if getattr(session, "anatomy", False):
            steps.append(search.compiled_step_anatomy(model))
        for step in steps:
            step.get_concrete_function(
                any_sentences(tf.fill([1], START_ID)),
                any_sentences(encoded["state"]),
                any_sentences(encoded),
            )
        translate_lines(model, word, 1, 0.0)  # runs the encoder and the step
        probe = new_session(model)
        probe.start(word[0])
        probe.step()
    except Exception:  # a warm-up failure is not the person's problem
        log.info("warm-up failed", exc_info=True)


def has_attention(model) -> bool:
    """False for a classic encoder-decoder (`attention="none"`)."""
    return bool(getattr(model, "has_attention", True))


def new_session(model):
    """A step-through session that records each step's anatomy (when keras_attn can)."""
    from keras_attn.session import DecodingSession

    try:
        return DecodingSession(model, top_k=TOP_K, anatomy=True)
    except TypeError:  # a keras_attn without the anatomy option
        return DecodingSession(model, top_k=TOP_K)


def diagnostics(session, model):
    """Entropy and coverage of the steps so far (None without attention or support)."""
    if not has_attention(model) or not hasattr(session, "diagnostics"):
        return None
    try:
        return session.diagnostics()
    except Exception:  # diagnostics are extra: never let them break a step
        log.info("diagnostics failed", exc_info=True)
        return None


def summary(model, path) -> dict:
    """What the window shows about a model."""
    config = model.config
    return {
        "has_attention": has_attention(model),
        "transformer": is_transformer(model),
        "path": str(path),
        "name": Path(path).name,
        "file_size": Path(path).stat().st_size if Path(path).exists() else None,
        "config": config.to_dict(),
        "source_vocab": int(model.source_text.vocab_size),
        "target_vocab": int(model.target_text.vocab_size),
        "params": int(model.count_params()),
        "info": dict(getattr(model, "info", None) or {}),
        "sample_sentence": sample_sentence(model, path),
    }


def sample_sentence(model, path) -> str:
    """A sentence to show first: a bundled demo model's first example sentence
    (:data:`keras_attn.demo.DEMOS`), else the first line of the bundled dataset the model is
    named after (``toy_language.keras`` -> ``toy_language.tsv``), else a few source words
    (words with letters, not punctuation)."""
    from keras_attn import demo
    from keras_attn.datasets import bundled_dir

    path = Path(path)
    try:
        if path.stem in demo.DEMOS and path.resolve().parent == demo.models_dir().resolve():
            return demo.DEMOS[path.stem][1][0]
    except OSError:
        pass
    names = [path.stem]
    dataset = (getattr(model, "info", None) or {}).get("training", {}).get("dataset")
    if isinstance(dataset, str):
        names.insert(0, Path(dataset).stem)
    for name in names:
        try:
            entry = bundled_dir() / f"{name}.tsv"
            if entry.is_file():
                with entry.open("r", encoding="utf-8") as stream:
                    first = stream.readline().split("\t")[0].strip()
                if first:
                    return first
        except (ModuleNotFoundError, OSError, UnicodeDecodeError):
            pass
    source = model.source_text
    tokens = [t for t in source.vocabulary[4:] if t.strip() and not t.startswith("##")]
    words = [t for t in tokens if any(c.isalpha() for c in t)][:4] or tokens[:4]
    if source.tokenizer == "char":
        return "".join(words).replace("▁", " ").strip() or "abc"
    return " ".join(words) or "a b c d"


# -- translating ----------------------------------------------------------------------------
def typed_lines(text: str) -> list[str]:
    """The sentences of the Translate tab's text: its non-empty lines, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def translation_message(text, lines, outputs, alternatives, method) -> dict:
    """What a Translate request is answered with (:attr:`.worker.Worker.translated`)."""
    return {
        "text": text,
        "sources": lines,
        "outputs": outputs,
        "alternatives": alternatives,
        "method": method,
    }


def translate_lines(model, lines, width, temperature, alternatives=True):
    """Translate `lines` with :func:`keras_attn.evaluation.translate_batch`: greedily
    (`width` 1), by beam search, or by sampling (`temperature` above 0). Returns
    `(outputs, alternatives of the first line, method)`.

    Alternatives are `(text, score, log_prob)`: the beam's n-best list with its
    length-normalised scores; the greedy output scored by its log-probability; or up to
    :data:`MAX_SAMPLES` distinct samples of the first line, most probable first.

    Greedy decoding of typed text (`alternatives`) takes the most likely token at every
    step through the model's compiled step function (`temperature=0`), as beam search and
    sampling do: nothing more to trace, and the log-probability comes on the way. A file's
    lines go through the compiled greedy loop, faster for many sentences. Both give the
    same tokens.
    """
    from keras_attn.evaluation import translate_batch

    width = max(1, int(width))
    if temperature > 0:
        found = translate_batch(model, lines, temperature=temperature)
        outputs = [options[0].text for options in found]
        ranked = []
        if alternatives:
            more = translate_batch(
                model, [lines[0]] * min(max(width, 3), MAX_SAMPLES), temperature=temperature
            )
            seen = {}
            for option in [found[0][0], *(options[0] for options in more)]:
                seen.setdefault(option.text, option.log_prob)
            ranked = sorted(((t, lp, lp) for t, lp in seen.items()), key=lambda a: -a[1])
        return outputs, ranked, f"sampling, temperature {temperature:g}"
    if width == 1:
        found = translate_batch(model, lines, temperature=0.0 if alternatives else None)
        outputs = [options[0].text for options in found]
        first = found[0][0]
        ranked = [(first.text, first.log_prob, first.log_prob)] if alternatives else []
        return outputs, ranked, "greedy"
    found = translate_batch(model, lines, beam=width, n_best=width if alternatives else 1)
    outputs = [options[0].text for options in found]
    ranked = (
        [(option.text, option.score, option.log_prob) for option in found[0]]
        if alternatives
        else []
    )
    return outputs, ranked, f"beam search, width {width}"


# -- stepping -------------------------------------------------------------------------------
def snapshot(session, model, event: str) -> dict:
    """Everything the step-through view draws, as plain data: the session's sentence,
    tokens, attention and last step, after `event` ("start", "step", "back", "end",
    "force")."""
    steps = session.steps if session.sentence is not None else []
    return {
        "event": event,
        "sentence": session.sentence,
        "source_tokens": list(session.source_tokens),
        "target_tokens": [s.token for s in steps],
        "forced": [s.forced for s in steps],
        "attention": session.attention,
        "step": steps[-1] if steps else None,
        "finished": session.finished,
        "translation": session.translation if steps else "",
        "truncated": session.truncated,
        "token_count": session.token_count,
        "max_length": model.source_text.max_length,
        "has_attention": has_attention(model),
        "anatomy": getattr(steps[-1], "anatomy", None) if steps else None,
        "diagnostics": diagnostics(session, model) if steps else None,
        "heads": head_weights(session, steps),
    }


def is_transformer(model) -> bool:
    """True for a Transformer model (`model.architecture="transformer"`)."""
    return getattr(getattr(model.config, "model", None), "architecture", "rnn") == "transformer"


def head_weights(session, steps) -> dict | None:
    """A Transformer's attention weights of every layer and head, as NumPy arrays (None for
    RNN models or before a sentence is started):

    * ``"cross"`` `(steps, layers, heads, S)`: each step's attention over the source;
    * ``"self"`` `(steps, layers, heads, steps)`: each step's attention over the decoder's
      inputs so far (`[START]` and the outputs before it), zero after them;
    * ``"encoder"`` `(layers, heads, S, S)`: the encoder's self-attention;
    * ``"layers"``, ``"heads"``: their counts.
    """
    if session.sentence is None or not getattr(session, "_transformer", False):
        return None
    encoder = session.encoder_attention
    layers, heads, length = encoder.shape[0], encoder.shape[1], encoder.shape[-1]
    count = len(steps)
    cross = np.zeros((count, layers, heads, length), np.float32)
    own = np.zeros((count, layers, heads, count), np.float32)
    for i, step in enumerate(steps):
        if step.heads is None:
            continue
        cross[i] = step.heads.cross.weights
        seen = step.heads.self_attention.weights[..., :count]
        own[i, :, :, : seen.shape[-1]] = seen
    return {
        "cross": cross,
        "self": own,
        "encoder": np.asarray(encoder, np.float32),
        "layers": int(layers),
        "heads": int(heads),
    }


def beam_result(session, model, width: int) -> dict:
    """Beam search of the session's sentence: ``{"hypotheses", "trace", "width",
    "sentence"}``, each hypothesis with its text, tokens, score and log-probability."""
    hypotheses, trace = session.beam(width=max(1, int(width)))
    text = model.target_text
    found = [
        {
            "text": text.decode([h.tokens])[0],
            "tokens": text.decode_tokens([h.tokens])[0],
            "score": float(h.score),
            "log_prob": float(h.log_prob),
            "finished": bool(h.finished),
        }
        for h in hypotheses
    ]
    return {"hypotheses": found, "trace": trace, "width": int(width), "sentence": session.sentence}


# -- comparing ------------------------------------------------------------------------------
def compared_sentence(comparison, models, index: int) -> dict:
    """Test sentence `index` of a :class:`keras_attn.compare.Comparison`: each model's
    translation with its attention, as the comparison translated it."""
    from keras_attn.text import END

    sentence = comparison.sources[index]
    rows = []
    for name, model in zip(comparison.names, models, strict=True):
        translation = comparison.translations[name][index]
        weights = np.asarray(translation.weights, np.float32)
        source = model.source_text.tokens([sentence])[0][: weights.shape[1] - 1]
        rows.append(
            {
                "name": name,
                "translation": comparison.hypotheses[name][index],
                "source_tokens": [*source, END],
                "target_tokens": translation.output_tokens(model),
                "attention": weights,
                "has_attention": has_attention(model),
            }
        )
    return {
        "index": int(index),
        "source": sentence,
        "reference": comparison.references[index],
        "rows": rows,
    }
