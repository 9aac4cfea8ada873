"""Tests of training under a distribution strategy: same results as on one device, clear
errors for bad settings."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_attn import distribute
from keras_attn.config import preset
from keras_attn.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]

# Dropout off, bucketing off (fixed batches) and a fixed seed: both runs see the same
# batches in the same order, so they differ only by how the work is split.
SETTINGS = {
    "train.epochs": 2,
    "train.bucketing": False,
    "model.dropout": 0.0,
    "train.seed": 7,
    "train.precision": "float32",
}  # bfloat16 rounds far above 1e-5

# Devices are configured before TensorFlow initializes them, hence a fresh process.
MIRRORED_VS_ONE_DEVICE = r"""
import json, sys
import keras_attn  # imports TensorFlow without its start-up notices
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])

from keras_attn import distribute
from keras_attn.config import preset
from keras_attn.model import Translator
from keras_attn.training import build_model, train
from tests.helpers import reverse_pairs

settings = json.loads(sys.argv[2])
pairs = reverse_pairs(256, seed=5)
config = preset("tiny").replace(**settings)
initial = build_model(config, pairs)
weights = initial.get_weights()  # both runs start from these
runs = {}
for name, strategy in (("one device", None),
                       ("mirrored", distribute.make_strategy("mirrored", ["/cpu:0", "/cpu:1"]))):
    model = Translator.from_config(initial.get_config())
    model.set_weights(weights)
    result = train(pairs, config, model=model, strategy=strategy)
    runs[name] = {"history": result.history,
                  "replicas": strategy.num_replicas_in_sync if strategy else 1,
                  "weights": result.model.get_weights()}
difference = max(float(np.max(np.abs(a - b)))
                 for a, b in zip(runs["one device"]["weights"], runs["mirrored"]["weights"]))
for run in runs.values():
    del run["weights"]
with open(sys.argv[1], "w") as stream:
    json.dump({"runs": runs, "max_weight_difference": difference}, stream)
"""

WORKER = r"""
import json, sys
import keras_attn  # imports TensorFlow without its start-up notices
from keras_attn import distribute
from keras_attn.config import preset
from keras_attn.training import train
from tests.helpers import reverse_pairs

strategy = distribute.make_strategy("multiworker")
pairs = reverse_pairs(200, seed=5)
config = preset("tiny").replace(**json.loads(sys.argv[2]))
result = train(pairs[:160], config, validation_pairs=pairs[160:], strategy=strategy,
               checkpoint_dir=sys.argv[1])
print(json.dumps({"history": result.history, "chief": distribute.is_chief(strategy),
                  "replicas": strategy.num_replicas_in_sync}))
