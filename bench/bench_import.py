"""Benchmark: import a generated WordPress export of 1,000 and 5,000 posts (10 comments each).

Run: /work/venv/bin/python bench/bench_import.py [--sizes 1000,5000] [--no-record]

Each size is generated into a temporary folder, then measured in fresh subprocesses:
- `import`: `plnet migrate` into a new SQLite database (temporary PLNET_DATA_DIR), then
  `import_wxr` timed; memory is the process's peak resident set (VmHWM) grown during the import;
- `parse`: the streaming parser alone (`plnet.protocols.wxr.parse`), and, as the baseline in the
  same run, `xml.etree.ElementTree.parse` of the whole file into memory.
The memory ratio 5,000 vs 1,000 posts should stay near 1 when the import streams.
Results are printed and appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the peak measured is the phase's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def child(mode: str, path: str) -> dict:
    """Measure one phase in this (fresh) process; returns seconds and memory in KiB."""
    if mode == "etree":
        import xml.etree.ElementTree as ET

        _reset_peak()
        base, t0 = _peak_kib(), time.perf_counter()
        root = ET.parse(path).getroot()  # noqa: S314 — our own generated file
        items = len(root.findall("channel/item"))
        return {"seconds": time.perf_counter() - t0, "peak_kib": _peak_kib() - base, "items": items}
    if mode == "parse":
        from plnet.protocols.wxr import WxrItem, parse

        _reset_peak()
        base, t0 = _peak_kib(), time.perf_counter()
        items = sum(isinstance(r, WxrItem) for r in parse(path))
        return {"seconds": time.perf_counter() - t0, "peak_kib": _peak_kib() - base, "items": items}
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")
    django.setup()
    from django.core.management import call_command

    from plnet.publishing.wordpress import import_wxr

    call_command("migrate", verbosity=0)
    _reset_peak()
    base, t0 = _peak_kib(), time.perf_counter()
    summary = import_wxr(path)
    return {
        "seconds": time.perf_counter() - t0,
        "peak_kib": _peak_kib() - base,
        "items": summary.items,
        "comments": summary.created["comment"],
        "posts": summary.created["post"] + summary.created["page"],
    }


def run_child(mode: str, path: Path, data_dir: Path) -> dict:
    env = {**os.environ, "PLNET_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}, "
        f"load average {load:.1f} at the end (the machine is shared: times are noisy, ratios less so)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    from wxr_synth import write_wxr

    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"synthetic-{size}.xml"
            written = write_wxr(path, posts=size, comments_per_post=10)
            mb = path.stat().st_size / 1e6
            imp = run_child("import", path, Path(tmp) / f"data-{size}")
            parse = run_child("parse", path, Path(tmp) / f"data-{size}")
            etree = run_child("etree", path, Path(tmp) / f"data-{size}")
            assert imp["comments"] == written["comments"], (imp, written)
            rows.append((size, mb, written, imp, parse, etree))
            print(
                f"{size:>5} posts, {written['comments']:>6} comments, {mb:6.1f} MB: "
                f"import {imp['seconds']:7.1f} s ({imp['items'] / imp['seconds']:6.0f} items/s, "
                f"{written['comments'] / imp['seconds']:6.0f} comments/s), "
                f"peak +{imp['peak_kib'] / 1024:6.1f} MiB | parse {parse['seconds']:5.2f} s "
                f"+{parse['peak_kib'] / 1024:5.1f} MiB vs ElementTree.parse {etree['seconds']:5.2f} s "
                f"+{etree['peak_kib'] / 1024:6.1f} MiB",
                flush=True,
            )
    lines = [
        f"### bench_import — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine()}",
        "",
        "| posts | comments | file MB | import s | items/s | comments/s | import peak +MiB "
        "| parse s | parse +MiB | ElementTree.parse s | ElementTree +MiB | parse time vs ET |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, mb, written, imp, parse, etree in rows:
        lines.append(
            f"| {size} | {written['comments']} | {mb:.1f} | {imp['seconds']:.1f} "
            f"| {imp['items'] / imp['seconds']:.0f} | {written['comments'] / imp['seconds']:.0f} "
            f"| {imp['peak_kib'] / 1024:.1f} | {parse['seconds']:.2f} | {parse['peak_kib'] / 1024:.1f} "
            f"| {etree['seconds']:.2f} | {etree['peak_kib'] / 1024:.1f} "
            f"| {parse['seconds'] / etree['seconds']:.2f}× |"
        )
    if len(rows) >= 2:
        (small, *_, imp_s, parse_s, etree_s), (big, *_, imp_b, parse_b, etree_b) = rows[0], rows[-1]
        ratio = imp_b["peak_kib"] / max(imp_s["peak_kib"], 1)
        lines += [
            "",
            f"Memory ratio {big} vs {small} posts: import {ratio:.2f}×, streaming parse "
            f"{parse_b['peak_kib'] / max(parse_s['peak_kib'], 1):.2f}×, ElementTree.parse "
            f"{etree_b['peak_kib'] / max(etree_s['peak_kib'], 1):.2f}× (file {big / small:.0f}× larger); "
            f"import time ratio {imp_b['seconds'] / imp_s['seconds']:.2f}×.",
        ]
    print("\n".join(lines))
    if not args.no_record:
        results = ROOT / "bench" / "RESULTS.md"
        if not results.exists():
            results.write_text("# Benchmark results\n\n")
        with results.open("a") as out:
            out.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
