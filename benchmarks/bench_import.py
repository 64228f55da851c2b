"""(a) `import instructor` against `python -c pass`, and (f) the memory it costs.

Fresh processes, interleaved. Three views of the same import:
- whole process, timed from outside: what a CLI or a serverless cold start pays;
- in-process (`perf_counter` around the import): the DESIGN.md budget of 2 ms,
  and the modules it adds to those `import lazy_loader` adds, which must stay
  exactly `MODULES` (no pydantic, no SDK, no handler);
- memory: resident set size against a bare interpreter, and tracemalloc's
  count of the bytes Python allocated during the import.
"""

from __future__ import annotations

import statistics

from _harness import Row, compare, interleaved, ratio_row, run_child

IMPORT = "import instructor"
BARE = "pass"
TRACEMALLOC = """
import tracemalloc
tracemalloc.start()
import instructor
RESULT = tracemalloc.get_traced_memory()[0]
"""
MIB = 1024 * 1024
MODULES = ["instructor", "instructor._exports"]  # what `import instructor` adds after `import lazy_loader`
ADDED = """
import sys
import lazy_loader
before = set(sys.modules)
import instructor
RESULT = ",".join(sorted(set(sys.modules) - before))
"""


def run(pairs: int = 40) -> list[Row]:
    ours, bare = interleaved(IMPORT, BARE, pairs)
    wall = compare(ours, bare, lambda s: s.wall_s)
    inproc = statistics.median(s.elapsed_s for s in ours) * 1000
    inproc_cpu = statistics.median(s.cpu_s for s in ours) * 1000
    modules = statistics.median(s.modules for s in ours) - statistics.median(s.modules for s in bare)
    rss = compare(ours, bare, lambda s: s.rss_bytes)
    traced = statistics.median(int(run_child(TRACEMALLOC).result) for _ in range(5))
    added = run_child(ADDED).result.strip("'").split(",")
    same_modules = added == MODULES
    return [
        ratio_row("a", "`python -c 'import instructor'` vs `python -c pass`: whole process, wall clock",
                  wall, unit="ms", scale=1000, label="import instructor, whole process",
                  note=f"{wall.delta_median * 1000:+.1f} ms per process; {modules:+.0f} modules",
                  data={"delta_ms": wall.delta_median * 1000, "modules_added": modules}),
        Row(key="a", what="`import instructor`, in-process (perf_counter around the import)",
            ours=f"{inproc:.2f} ms", budget="≤ 2 ms, unchanged module set", within=inproc <= 2.0 and same_modules,
            note=f"median of the same processes; CPU time {inproc_cpu:.2f} ms; modules added after lazy_loader: "
                 + (", ".join(added) if same_modules else f"{', '.join(added)} (expected {', '.join(MODULES)})"),
            data={"ms": inproc, "cpu_ms": inproc_cpu, "modules": added}),
        Row(key="f", what="memory after `import instructor` vs a bare interpreter (RSS)",
            ours=f"{rss.ours_median / MIB:.2f} MiB", bare=f"{rss.bare_median / MIB:.2f} MiB",
            label="memory after import instructor",
            ratio=rss.ratio, spread=rss.ratio_iqr, budget="< 1 MiB above bare",
            within=rss.delta_median < MIB,
            note=f"{rss.delta_median / MIB:+.2f} MiB; tracemalloc: {traced / 1024:.0f} KiB allocated by the import",
            data={"delta_mib": rss.delta_median / MIB, "tracemalloc_kib": traced / 1024}),
    ]
