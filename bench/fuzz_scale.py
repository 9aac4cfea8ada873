"""Fuzzing at scale: generated data files and sentences through every entry point.

    nice -n 19 python bench/fuzz_scale.py [--files 10000] [--sentences 100000] [--seed 0] \
        [--train-every 50] [--session-every 10] [--bound 30] [--workdir DIR] [--json FILE]
    python bench/fuzz_scale.py --replay-file SEED       # the file of one seed, and its outcome
    python bench/fuzz_scale.py --replay-sentence SEED   # the sentence of one seed, and its outcome

Files: each seed makes one data file (TSV, CSV, TMX, two aligned text files, a file
without extension; UTF-8, UTF-8 with BOM, UTF-16 LE/BE with and without BOM, UTF-32,
Latin-1, cp1252; with truncations, binary junk, NUL bytes, CR or CRLF line endings, lines
of up to 2 MB, flipped bytes, lying XML declarations, DOCTYPEs) and the options to read it
with (format guessed or given, right or wrong; encoding; columns; header; TMX languages).
Each file goes through `keras_attn.data.read_parallel`, `keras-attn check` (text and
`--json`, in this process: `keras_attn.cli.main`), `tmx_languages` for TMX files, and every
`--train-every`-th file that gives pairs through `train` (tiny preset, a few steps) and a
translation with the model it made.

Sentences: each seed makes one sentence (any Unicode script, random code points of every
plane including unassigned ones and lone surrogates, control and format characters,
combining marks by the thousand, zero-width and direction marks, emoji sequences, words
the model knows; empty to 100,000 characters). Two tiny models are trained first (subword
and character tokens) and exported as SavedModels; every sentence goes, in batches of 64,
through `Translator.translate` (greedy), `translate_batch` with beam search (width 3,
2-best) and with sampling, and the exported model (lone surrogates as the bytes Python's
"surrogatepass" makes: invalid UTF-8); every `--session-every`-th sentence through
`DecodingSession.start` + `run_to_end` (and every 40th through its beam search).

What counts: an answer, or one of the library's documented errors (`DataError`,
`ConfigurationError` for files; `TranslationError` for sentences; TensorFlow's
`InvalidArgumentError` from the exported model for bytes that are not UTF-8) is fine.
Any other exception is a crash, and so is a `DataError` that only wraps an unforeseen
exception ("could not be read: ..." around something other than an `OSError`). An input
running over `--bound` seconds of CPU time (or four times that of wall time) is a hang. The seeds of all failures are
listed in the JSON (replay them with `--replay-file` / `--replay-sentence`); the peak
resident memory and the memory along the run are recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import io
import json
import os
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from common import add_json_argument, machine, report

BATCH = 64

# -- sentences -------------------------------------------------------------------------------

#: (first, last code point, words are separated by spaces) of scripts and symbol blocks.
SCRIPTS = [
    (0x0041, 0x024F, True), (0x0370, 0x03FF, True), (0x0400, 0x052F, True),
    (0x0530, 0x058F, True), (0x0590, 0x05FF, True), (0x0600, 0x06FF, True),
    (0x0700, 0x074F, True), (0x0780, 0x07BF, True), (0x0900, 0x097F, True),
    (0x0980, 0x09FF, True), (0x0A00, 0x0A7F, True), (0x0B80, 0x0BFF, True),
    (0x0C00, 0x0C7F, True), (0x0D00, 0x0D7F, True), (0x0E00, 0x0E7F, False),
    (0x0E80, 0x0EFF, False), (0x0F00, 0x0FFF, True), (0x1000, 0x109F, False),
    (0x10A0, 0x10FF, True), (0x1100, 0x11FF, False), (0x1200, 0x139F, True),
    (0x13A0, 0x13FF, True), (0x1400, 0x167F, True), (0x1680, 0x169F, True),
    (0x16A0, 0x16FF, True), (0x1780, 0x17FF, False), (0x1800, 0x18AF, True),
    (0x1E00, 0x1FFF, True), (0x2000, 0x2BFF, True), (0x3040, 0x30FF, False),
    (0x3100, 0x31FF, False), (0x3400, 0x4DBF, False), (0x4E00, 0x9FFF, False),
    (0xA000, 0xA4CF, False), (0xA500, 0xA63F, True), (0xAC00, 0xD7A3, True),
    (0xE000, 0xF8FF, True), (0xF900, 0xFAFF, False), (0xFB00, 0xFDFF, True),
    (0xFE00, 0xFE0F, True), (0xFE70, 0xFEFF, True), (0xFF00, 0xFFEF, False),
    (0xFFF0, 0xFFFF, True), (0x10000, 0x100FF, True), (0x10330, 0x1034F, True),
    (0x10400, 0x1044F, True), (0x12000, 0x123FF, True), (0x13000, 0x1342F, True),
    (0x1D400, 0x1D7FF, True), (0x1F000, 0x1FAFF, True), (0x20000, 0x2A6DF, False),
    (0xE0000, 0xE007F, True), (0xF0000, 0xF00FF, True), (0x10FF00, 0x10FFFF, True),
]
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]
FORMAT = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
          "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
          "\u2068", "\u2069", "\u2028", "\u2029", "\u180e", "\ufff9", "\ufffa", "\ufffb"]
SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u1680", "\u2000", "\u2003",
          "\u2009", "\u200a", "\u202f", "\u205f", "\u3000", "\x85"]
COMBINING = [*range(0x0300, 0x0370), *range(0x1AB0, 0x1AC0), *range(0x20D0, 0x20F1),
             *range(0xFE20, 0xFE30)]
EMOJI = ["\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
         "\U0001F1E9\U0001F1EA", "\u2764\ufe0f", "\U0001F3F4\U000E0067\U000E0062\U000E0073"
         "\U000E0063\U000E0074\U000E007F", "#\ufe0f\u20e3", "\U0001FAE0"]
#: Words of the toy corpus the models are trained on (several scripts): sentences made of
#: them reach real decoding paths, not only unknown tokens.
KNOWN = ["haus", "katze", "ball", "wasser", "feuer", "дом", "кот", "мяч", "بيت", "قطة",
         "家", "猫", "水", "火", "σπίτι", "γάτα", "בית", "חתול", "घर", "बिल्ली", "🐱", "🏠"]


def _chars(rng, first, last, count) -> str:
    return "".join(chr(rng.randint(first, last)) for _ in range(count))


def _words(rng, length) -> str:
    first, last, spaced = rng.choice(SCRIPTS)
    parts, size = [], 0
    while size < length:
        word = _chars(rng, first, last, rng.randint(1, 12))
        parts.append(word)
        size += len(word) + spaced
    return (" " if spaced else "").join(parts)[:length]


def make_sentence(seed: int, longest: int = 100_000) -> str:
    """The sentence of `seed` (the same for the same seed, on any machine), cut to
    `longest` characters."""
    rng = random.Random(seed)
    draw = rng.random()
    if draw < 0.005:
        length = min(rng.randint(10_000, 100_000), longest)
    elif draw < 0.025:
        length = min(rng.randint(1_000, 10_000), longest)
    elif draw < 0.03:
        return ""
    elif draw < 0.04:
        return "".join(rng.choice(SPACES + FORMAT) for _ in range(rng.randint(1, 20)))
    else:
        length = min(rng.randint(1, 120), longest)
    kind = rng.choices(["script", "known", "any", "mixed", "emoji", "controls", "combining"],
                       [40, 15, 10, 20, 5, 5, 5])[0]
    if kind == "script":
        text = _words(rng, length)
    elif kind == "known":
        text = " ".join(rng.choice(KNOWN) for _ in range(max(1, length // 6)))
    elif kind == "any":  # every plane, unassigned code points and surrogates included
        text = _chars(rng, 0, 0x10FFFF, length)
    elif kind == "mixed":
        pieces = []
        while sum(map(len, pieces)) < length:
            pieces.append(rng.choice([_words(rng, rng.randint(1, 30)), rng.choice(KNOWN),
                                      rng.choice(EMOJI), rng.choice(SPACES)]))
        text = " ".join(pieces)
    elif kind == "emoji":
        text = " ".join(rng.choice(EMOJI) for _ in range(max(1, length // 3)))
    elif kind == "controls":
        text = "".join(rng.choice(CONTROLS + FORMAT + SPACES) for _ in range(length))
    else:  # a base letter under a heap of combining marks
        text = rng.choice(KNOWN)[:1] + "".join(
            chr(rng.choice(COMBINING)) for _ in range(min(length * rng.randint(1, 50), longest)))
    for _ in range(rng.choice([0, 0, 0, 1, 2, 5])):  # salt: one rare character at a time
        where = rng.randint(0, len(text))
        extra = rng.choice([
            lambda: rng.choice(CONTROLS), lambda: rng.choice(FORMAT),
            lambda: "".join(chr(rng.choice(COMBINING)) for _ in range(rng.randint(1, 300))),
            lambda: chr(rng.randint(0xD800, 0xDFFF)),  # a lone surrogate
            lambda: "\x00", lambda: rng.choice(SPACES), lambda: rng.choice(EMOJI),
            lambda: rng.choice(KNOWN)])()
        text = text[:where] + extra + text[where:]
    return text[:longest]


# -- data files ------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
             "utf-32", "latin-1", "cp1252"]


def _field(rng) -> str:
    """A short sentence for a data file (tabs, quotes and newlines may come in)."""
    text = make_sentence(rng.randrange(1 << 40), longest=rng.choice([20, 60, 200]))
    if rng.random() < 0.05:
        text = text[:rng.randint(0, len(text))] + rng.choice(['"', "'", "\t", ",", ";", "\n",
                                                               "<", "&", "]]>"]) + text
    return text


def _tmx(rng, pairs, encoding) -> str:
    from xml.sax.saxutils import escape

    langs = rng.choice([("de", "en"), ("de-DE", "en-GB"), ("fr", "fr"), ("", "en"), ("x", "y")])
    parts = []
    if rng.random() < 0.8:
        declared = encoding if rng.random() < 0.8 else rng.choice(ENCODINGS + ["bogus"])
        parts.append(f'<?xml version="1.0" encoding="{declared}"?>\n')
    if rng.random() < 0.05:
        parts.append(rng.choice([
            '<!DOCTYPE tmx [<!ENTITY e "boom">]>\n',
            '<!DOCTYPE tmx SYSTEM "file:///etc/passwd">\n',
            '<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n']))
    parts.append(f'<tmx version="1.4"><header srclang="{langs[0]}" datatype="plaintext"/>'
                 "<body>\n")
    for source, target in pairs:
        seg = (lambda t: escape(t)) if rng.random() < 0.9 else (lambda t: t)
        variants = [(langs[0], source), (langs[1], target)]
        if rng.random() < 0.1:
            variants.append((rng.choice(["it", langs[0]]), _field(rng)))
        rng.shuffle(variants) if rng.random() < 0.1 else None
        tuvs = "".join(
            f'<tuv xml:lang="{lang}"><seg>'
            + (f"<bpt i='1'>&lt;b&gt;</bpt>{seg(text)}<ept i='1'>&lt;/b&gt;</ept>"
               if rng.random() < 0.05 else seg(text)) + "</seg></tuv>"
            for lang, text in variants)
        parts.append(f"<tu>{tuvs}</tu>\n")
    if rng.random() < 0.9:
        parts.append("</body></tmx>\n")
    return "".join(parts)


def make_file(seed: int):
    """The data file of `seed`: ``(suffix, data, target_data or None, options)``."""
    rng = random.Random(seed)
    kind = rng.choice(["tsv", "tsv", "csv", "csv", "tmx", "tmx", "text", "none"])
    count = rng.choice([0, 1, 2, 3, 5, 10, 20, 50, 100, rng.randint(100, 3000)])
    pairs = [(_field(rng), _field(rng)) for _ in range(count)]
    encoding = rng.choice(ENCODINGS)
    newline = rng.choice(["\n"] * 6 + ["\r\n", "\r"])
    target_text = None
    if kind in ("tsv", "none"):
        columns = rng.choice([2, 2, 2, 1, 3, 5])
        rows = [[s, t, *(_field(rng) for _ in range(columns - 2))][:columns] for s, t in pairs]
        if rng.random() < 0.2:
            rows.insert(0, ["source", "target", "note"][:columns])
        text = newline.join("\t".join(row) for row in rows) + newline * rng.randint(0, 2)
    elif kind == "csv":
        import csv

        buffer = io.StringIO()
        delimiter = rng.choice([",", ",", ";", "|", "\t"])
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline,
                            quoting=rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL,
                                                csv.QUOTE_NONNUMERIC]))
        if rng.random() < 0.3:
            writer.writerow(["source", "target"])
        for source, target in pairs:
            writer.writerow([source, target])
        text = buffer.getvalue()
        if rng.random() < 0.1:  # a quote left open
            cut = rng.randint(0, len(text))
            text = text[:cut] + '"' + text[cut:]
    elif kind == "tmx":
        text = _tmx(rng, pairs, encoding)
    else:  # two aligned text files
        sources = [s.replace("\n", " ") for s, _ in pairs]
        targets = [t.replace("\n", " ") for _, t in pairs]
        if rng.random() < 0.2:  # not the same number of lines
            targets = targets[:rng.randint(0, len(targets))]
        text = newline.join(sources) + newline
        target_text = newline.join(targets) + newline
    if rng.random() < 0.01:  # a huge line
        where = rng.randint(0, len(text))
        text = text[:where] + "x" * rng.randint(200_000, 2_000_000) + text[where:]

    def encode(value):
        errors = "surrogatepass" if encoding.startswith("utf") else "replace"
        data = value.encode(encoding, errors=errors)
        return _damage(rng, data)

    data = encode(text)
    target = encode(target_text) if target_text is not None else None
    options = {}
    if rng.random() < 0.5 and encoding not in ("utf-8", "utf-8-sig"):
        options["encoding"] = rng.choice([encoding, encoding, "utf-16", "latin-1"])
    draw = rng.random()
    suffix = {"tsv": ".tsv", "csv": ".csv", "tmx": ".tmx", "text": ".de", "none": ""}[kind]
    if draw < 0.3 and kind != "none":
        options["format"] = {"tsv": "tsv", "csv": "csv", "tmx": "tmx", "text": "text"}[kind]
    elif draw < 0.4:
        options["format"] = rng.choice(["tsv", "csv", "tmx", "text"])
    if kind in ("tsv", "csv", "none") and rng.random() < 0.2:
        options["source_column"] = rng.randint(0, 3)
        options["target_column"] = rng.randint(0, 3)
    if rng.random() < 0.2:
        options["header"] = rng.choice([True, False])
    if kind == "tmx" and rng.random() < 0.3:
        options["source_lang"] = rng.choice(["de", "DE", "en", "zz", "de-DE"])
        options["target_lang"] = rng.choice(["en", "de", "zz"])
    if rng.random() < 0.1:
        options["max_chars"] = rng.choice([1, 10, 100_000])
    return suffix, data, target, options


def _damage(rng, data: bytes) -> bytes:
    """Truncations, junk, NUL bytes, flipped bytes, another encoding's line, or nothing."""
    if rng.random() < 0.03:
        return rng.randbytes(rng.randint(0, 5000))
    if rng.random() < 0.01:
        return b""
    if data and rng.random() < 0.15:
        data = data[:rng.randint(0, len(data))]
    if rng.random() < 0.1:
        where = rng.randint(0, len(data))
        data = data[:where] + rng.randbytes(rng.randint(1, 1000)) + data[where:]
    if data and rng.random() < 0.05:
        where = rng.randint(0, len(data))
        data = data[:where] + b"\x00" * rng.randint(1, 100) + data[where:]
    if data and rng.random() < 0.05:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        data = bytes(flipped)
    if rng.random() < 0.05:
        data += "\nüberall\tpartout é\n".encode(rng.choice(["latin-1", "cp1252", "utf-16"]))
    return data


