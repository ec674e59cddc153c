"""Run the benchmarks and write docs/PERFORMANCE.md.

.venv/bin/python -m bench                # full sizes (several minutes)
.venv/bin/python -m bench --scale 0.01   # a quick smoke run; figures not written unless --output is given
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench import appends, decisions, http, imports, report, retention, rotation, verify
from bench.common import Section, postgres_scratch

OUTPUT = Path("docs/PERFORMANCE.md")


def _revision() -> str:
    """The commit measured, and where the working tree differs from it (the output file aside). Reads only: no
    optional index refresh, so a run never writes the repository's index."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    status_command = ["git", "--no-optional-locks", "status", "--porcelain"]
    status = subprocess.run(status_command, capture_output=True, text=True).stdout.splitlines()
    paths = {line[3:] for line in status} - {OUTPUT.as_posix()}
    changed = sorted({path.split("/")[0] + ("/" if "/" in path else "") for path in paths})
    if not changed:
        return f"commit `{commit}`"
    return f"commit `{commit}` with uncommitted changes in {', '.join(changed)}"


def render(sections: list[Section], args: argparse.Namespace) -> str:
    lines = [
        "# Performance",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at {_revision()} by `python -m bench"
        f"{' --scale ' + str(args.scale) if args.scale != 1 else ''}"
        f"{' --postgres-url <local PostgreSQL>' if args.postgres_url else ''}`, on {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}, database: {args.database_url or 'SQLite (WAL, synchronous=FULL)'}.",
        "Every figure stands beside a baseline measured in the same run; the ratio is what to compare across machines.",
        "",
    ]
    for section in sections:
        lines += [
            f"## {section.title}",
            "",
            "| what | Kluis | baseline (same run) | ratio |",
            "| --- | --- | --- | --- |",
        ]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in section.rows]
        lines += ["", *section.notes, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--postgres-url", default=None, help="also run appends and HTTP load on this PostgreSQL")
    sections_known = ["decisions", "import", "verify", "rotation", "report", "retention", "appends", "http"]
    parser.add_argument("--only", choices=sections_known, action="append")
    args = parser.parse_args()

    def size(n: int) -> int:
        return max(10, int(n * args.scale))

    wanted = set(args.only or sections_known)
    sections = []
    if "decisions" in wanted:
        sections.append(decisions.run(args.database_url, (size(1_000), size(1_000_000))))
    if "import" in wanted:
        sections.append(imports.run(args.database_url, size(100_000)))
    if "verify" in wanted:
        sections.append(verify.run(args.database_url, size(1_000_000)))
    if "report" in wanted:
        sections.append(report.run(args.database_url, size(1_000_000), size(10_000)))
    if "retention" in wanted:
        sections.append(retention.run(args.database_url, size(100_000)))
    if "rotation" in wanted:
        sections.append(rotation.run(args.database_url, size(100_000)))
    if "appends" in wanted:
        sections.append(appends.run(args.database_url, size(1000), size(2000)))
        if args.postgres_url:
            with postgres_scratch(args.postgres_url) as url:
                sections.append(appends.run(url, size(1000), size(2000), label="PostgreSQL"))
    if "http" in wanted:
        seconds = max(2, int(5 * min(1.0, args.scale * 10)))
        sections.append(http.run(args.database_url, seconds=seconds))
        if args.postgres_url:
            with postgres_scratch(args.postgres_url) as url:
                section = http.run(url, seconds=seconds)
            section.title += " — on PostgreSQL"
            sections.append(section)
    text = render(sections, args)
    print(text)
    output = args.output or (OUTPUT if args.scale == 1 and not args.only else None)
    if output:
        output.write_text(text)


if __name__ == "__main__":
    main()
