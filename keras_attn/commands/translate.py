"""``keras-attn translate``: translate sentences or a file with a saved model.

Greedy decoding by default; ``--beam`` searches (``--n-best`` lists alternatives with their
scores), ``--temperature``/``--top-k`` sample. ``--attention`` saves each sentence's
attention as a picture or a CSV file and ``--show-attention`` draws it in the terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keras_attn.commands import add_beam_arguments, non_negative, positive_number


def add_parser(subparsers):
    p = subparsers.add_parser(
        "translate",
        help="translate sentences with a saved model",
        description="Translate sentences given on the command line, or a file one sentence "
        "a line, with a saved .keras model.",
    )
    p.add_argument("model", help="a .keras model file")
    p.add_argument("sentences", nargs="*", help="sentences to translate")
    p.add_argument("--input", "-i", help="file with one sentence a line ('-': standard input)")
    p.add_argument("--output", "-o", help="write translations here, one a line (default: print)")
    p.add_argument("--batch-size", type=positive_number, default=64)
    d = p.add_argument_group("decoding")
    add_beam_arguments(d)
    d.add_argument(
        "--n-best",
        type=positive_number,
        default=1,
        metavar="N",
        help="print the N best translations of each sentence with their scores, "
        "as 'SENTENCE ||| TRANSLATION ||| SCORE' (needs --beam K, N <= K)",
    )
    d.add_argument(
        "--temperature",
        type=non_negative,
        metavar="T",
        help="sample the output instead (below 1: safer, above 1: more varied)",
    )
    d.add_argument(
        "--top-k",
        type=positive_number,
        metavar="K",
        help="sample among the K most likely tokens only",
    )
    d.add_argument("--seed", type=int, help="random seed, for repeatable samples")
    a = p.add_argument_group("attention")
    a.add_argument(
        "--attention",
        metavar="OUT",
        help="save the attention weights to OUT (.png, .svg, .pdf or .csv); with "
        "several sentences, the sentence number is added: OUT-1.png, ...",
    )
    a.add_argument(
        "--show-attention",
        action="store_true",
        help="draw each sentence's attention in the terminal after its translation",
    )
    return p


def read_lines(path):
    """Lines of a UTF-8 file (or stdin for '-'), without line endings."""
    from keras_attn.errors import DataError

    if path == "-":
        try:
            return sys.stdin.read().splitlines()
        except UnicodeDecodeError as error:
            raise DataError(f"standard input: not UTF-8 text ({error.reason})") from error
    try:
        with open(path, encoding="utf-8-sig") as stream:
            return stream.read().splitlines()
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror}", path=path) from error
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})", path=path
        ) from error


def attention_path(path, number, total) -> Path:
    """Where sentence `number` (1-based) of `total` saves its attention: `path` itself for
    a single sentence, else the number inserted before the suffix (`out-2.png`)."""
    path = Path(path)
    return path if total == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")


def _write_error(path, error) -> int:
    print(
        f"keras-attn translate: error: {path}: cannot write: {error.strerror or error}",
        file=sys.stderr,
    )
    return 1


def _usage_error(message) -> int:
    print(f"keras-attn translate: error: {message}", file=sys.stderr)
    return 2


def _check_options(args):
    """The problem with the options given, or None."""
    from keras_attn.plotting import SUFFIXES

    if not args.sentences and not args.input:
        return "give sentences or --input FILE"
    sampling = args.temperature is not None or args.top_k is not None or args.seed is not None
    if sampling and args.beam:
        return "--beam and sampling (--temperature, --top-k, --seed) exclude each other"
    if args.n_best > 1 and not args.beam:
        return "--n-best needs beam search: add --beam K (K >= N)"
    if args.beam and args.n_best > args.beam:
        return f"--n-best {args.n_best} is more than --beam {args.beam} can find"
    if args.attention and Path(args.attention).suffix.lower() not in SUFFIXES:
        return (
            f"--attention {args.attention}: the file name must end in one of {', '.join(SUFFIXES)}"
        )
    return None


def run(args) -> int:
    problem = _check_options(args)
    if problem:
        return _usage_error(problem)
    sentences = list(args.sentences)
    if args.input:
        sentences += read_lines(args.input)
    from keras_attn.errors import TranslationError
    from keras_attn.evaluation import translate_batch
    from keras_attn.model import check_text
    from keras_attn.saving import load_model

    # Empty lines stay empty lines, so that output lines match input lines.
    todo = [i for i, s in enumerate(sentences) if s.strip()]
    for i in todo:
        check_text(sentences[i], f"Sentence {i + 1}")
    model = load_model(args.model)
    todo = _note_truncated(model, sentences, todo)
    sampling = args.temperature is not None or args.top_k is not None or args.seed is not None
    temperature = None
    if sampling:
        temperature = 1.0 if args.temperature is None else args.temperature
    results = translate_batch(
        model,
        [sentences[i] for i in todo],
        beam=args.beam,
        alpha=args.alpha,
        n_best=args.n_best,
        batch_size=args.batch_size,
        temperature=temperature,
        top_k=args.top_k or 0,
        seed=args.seed,
    )
    options: list[list] = [[] for _ in sentences]
    for i, found in zip(todo, results, strict=True):
        options[i] = found
    if args.n_best > 1:  # one line per alternative, best first; nothing for empty lines
        blocks = [
            [f"{i + 1} ||| {t.text} ||| {t.score:.4f}" for t in found]
            for i, found in enumerate(options)
        ]
    else:
        blocks = [[found[0].text if found else ""] for found in options]

    pictures = {}
    if args.attention or args.show_attention:
        greedy = not (args.beam and args.beam > 1) and not sampling
        for i in todo:
            try:
                pictures[i] = _attention(model, sentences[i], options[i][0], greedy=greedy)
            except TranslationError as error:
                print(f"note: sentence {i + 1}: no attention to show: {error}", file=sys.stderr)
    if args.output:
        text = "".join(line + "\n" for block in blocks for line in block)
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as error:
            return _write_error(args.output, error)
        print(f"wrote {sum(map(len, blocks))} translation(s) to {args.output}", file=sys.stderr)
    if not args.output or args.show_attention:
        from keras_attn.plotting import text_heatmap

        for i, block in enumerate(blocks):
            if not args.output:
                for line in block:
                    print(line)
            if args.show_attention and i in pictures:
                print(text_heatmap(*pictures[i]))
                print()
    if args.attention:
        from keras_attn.plotting import save_attention

        for i in sorted(pictures):
            path = attention_path(args.attention, i + 1, len(sentences))
            try:
                save_attention(path, *pictures[i])
            except OSError as error:
                return _write_error(path, error)
            print(f"wrote attention of sentence {i + 1} to {path}", file=sys.stderr)
    return 0


def _note_truncated(model, sentences, todo):
    """Tell on stderr which sentences are longer than the model reads, and which have
    nothing to translate once normalized (their output line stays empty, as for an empty
    line). Returns the sentences to translate."""
    if not todo:
        return todo
    from keras_attn.model import NOTHING_TO_TRANSLATE

    text = model.source_text
    counts = text.token_counts([sentences[i] for i in todo])
    kept = []
    for i, count in zip(todo, counts, strict=True):
        if count == 0:
            print(
                f"note: sentence {i + 1} {NOTHING_TO_TRANSLATE}; its output line is empty",
                file=sys.stderr,
            )
            continue
        kept.append(i)
        if count > text.max_length:
            print(
                f"note: sentence {i + 1} has {count} tokens; the model reads only the "
                f"first {text.max_length}",
                file=sys.stderr,
            )
    return kept


def _attention(model, sentence, translation, greedy):
    """`(weights, source_tokens, target_tokens)` of one sentence's translation.

    Greedy output is decoded again step by step (the app's decoder view does the same);
    beam search and sampling keep the weights of the translation they chose.
    """
    from keras_attn.text import END

    if greedy:
        from keras_attn.session import DecodingSession

        session = DecodingSession(model)
        source_tokens = session.start(sentence)
        session.run_to_end()
        return session.attention, source_tokens, session.target_tokens
    source_tokens = model.source_text.tokens([sentence])[0] + [END]
    return translation.weights, source_tokens, translation.output_tokens(model)
