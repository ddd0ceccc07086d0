"""`make mutation`'s last step: the score of the mutation run and the mutants that survived.

Reads what `mutmut run` left in mutants/ (through `mutmut export-cicd-stats` and `mutmut
results`), prints the killed share and every survivor by module, and writes both to
var/mutation/ (summary.json, survivors.txt). The score counts a mutant as caught when a test
failed (killed) or ran out of time (timeout); survived, suspicious and "no tests" mutants
count against it; mutants mutmut skipped or never checked are left out and shown.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

GOAL = 80.0
MUTMUT = Path(sys.executable).with_name("mutmut")
MOST_MUTANTS_OF_ONE_FUNCTION = 2000


def sample_patterns(every: int) -> list[str]:
    """`mutmut run` patterns for every `every`-th mutant of each function (mutmut numbers a
    function's mutants from 1): none, so every mutant, when `every` is 1."""
    if every <= 1:
        return []
    return [f"*__mutmut_{n}" for n in range(1, MOST_MUTANTS_OF_ONE_FUNCTION, every)]


def score(stats: dict[str, int]) -> float:
    caught = stats["killed"] + stats["timeout"]
    judged = caught + stats["survived"] + stats["suspicious"] + stats["no_tests"]
    return 100.0 * caught / judged if judged else 0.0


def survivors(results: str) -> dict[str, list[str]]:
    """`mutmut results` lines (`    name: status`) by module, killed ones left out."""
    found: dict[str, list[str]] = defaultdict(list)
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name and status not in ("killed", "timeout", "not checked"):
            found[name.rsplit(".", 1)[0]].append(f"{name} ({status})")
    return dict(found)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--every"]:
        print(" ".join(sample_patterns(int(argv[1]))))
        return 0
    if not Path("mutants").is_dir():
        print("no mutants/ here: run `make mutation` first", file=sys.stderr)
        return 1
    subprocess.run([str(MUTMUT), "export-cicd-stats"], check=True, capture_output=True)
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
    listed = subprocess.run(
        [str(MUTMUT), "results"], check=True, capture_output=True, text=True
    ).stdout
    left = survivors(listed)
    value = score(stats)
    unchecked = stats["total"] - sum(
        stats[k] for k in ("killed", "timeout", "survived", "suspicious", "no_tests", "skipped")
    )
    out = Path("var") / "mutation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps({**stats, "score": round(value, 1)}, indent=2))
    lines = [entry for module in sorted(left) for entry in left[module]]
    (out / "survivors.txt").write_text("\n".join(lines) + "\n")
    print(
        f"mutation score {value:.1f} % (goal {GOAL:.0f} %): {stats['killed']} killed, "
        f"{stats['timeout']} timed out, {stats['survived']} survived, "
        f"{stats['suspicious']} suspicious, {stats['no_tests']} without a test, "
        f"{stats['skipped']} skipped, of {stats['total']} ({unchecked} not run: outside the "
        "sample or an interrupted run)"
    )
    for module in sorted(left):
        print(f"  {module}: {len(left[module])} not killed")
    print(f"every survivor: {out / 'survivors.txt'} (`mutmut show <name>` shows its diff)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
