"""The feedback loop: recommend -> choose -> retrain over many rounds, and how group gaps,
popularity and homogenisation grow or shrink (Chaney et al. 2018; Mansoury et al. 2020).

- Ground truth (:class:`GroundTruth`): on the demo shop the generator's own utilities
  (:func:`generator_truth`); on real data an oracle fitted to all the data
  (:func:`oracle_truth`, an assumption every result states); :func:`truth_for` picks by the
  ``--data`` spec.
- Users choose by a position-biased logit with a no-choice option and an attention budget
  (:class:`ChoiceModel`).
- ``simulate(data, truth, model="ease", rounds=20, seeds=range(5), rerank=[...])`` returns a
  :class:`FeedbackResult`: ``table`` (columns :data:`TABLE_COLUMNS`; the metrics
  :data:`METRICS` per round, seed, overall and per user group), ``bands()`` (mean and t
  interval over seeds), ``drift(metric, attribute, group)`` per seed, ``files()`` (``rounds.csv``,
  ``feedback.json``). ``progress(RoundDone)`` after each round and ``should_stop()`` before
  each drive a page; a stopped run keeps its finished rounds.
- :func:`drift_difference` (an intervention against no intervention on the same seeds) and
  :func:`group_drift_gap` (one group's drift against another's), with intervals over seeds.
- :func:`feedback_chart`: a metric over rounds per group with seed bands.

The command line: ``python -m fairrec_core simulate``.
"""

from fairrec_core.feedback._chart import feedback_chart
from fairrec_core.feedback._choice import ChoiceModel
from fairrec_core.feedback._compare import drift_difference, group_drift_gap
from fairrec_core.feedback._loop import CANDIDATES, PLAIN, RoundDone, simulate
from fairrec_core.feedback._measure import ALL, METRIC_NAMES, METRICS, LoopContext, measure_round
from fairrec_core.feedback._result import (
    BAND_COLUMNS,
    DRIFT,
    FILES,
    TABLE_COLUMNS,
    FeedbackResult,
    drift_of,
    t_interval,
)
from fairrec_core.feedback._similarity import mean_jaccard
from fairrec_core.feedback._truth import (
    GroundTruth,
    generator_truth,
    oracle_truth,
    truth_for,
)

__all__ = [
    "ALL",
    "BAND_COLUMNS",
    "CANDIDATES",
    "DRIFT",
    "FILES",
    "METRICS",
    "METRIC_NAMES",
    "PLAIN",
    "TABLE_COLUMNS",
    "ChoiceModel",
    "FeedbackResult",
    "GroundTruth",
    "LoopContext",
    "RoundDone",
    "drift_difference",
    "drift_of",
    "feedback_chart",
    "generator_truth",
    "group_drift_gap",
    "mean_jaccard",
    "measure_round",
    "oracle_truth",
    "simulate",
    "t_interval",
    "truth_for",
]