# -- running one input under a time bound ----------------------------------------------------


class Hang(BaseException):
    """An input ran over the time bound (a BaseException: nothing in the library catches it)."""


@contextlib.contextmanager
def bounded(seconds: float):
    """Raise Hang in the block once it has used `seconds` of CPU time (SIGPROF), or
    `WALL_FACTOR` times that of wall time (SIGALRM: an input that waits without working).
    The CPU bound holds on a busy machine, where a process at the lowest priority can wait
    long for a core."""
    def alarm(signum, frame):
        raise Hang
    previous = {number: signal.signal(number, alarm)
                for number in (signal.SIGALRM, signal.SIGPROF)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        for number, handler in previous.items():
            signal.signal(number, handler)


#: The wall-time bound of an input, in multiples of its CPU-time bound.
WALL_FACTOR = 4


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "keras_attn" in f.filename] or frames
    if not ours:
        return ""
    frame = ours[-1]
    return f"{frame.filename.rsplit('keras_attn', 1)[-1].lstrip('/')}:{frame.lineno} {frame.name}"


def _wrapped_unforeseen(error) -> bool:
    """A DataError that only wraps an exception nobody foresaw ("could not be read: ...")."""
    cause = error.__cause__
    return (" could not be read: " in str(error) and cause is not None
            and not isinstance(cause, OSError))


