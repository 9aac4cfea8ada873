"""Running one input under a time bound and counting what came of it: an answer, a
documented refusal, a crash or a hang, with the seeds of the failures and the slowest
input of each entry point."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
import traceback


class Hang(BaseException):
    """An input ran over the time bound (a BaseException: nothing in the library catches it)."""


@contextlib.contextmanager
def bounded(seconds: float):
    """Raise Hang in the block once it has used `seconds` of CPU time (SIGPROF), or
    `WALL_FACTOR` times that of wall time (SIGALRM: an input that waits without working).
    The CPU bound holds on a busy machine, where a process at the lowest priority can wait
    long for a core."""

    def alarm(signum, frame):
        raise Hang

    previous = {number: signal.signal(number, alarm) for number in (signal.SIGALRM, signal.SIGPROF)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        for number, handler in previous.items():
            signal.signal(number, handler)


#: The wall-time bound of an input, in multiples of its CPU-time bound.
WALL_FACTOR = 4


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "keras_attn" in f.filename] or frames
    if not ours:
        return ""
    frame = ours[-1]
    return f"{frame.filename.rsplit('keras_attn', 1)[-1].lstrip('/')}:{frame.lineno} {frame.name}"


def wrapped_unforeseen(error) -> bool:
    """A DataError that only wraps an exception nobody foresaw ("could not be read: ...")."""
    cause = error.__cause__
    return (
        " could not be read: " in str(error)
        and cause is not None
        and not isinstance(cause, OSError)
    )


class Tally:
    """Outcomes by entry point, failures with their seeds, the slowest input."""

    def __init__(self):
        self.outcomes: dict[str, dict[str, int]] = {}
        self.failures: list[dict] = []
        self.slowest: dict[str, list] = {}

    def count(self, entry, outcome, number=1):
        kinds = self.outcomes.setdefault(entry, {})
        kinds[outcome] = kinds.get(outcome, 0) + number

    def fail(self, part, entry, seed, error, kind):
        self.count(entry, kind)
        self.failures.append(
            {
                "part": part,
                "entry": entry,
                "seed": seed,
                "kind": kind,
                "error": type(error).__name__,
                "message": (str(error).splitlines() or [""])[0][:300],
                "where": _where(error),
            }
        )
        print(
            f"{kind}: {part} seed {seed} in {entry}: {type(error).__name__}: "
            f"{(str(error).splitlines() or [''])[0][:200]}",
            file=sys.stderr,
            flush=True,
        )

    def since(self, entry, start, cpu_start, seed):
        """Keep the slowest input of `entry` by CPU time, [cpu s, wall s, seed], given the
        `time.perf_counter()` and `time.process_time()` it started at."""
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        if cpu > self.slowest.get(entry, [0.0])[0]:
            self.slowest[entry] = [round(cpu, 3), round(wall, 3), seed]


def attempt_one(
    tally: Tally, part: str, entry: str, seed: int, call, bound: float, allowed=()
) -> None:
    """`call()` for the input of `seed` under the time bound, counted under `entry`: an
    answer, a refusal (one of the `allowed` exceptions), or a hang or crash with its seed."""
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with bounded(bound):
            call()
        tally.count(entry, "answer")
    except Hang as error:
        tally.fail(part, entry, seed, error, "hang")
    except allowed:
        tally.count(entry, "refused")
    except Exception as error:  # noqa: BLE001 - what the fuzzing looks for
        tally.fail(part, entry, seed, error, "crash")
    finally:
        tally.since(entry, start, cpu, seed)
