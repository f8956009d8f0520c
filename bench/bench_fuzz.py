"""A long fuzzing run of the parsers that read untrusted bytes: the torrent parser, the Ogg
page scanner (whole and in random chunks, which must agree) and the config loader.

    .venv/bin/python bench/bench_fuzz.py --demo ~/.local/share/longtail/demo [--inputs 100000]

Each input is a seed from the demo (its .torrent files, the heads of its Vorbis and Opus
files, sample configs) with a few random edits (tests/fuzzing.py: bit flips, interesting
bytes, inserts, deletes, copies, cuts, splices, big numbers). Two worker processes; an
input that takes longer than --hang seconds is a hang, an exception other than a clean
refusal (or a broken invariant) is a crash; the inputs behind either are kept in --keep.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import (
    CONFIG_SEEDS,
    config_target,
    mutate,
    ogg_seeds,
    ogg_target,
    torrent_seeds,
    torrent_target,
)

_state: dict = {}


class Hang(Exception):
    pass


def _alarm(_signum, _frame) -> None:
    raise Hang()


def _init(demo: str, hang: float) -> None:
    signal.signal(signal.SIGALRM, _alarm)
    home = Path(demo)
    _state.update(seeds={"torrent": torrent_seeds([home / "mirror"]), "ogg": ogg_seeds([home / "swarm"]),
                         "config": list(CONFIG_SEEDS)},
                  work=Path(tempfile.mkdtemp(prefix="longtail-fuzz-")), hang=hang)


def _run(job: tuple[str, int, int]) -> dict:
    """`count` inputs of one target from one seed of the random generator."""
    target, seed, count = job
    rng = random.Random(seed)
    seeds, work, hang = _state["seeds"][target], _state["work"], _state["hang"]
    tally = {"ok": 0, "rejected": 0, "crash": 0, "hang": 0, "found": []}
    for _ in range(count):
        data = mutate(rng.choice(seeds), rng, seeds)
        cuts = [rng.randrange(len(data) + 1) for _ in range(rng.randint(0, 6))]
        signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            if target == "torrent":
                outcome = torrent_target(data, work)
            elif target == "ogg":
                outcome = ogg_target(data, cuts)
            else:
                outcome = config_target(data, work)
            tally[outcome] += 1
        except Hang:
            tally["hang"] += 1
            tally["found"].append(("hang", data, ""))
        except Exception:  # noqa: BLE001 - that is what we are counting
            tally["crash"] += 1
            tally["found"].append(("crash", data, traceback.format_exc(limit=3)))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return tally


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=Path, default=Path.home() / ".local/share/longtail/demo")
    ap.add_argument("--inputs", type=int, default=100_000, help="per target")
    ap.add_argument("--targets", default="torrent,ogg,config")
    ap.add_argument("--hang", type=float, default=5.0, help="seconds after which an input is a hang")
    ap.add_argument("--keep", type=Path, default=ROOT / "bench" / "data" / "fuzz-found")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    print(f"## Fuzzing ({args.inputs:,} inputs per target, 2 processes, seed {args.seed})\n")
    print("| target | inputs | accepted | refused in one line (Ogg: problems found) | crashes | hangs | inputs/s |")
    print("|---|---|---|---|---|---|---|")
    batch = 500
    with multiprocessing.get_context("fork").Pool(2, _init, (str(args.demo), args.hang)) as pool:
        for target in args.targets.split(","):
            jobs = [(target, args.seed * 1000 + i, min(batch, args.inputs - i * batch))
                    for i in range(-(-args.inputs // batch))]
            t0 = time.perf_counter()
            total = {"ok": 0, "rejected": 0, "crash": 0, "hang": 0}
            found = []
            for tally in pool.imap_unordered(_run, jobs):
                for key in total:
                    total[key] += tally[key]
                found += tally["found"]
            seconds = time.perf_counter() - t0
            n = sum(total.values())
            print(f"| {target} | {n:,} | {total['ok']:,} | {total['rejected']:,} | {total['crash']} | "
                  f"{total['hang']} | {n / seconds:,.0f} |", flush=True)
            for i, (kind, data, trace) in enumerate(found[:50]):
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{target}-{kind}-{i}.bin").write_bytes(data)
                if trace:
                    (args.keep / f"{target}-{kind}-{i}.txt").write_text(trace)
    if os.environ.get("LONGTAIL_FUZZ_STRICT") and any(args.keep.glob("*")):
        sys.exit(1)


if __name__ == "__main__":
    main()
