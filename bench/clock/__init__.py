"""The parts of `bench/quality_clock.py` (time to quality), one concept a module:

* `reach`: the scoring points and the seconds to reach a score;
* `report`: the printed lines and the figure;
* `pacer`: a worker's clock, its pacing between batches, its channel, pairs and scores;
* `tutorial_side`, `keras_attn_side`: the two workers.

`bench/quality_clock.py` keeps the controller (the worker processes, the run) and the
command line, and re-exports these names.
"""
