"""The parts of `bench/fuzz_scale.py` (fuzzing at scale), one concept a module:

* `sentences`, `files`: the generators (one input per seed);
* `outcomes`: an input under a time bound, and the tally of what came of it;
* `runner`: the entry points a file and a batch of sentences go through.

`bench/fuzz_scale.py` keeps the command line (the run, `--continue`, the replays) and
re-exports these names.
"""
