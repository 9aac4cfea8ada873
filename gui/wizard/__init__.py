"""The training wizard (Models ▸ Train a New Model…), a room of its own.

* :mod:`.train_wizard`: :class:`~.train_wizard.TrainWizard`, the ``QWizard`` that holds
  the pages, owns the training worker and its thread, and remembers the last run's choices;
* one module a page, in order: :mod:`.data_page`, :mod:`.map_page`, :mod:`.text_page`,
  :mod:`.model_page`, :mod:`.train_page`, :mod:`.finish_page`;
* :mod:`.common`: what the pages share (warning labels, tables, durations, the remembered
  settings' version); a page imports from here, never from another page;
* :mod:`.plots`: the matplotlib charts (training curves, sentence lengths);
* :mod:`.training_worker`: the ``QObject`` that reads, measures, trains and saves on its
  own thread, training in a process of its own (:mod:`.training_process`, no Qt);
  :mod:`.config_choice` (the configuration chosen for the data),
  :mod:`.checkpoints` (a run's files beside its checkpoint) and :mod:`.data` (reading the
  corpus, lengths, names; no Qt) hold its plain-Python parts.

Importing this package imports nothing; ``from keras_attn_app.wizard.train_wizard import
TrainWizard`` loads the wizard.
"""
