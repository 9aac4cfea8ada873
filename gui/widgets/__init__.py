"""Drawings the views share, each knowing nothing of the window around it.

* :mod:`.heatmap`: the attention heatmap (embedded matplotlib), with hover and export;
* :mod:`.bars`: one step's attention as bars over the source tokens;
* :mod:`.alignment_view`: attention as lines between source and output tokens;
* :mod:`.beam_view`: the beam search tree and its n-best list;
* :mod:`.strip`: vectors and small matrices as rows of coloured cells;
* :mod:`.pictures`: a painted widget saved as PNG, SVG or PDF.
"""
