"""Generated data files: TSV, CSV, TMX, two aligned text files, a file without
extension; in many encodings (with and without BOM), damaged in many ways (truncations,
binary junk, NUL bytes, line endings, long lines, flipped bytes, lying XML declarations,
DOCTYPEs), with the options to read them with, right or wrong."""

from __future__ import annotations

import io
import random

from .sentences import make_sentence

ENCODINGS = [
    "utf-8",
    "utf-8",
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "latin-1",
    "cp1252",
]


def _field(rng) -> str:
    """A short sentence for a data file (tabs, quotes and newlines may come in)."""
    text = make_sentence(rng.randrange(1 << 40), longest=rng.choice([20, 60, 200]))
    if rng.random() < 0.05:
        text = (
            text[: rng.randint(0, len(text))]
            + rng.choice(['"', "'", "\t", ",", ";", "\n", "<", "&", "]]>"])
            + text
        )
    return text


def _tmx(rng, pairs, encoding) -> str:
    from xml.sax.saxutils import escape

    langs = rng.choice([("de", "en"), ("de-DE", "en-GB"), ("fr", "fr"), ("", "en"), ("x", "y")])
    parts = []
    if rng.random() < 0.8:
        declared = encoding if rng.random() < 0.8 else rng.choice(ENCODINGS + ["bogus"])
        parts.append(f'<?xml version="1.0" encoding="{declared}"?>\n')
    if rng.random() < 0.05:
        parts.append(
            rng.choice(
                [
                    '<!DOCTYPE tmx [<!ENTITY e "boom">]>\n',
                    '<!DOCTYPE tmx SYSTEM "file:///etc/passwd">\n',
                    '<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n',
                ]
            )
        )
    parts.append(f'<tmx version="1.4"><header srclang="{langs[0]}" datatype="plaintext"/><body>\n')
    for source, target in pairs:
        seg = (lambda t: escape(t)) if rng.random() < 0.9 else (lambda t: t)
        variants = [(langs[0], source), (langs[1], target)]
        if rng.random() < 0.1:
            variants.append((rng.choice(["it", langs[0]]), _field(rng)))
        rng.shuffle(variants) if rng.random() < 0.1 else None
        tuvs = "".join(
            f'<tuv xml:lang="{lang}"><seg>'
            + (
                f"<bpt i='1'>&lt;b&gt;</bpt>{seg(text)}<ept i='1'>&lt;/b&gt;</ept>"
                if rng.random() < 0.05
                else seg(text)
            )
            + "</seg></tuv>"
            for lang, text in variants
        )
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
        writer = csv.writer(
            buffer,
            delimiter=delimiter,
            lineterminator=newline,
            quoting=rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
        )
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
            targets = targets[: rng.randint(0, len(targets))]
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
        data = data[: rng.randint(0, len(data))]
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
