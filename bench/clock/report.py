"""Time to quality, the report: the lines printed along the run and at its end, and the
figure of BLEU against training seconds (see `bench/quality_clock.py`)."""

from __future__ import annotations

from pathlib import Path

from .reach import NAMES


def point_line(name, point) -> str:
    return (
        f"{name:<11} {point['train_seconds']:7.1f} s trained  BLEU cased "
        f"{point['bleu_cased']:6.2f}  tutorial space {point['bleu_tutorial_space']:6.2f}  "
        f"chrF {point['chrf']:6.2f}  (scored in {point['score_seconds']:.1f} s)"
    )


def print_reach(reach) -> None:
    for key, entry in reach.items():
        print(
            f"\n{key}: the tutorial's best {entry['tutorial_best']:.2f} (at "
            f"{entry['tutorial_best_at']:.1f} s)"
        )
        for model in NAMES:
            best = entry["seconds_to_tutorial_best"][model]
            limit = entry["seconds_to_tutorial_at_time_limit"][model]
            print(
                f"  {model:<11} {entry['at_time_limit'][model]:6.2f} at the time limit; "
                f"reaches the tutorial's best after {seconds_text(best)}, the tutorial's score "
                f"at the time limit after {seconds_text(limit)}"
            )


def seconds_text(value) -> str:
    return value if isinstance(value, str) else f"{value:.1f} s"


def draw(result: dict, path) -> None:
    """BLEU against training seconds, both models and both metrics on one axis, saved
    as a PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    colors = {"tutorial": "tab:orange", "keras-attn": "tab:blue"}
    labels = {"tutorial": "TensorFlow tutorial's model", "keras-attn": "keras-attn defaults"}
    figure = Figure(figsize=(8, 6.5), layout="constrained")
    axes = figure.add_subplot()
    for name in NAMES:
        points = result["models"][name]["points"]
        seconds = [p["train_seconds"] for p in points]
        axes.plot(
            seconds,
            [p["bleu_tutorial_space"] for p in points],
            "o-",
            color=colors[name],
            label=f"{labels[name]}: BLEU, tutorial's text space",
        )
        axes.plot(
            seconds,
            [p["bleu_cased"] for p in points],
            "s--",
            color=colors[name],
            alpha=0.6,
            markersize=4,
            label=f"{labels[name]}: BLEU, cased, raw references",
        )
    reach = result["reach"]["bleu_tutorial_space"]
    axes.axhline(
        reach["tutorial_best"],
        color="gray",
        linestyle=":",
        linewidth=1,
        label=f"tutorial's best, its text space ({reach['tutorial_best']:.2f})",
    )
    ours = reach["seconds_to_tutorial_best"]["keras-attn"]
    if not isinstance(ours, str):
        axes.plot(
            [ours],
            [reach["tutorial_best"]],
            "*",
            color=colors["keras-attn"],
            markersize=14,
            label=f"keras-attn reaches it at {ours:.0f} s",
        )
    axes.set_xlabel("training seconds (pauses and scoring not counted)")
    axes.set_ylabel(f"greedy BLEU on {result['models']['keras-attn']['test_pairs']} test pairs")
    axes.set_title(
        f"Time to quality on {Path(result['corpus']).name} "
        f"({result['models']['keras-attn']['train_pairs']:,} training pairs)"
    )
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    figure.savefig(path, dpi=110)
