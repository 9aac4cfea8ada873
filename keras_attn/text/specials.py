"""The four special tokens every vocabulary starts with, at fixed ids (no TensorFlow)."""

PAD, UNK, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
SPECIALS = (PAD, UNK, START, END)


def output_ids(row):
    """The ids of one output that make text: up to the first END, PAD and START skipped
    (as ints)."""
    for i in row:
        i = int(i)
        if i == END_ID:
            return
        if i not in (PAD_ID, START_ID):
            yield i
