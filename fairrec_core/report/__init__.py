"""The self-contained HTML report of an audit (``audit --report`` and the app's download):
one file, plotly.js embedded once, every figure interactive, numbers to 4 decimals as in
``metrics.json``, and a methods section."""

from fairrec_core.report._feedback import feedback_section, render_feedback
from fairrec_core.report._llmaudit import llm_audit_section, render_llm_audit
from fairrec_core.report._methods import METHODS_HTML
from fairrec_core.report._mitigation import mitigation_section, render_mitigation
from fairrec_core.report._render import CHART_METRICS, fmt, render_report
from fairrec_core.report._rerank import rerank_effect

__all__ = ["CHART_METRICS", "METHODS_HTML", "feedback_section", "fmt", "llm_audit_section",
           "mitigation_section", "render_feedback", "render_llm_audit", "render_mitigation",
           "render_report", "rerank_effect"]
