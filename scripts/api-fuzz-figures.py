"""The figures of a Schemathesis run, from its NDJSON events: operations, requests sent, and each
check's passes and failures. Exits 1 when a check failed or a test errored, or when there is no run.
Usage: python3 scripts/api-fuzz-figures.py EVENTS.ndjson SECONDS
"""

import json
import sys
from collections import Counter


def main(path, seconds):
    operations, requests, per_phase = set(), 0, Counter()
    passed, failed, errors = Counter(), Counter(), []
    with open(path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            for kind in ("NonFatalError", "FatalError"):
                if kind in event:
                    errors.append(f"{kind}: {str(event[kind].get('label') or event[kind])[:200]}")
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            if finished["phase"] != "stateful":
                operations.add(recorder["label"])
            sent = len(recorder.get("interactions", {}))
            requests += sent
            per_phase[finished["phase"]] += sent
            for results in recorder.get("checks", {}).values():
                for result in results:
                    if result["status"] == "success":
                        passed[result["name"]] += 1
                    elif result["status"] == "failure":
                        failed[result["name"]] += 1
            if finished["status"] in ("error", "interrupted"):
                errors.append(f"{recorder['label']} ({finished['phase']})")
    if not requests:
        print("no requests were made: did the run start?")
        return 1
    phases = ", ".join(f"{phase} {n}" for phase, n in per_phase.items())
    print(f"== figures: {len(operations)} operations, {requests} requests ({phases}) in {seconds} s")
    for name in sorted(set(passed) | set(failed)):
        print(f"   {name:<30} {passed[name]:>6} passed {failed[name]:>4} failed")
    for error in errors:
        print(f"   error: {error}")
    total = sum(failed.values())
    print(f"== {total} failed checks, {len(errors)} errors")
    # 2: no check failed, but the run had errors (Schemathesis itself crashed, say): worth one
    # more run with the same seed, which a real problem of the server's would fail again.
    return 1 if total else 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "?"))
