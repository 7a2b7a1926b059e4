"""Scoring throughput: a 40-question questionnaire, one core.

    python bench/scoring.py                 # engine throughput + `shopper score` on 100,000 visits
    python bench/scoring.py --visits 20000  # a smaller file for the CLI part

Goals (issue 2): at least 50,000 visits/s for `score_visit` on one core, and
`shopper score` on a 100,000-visit file in under 5 s. Deterministic inputs (seeded).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shopper.scoring import parse_questionnaire, score_visit  # noqa: E402

QUESTION_KINDS = ("yes_no", "scale", "choice", "number", "yes_no", "scale", "yes_no", "text")


def questionnaire_document(n_questions: int = 40, per_section: int = 5) -> dict:
    """A questionnaire of `n_questions` mixing every type, with N/A, show_if and channels."""
    sections = []
    for s in range(n_questions // per_section):
        questions = []
        for i in range(per_section):
            number = s * per_section + i
            kind = QUESTION_KINDS[number % len(QUESTION_KINDS)]
            q = {"id": f"q{number}", "text": f"Question {number}", "type": kind,
                 "dimension": "service" if number % 3 == 0 else "experience",
                 "touchpoint": f"tp{number % 12}"}
            if kind == "text":
                q["required"] = False
            else:
                q["weight"] = 1 + number % 3
                q["allow_na"] = number % 4 == 0
            if kind == "choice":
                q["options"] = [{"value": "a", "label": "A", "score": 1},
                                {"value": "b", "label": "B", "score": 0.5},
                                {"value": "c", "label": "C", "score": 0}]
            if kind == "number":
                q["bands"] = [{"max": 2, "score": 1}, {"max": 5, "score": 0.5}, {"score": 0}]
            if number == 9:
                q["critical"] = True
            if i == per_section - 1 and s % 2 == 0:
                previous = f"q{number - 4}"  # a yes_no or a scale four questions earlier
                prev_kind = QUESTION_KINDS[(number - 4) % len(QUESTION_KINDS)]
                if prev_kind == "yes_no":
                    q["show_if"] = {"question": previous, "equals": "yes"}
            questions.append(q)
        section = {"id": f"s{s}", "title": f"Section {s}", "questions": questions}
        if s == 1:
            section["channels"] = ["online"]
        sections.append(section)
    return {"id": "bench", "title": "Benchmark", "channels": ["in_store", "online"],
            "sections": sections}


def make_visits(document: dict, n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    questions = [q for s in document["sections"] for q in s["questions"]]
    visits = []
    for v in range(n):
        answers = {}
        for q in questions:
            kind = q["type"]
            if q.get("allow_na") and rng.random() < 0.1:
                answers[q["id"]] = "na"
            elif kind == "yes_no":
                answers[q["id"]] = "yes" if rng.random() < 0.8 else "no"
            elif kind == "scale":
                answers[q["id"]] = rng.randint(1, 5)
            elif kind == "choice":
                answers[q["id"]] = rng.choice("abc")
            elif kind == "number":
                answers[q["id"]] = round(rng.uniform(0, 8), 1)
            elif kind == "text" and rng.random() < 0.3:
                answers[q["id"]] = "Some remark"
        visits.append({"id": f"v{v}", "location": f"loc-{v % 50:02d}",
                       "channel": "in_store" if v % 4 else "online", "answers": answers})
    return visits


def bench_engine(n: int, rounds: int = 5) -> float:
    document = questionnaire_document()
    questionnaire = parse_questionnaire(document)
    visits = [(v["answers"], v["channel"]) for v in make_visits(document, n)]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for answers, channel in visits:
            score_visit(questionnaire, answers, channel)
        best = min(best, time.perf_counter() - start)
    return n / best


def bench_cli(n: int, rounds: int = 3) -> tuple[float, int]:
    import yaml

    document = questionnaire_document()
    shopper = shutil.which("shopper") or str(Path(sys.executable).parent / "shopper")
    with tempfile.TemporaryDirectory() as tmp:
        q_path, v_path = Path(tmp, "q.yaml"), Path(tmp, "visits.json")
        q_path.write_text(yaml.safe_dump(document))
        v_path.write_text(json.dumps(make_visits(document, n)))
        size = v_path.stat().st_size
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            subprocess.run([shopper, "score", "--questionnaire", q_path, "--visits", v_path],
                           check=True, stdout=subprocess.DEVNULL,
                           env=os.environ | {"PYTHONHASHSEED": "0"})
            best = min(best, time.perf_counter() - start)
    return best, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-visits", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=100_000, help="visits in the CLI file")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()
    rate = bench_engine(args.engine_visits)
    print(f"score_visit, 40 questions: {rate:,.0f} visits/s (one core, best of 5)")
    if not args.skip_cli:
        seconds, size = bench_cli(args.visits)
        print(f"shopper score, {args.visits:,} visits ({size / 1e6:.0f} MB): "
              f"{seconds:.2f} s (best of 3)")


if __name__ == "__main__":
    main()
