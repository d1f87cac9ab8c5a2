"""The LLM audit (issue 15, part 2): FaiRLLM-style prompts, the seeded mock LLM, grounding and
SNSR / SNSV with permutation tests over samples. Prints figures, asserts nothing.

(a) ``detection``: the demo shop, ``--users`` anchors (default 200) drawn per seed, prompts
    for gender, age group and region, ``--samples`` answers per prompt (default 5), k = 10,
    1,000 shuffles. The mock plants gender = F: prompts naming F favour one category by
    ``--strength`` (default 2, in units of the Gumbel sampling noise: an item of that category
    is e² ≈ 7.4 times as likely at the margin, which moves its share of the lists from about
    12% to about 35%). Age group and region carry no effect: their answers are drawn from the
    neutral distribution. Per seed (0..``--seeds``-1: users, mock and shuffles) the p-value of
    each attribute's SNSR; printed: in how many seeds p < 0.01, per metric. Target: gender
    in >= 19 of 20 (Jaccard@10), each no-effect attribute in <= 2 of 20.
(b) ``speed``: MovieLens 100K (``$FAIRREC_ML100K`` or ../shared/data/ml-100k; else an
    ML-100K-size shop, 943 x 1682 x 100,000): every user x 10 prompts (neutral, gender F / M,
    7 age groups) with 5-item profile samples, mock answers (10% misspelt, 5% invented
    titles) written as JSONL; timed: reading the prompts and answers, grounding, the audit
    with 1,000 shuffles, the files and the report. Target: <= 60 s.

Run: .venv/bin/python benchmarks/bench_llm_audit.py [--part detection|speed|all]
     [--seeds 20] [--users 200] [--samples 5] [--strength 2] [--data PATH] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.data import SyntheticSpec, generate_shop, load_movielens  # noqa: E402
from fairrec_core.llmaudit import (  # noqa: E402
    MockLLM,
    build_prompts,
    llm_audit,
    read_prompts,
    read_responses,
    responses_from_records,
)
from fairrec_core.llmaudit._jsonl import dumps_jsonl  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K")
              or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
ML100K_SIZE = SyntheticSpec(users=943, items=1682, interactions=100_000, seed=1)
SMOKE_SHOP = SyntheticSpec(users=200, items=120, interactions=4000, seed=1)
METRICS = ("jaccard", "serp", "prag", "category_divergence", "popularity")
ALPHA = 0.01


def part_detection(args) -> None:
    data = generate_shop(SMOKE_SHOP if args.smoke else SyntheticSpec())
    seeds = range(2 if args.smoke else args.seeds)
    users = 40 if args.smoke else args.users
    attributes = ("gender", "age_group", "region")
    hits = {(a, m): 0 for a in attributes for m in METRICS}
    shuffles = 200 if args.smoke else 1000
    tick = time.perf_counter()
    print(f"detection: {data.name}, {users} users x (neutral + gender, age group, region "
          f"values) x {args.samples} samples, k = 10, {shuffles} shuffles; planted gender = F, "
          f"category shift {args.strength:g}")
    for seed in seeds:
        prompts = build_prompts(data, attributes=list(attributes), users=users, seed=seed)
        mock = MockLLM(data, effect={"gender": "F"}, strength=args.strength, seed=seed)
        answers = responses_from_records(
            list(enumerate(mock.answer(prompts, samples=args.samples), start=1)), prompts)
        result = llm_audit(data, prompts, answers, n_permutations=shuffles, seed=seed)
        line = []
        for a in attributes:
            for m in METRICS:
                p = result.row(a, m)["p_snsr"]
                hits[(a, m)] += int(p < ALPHA)
            line.append(f"{a} p {result.row(a, 'jaccard')['p_snsr']:.4f}")
        print(f"  seed {seed:2d}: " + ", ".join(line) + f" (favoured: {mock.category})",
              flush=True)
    n = len(seeds)
    print(f"\nseeds with p(SNSR) < {ALPHA} out of {n} ({time.perf_counter() - tick:.1f} s):")
    print(f"  {'attribute':<10}" + "".join(f"{m:>21}" for m in METRICS))
    for a in attributes:
        print(f"  {a:<10}" + "".join(f"{hits[(a, m)]:>18}/{n:<2}" for m in METRICS))
    print(f"target: gender (planted) >= 19/20 on jaccard; age_group and region (no effect) "
          f"<= 2/20: gender {hits[('gender', 'jaccard')]}/{n}, age_group "
          f"{hits[('age_group', 'jaccard')]}/{n}, region {hits[('region', 'jaccard')]}/{n}")


def part_speed(args) -> None:
    if not args.smoke and (Path(args.data) / "u.data").is_file():
        data = load_movielens(args.data)
    else:
        spec = SMOKE_SHOP if args.smoke else ML100K_SIZE
        print(f"(MovieLens 100K not used: a synthetic shop {spec})")
        data = generate_shop(spec)
    prompts = build_prompts(data, attributes=["gender", "age_group"], sample="random",
                            sample_size=5, seed=0)
    per_user = len(prompts) // prompts.table["user"].nunique()
    mock = MockLLM(data, effect={"gender": "F"}, strength=args.strength, misspelling=0.1,
                   hallucination=0.05, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        p_path, a_path = Path(tmp) / "prompts.jsonl", Path(tmp) / "answers.jsonl"
        p_path.write_text(prompts.to_jsonl())
        a_path.write_text(dumps_jsonl(mock.answer(prompts, samples=args.speed_samples)))
        from fairrec_core.report import render_llm_audit

        tick = time.perf_counter()
        prompts = read_prompts(p_path, data=data)
        answers = read_responses(a_path, prompts)
        read = time.perf_counter()
        result = llm_audit(data, prompts, answers, n_permutations=1000, seed=0)
        audited = time.perf_counter()
        files = result.files()
        files["report.html"] = render_llm_audit(result, title="bench", dataset_summary=data
                                                .describe(), settings={})
        done = time.perf_counter()
    g = result.grounded
    print(f"speed: {data.name}, {prompts.table['user'].nunique():,} users x {per_user} prompts "
          f"x {args.speed_samples} sample(s) = {len(answers):,} answers, "
          f"{int(g.answers['titles'].sum()):,} titles (grounded {g.rate:.1%})")
    print(f"  read {read - tick:.2f} s, ground + audit (1000 shuffles) {audited - read:.2f} s, "
          f"files + report {done - audited:.2f} s: total {done - tick:.2f} s (target <= 60 s)")
    s = result.summary[result.summary["metric"] == "jaccard"]
    for row in s.itertuples(index=False):
        print(f"  {row.attribute}: Jaccard@10 SNSR {row.snsr:.4f} (p {row.p_snsr:.4f}), "
              f"SNSV {row.snsv:.4f}")


PARTS = {"detection": part_detection, "speed": part_speed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="all", choices=[*PARTS, "all"])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--samples", type=int, default=5, help="detection: answers per prompt")
    parser.add_argument("--speed-samples", type=int, default=1, help="speed: answers per prompt")
    parser.add_argument("--strength", type=float, default=2.0)
    parser.add_argument("--data", default=str(ML100K))
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, every part")
    args = parser.parse_args()
    for name, fn in PARTS.items():
        if args.part in (name, "all"):
            fn(args)
            print()


if __name__ == "__main__":
    main()