"""


def _environment(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


def test_mirrored_over_two_devices_matches_one_device(tmp_path):
    """Mirrored training on two logical CPUs gives the one-device losses and weights."""
    out = tmp_path / "runs.json"
    run = subprocess.run(
        [sys.executable, "-c", MIRRORED_VS_ONE_DEVICE, str(out), json.dumps(SETTINGS)],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    one, mirrored = report["runs"]["one device"], report["runs"]["mirrored"]
    assert mirrored["replicas"] == 2
    assert mirrored["history"]["tokens"] == one["history"]["tokens"]  # summed over replicas
    # Same batches, same initial weights: the runs differ only by the order of float
    # additions (measured: 2e-7 relative on the loss, 8e-7 on the weights). A wrong loss
    # scaling shows far above these bounds: averaging the replicas' means instead of using
    # the global token count gives 1e-4 on the loss and 2e-2 on the weights, and adding
    # the replicas' mean-loss gradients unscaled gives 4e-5 and 2e-2.
    np.testing.assert_allclose(mirrored["history"]["loss"], one["history"]["loss"], rtol=1e-5)
    np.testing.assert_allclose(
        mirrored["history"]["accuracy"], one["history"]["accuracy"], rtol=1e-5
    )
    assert report["max_weight_difference"] < 1e-4


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_one_machine_match_one_device(tmp_path):
    """Two multiworker processes train in step, like one device; each writes checkpoints."""
    from keras_attn.training import train
    from tests.helpers import reverse_pairs

    settings = {**SETTINGS, "train.epochs": 1}
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(tmp_path / "checkpoints"), json.dumps(settings)],
                cwd=ROOT,
                env=_environment(TF_CONFIG=json.dumps(tf_config)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:  # its peer failed: it would wait forever
                process.kill()
    results = []
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [r["chief"] for r in results] == [True, False]
    assert results[0]["replicas"] == 2
    assert results[0]["history"] == results[1]["history"]
    pairs = reverse_pairs(200, seed=5)
    alone = train(pairs[:160], preset("tiny").replace(**settings), validation_pairs=pairs[160:])
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(results[0]["history"][key], alone.history[key], rtol=1e-5)
    assert (tmp_path / "checkpoints" / "last.keras").exists()
    assert (tmp_path / "checkpoints" / "worker-1" / "last.keras").exists()


def test_multiworker_without_tf_config_is_a_clear_error(monkeypatch):
    """Asking for multiworker without TF_CONFIG names the variable and shows its shape."""
    from keras_attn.training import train

    monkeypatch.delenv("TF_CONFIG", raising=False)
    config = preset("tiny").replace(**{"train.strategy": "multiworker"})
    with pytest.raises(ConfigurationError, match="TF_CONFIG environment variable") as info:
        train([("a b", "b a")], config)
    assert '{"cluster": {"worker": ["host1:12345", "host2:12345"]}' in str(info.value)
    assert '"task": {"type": "worker", "index": 0}' in str(info.value)


@pytest.mark.parametrize(
    "value, pattern",
    [
        ("{not json", "not valid JSON"),
        ('{"task": {"type": "worker", "index": 0}}', "no `cluster`"),
        (
            '{"cluster": {"worker": "host1:1"}, "task": {"type": "worker", "index": 0}}',
            "list of host:port",
        ),
        ('{"cluster": {"worker": ["host1:1", "host2:1"]}}', "no `task`"),
        (
            '{"cluster": {"worker": ["host1:1", "host2:1"]}, "task": {"type": "worker", "index": 2}}',
            "task.index 2",
        ),
    ],
)
def test_malformed_tf_config_is_a_clear_error(value, pattern):
    """A malformed TF_CONFIG is refused with what is wrong and the expected shape."""
    with pytest.raises(ConfigurationError, match=pattern) as info:
        distribute.read_tf_config({"TF_CONFIG": value})
    assert "Expected JSON of this shape" in str(info.value)


def test_bad_strategy_value_is_refused_by_validation():
    """An unknown train.strategy fails validation, naming the field and the choices."""
    with pytest.raises(ConfigurationError, match=r"`train.strategy`: 'horovod'.*'mirrored'"):
        preset("tiny").replace(**{"train.strategy": "horovod"})


def test_strategy_option_sets_the_configuration():
    """`keras-attn train --strategy mirrored` sets train.strategy; the default stays none."""
    from keras_attn.cli import build_parser
    from keras_attn.commands.train import config_from_args

    pairs = [("ein Haus", "a house"), ("zwei Häuser", "two houses")] * 60
    parser = build_parser()
    args = parser.parse_args(["train", "data.tsv", "--out", "m.keras", "--strategy", "mirrored"])
    assert config_from_args(args, pairs).config.train.strategy == "mirrored"
    args = parser.parse_args(["train", "data.tsv", "--out", "m.keras"])
    assert config_from_args(args, pairs).config.train.strategy == "none"


def test_clip_gradients_clips_unscaled_gradients_and_keeps_sparse_ones():
    """Clipping sees the gradient as without loss scaling (mixed_float16), and clips
    row slices like dense gradients; 0 turns it off."""
    import tensorflow as tf

    gradient = tf.constant([3.0, 4.0])  # norm 5
    (clipped,) = distribute.clip_gradients([gradient], 1.0)
    np.testing.assert_allclose(np.asarray(clipped), [0.6, 0.8], rtol=1e-6)
    (scaled,) = distribute.clip_gradients([gradient * 1024.0], 1.0, loss_scale=1024.0)
    np.testing.assert_allclose(np.asarray(scaled), [0.6 * 1024, 0.8 * 1024], rtol=1e-6)
    rows = tf.IndexedSlices(tf.constant([[3.0], [4.0]]), tf.constant([0, 2]), tf.constant([3, 1]))
    (sparse,) = distribute.clip_gradients([rows], 1.0)
    np.testing.assert_allclose(
        np.asarray(tf.convert_to_tensor(sparse))[:, 0], [0.6, 0.0, 0.8], rtol=1e-6
    )
    assert distribute.clip_gradients([gradient, None], 0.0)[0] is gradient
    assert distribute.clip_gradients([None], 1.0) == [None]
