"""Auditing an LLM recommender for user-side fairness (FaiRLLM, Zhang et al. 2023; CFaiRLLM,
Deldjoo & Di Noia 2024): does naming who is asking change what it recommends?

1. :func:`build_prompts` — per anchor (a user with a profile sample, or a seed item) a neutral
   prompt and one per sensitive value; :class:`PromptSet` (``to_jsonl``, :func:`read_prompts`).
2. Answers from any model as JSONL (:func:`read_responses`), from an OpenAI-compatible server
   (:class:`ChatClient`: rate limit, retries with backoff, resumable through
   :class:`ResponseCache`), or from :class:`MockLLM`, a seeded test and demo instrument with a
   planted effect.
3. :func:`ground_responses` — titles matched to the catalogue (:class:`TitleMatcher`, rapidfuzz),
   grounding rate and hallucinations per group (:class:`Grounded`).
4. :func:`llm_audit` — Jaccard@k, SERP*@k, PRAG*@k against the neutral answers, popularity and
   category shifts, true-preference NDCG / hit rate; per attribute SNSR and SNSV with a
   permutation test over samples (:class:`LLMAuditResult`); :func:`llm_audit_chart`.

The command line: ``python -m fairrec_core llm-audit {prompts,query,mock,ingest,audit}``; the
report section: :func:`fairrec_core.report.render_llm_audit`.
"""

from fairrec_core.llmaudit._audit import llm_audit
from fairrec_core.llmaudit._cache import ResponseCache
from fairrec_core.llmaudit._chart import llm_audit_chart
from fairrec_core.llmaudit._client import RETRY_STATUSES, ChatClient, LLMClientError, endpoint_of
from fairrec_core.llmaudit._grounding import (
    GROUNDING_COLUMNS,
    TITLE_COLUMNS,
    Grounded,
    ground_responses,
)
from fairrec_core.llmaudit._mock import MockLLM
from fairrec_core.llmaudit._prompts import (
    ANCHORS,
    NEUTRAL,
    PROMPT_COLUMNS,
    SAMPLES,
    PromptSet,
    build_prompts,
    read_prompts,
)
from fairrec_core.llmaudit._responses import (
    RESPONSE_COLUMNS,
    Responses,
    parse_titles,
    read_responses,
    responses_from_records,
)
from fairrec_core.llmaudit._result import (
    CATEGORY_COLUMNS,
    FILES,
    METRIC_NAMES,
    METRICS,
    SUMMARY_COLUMNS,
    VALUE_COLUMNS,
    LLMAuditResult,
    metric_name,
)
from fairrec_core.llmaudit._similarity import (
    SIMILARITY,
    jaccard_at_k,
    list_similarity,
    prag_at_k,
    serp_at_k,
)
from fairrec_core.llmaudit._spread import SpreadTest, snsr, snsv, spread_test
from fairrec_core.llmaudit._titles import (
    DEFAULT_CUTOFF,
    TitleMatcher,
    catalogue_matcher,
    normalise_title,
)

__all__ = [
    "ANCHORS",
    "CATEGORY_COLUMNS",
    "DEFAULT_CUTOFF",
    "FILES",
    "GROUNDING_COLUMNS",
    "METRICS",
    "METRIC_NAMES",
    "NEUTRAL",
    "PROMPT_COLUMNS",
    "RESPONSE_COLUMNS",
    "RETRY_STATUSES",
    "SAMPLES",
    "SIMILARITY",
    "SUMMARY_COLUMNS",
    "TITLE_COLUMNS",
    "VALUE_COLUMNS",
    "ChatClient",
    "Grounded",
    "LLMAuditResult",
    "LLMClientError",
    "MockLLM",
    "PromptSet",
    "ResponseCache",
    "Responses",
    "SpreadTest",
    "TitleMatcher",
    "build_prompts",
    "catalogue_matcher",
    "endpoint_of",
    "ground_responses",
    "jaccard_at_k",
    "list_similarity",
    "llm_audit",
    "llm_audit_chart",
    "metric_name",
    "normalise_title",
    "parse_titles",
    "prag_at_k",
    "read_prompts",
    "read_responses",
    "responses_from_records",
    "serp_at_k",
    "snsr",
    "snsv",
    "spread_test",
]
