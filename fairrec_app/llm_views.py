"""The LLM audit page's steps (FaiRLLM): 1. the prompts — made here
(:func:`fairrec_core.llmaudit.build_prompts`) or uploaded; 2. the answers — from a simulated
LLM with a planted effect (:class:`~fairrec_core.llmaudit.MockLLM`, the demo), an uploaded
JSONL, or an OpenAI-compatible server (:class:`~fairrec_core.llmaudit.ChatClient`, with a
progress bar and a resumable cache); 3. the audit (:func:`~fairrec_core.llmaudit.llm_audit`),
drawn by :mod:`fairrec_app.llm_results`."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from fairrec_app import keys, services
from fairrec_core import names

PROMPTS = "llm.prompts"  # the PromptSet in use
ANSWERS = "llm.answers"  # the Responses in use
RESULT = "llm.result"  # the LLMAuditResult of the last audit
MAKE, SIMULATE, FETCH, USE, AUDIT = ("Make the prompts", "Simulate the answers",
                                     "Ask the server", "Use these answers", "Audit the answers")
SAMPLE_WORDS = {"random": "a random sample", "top": "their highest rated",
                "recent": "their most recent", "none": "no profile"}
SOURCES = ("A simulated LLM (demo)", "Upload answers (JSONL)",
           "Ask an OpenAI-compatible server")


def _parse_upload(upload, *, what: str):
    """``(line, record)`` pairs of an uploaded JSONL file; errors name the upload."""
    from fairrec_core.llmaudit._jsonl import read_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.jsonl"
        path.write_bytes(upload.getvalue())
        return read_jsonl(path, source=f"{what} {upload.name}")


def _reset(*names_: str) -> None:
    for name in names_:
        st.session_state.pop(name, None)


def prompts_step(cur, attributes: list[str]) -> None:
    """Make or upload the prompt set; it stays in the session until replaced."""
    from fairrec_core.llmaudit import build_prompts
    from fairrec_core.llmaudit._prompts import prompts_from_records

    data = cur.ds.data
    made, uploaded = st.tabs(["Make them here", "Upload a prompt file"])
    with made, st.form("llm.prompts.form"):
        a, b, c = st.columns(3)
        chosen = a.multiselect("Who asks: name their", attributes, default=attributes,
                               format_func=names.attribute, key=keys.widget("llm", "attrs"),
                               help="Each user is asked about once without any attribute "
                                    "(the neutral prompt) and once per value of each of these.")
        users = b.number_input("Users", 10, int(data.n_users), min(200, int(data.n_users)), 10,
                               key=keys.widget("llm", "users"),
                               help="Drawn at random; each gets a neutral prompt and one per "
                                    "value.")
        sample = c.selectbox("Their profile in the prompt", list(SAMPLE_WORDS),
                             format_func=SAMPLE_WORDS.get, key=keys.widget("llm", "sample"),
                             help="Which of the user's items the prompt names.")
        a, b, c = st.columns(3)
        size = a.number_input("Profile items", 0, 20, 5, key=keys.widget("llm", "size"))
        k = b.number_input("Recommendations asked for", 1, 50, int(cur.k),
                           key=keys.widget("llm", "k"))
        pairs = c.checkbox("Also pairs of attributes", key=keys.widget("llm", "pairs"),
                           help="Intersections, e.g. a woman aged 25-34.")
        pressed = st.form_submit_button(MAKE, icon=":material/edit_note:")
    if pressed:
        if not chosen:
            st.error("Pick at least one attribute to name in the prompts.",
                     icon=":material/error:")
        else:
            st.session_state[PROMPTS] = build_prompts(
                data, attributes=chosen, intersections=pairs, sample=sample,
                sample_size=int(size), users=int(users), k=int(k), seed=cur.ds.eval.seed)
            _reset(ANSWERS, RESULT)
    with uploaded:
        upload = st.file_uploader("Prompt file (JSONL, as the prompts command writes it)",
                                  type=["jsonl"], key=keys.widget("llm", "prompt_file"))
        if upload is not None and st.button("Use this prompt file", key=keys.widget(
                "llm", "use_prompts")):
            prompts = prompts_from_records(_parse_upload(upload, what="prompt file"),
                                           source=f"prompt file {upload.name}")
            prompts.check_data(data, source=f"prompt file {upload.name}")
            st.session_state[PROMPTS] = prompts
            _reset(ANSWERS, RESULT)


def show_prompts(prompts) -> None:
    t = prompts.table
    anchors = t["user"].nunique()
    asked = ", ".join(map(names.attribute, prompts.attributes))
    st.success(f"{len(t):,} prompts: {anchors:,} users × {len(t) // max(anchors, 1)} "
               f"(neutral and one per value of {asked}).", icon=":material/check_circle:")
    first = t["user"].iloc[0]
    example = t[t["user"] == first]
    with st.expander("An example: one user's prompts"):
        for row in example.head(3).itertuples(index=False):
            who = ("Neutral" if row.attribute is None else
                   f"{names.attribute(row.attribute)} = {row.value}")
            st.markdown(f"**{who}**")
            st.text(row.text)
    st.download_button("Prompts (JSONL)", prompts.to_jsonl(), file_name="prompts.jsonl",
                       mime="application/jsonl", icon=":material/download:")


def answers_step(cur, prompts) -> None:
    """The answers from the chosen source; they stay until replaced."""
    source = st.radio("Where the answers come from", SOURCES, horizontal=True,
                      key=keys.widget("llm", "source"))
    if source == SOURCES[0]:
        _mock_form(cur, prompts)
    elif source == SOURCES[1]:
        _upload_form(prompts)
    else:
        _server_form(prompts)


def _store(records, prompts, *, source: str) -> None:
    from fairrec_core.llmaudit import responses_from_records

    st.session_state[ANSWERS] = responses_from_records(list(enumerate(records, start=1)),
                                                       prompts, source=source)
    _reset(RESULT)


def _mock_form(cur, prompts) -> None:
    from fairrec_core.llmaudit import MockLLM

    st.caption("A stand-in for a real LLM: it recommends from each user's tastes with its own "
               "sampling noise and, when a prompt names the planted value, shifts toward one "
               "category. The audit should find the planted attribute and no other.")
    options = [(a, v) for a in prompts.attributes if " & " not in a for v in prompts.values(a)]
    with st.form("llm.mock.form"):
        a, b, c = st.columns(3)
        planted = a.selectbox("Planted effect", [None, *options],
                              format_func=lambda o: "None" if o is None else
                              f"{names.attribute(o[0])} = {o[1]}",
                              index=1 if options else 0, key=keys.widget("llm", "planted"))
        strength = b.slider("Its strength", 0.0, 4.0, 2.0, 0.5,
                            key=keys.widget("llm", "strength"))
        samples = c.number_input("Answers per prompt", 1, 10, 3,
                                 key=keys.widget("llm", "mock_samples"),
                                 help="Repeated answers measure the model's own variation, "
                                      "the null the tests compare against.")
        pressed = st.form_submit_button(SIMULATE, icon=":material/smart_toy:")
    if pressed:
        effect = {planted[0]: planted[1]} if planted else None
        with st.spinner("Simulating the answers…"):
            mock = MockLLM(cur.ds.data, effect=effect, strength=float(strength),
                           seed=cur.ds.eval.seed)
            _store(mock.answer(prompts, samples=int(samples)), prompts,
                   source="the simulated LLM")


def _upload_form(prompts) -> None:
    from fairrec_core.llmaudit import responses_from_records

    upload = st.file_uploader("Answers (JSONL: prompt_id, model, sample, response per line)",
                              type=["jsonl"], key=keys.widget("llm", "answers_file"))
    if upload is not None and st.button(USE, key=keys.widget("llm", "use_answers")):
        st.session_state[ANSWERS] = responses_from_records(
            _parse_upload(upload, what="answers"), prompts, source=f"answers {upload.name}")
        _reset(RESULT)


def cache_path(url: str, model: str, prompts) -> Path:
    """The server answers' cache: one JSONL per server, model and prompt set, under
    ``$FAIRREC_CACHE`` (default ``~/.cache/fairrec``)/llm."""
    from fairrec_core.text import default_cache_dir

    digest = hashlib.sha256("\n".join([url, model, prompts.to_jsonl()]).encode()).hexdigest()
    return Path(default_cache_dir()) / "llm" / f"{digest[:24]}.jsonl"


def _server_form(prompts) -> None:
    from fairrec_core.llmaudit import ChatClient, ResponseCache

    st.caption("Any server with the OpenAI chat API (/v1/chat/completions) — e.g. a local "
               "model your team runs. Answers are kept in a cache as they arrive: a stopped or "
               "failed run goes on where it stopped.")
    with st.form("llm.server.form"):
        a, b = st.columns(2)
        url = a.text_input("Server address", "http://127.0.0.1:8000",
                           key=keys.widget("llm", "url"))
        model = b.text_input("Model name", key=keys.widget("llm", "model"))
        a, b, c = st.columns(3)
        api_key = a.text_input("API key (if it needs one)", type="password",
                               key=keys.widget("llm", "key"))
        samples = b.number_input("Answers per prompt", 1, 10, 3,
                                 key=keys.widget("llm", "server_samples"))
        rate = c.number_input("Requests per second at most", 0.1, 100.0, 2.0, 0.5,
                              key=keys.widget("llm", "rate"))
        pressed = st.form_submit_button(FETCH, icon=":material/cloud_download:")
    if not pressed:
        return
    from fairrec_core.errors import DataError

    if not model.strip():
        raise DataError("Server: name the model to ask (Model name).")
    client = ChatClient(url.strip(), model=model.strip(), api_key=api_key or None,
                        requests_per_second=float(rate))
    path = cache_path(url.strip(), model.strip(), prompts)
    path.parent.mkdir(parents=True, exist_ok=True)
    bar = st.progress(0.0, text="Asking the server…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done:,} of {total:,} answers")

    records = client.collect(prompts, samples=int(samples), cache=ResponseCache(path),
                             progress=progress)
    bar.empty()
    _store(records, prompts, source=f"the server {url.strip()}")


def audit_step(cur, prompts, answers) -> None:
    from fairrec_core.llmaudit import llm_audit
    from fairrec_core.models import limit_threads

    with st.form("llm.audit.form"):
        a, b = st.columns(2)
        k = a.number_input("Top k of each answer", 1, 50, int(prompts.table["k"].iloc[0]),
                           key=keys.widget("llm", "audit_k"))
        shuffles = b.number_input("Shuffles for each test", 100, 10_000, 1000, 100,
                                  key=keys.widget("llm", "shuffles"),
                                  help="The permutation test shuffles which value each of a "
                                       "user's answers was asked with.")
        pressed = st.form_submit_button(AUDIT, type="primary", icon=":material/balance:")
    if pressed:
        with st.spinner("Grounding the titles and testing each attribute…"), \
                limit_threads(services.threads()):
            st.session_state[RESULT] = llm_audit(cur.ds.data, prompts, answers, k=int(k),
                                                 n_permutations=int(shuffles),
                                                 seed=cur.ds.eval.seed)


def answers_caption(answers) -> str:
    t = answers.table
    return (f"{len(t):,} answers of {answers.model} ({answers.samples} per prompt) in use.")
