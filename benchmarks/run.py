"""Run lrbook's benchmarks, print one table and write it as JSON.

Usage (from the repository root)::

    python benchmarks/run.py                 # all timing rows; book and tests "not run"
    python benchmarks/run.py --quick         # smaller sizes: a smoke run
    python benchmarks/run.py --book --tests  # also the (slow) book build and test suite
    python benchmarks/run.py --only gradient fit --json /tmp/r.json

See benchmarks/README.md for the method.  Goals are never asserted: a row that
misses its goal is printed as MISSED.  Exit status is 0 unless a benchmark
raised (2), or ``--strict`` was given and a goal was missed (1).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    OPENBLAS_VARS,
    REEXEC_MARKER,
    ROOT,
    Config,
    Row,
    fmt_seconds,
)

GROUPS = ("gradient", "fit", "sgd", "dask", "import", "book", "tests")
#: Groups timed inside this process: repeated for every thread limit of ``--threads``.
IN_PROCESS = ("gradient", "fit", "sgd", "dask")


def _drop_openblas_overrides(keep: bool) -> None:
    """Re-execute this script without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE.

    Some machines set them to work around old OpenBLAS builds; they make a
    current NumPy pick a slower kernel.  They are removed for this command
    alone (the book and test rows get them back); the kernel that then runs is
    recorded from threadpoolctl.  Must run before NumPy is imported.
    """
    if keep or REEXEC_MARKER in os.environ:
        return
    found = {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}
    if not found:
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    env[REEXEC_MARKER] = json.dumps(found)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller problem sizes (smoke run)")
    p.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results.json",
        help="where to write the results (default: benchmarks/results.json)",
    )
    p.add_argument("--reps", type=int, default=5, help="timed rounds per row (>= 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    p.add_argument("--book", action="store_true", help="also time the book builds (minutes)")
    p.add_argument("--tests", action="store_true", help="also time the full pytest run")
    p.add_argument("--only", nargs="+", choices=GROUPS, help="run only these row groups")
    p.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=None,
        help="run the in-process rows once per value, BLAS/OpenMP threads of both sides "
        "limited to it (threadpoolctl); default: the default thread count, then 1",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument(
        "--keep-openblas-env",
        action="store_true",
        help="do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for this run",
    )
    args = p.parse_args(argv)
    if args.reps < 5:
        p.error(f"--reps must be >= 5 (medians of fewer rounds are noise), got {args.reps}")
    return args


def system_info() -> dict[str, object]:
    import platform

    import numpy as np
    import sklearn
    import threadpoolctl

    removed = os.environ.get(REEXEC_MARKER)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "threadpool_info": threadpoolctl.threadpool_info(),
        "openblas_env_removed": json.loads(removed) if removed else {},
        "openblas_env_now": {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ},
    }


def _blas_summary(info: dict) -> str:
    parts = [
        f"{d.get('internal_api')} {d.get('version')} {d.get('architecture', '')} "
        f"x{d.get('num_threads')} ({Path(d['filepath']).name.split('-')[0]})"
        for d in info["threadpool_info"]
        if d.get("user_api") == "blas"
    ]
    return "; ".join(parts) or "no BLAS found by threadpoolctl"


def _one_read_text(row: Row) -> str:
    """lrbook's time in units of one read of ``X`` (``X.sum()``, timed in the same rounds)."""
    one = row.extra.get("one_read_s")
    if not one or row.lrbook_s is None:
        return "-"
    return f"{row.lrbook_s / one:.1f}"


def _thread_modes(threads: list[int] | None) -> list[int | None]:
    return [None, 1] if threads is None else list(dict.fromkeys(threads))


def format_table(rows: list[Row]) -> str:
    header = ("row", "lrbook", "reference", "ref. time", "result", "goal", "status", "1 read")
    lines = [
        (
            r.name,
            fmt_seconds(r.lrbook_s),
            r.reference or "-",
            fmt_seconds(r.reference_s),
            r.value_text(),
            r.goal_text(),
            r.status,
            _one_read_text(r),
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [fmt(header), fmt(tuple("-" * w for w in widths))]
    out += [fmt(line) for line in lines]
    notes = [f"  {r.name}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    """Set an environment variable for the duration of a block."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    _drop_openblas_overrides(args.keep_openblas_env)

    import bench_book
    import bench_dask
    import bench_fit
    import bench_gradient
    import bench_import
    import bench_sgd
    import bench_tests

    cfg = Config(quick=args.quick, reps=args.reps, warmup=args.warmup, seed=args.seed)
    groups = set(args.only or GROUPS)
    info = system_info()
    print(
        f"numpy {info['numpy']}, scikit-learn {info['sklearn']}, {info['cpu_count']} cores, "
        f"load average {info['load_average_at_start']}"
    )
    print(f"BLAS: {_blas_summary(info)}")
    if info["openblas_env_removed"]:
        print(f"unset for this run: {info['openblas_env_removed']}")
    modes = _thread_modes(args.threads)
    threads = ", ".join("default threads" if m is None else f"{m} thread(s)" for m in modes)
    print(
        f"mode: {'quick' if args.quick else 'full'}, {args.reps} interleaved rounds; "
        f"in-process rows with {threads}; '1 read' = lrbook time / X.sum() time\n"
    )

    plan = [
        ("gradient", bench_gradient.run, None),
        ("fit", bench_fit.run, None),
        ("sgd", bench_sgd.run, None),
        ("dask", bench_dask.run, None),
        ("import", bench_import.run, None),
        ("book", bench_book.run if args.book else None, bench_book.not_run),
        ("tests", bench_tests.run if args.tests else None, bench_tests.not_run),
    ]
    rows: list[Row] = []
    errors = 0
    for name, runner, skipped in plan:
        if name not in groups:
            continue
        if runner is None:
            assert skipped is not None
            rows += skipped()
            continue
        for mode in _thread_modes(args.threads) if name in IN_PROCESS else [None]:
            suffix = "" if mode is None else f" [{mode} thread{'s' if mode > 1 else ''}]"
            print(f"running {name}{suffix} ...", file=sys.stderr, flush=True)
            try:
                with contextlib.ExitStack() as stack:
                    if mode is not None:
                        from threadpoolctl import threadpool_limits

                        stack.enter_context(threadpool_limits(limits=mode))
                        # lrbook's own blocked passes (lrbook._blocks) obey the same limit
                        stack.enter_context(_env("LRBOOK_NUM_THREADS", str(mode)))
                    got = runner(cfg)
            except Exception as exc:  # a broken benchmark is reported, and fails the run
                errors += 1
                got = [Row(name, name, "report", None, status="error", note=repr(exc)[:300])]
            for r in got:
                r.name += suffix
                r.extra["threads"] = mode
            rows += got

    print(format_table(rows))
    missed = [r for r in rows if r.status in ("MISSED", "LOSS MISMATCH")]
    if missed:
        print(f"\n{len(missed)} goal(s) MISSED: " + ", ".join(r.name for r in missed))

    result = {
        "mode": "quick" if args.quick else "full",
        "reps": args.reps,
        "warmup": args.warmup,
        "seed": args.seed,
        "threads": args.threads,
        "system": info,
        "load_average_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "rows": [r.as_dict() for r in rows],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwrote {args.json}")
    if errors:
        return 2
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
