"""Reading users' parallel corpora (TSV, CSV, TMX, two aligned text files) with a report.

    >>> from keras_attn.data import read_parallel, split_pairs
    >>> data = read_parallel("deu.txt")
    >>> print(data.report.summary())
    >>> train, validation, test = split_pairs(data.pairs, validation=0.05)

Pure Python (standard library only), so importing it is quick.
"""

from .detect import FORMATS, detect_format
from .pairs import RATIO_MIN_CHARS
from .readers import ParallelData, read_parallel
from .report import KINDS, Problem, Report
from .split import split_pairs
from .stats import length_stats

__all__ = [
    "FORMATS",
    "KINDS",
    "RATIO_MIN_CHARS",
    "ParallelData",
    "Problem",
    "Report",
    "detect_format",
    "length_stats",
    "read_parallel",
    "split_pairs",
]
