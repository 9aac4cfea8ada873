"""``keras-attn export``: a TensorFlow SavedModel that translates strings."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "export",
        help="export a model as a TensorFlow SavedModel",
        description="Export a saved .keras model as a TensorFlow SavedModel folder whose "
        "'serving_default' signature translates a batch of strings (greedy "
        "decoding). Loading it needs TensorFlow and tensorflow-text only.",
    )
    p.add_argument("model", help="a .keras model file")
    p.add_argument("directory", help="the folder to create")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the folder when it exists and is not empty",
    )
    return p


def run(args) -> int:
    from pathlib import Path

    from keras_attn.errors import ModelFileError

    directory = Path(args.directory)
    if directory.exists() and not directory.is_dir():
        raise ModelFileError(f"{directory}: exists and is not a folder; choose another name.")
    if directory.is_dir() and any(directory.iterdir()) and not args.overwrite:
        raise ModelFileError(
            f"{directory}: the folder exists and is not empty; choose another "
            "name or pass --overwrite to replace it."
        )
    from keras_attn.export import export, folder_size, usage_snippet
    from keras_attn.saving import load_model

    model = load_model(args.model)
    path, signature = export(model, directory, overwrite=args.overwrite)
    size = folder_size(path)
    print(f"exported {args.model} to {path} ({size / 1e6:.1f} MB)")
    print()
    print(signature)
    print()
    print("load it (TensorFlow and tensorflow-text needed, not keras-attn):")
    print()
    print("    " + usage_snippet(path).replace("\n", "\n    ").replace("\n    \n", "\n\n"))
    return 0
