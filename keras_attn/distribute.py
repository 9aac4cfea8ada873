"""Training on several devices or machines, with TensorFlow's synchronous data parallelism.

``train.strategy`` chooses how:

* ``none``: one device, as always.
* ``mirrored``: one machine, every local GPU (on a machine without a GPU, every logical
  CPU device) holds a copy of the weights; each batch is split among them and the
  gradients are added up before each update.
* ``multiworker``: the same across several machines, each running the same command; the
  machines are described by the ``TF_CONFIG`` environment variable (:func:`read_tf_config`).

The batch size stays the global one: a batch of 64 on two devices is 32 pairs on each.
The model, its optimizer and the fit all happen inside the strategy's scope
(see :func:`keras_attn.training.train`); Keras then splits the `tf.data` batches itself.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from keras_attn.config import STRATEGIES
from keras_attn.errors import ConfigurationError

TF_CONFIG_EXAMPLE = (
    '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
    '"task": {"type": "worker", "index": 0}}'
)

_multiworker = None  # a process can join one cluster only: the strategy is made once


def make_strategy(name: str, devices=None):
    """The `tf.distribute.Strategy` called `name`, or None for ``"none"``.

    Args:
        name: ``"none"``, ``"mirrored"`` or ``"multiworker"``.
        devices: for ``mirrored`` only, the devices to mirror over (e.g.
            ``["/cpu:0", "/cpu:1"]``); default: every local GPU, or every logical CPU
            device when there is no GPU (one device gives a one-replica strategy).

    Raises:
        ConfigurationError: an unknown name, devices given for another strategy than
            ``mirrored``, or a missing or malformed ``TF_CONFIG`` for ``multiworker``.
    """
    if name not in STRATEGIES:
        raise ConfigurationError(
            f"Received an invalid value for `train.strategy`: {name!r}; expected one of "
            f"{list(STRATEGIES)}."
        )
    if devices is not None and name != "mirrored":
        raise ConfigurationError(f"A device list is for the mirrored strategy, not {name!r}.")
    if name == "none":
        return None
    import tensorflow as tf

    if name == "mirrored":
        if devices is None:
            devices = [d.name for d in tf.config.list_logical_devices("GPU")]
            devices = devices or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=list(devices))
    global _multiworker
    read_tf_config()
    if _multiworker is None:
        try:
            _multiworker = tf.distribute.MultiWorkerMirroredStrategy()
        except (RuntimeError, ValueError) as error:
            raise ConfigurationError(
                f"Could not set up the multiworker strategy from TF_CONFIG: {error}. It must "
                "be set up before TensorFlow runs anything else in the process (the "
                "`keras-attn train` command does so)."
            ) from error
    return _multiworker


def read_tf_config(environ=None) -> dict:
    """The cluster description in the ``TF_CONFIG`` environment variable, checked.

    Its shape (the same cluster on every machine, each machine its own task index; the
    worker of index 0 is the chief, unless a ``chief`` task is listed)::

        {"cluster": {"worker": ["host1:12345", "host2:12345"]},
         "task": {"type": "worker", "index": 0}}

    Raises:
        ConfigurationError: TF_CONFIG is missing, not JSON, or not of that shape.
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG", "").strip()
    expected = f"Expected JSON of this shape: {TF_CONFIG_EXAMPLE}"
    if not text:
        raise ConfigurationError(
            "The multiworker strategy needs the TF_CONFIG environment variable, which is not "
            f"set: set it on every machine, listing all of them and this one's task. {expected}"
        )
    try:
        tf_config = json.loads(text)
    except ValueError as error:
        raise ConfigurationError(f"TF_CONFIG is not valid JSON ({error}). {expected}") from None
    cluster = tf_config.get("cluster") if isinstance(tf_config, dict) else None
    task = tf_config.get("task") if isinstance(tf_config, dict) else None
    if not isinstance(cluster, dict) or not (cluster.get("worker") or cluster.get("chief")):
        raise ConfigurationError(
            f"TF_CONFIG has no `cluster` with a `worker` list of host:port addresses. {expected}"
        )
    for kind, addresses in cluster.items():
        if (
            not isinstance(addresses, list)
            or not addresses
            or not all(isinstance(a, str) and ":" in a for a in addresses)
        ):
            raise ConfigurationError(
                f"TF_CONFIG's cluster.{kind} must be a list of host:port addresses, got "
                f"{addresses!r}. {expected}"
            )
    if not isinstance(task, dict) or task.get("type") not in ("worker", "chief"):
        raise ConfigurationError(
            'TF_CONFIG has no `task` saying which machine this is ({"type": "worker", '
            f'"index": N}}). {expected}'
        )
    index = task.get("index", 0)
    kind = task["type"]
    if (
        isinstance(index, bool)
        or not isinstance(index, int)
        or not 0 <= index < len(cluster.get(kind) or [])
    ):
        raise ConfigurationError(
            f"TF_CONFIG's task.index {index!r} does not name one of the "
            f"{len(cluster.get(kind) or [])} entries of cluster.{kind}. {expected}"
        )
    return tf_config


