"""The keras-attn desktop app (PySide6).

Start it with ``keras-attn-gui`` (or ``python -m gui.app``). One module a concept:
``app`` (start-up, command line, screenshots), ``main_window``, ``worker`` (the QObject on
a QThread that does all TensorFlow work), ``step_view``, ``translate_view``, ``heatmap``
(embedded matplotlib), ``bars``, ``alignment_view``, ``beam_view``, ``model_info``,
``settings``, ``theme``, ``icons``, ``excepthook``, ``screenshot``.

Nothing here imports TensorFlow at import time; only the worker's thread does.
"""