def rss_mb() -> float:
    with open("/proc/self/status") as stream:
        for line in stream:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Tally:
    """Outcomes by entry point, failures with their seeds, the slowest input."""

    def __init__(self):
        self.outcomes: dict[str, dict[str, int]] = {}
        self.failures: list[dict] = []
        self.slowest: dict[str, list] = {}

    def count(self, entry, outcome, number=1):
        kinds = self.outcomes.setdefault(entry, {})
        kinds[outcome] = kinds.get(outcome, 0) + number

    def fail(self, part, entry, seed, error, kind):
        self.count(entry, kind)
        self.failures.append({
            "part": part, "entry": entry, "seed": seed, "kind": kind,
            "error": type(error).__name__,
            "message": (str(error).splitlines() or [""])[0][:300], "where": _where(error)})
        print(f"{kind}: {part} seed {seed} in {entry}: {type(error).__name__}: "
              f"{(str(error).splitlines() or [''])[0][:200]}", file=sys.stderr, flush=True)

    def since(self, entry, start, cpu_start, seed):
        """Keep the slowest input of `entry` by CPU time, [cpu s, wall s, seed], given the
        `time.perf_counter()` and `time.process_time()` it started at."""
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        if cpu > self.slowest.get(entry, [0.0])[0]:
            self.slowest[entry] = [round(cpu, 3), round(wall, 3), seed]


