"""``llm-audit``: audit an LLM recommender for user-side fairness (FaiRLLM / CFaiRLLM).

    python -m fairrec_core llm-audit prompts --data SPEC --out prompts.jsonl
        [--attributes gender,age_group] [--intersections] [--sample random|top|recent|none]
        [--sample-size 5] [--users N] [--anchor user|item] [--k 10] [--holdout 0.2]
    python -m fairrec_core llm-audit query --prompts prompts.jsonl --url URL --model NAME
        --out answers.jsonl [--samples 5] [--rate 1] [--cache FILE]
    python -m fairrec_core llm-audit mock --data SPEC --prompts prompts.jsonl
        --out answers.jsonl --effect gender=F --samples 5 --seed 0
    python -m fairrec_core llm-audit ingest --data SPEC --prompts prompts.jsonl
        --responses answers.jsonl --out DIR
    python -m fairrec_core llm-audit audit --data SPEC --prompts prompts.jsonl
        --responses answers.jsonl --out DIR [--k 10] [--permutations 1000]

Every input is checked before anything is written; a file output is written whole (a
temporary file renamed), a folder output swapped in whole. ``query`` alone keeps a cache
beside its output as it goes, so a failed or stopped run resumes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fairrec_core.cli._data import add_data_arguments, load_from_args

#: Light copies of fairrec_core.llmaudit's choices (the parser imports no pandas; a test
#: checks they equal the library's).
SAMPLES = ("none", "random", "top", "recent")
ANCHORS = ("user", "item")
INGEST_FILES = ("grounded.csv", "grounding.csv", "grounding.json")
AUDIT_FILES = ("llm_audit.csv", "llm_audit_values.csv", "llm_audit.json", "grounding.csv",
               "report.html")


def add_parser(sub) -> None:
    top = sub.add_parser("llm-audit", help="audit an LLM recommender (FaiRLLM prompts)",
                         description="Does naming who asks change what an LLM recommends? "
                         "Make the prompts, get the answers (any model, an OpenAI-compatible "
                         "server, or the seeded mock), ground the titles and audit.")
    actions = top.add_subparsers(dest="llm_command", required=True, metavar="ACTION")
    _prompts(actions)
    _query(actions)
    _mock(actions)
    _ingest(actions)
    _audit(actions)


def _force(p) -> None:
    p.add_argument("--force", action="store_true", help="replace a previous output")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _prompts(actions) -> None:
    p = actions.add_parser("prompts", help="write the prompt set as JSONL",
                           description="Per anchor a neutral prompt and one per value of each "
                           "sensitive attribute (and, with --intersections, each pair).")
    add_data_arguments(p)
    p.add_argument("--out", required=True, metavar="FILE.jsonl", help="prompt file to write")
    p.add_argument("--attributes", default=None, metavar="A,B",
                   help="user attributes (default: the audit's)")
    p.add_argument("--intersections", action="store_true", help="also every pair of them")
    p.add_argument("--anchor", default="user", choices=ANCHORS,
                   help="user: a user with a profile sample; item: 'a fan of X' (default user)")
    p.add_argument("--sample", default="random", choices=SAMPLES,
                   help="how the profile sample is drawn (default random)")
    p.add_argument("--sample-size", type=int, default=5, help="profile items (default 5)")
    p.add_argument("--users", type=int, default=None,
                   help="anchors: N users drawn with --seed (default all), or the N most "
                        "popular items (default 100)")
    p.add_argument("--k", type=int, default=10, help="list length asked for (default 10)")
    p.add_argument("--holdout", type=float, default=0.2,
                   help="share of each user's history held out as true preference (default 0.2)")
    p.add_argument("--noun", default=None, help="what is recommended (default from the data)")
    p.add_argument("--seed", type=int, default=0, help="users, samples and split (default 0)")
    _force(p)
    p.set_defaults(func=run_prompts)


def _query(actions) -> None:
    p = actions.add_parser("query", help="ask an OpenAI-compatible server",
                           description="POST every prompt to URL/v1/chat/completions, SAMPLES "
                           "times, with a rate limit and retries; answers are cached as they "
                           "arrive (--cache), so a second run resumes.")
    p.add_argument("--prompts", required=True, metavar="FILE.jsonl", help="prompt file")
    p.add_argument("--url", required=True, help="server address, e.g. http://127.0.0.1:8000")
    p.add_argument("--model", required=True, help="model name the server knows")
    p.add_argument("--out", required=True, metavar="FILE.jsonl", help="answers file to write")
    p.add_argument("--samples", type=int, default=1, help="answers per prompt (default 1)")
    p.add_argument("--rate", type=float, default=None, help="requests per second (default: no limit)")
    p.add_argument("--retries", type=int, default=5, help="retries per request (default 5)")
    p.add_argument("--backoff", type=float, default=1.0, help="first retry wait, s (default 1)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default 1)")
    p.add_argument("--max-tokens", type=int, default=None, help="answer length limit")
    p.add_argument("--seed", type=int, default=None, help="send seed + sample index")
    p.add_argument("--system", default=None, help="a system message")
    p.add_argument("--api-key-env", default=None, metavar="VAR",
                   help="environment variable holding the API key (none for a local server)")
    p.add_argument("--cache", default=None, metavar="FILE",
                   help="answer cache (default: OUT with .cache.jsonl)")
    _force(p)
    p.set_defaults(func=run_query)


def _mock(actions) -> None:
    p = actions.add_parser("mock", help="answers of the seeded mock LLM (demos, tests)",
                           description="The mock lists catalogue titles by popularity, a fixed "
                           "taste per anchor and the profile's categories, with fresh noise "
                           "per sample; prompts naming an --effect value get the planted shift.")
    add_data_arguments(p)
    p.add_argument("--prompts", required=True, metavar="FILE.jsonl", help="prompt file")
    p.add_argument("--out", required=True, metavar="FILE.jsonl", help="answers file to write")
    p.add_argument("--effect", action="append", default=[], metavar="ATTR=VALUE",
                   help="planted: prompts naming this value are shifted, repeatable")
    p.add_argument("--strength", type=float, default=2.0,
                   help="size of the shift in units of the sampling noise (default 2)")
    p.add_argument("--shift", default="category", choices=("category", "popularity"),
                   help="toward one category or more popular items (default category)")
    p.add_argument("--category", default=None, help="the favoured category (default: the most common)")
    p.add_argument("--samples", type=int, default=5, help="answers per prompt (default 5)")
    p.add_argument("--temperature", type=float, default=1.0, help="noise scale (default 1)")
    p.add_argument("--misspelling", type=float, default=0.1, help="share of misspelt titles (default 0.1)")
    p.add_argument("--hallucination", type=float, default=0.05,
                   help="share of invented titles (default 0.05)")
    p.add_argument("--model", default="mock", help="model name in the answers (default mock)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    _force(p)
    p.set_defaults(func=run_mock)


def _answers(p) -> None:
    add_data_arguments(p)
    p.add_argument("--prompts", required=True, metavar="FILE.jsonl", help="prompt file")
    p.add_argument("--responses", required=True, metavar="FILE.jsonl", help="answers file")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--model", default=None, help="the model to read when the file holds several")
    p.add_argument("--k", type=int, default=None, help="list cutoff (default: as asked)")
    p.add_argument("--cutoff", type=float, default=85.0,
                   help="fuzzy title match threshold, 0-100 (default 85)")
    _force(p)


def _ingest(actions) -> None:
    p = actions.add_parser("ingest", help="ground the answers' titles in the catalogue",
                           description="Writes grounded.csv (one row per title: the matched "
                           "item or none), grounding.csv and grounding.json (rate and "
                           "hallucinations per attribute value).")
    _answers(p)
    p.set_defaults(func=run_ingest)


def _audit(actions) -> None:
    p = actions.add_parser("audit", help="SNSR/SNSV with permutation tests, and the report",
                           description="Jaccard, SERP*, PRAG* against the neutral answers, "
                           "popularity and category shifts, true-preference accuracy; per "
                           "attribute SNSR and SNSV with p-values from shuffling the values "
                           "among each anchor's answers. Writes llm_audit.csv, "
                           "llm_audit_values.csv, llm_audit.json, grounding.csv, report.html.")
    _answers(p)
    p.add_argument("--permutations", type=int, default=1000, help="shuffles (default 1000)")
    p.add_argument("--attributes", default=None, metavar="A,B",
                   help="prompt attributes to summarise (default all)")
    p.add_argument("--seed", type=int, default=0, help="shuffle seed (default 0)")
    p.set_defaults(func=run_audit)


# ---- running -------------------------------------------------------------------------------
def _say(args):
    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)
    return say


def _check_file_out(out, *, force: bool, inputs=()) -> Path:
    """Refuse, before any work, an output file that is an input, a folder, or exists without
    ``--force``."""
    from fairrec_core.outputs import OutputError

    path = Path(out)
    for inp in inputs:
        if inp is not None and Path(inp).resolve() == path.resolve():
            raise OutputError(f"--out {out}: is the input {inp}; choose another file")
    if path.is_dir():
        raise OutputError(f"--out {out}: is a folder, not a file")
    if path.exists() and not force:
        raise OutputError(f"--out {out}: exists; pass --force to replace it")
    return path


def _write_file(path: Path, text: str) -> None:
    from fairrec_core.outputs import OutputError, write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError as exc:
        raise OutputError(f"--out {path}: cannot write ({exc.strerror or exc})") from None


def _attributes(text):
    return None if text is None else [a.strip() for a in text.split(",") if a.strip()]


def run_prompts(args) -> int:
    from fairrec_core.llmaudit import build_prompts
    from fairrec_core.outputs import data_inputs

    out = _check_file_out(args.out, force=args.force, inputs=data_inputs(args.data))
    data = load_from_args(args)
    prompts = build_prompts(data, attributes=_attributes(args.attributes),
                            intersections=args.intersections, anchor=args.anchor,
                            sample=args.sample, sample_size=args.sample_size, users=args.users,
                            k=args.k, holdout=args.holdout, seed=args.seed, noun=args.noun)
    _write_file(out, prompts.to_jsonl())
    anchors = prompts.table["user"].nunique()
    print(f"wrote {len(prompts):,} prompts ({anchors:,} anchors x {len(prompts) // anchors} "
          f"prompts: neutral + {', '.join(prompts.attributes)}) to {out}")
    return 0


def run_query(args) -> int:
    import os

    from fairrec_core.errors import DataError
    from fairrec_core.llmaudit import ChatClient, ResponseCache, read_prompts
    from fairrec_core.llmaudit._jsonl import dumps_jsonl

    say = _say(args)
    if args.samples < 1:
        raise DataError("--samples must be >= 1")
    out = _check_file_out(args.out, force=args.force, inputs=[args.prompts])
    key = None
    if args.api_key_env:
        key = os.environ.get(args.api_key_env)
        if not key:
            raise DataError(f"--api-key-env {args.api_key_env}: the variable is not set")
    client = ChatClient(args.url, model=args.model, api_key=key, requests_per_second=args.rate,
                        retries=args.retries, backoff=args.backoff, timeout=args.timeout,
                        temperature=args.temperature, max_tokens=args.max_tokens,
                        seed=args.seed, system=args.system)
    prompts = read_prompts(args.prompts)
    cache_path = Path(args.cache) if args.cache else out.with_name(out.name + ".cache.jsonl")
    cache = ResponseCache(cache_path)
    cached = sum(cache.get(pid, args.model, s) is not None
                 for pid in prompts.table["prompt_id"] for s in range(args.samples))
    step = max(1, len(prompts) * args.samples // 20)
    records = client.collect(prompts, samples=args.samples, cache=cache, progress=lambda d, t: (
        say(f"  {d:,} of {t:,} answers") if d % step == 0 or d == t else None))
    _write_file(out, dumps_jsonl(records))
    print(f"wrote {len(records):,} answers of {args.model} to {out} ({cached:,} from the "
          f"cache {cache_path}, {client.requests:,} requests)")
    return 0


def _effects(items) -> dict:
    from fairrec_core.errors import DataError

    out = {}
    for item in items:
        a, sep, v = item.partition("=")
        if not sep or not a.strip() or not v.strip():
            raise DataError(f"--effect {item!r}: expected ATTR=VALUE, e.g. gender=F")
        out[a.strip()] = v.strip()
    return out


def run_mock(args) -> int:
    from fairrec_core.llmaudit import MockLLM, read_prompts
    from fairrec_core.llmaudit._jsonl import dumps_jsonl
    from fairrec_core.outputs import data_inputs

    effect = _effects(args.effect)
    out = _check_file_out(args.out, force=args.force,
                          inputs=[args.prompts, *data_inputs(args.data)])
    data = load_from_args(args)
    prompts = read_prompts(args.prompts, data=data)
    mock = MockLLM(data, effect=effect, strength=args.strength, shift=args.shift,
                   category=args.category, temperature=args.temperature,
                   misspelling=args.misspelling, hallucination=args.hallucination,
                   seed=args.seed, model=args.model)
    records = mock.answer(prompts, samples=args.samples)
    _write_file(out, dumps_jsonl(records))
    planted = ", ".join(f"{a}={v}" for a, v in effect.items()) or "none"
    print(f"wrote {len(records):,} mock answers to {out} (planted: {planted}"
          + (f", {args.shift} shift {args.strength:g} toward {mock.category}" if effect else "")
          + ")")
    return 0


def _load_answers(args, owned):
    from fairrec_core.errors import DataError
    from fairrec_core.llmaudit import read_prompts, read_responses
    from fairrec_core.outputs import check_target, data_inputs

    if args.k is not None and args.k < 1:
        raise DataError("--k must be >= 1")
    if not 0 <= args.cutoff <= 100:
        raise DataError("--cutoff must be between 0 and 100")
    out = dict(owned=owned, force=args.force, flag="--out",
               inputs=[args.prompts, args.responses, *data_inputs(args.data)])
    check_target(args.out, **out)  # before any work
    data = load_from_args(args)
    prompts = read_prompts(args.prompts, data=data)
    responses = read_responses(args.responses, prompts, model=args.model,
                               prompts_source=args.prompts)
    return data, prompts, responses, out


def _write_folder(args, out, files: dict) -> None:
    from fairrec_core.outputs import staged_folder, write_atomic

    with staged_folder(args.out, **out) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)


def run_ingest(args) -> int:
    import json

    from fairrec_core.llmaudit import ground_responses
    from fairrec_core.mitigation._result import _plain

    data, prompts, responses, out = _load_answers(args, INGEST_FILES)
    g = ground_responses(data, prompts, responses, k=args.k, cutoff=args.cutoff)
    summary = {"model": responses.model, "k": g.k, "cutoff": g.cutoff, "rate": g.rate,
               "answers": len(g.answers), "titles": int(g.answers["titles"].sum()),
               "by_group": g.by_group().to_dict("records"),
               "hallucinations": g.hallucinations().head(100).to_dict("records")}
    _write_folder(args, out, {
        "grounded.csv": g.titles.to_csv(index=False),
        "grounding.csv": g.by_group().to_csv(index=False),
        "grounding.json": json.dumps(_plain(summary), indent=2, allow_nan=False) + "\n"})
    print(f"grounded {int(g.answers['grounded'].sum()):,} of {int(g.answers['titles'].sum()):,} "
          f"titles ({g.rate:.1%}) of {len(g.answers):,} answers; wrote {', '.join(INGEST_FILES)} "
          f"to {args.out}")
    return 0


def run_audit(args) -> int:
    from fairrec_core.errors import DataError
    from fairrec_core.llmaudit import llm_audit
    from fairrec_core.report import render_llm_audit

    say = _say(args)
    if args.permutations < 0:
        raise DataError("--permutations cannot be negative")
    data, prompts, responses, out = _load_answers(args, AUDIT_FILES)
    attributes = _attributes(args.attributes)
    unknown = [a for a in attributes or [] if a not in prompts.attributes]
    if unknown:
        raise DataError(f"--attributes {unknown[0]!r}: the prompts ask with "
                        f"{', '.join(prompts.attributes)}")
    say(f"auditing {len(responses):,} answers of {responses.model} "
        f"({args.permutations:,} shuffles per attribute)")
    result = llm_audit(data, prompts, responses, k=args.k, n_permutations=args.permutations,
                       seed=args.seed, cutoff=args.cutoff, attributes=attributes)
    files = result.files()
    files["grounding.csv"] = result.grounding().to_csv(index=False)
    settings = {"data": args.data, "prompts": args.prompts, "responses": args.responses,
                **result.settings}
    files["report.html"] = render_llm_audit(
        result, title=f"fairrec LLM audit: {responses.model} on {data.name}",
        dataset_summary=data.describe(), settings=settings)
    _write_folder(args, out, files)
    say(f"wrote {', '.join(files)} to {args.out}")
    for row in result.summary[result.summary["metric"] == "jaccard"].itertuples(index=False):
        print(f"{row.attribute}: Jaccard@{result.k} SNSR {row.snsr:.4f} (p = {row.p_snsr:.4f}), "
              f"SNSV {row.snsv:.4f} (p = {row.p_snsv:.4f}); most similar {row.highest}, "
              f"least {row.lowest}")
    return 0
