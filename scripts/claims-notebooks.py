#!/usr/bin/env python3
"""Rewrites the last cell ("## Agreement with the paper") of the 2023 sweep notebooks
(notebooks/2023-figNN-*.ipynb with claims) from the claims table of notebooks/README.md:
each claim of the figure with its verdict and number, dated.

The table itself is generated from the committed cpu sweep results (`surrogo sweep run` of a
2023 cpu sweep regenerates it; so does
`SURROGO_UPDATE=1 go test -run TestClaimsReadme ./pkg/figures/fig2023`); run this after it:

    python3 scripts/claims-notebooks.py "2026-12-06 08:05 UTC"

The notebooks' verdict cells compute the same verdicts live; this keeps their closing text in step.
"""
import json
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
nbdir = os.path.join(root, "notebooks")
if len(sys.argv) != 2:
    sys.exit("usage: claims-notebooks.py DATE (e.g. \"2026-12-06 08:05 UTC\")")
date = sys.argv[1]
readme = open(os.path.join(nbdir, "README.md"), encoding="utf-8").read()
status = re.search(r"Scale cpu: (.*?) runs done\.", readme).group(1)
rows = {}
for line in readme.splitlines():
    m = re.match(r"\| (C\d+) \| (fig\d+) \| (.*?) \| (.*?) \| \*\*(.*?)\*\* \| (.*?) \|$", line)
    if m:
        cid, fig, claim, test, verdict, number = m.groups()
        rows.setdefault(fig, []).append((cid, claim, test, verdict, number))
for name in sorted(os.listdir(nbdir)):
    m = re.match(r"2023-(fig\d+)-.*\.ipynb$", name)
    if not m or m.group(1) not in rows:
        continue
    path = os.path.join(nbdir, name)
    nb = json.load(open(path, encoding="utf-8"))
    last = nb["cells"][-1]
    src = "".join(last["source"]) if isinstance(last["source"], list) else last["source"]
    if last["cell_type"] != "markdown" or not src.startswith("## Agreement with the paper"):
        print("skipped (no agreement cell at the end):", name)
        continue
    lines = ["## Agreement with the paper", "",
             f"**Partly known.** At this writing ({date}), at the cpu scale (N = 128, R = 1.25, l = 5, width 8): "
             f"{status} runs done. The verdicts printed above are computed from the committed runs each time the "
             "notebook runs, so they follow the sweeps as they finish; at this writing they are:", ""]
    for cid, claim, test, verdict, number in rows[m.group(1)]:
        lines.append(f'- **{cid}, {verdict}.** The paper: "{claim}" Test: {test}. Here: {number}.')
    lines += ["", "A claim *not testable* waits for the runs it needs (`surrogo sweep run figures/sweeps/NAME-cpu.json`, "
              "resumable). At the smoke scale (2 epochs, N = 32) the models are barely trained: every verdict is shown "
              "as not testable at this scale, with what it would be. The same table for all figures is in "
              "`notebooks/README.md`."]
    last["source"] = "\n".join(lines)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("updated:", name)
