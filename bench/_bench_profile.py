"""Profiles of the measured processes (``make profile``, ``delivery_bench.py --profile``).

Two profilers, chosen with ``--profile``:

``cprofile``
    the measured child runs its timed part under :mod:`cProfile`, timed by the process's
    CPU time (so time spent waiting for a core on a busy machine is not counted); it writes
    ``<row>.prof`` (pstats, snakeviz) and ``<row>.txt`` (the 40 functions with the most
    own time, then the 40 with the most time under them). Deterministic, complete for
    the main thread, but it slows Python code about 1.5-2x: compare profiles with
    profiles, never a profiled rate with an unprofiled one.
``py-spy``
    ``py-spy record`` samples the child from outside (100 samples/s, GIL holders only
    off, native off) while the row runs: ``<row>.collapsed`` (collapsed stacks, for
    speedscope or flamegraph.pl) and ``<row>.txt`` (the 40 frames with the most
    samples of their own, then the 40 with the most samples under them). It does not
    slow the child; it needs ptrace (root, or ``kernel.yama.ptrace_scope=0``) and the
    ``py-spy`` package (the ``bench`` extra).

Profiles go to ``bench/profiles/<UTC time>/`` (git-ignored), one file set per process.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from _bench_util import ROOT

PROFILES = ROOT / "bench" / "profiles"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def py_spy() -> str | None:
    """The py-spy executable beside this Python, or on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Sampler:
    """``py-spy record`` attached to one process until :meth:`stop`."""

    def __init__(self, pid: int, prefix: Path) -> None:
        exe = py_spy()
        if exe is None:
            raise RuntimeError("py-spy is not installed (pip install -e '.[bench]')")
        self.prefix = prefix
        self.proc = subprocess.Popen(
            [exe, "record", "-p", str(pid), "-r", "100", "-f", "raw", "-o",
             str(prefix) + ".collapsed", "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        collapsed = Path(str(self.prefix) + ".collapsed")
        if collapsed.exists():
            Path(str(self.prefix) + ".txt").write_text(summarise(collapsed.read_text()))
        elif err:
            Path(str(self.prefix) + ".txt").write_text("py-spy failed:\n" + err)


def summarise(collapsed: str, top: int = 40) -> str:
    """Own and inclusive sample counts per frame from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[_frame(frames[-1])] += n
        for frame in {_frame(f) for f in frames}:
            under[frame] += n
    out = [f"# {total} samples; by own samples"]
    out += [f"{n:7d} {100 * n / max(total, 1):5.1f}%  {f}" for f, n in own.most_common(top)]
    out.append("\n# by samples under (inclusive)")
    out += [f"{n:7d} {100 * n / max(total, 1):5.1f}%  {f}" for f, n in under.most_common(top)]
    return "\n".join(out) + "\n"


def _frame(frame: str) -> str:
    """``func (path/to/module.py:12)`` -> ``func (module.py)``: one entry per function."""
    m = re.match(r"(.*) \((.*?):\d+\)$", frame)
    return f"{m[1]} ({Path(m[2]).name})" if m else frame
