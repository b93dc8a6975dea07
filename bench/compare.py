"""Search throughput of other commits beside this tree's, against the stock reference, at once.

    .venv/bin/python -m bench.compare REV [REV ...] [--rounds 21] [--per-lang 250]

Builds the bench corpus (bench/corpus.py, with the bundled glossary) and ingests it with this
tree, then serves it with one worker from each REV (a git worktree of it, in a temporary
directory) and from this tree, beside the stock FastAPI app (bench/reference_app.py, uvicorn
on asyncio and h11). wrk visits every server for one second per round, in an order that
rotates each round; per round, each csguide's search req/s ÷ the reference's /healthz req/s.
Prints the median and middle half of the rounds, with search req/s and p99: the way to say
what a change did on a machine where identical servers measured minutes apart differ by ±15 %.
Each REV serves the same corpus ingested by its own code, so that a REV from before an index
format change serves the format it reads.
"""

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from statistics import median

from bench.corpus import ingested
from bench.run import (
    REPO,
    WRK_SCRIPT,
    reference_server,
    spread,
    vocabulary,
    write_queries,
    wrk,
)
from tests.helpers import answering, free_port


def _serve(stack: contextlib.ExitStack, tree: Path, data: Path) -> str:
    """`csguide serve` (one worker, cache off) from ``tree``'s code; its base URL."""
    port = free_port()
    env = os.environ | {
        "CSGUIDE_DATA_DIR": str(data),
        "CSGUIDE_SEARCH_CACHE": "0",
        "PYTHONPATH": str(tree),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from pipeline.cli import app; app()",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(lambda: (process.terminate(), process.wait(timeout=20)))
    base = f"http://127.0.0.1:{port}"
    assert answering(f"{base}/readyz"), f"csguide from {tree} did not start"
    return base


def _ingest(tree: Path, content: Path, data: Path) -> None:
    """`csguide ingest` of ``content`` into ``data`` with ``tree``'s code."""
    env = os.environ | {
        "CSGUIDE_CONTENT_DIR": str(content),
        "CSGUIDE_DATA_DIR": str(data),
        "PYTHONPATH": str(tree),
    }
    subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import app; app()", "ingest"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def _worktree(stack: contextlib.ExitStack, rev: str, where: Path) -> Path:
    path = where / rev.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(path), rev],
        check=True,
    )
    stack.callback(
        lambda: subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], check=False
        )
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+", help="commits to serve beside this tree")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--per-lang", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csguide-compare-") as tmp:
        scratch = Path(tmp)
        settings = ingested(scratch, args.per_lang)
        queries = write_queries(scratch / "queries.txt", vocabulary(settings.data_dir))
        script = scratch / "search.lua"
        script.write_text(WRK_SCRIPT)
        with contextlib.ExitStack() as stack:
            trees = {rev: _worktree(stack, rev, scratch) for rev in args.revs}
            trees["this tree"] = REPO
            runs: dict[str, Callable[[], dict[str, float]]] = {}
            reference = stack.enter_context(reference_server())
            runs["reference"] = lambda: wrk(f"{reference}/healthz", 1)
            for name, tree in trees.items():
                data = settings.data_dir
                if tree != REPO:
                    data = scratch / f"{tree.name}-var"
                    _ingest(tree, settings.content_dir, data)
                base = _serve(stack, tree, data)
                runs[name] = lambda base=base: wrk(f"{base}/", 1, script, queries)
            for run in runs.values():
                run()  # warm-up: first use of each index
            names = list(runs)
            figures: dict[str, list[dict[str, float]]] = {name: [] for name in names}
            for turn in range(args.rounds):
                order = names[turn % len(names) :] + names[: turn % len(names)]
                for name in order:
                    figures[name].append(runs[name]())
            print(
                f"{args.rounds} rounds, one second each per server, wrk -t2 -c8, cache off, "
                f"{args.per_lang} articles a language with the bundled glossary"
            )
            reference_rps = [f["rps"] for f in figures["reference"]]
            print(f"  stock FastAPI /healthz: {median(reference_rps):,.0f} req/s")
            for name in trees:
                ratios = [f["rps"] / r for f, r in zip(figures[name], reference_rps, strict=True)]
                print(
                    f"  {name}: search {median(f['rps'] for f in figures[name]):,.0f} req/s, "
                    f"p99 {median(f['p99_ms'] for f in figures[name]):.1f} ms, "
                    f"÷ stock healthz {spread(ratios)}"
                )


if __name__ == "__main__":
    main()