def check_settings(config, strategy) -> None:
    """Refuse training settings that cannot work under `strategy`.

    Across machines, every step is a joint one: a machine that stops on its own (a time
    limit, measured by each machine's clock) would leave the others waiting for it forever.
    """
    if strategy is None or not config.train.time_limit:
        return
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        raise ConfigurationError(
            f"Received `train.time_limit={config.train.time_limit:g}` with the multiworker "
            "strategy: each machine would stop at its own time while the others wait for "
            "it; limit `train.epochs` instead."
        )


def is_chief(strategy) -> bool:
    """True unless `strategy` spans several machines and this one is not the chief (the one
    that saves the model; every machine holds the same weights)."""
    return strategy is None or bool(strategy.extended.should_checkpoint)


def worker_directory(directory, strategy):
    """Where this machine writes its checkpoints: `directory` on the chief, a ``worker-N``
    folder inside it on the others (all of them must save, each to its own place)."""
    if directory is None or is_chief(strategy):
        return directory
    return Path(directory) / f"worker-{strategy.cluster_resolver.task_id}"


def scope(strategy):
    """The strategy's scope, or a context that does nothing when `strategy` is None."""
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def prepare_model(model, strategy):
    """`model`, ready to train under `strategy` (None: on one device).

    Variables must be created inside the strategy's scope: a model whose variables belong
    elsewhere (built outside the scope, or trained under another strategy) is rebuilt in
    the right place, with the same weights. The model's own training step scales its loss
    with :func:`token_share` and reports :func:`step_logs`, so it needs no other change.
    """
    if _variables_strategy(model) is not strategy:
        with scope(strategy):
            copy = type(model).from_config(model.get_config())
            copy.set_weights(model.get_weights())
        model = copy
    return model


def _variables_strategy(model):
    """The strategy that holds `model`'s variables, None for plain variables."""
    import tensorflow as tf

    weights = model.weights
    value = weights[0].value if weights else None
    if isinstance(value, tf.distribute.DistributedValues):
        return value.distribute_strategy
    return None


def prepare_fit(model, strategy) -> None:
    """Last preparations of a compiled `model` before `fit` under `strategy` (inside its
    scope; None: nothing to do).

    When a model remembers the strategy it was made under, Keras's `fit` first takes a
    batch from the data to build what is not built yet. That fails across machines for
    inputs made of several tensors, as ours are (keras-team/keras#20585), and it draws
    one of the training data's shuffles, so the epochs would see other batches than on one
    device. Our model is built already and the optimizer is built here, in the scope: the
    model then forgets the strategy, and `fit`, called inside the scope, runs under it as
    the strategy in effect.
    """
    if strategy is None:
        return
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model._distribute_strategy = None