# -- files -----------------------------------------------------------------------------------


def run_file(seed, folder: Path, tally: Tally, bound: float, train_it: bool,
             train_bound: float = 300.0) -> tuple[bool, bool]:
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
            if _wrapped_unforeseen(error):
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
            raise AssertionError(f"check exited {code} where read_parallel "
                                 f"{'gave pairs' if pairs is not None else 'refused'}: "
                                 f"{err.getvalue()[:200]}")
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
    result = train(pairs[:200], config, should_stop=lambda: len(steps) >= 3,
                   on_progress=lambda event: steps.append(event), progress_every=1)
    translate_batch(result.model, [source for source, _ in pairs[:4]])
    return result


# -- sentences -------------------------------------------------------------------------------


def toy_pairs(count=600, seed=0):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        words = [rng.choice(KNOWN) for _ in range(rng.randint(1, 6))]
        pairs.append((" ".join(words), " ".join(reversed(words))))
    return pairs


def make_models(folder: Path):
    """Two tiny trained models (subword and character tokens) and their SavedModels."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (the exported graph's text ops)

    from keras_attn.config import preset
    from keras_attn.export import export
    from keras_attn.training import train

    models = []
    for tokenizer in ("subword", "char"):
        config = preset("tiny").replace(**{"train.epochs": 3, "source.tokenizer": tokenizer,
                                           "target.tokenizer": tokenizer})
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
            start, cpu = time.perf_counter(), time.process_time()
            try:
                with bounded(bound):
                    function([item])
                tally.count(entry, "answer")
            except Hang as error:
                tally.fail("sentence", entry, seed, error, "hang")
            except allowed:
                tally.count(entry, "refused")
            except Exception as error:  # noqa: BLE001
                tally.fail("sentence", entry, seed, error, "crash")
            finally:
                tally.since(entry, start, cpu, seed)

    each("translate (greedy)", model.translate, sentences)
    each("translate_batch beam 3", lambda s: translate_batch(model, s, beam=3, n_best=2),
         sentences)
    each("translate_batch sampling", lambda s: translate_batch(
        model, s, temperature=1.0, top_k=5, seed=seeds[0]), sentences)
    encoded = [s.encode("utf-8", "surrogatepass") for s in sentences]
    each("exported model", lambda items: serve(sentences=tf.constant(items, tf.string)),
         encoded, allowed=(tf.errors.InvalidArgumentError,))

    def session(items, beam):
        for item in items:
            s = DecodingSession(model, top_k=3)
            s.start(item)
            s.run_to_end()
            if beam:
                s.beam(3)
    chosen = [(seed, s) for seed, s in zip(seeds, sentences, strict=True)
              if seed % session_every == 0]
    if chosen:
        picked_seeds, picked = zip(*chosen, strict=True)
        for seed, item in zip(picked_seeds, picked, strict=True):
            start, cpu = time.perf_counter(), time.process_time()
            try:
                with bounded(bound):
                    session([item], beam=seed % 40 == 0)
                tally.count("DecodingSession", "answer")
            except Hang as error:
                tally.fail("sentence", "DecodingSession", seed, error, "hang")
            except TranslationError:
                tally.count("DecodingSession", "refused")
            except Exception as error:  # noqa: BLE001
                tally.fail("sentence", "DecodingSession", seed, error, "crash")
            finally:
                tally.since("DecodingSession", start, cpu, seed)


# -- main ------------------------------------------------------------------------------------


def replay(args):
    """Print the input of one seed and what the library makes of it."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz_replay."))
    tally = Tally()
    if args.replay_file is not None:
        suffix, data, target, options = make_file(args.replay_file)
        print(json.dumps({"suffix": suffix, "bytes": len(data), "head": repr(data[:300]),
                          "target_bytes": None if target is None else len(target),
                          "options": options}, indent=1))
        run_file(args.replay_file, folder, tally, args.bound, train_it=True)
    else:
        sentence = make_sentence(args.replay_sentence)
        print(json.dumps({"length": len(sentence), "sentence": sentence[:500]},
                         ensure_ascii=True, indent=1))
        for _, model, serve in make_models(folder):
            run_sentences([args.replay_sentence], model, serve, tally, args.bound, 1)
    print(json.dumps({"outcomes": tally.outcomes, "failures": tally.failures}, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0, help="first seed (files and sentences)")
    parser.add_argument("--train-every", type=int, default=50,
                        help="train on every N-th file that gives pairs")
    parser.add_argument("--session-every", type=int, default=10,
                        help="step through every N-th sentence with DecodingSession")
    parser.add_argument("--bound", type=float, default=30.0,
                        help="CPU seconds an input (or a batch of 64 sentences) may take; "
                             "four times that of wall time")
    parser.add_argument("--workdir", help="work folder (default: a new temporary one)")
    parser.add_argument("--replay-file", type=int, metavar="SEED")
    parser.add_argument("--replay-sentence", type=int, metavar="SEED")
    parser.add_argument("--continue", dest="go_on", action="store_true",
                        help="go on from the results in --json (after this script itself was "
                             "stopped); the seeds are those an unbroken run takes")
    add_json_argument(parser)
    args = parser.parse_args()
    if args.go_on and not (args.json and Path(args.json).is_file()):
        parser.error("--continue needs the --json file of the run to go on")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    faulthandler.enable()  # a crash of the process itself shows where
    if args.replay_file is not None or args.replay_sentence is not None:
        replay(args)
        return
    folder = Path(args.workdir or tempfile.mkdtemp(prefix="fuzz_scale."))
    folder.mkdir(parents=True, exist_ok=True)
    files_folder = folder / "files"
    files_folder.mkdir(exist_ok=True)
    import keras_attn  # noqa: F401

    tally = Tally()
    result = {"machine": machine(), "command": " ".join(["python", *sys.argv]),
              "files": 0, "sentences": 0, "seed": args.seed, "bound_seconds": args.bound,
              "memory_mb": [], "seconds": 0.0, "peak_rss_mb": 0.0, "files_trained_on": 0,
              "files_since_training": args.train_every - 1}
    if args.go_on:
        with open(args.json, encoding="utf-8") as stream:
            result = json.load(stream)
        tally.outcomes, tally.failures = result["outcomes"], result["failures"]
        tally.slowest = result["slowest"]
        result["continued"] = result.get("continued", 0) + 1
        result["memory_mb"].append(["continued", result["files"] + result["sentences"],
                                    round(rss_mb(), 1)])
    began = time.perf_counter() - result["seconds"]
    earlier_peak = result["peak_rss_mb"]  # of the process before, when going on

    def save(stage):
        result.update({"stage": stage, "seconds": round(time.perf_counter() - began, 1),
                       "peak_rss_mb": round(max(peak_mb(), earlier_peak), 1),
                       "outcomes": tally.outcomes,
                       "slowest": tally.slowest, "failures": tally.failures,
                       "crashes": sum(f["kind"] == "crash" for f in tally.failures),
                       "hangs": sum(f["kind"] == "hang" for f in tally.failures),
                       "batches_failing": sum(f["kind"].endswith("(batch)")
                                              for f in tally.failures)})
        if args.json:
            report(result, args.json, echo=False)

    # The first file that gives pairs trains, then every `--train-every`-th.
    for index in range(result["files"], args.files):
        seed = args.seed + index
        gave, did_train = run_file(seed, files_folder, tally, args.bound,
                                   result["files_since_training"] >= args.train_every - 1)
        result["files_since_training"] = (0 if did_train
                                          else result["files_since_training"] + gave)
        result["files_trained_on"] += did_train
        result["files"] = index + 1
        if (index + 1) % 500 == 0 or index + 1 == args.files:
            result["memory_mb"].append(["files", index + 1, round(rss_mb(), 1)])
            save("files")
            print(f"files {index + 1}/{args.files}: {tally.outcomes.get('read_parallel')}, "
                  f"{len(tally.failures)} failure(s), {rss_mb():.0f} MB, "
                  f"{time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    if not args.sentences:
        save("done")
        report(result, args.json)
        return
    start = time.perf_counter()
    models = make_models(folder)
    result["models_seconds"] = round(time.perf_counter() - start, 1)
    result["memory_mb"].append(["models", 0, round(rss_mb(), 1)])
    sentences_began = time.perf_counter() - result.get("sentences_seconds", 0.0)
    done = result["sentences"]
    for number, first in enumerate(range(done, args.sentences, BATCH), start=done // BATCH):
        seeds = [args.seed + index for index in range(first, min(first + BATCH, args.sentences))]
        _, model, serve = models[number % len(models)]
        run_sentences(seeds, model, serve, tally, args.bound, args.session_every)
        done += len(seeds)
        result["sentences"] = done
        if number % 80 == 79 or done == args.sentences:
            result["memory_mb"].append(["sentences", done, round(rss_mb(), 1)])
            result["sentences_seconds"] = round(time.perf_counter() - sentences_began, 1)
            save("sentences")
            print(f"sentences {done}/{args.sentences}: {len(tally.failures)} failure(s), "
                  f"{rss_mb():.0f} MB, {time.perf_counter() - began:.0f} s",
                  file=sys.stderr, flush=True)
    save("done")
    report(result, args.json)


if __name__ == "__main__":
    main()
