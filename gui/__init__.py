"""The keras-attn desktop app (PySide6), installed as the package ``keras_attn_app``.

Start it with ``keras-attn-gui``, ``keras-attn gui`` or ``python -m keras_attn_app``. The
folder is laid out in rooms:

* here, the shell: :mod:`.app` (command line, start-up), :mod:`.main_window` (tabs, status
  bar, what the menus do) and :mod:`.menus` (the menus and actions), :mod:`.worker` (the
  one worker thread class, and the worker that owns every TensorFlow call) with
  :mod:`.worker_tasks` (its work as plain functions) and :mod:`.messages` (what a person
  is told when a request fails), :mod:`.settings`, :mod:`.theme`,
  :mod:`.icons`, :mod:`.excepthook` (uncaught errors) and :mod:`.screenshot`
  (``--screenshot``);
* :mod:`.views`: what fills the window and its dialogs: the step-through view and its
  pages, the translate view, the anatomy and diagnostics of a step, the Compare window,
  model information;
* :mod:`.widgets`: drawings used by several views: the attention heatmap, bars, alignment
  lines, the beam tree, coloured strips of numbers, pictures saved to files;
* :mod:`.wizard`: the training wizard, its pages, charts and training worker.

Imports inside the app are relative. Nothing here imports Qt or TensorFlow at import time;
only the workers' threads and the wizard's training process import TensorFlow.
"""
