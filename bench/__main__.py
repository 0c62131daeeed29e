"""Run every benchmark (`make bench`) and write their results to bench/RESULTS.md.

Benchmarks measure; they never pass or fail. Each `bench/bench_*.py` has a `main()` that prints
a markdown section.
"""

import contextlib
import importlib
import io
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main(names: list[str]) -> None:
    modules = names or sorted(p.stem for p in HERE.glob("bench_*.py"))
    sections = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        out = io.StringIO()
        started = time.monotonic()
        with contextlib.redirect_stdout(out):
            module.main()
        print(out.getvalue())
        sections.append(f"{out.getvalue().rstrip()}\n\n_{name}: {time.monotonic() - started:.0f} s_\n")
    header = (f"# Benchmark results\n\nWritten by `make bench` on {time.strftime('%Y-%m-%d %H:%M %Z')}, "
              f"{machine()}.\n\n")
    (HERE / "RESULTS.md").write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"Written to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
