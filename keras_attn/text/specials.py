"""The four special tokens every vocabulary starts with, at fixed ids (no TensorFlow)."""

PAD, UNK, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
SPECIALS = (PAD, UNK, START, END)
