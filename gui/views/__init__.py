"""What fills the main window, its tabs and its dialogs.

* :mod:`.step_view`: the Step through tab, made of :mod:`.step_pages` (the pictures:
  heatmap, alignment, beam tree, :mod:`.anatomy_view`, :mod:`.diagnostics_view`, or
  :mod:`.classic_notice` for a model without attention) and :mod:`.step_panel` (the
  current step's bars and candidates);
* :mod:`.translate_view`: the Translate tab (typed sentences, whole files);
* :mod:`.compare_view`: the Compare window, with :mod:`.compare_detail` for one sentence;
* :mod:`.model_info`: the model information dialog.

A view draws what the worker sends and asks for work through its signals; it never
imports TensorFlow. Drawings used by several views are in :mod:`keras_attn_app.widgets`.
"""