def prepare_dataset(dataset, strategy):
    """Shard `dataset` by element among machines (it is built in memory, not read from
    files, so TensorFlow's file-based sharding cannot apply)."""
    if strategy is None:
        return dataset
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def token_share(n_tokens):
    """The factor that turns one replica's mean token loss into its part of the global one.

    The loss is a mean over the real (non-padding) target tokens, and the optimizer adds
    up the replicas' gradients. Multiplying each replica's mean by its share of the tokens
    of the *global* batch (all replicas together) makes that sum exactly the gradient of
    the global batch's mean loss: the same update as on one device. The simpler scaling by
    1 / num_replicas_in_sync would average the replicas' means instead, which weighs a
    replica's tokens more when it happens to hold fewer of them. Without a strategy the
    factor is 1.
    """
    import tensorflow as tf

    if not tf.distribute.has_strategy():
        return 1.0
    context = tf.distribute.get_replica_context()
    return n_tokens / context.all_reduce(tf.distribute.ReduceOp.SUM, n_tokens)


def clip_gradients(gradients, clipnorm, loss_scale=None):
    """Clip each gradient to norm `clipnorm` (0: no clipping), as a whole-batch gradient.

    Keras's own `clipnorm` clips each replica's partial gradient before the replicas'
    gradients are added up, so under a strategy it clips something else than one device
    would (measured: losses 1.6e-4 apart after two epochs of the test model, against 2e-7
    without clipping). Here, under a strategy, the gradients are first added up over the
    replicas, clipped, then divided by the number of replicas, so that the sum the
    optimizer then takes is exactly the clipped whole-batch gradient. That costs a second
    exchange of the gradients per step (`--set train.clipnorm=0` avoids it).

    `loss_scale`: the loss scale of a `LossScaleOptimizer` (mixed_float16), whose gradients
    are clipped as the unscaled gradients would be.
    """
    import tensorflow as tf

    if not clipnorm:
        return gradients
    replicas = 1
    if tf.distribute.has_strategy():
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        if replicas > 1:
            present = [i for i, g in enumerate(gradients) if g is not None]
            summed = context.all_reduce(tf.distribute.ReduceOp.SUM, [gradients[i] for i in present])
            gradients = list(gradients)
            for i, g in zip(present, summed, strict=True):
                gradients[i] = g

    def clip(g):
        if g is None:
            return None
        if loss_scale is not None:
            g = _scale(g, 1.0 / loss_scale)
        g = tf.clip_by_norm(g, clipnorm)
        if loss_scale is not None:
            g = _scale(g, loss_scale)
        return _scale(g, 1.0 / replicas) if replicas > 1 else g

    return [clip(g) for g in gradients]


def _scale(gradient, factor):
    import tensorflow as tf

    if isinstance(gradient, tf.IndexedSlices):
        return tf.IndexedSlices(
            gradient.values * tf.cast(factor, gradient.values.dtype),
            gradient.indices,
            gradient.dense_shape,
        )
    return gradient * tf.cast(factor, gradient.dtype)


def step_logs(model):
    """A training or evaluation step's logs: the model's metrics, over all replicas when a
    strategy is in effect (see :func:`_global_logs`)."""
    import tensorflow as tf

    if not tf.distribute.has_strategy():
        return {metric.name: metric.result() for metric in model.metrics}
    return _global_logs(model, tf.distribute.get_replica_context())


def _global_logs(model, context):
    """The metrics over all replicas, computed identically on each one.

    Each replica accumulates its own share of a metric (its totals and token counts);
    read inside a step, a metric gives only that share, and Keras averages the replicas'
    step results, which would halve the token count on two replicas. Adding up the shares
    first gives every replica the true value.
    """
    import tensorflow as tf

    strategy = context.strategy
    # Across machines, Keras averages the step results along their first axis, which single
    # numbers lack (tensorflow/tensorflow#72388): there, each log is a vector of one.
    across_machines = len(strategy.extended.worker_devices) < strategy.num_replicas_in_sync
    logs = {}
    for metric in model.metrics:
        # tf.identity: the all-reduce takes tensors, not the variables themselves.
        totals = context.all_reduce(
            tf.distribute.ReduceOp.SUM,
            [tf.identity(variable.value) for variable in metric.variables],
        )
        value = metric.stateless_result(totals)
        logs[metric.name] = tf.reshape(value, [1]) if across_machines else value
    return logs
