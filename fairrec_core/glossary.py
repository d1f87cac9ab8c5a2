"""What each metric measures and which direction is better — the help text of every metric the
pages show. Keys are the metric names of the audit engine (``ndcg`` in ``ndcg@10``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    label: str
    measures: str
    higher_is_better: bool | None  # None: neither direction is better in itself

    @property
    def direction(self) -> str:
        if self.higher_is_better is None:
            return "Neither direction is better in itself; compare groups."
        return "Higher is better." if self.higher_is_better else "Lower is better."

    def help(self, k: int | None = None) -> str:
        text = self.measures.replace("{k}", str(k) if k else "k")
        return f"{text} {self.direction}"


METRICS: dict[str, MetricInfo] = {
    "ndcg": MetricInfo("NDCG", "Ranking accuracy: held-out items found in the top {k}, weighted "
                       "by position (1 = all of them at the top).", True),
    "recall": MetricInfo("Recall", "Share of the user's held-out items that appear in the top {k}.",
                         True),
    "precision": MetricInfo("Precision", "Share of the top {k} that are held-out items.", True),
    "hit_rate": MetricInfo("Hit rate", "Share of users with at least one held-out item in the top "
                           "{k}.", True),
    "mrr": MetricInfo("MRR", "1 / rank of the first held-out item in the top {k} (0 if none).",
                      True),
    "map": MetricInfo("MAP", "Average precision over the ranks of the hits, divided by "
                      "min(held-out items, {k}), so a top {k} that holds all it could scores 1. "
                      "ranx and trec_eval divide by all held-out items instead, so their MAP@{k} "
                      "is lower for users with more than {k} held-out items (on MovieLens 100K "
                      "about half of ours).", True),
    "ild": MetricInfo("Diversity (ILD)", "Intra-list diversity: share of pairs in the top {k} "
                      "from different categories.", True),
    "novelty": MetricInfo("Novelty", "Mean −log2 popularity of the recommended items: how "
                          "unfamiliar they are.", True),
    "arp": MetricInfo("Avg. popularity", "Average number of training interactions of the "
                      "recommended items (popularity bias).", False),
    "aplt": MetricInfo("Long-tail share", "Share of the top {k} from the long tail (items outside "
                       "the popular head that holds 20% of interactions).", True),
    "calibration_kl": MetricInfo("Miscalibration", "KL divergence between the category mix of "
                                 "the user's history and of the list (Steck 2018).", False),
    "coverage": MetricInfo("Coverage", "Share of the catalogue recommended to at least one user.",
                           True),
    "gini_exposure": MetricInfo("Exposure Gini", "Inequality of position-discounted exposure over "
                                "items (0 = every item equally seen, 1 = one item gets all).",
                                False),
}

GAPS = {
    "difference": "Largest minus smallest group mean. Closer to 0 is fairer.",
    "ratio": "Smallest divided by largest group mean. Closer to 1 is fairer; below 0.8 breaks "
             "the four-fifths rule.",
    "p_value": "Studentised permutation test: how often a gap this striking (divided by its "
               "standard error) appears when group labels are shuffled. Below 0.05: unlikely to "
               "be chance.",
    "p_value_omnibus": "Is any pair of groups served differently? Group labels are shuffled "
                       "1,000 times and each time the largest gap between any two groups "
                       "(divided by its standard error, so small noisy groups do not dominate) "
                       "is recomputed; p is the share of shuffles with a gap at least as "
                       "striking as the real one. Below 0.05: unlikely to be chance.",
    "p_value_pair": "The p-value of the best- versus worst-served pair, corrected for having "
                    "picked the most extreme pair after looking at the data (max-T). Below 0.05 "
                    "exactly when its interval leaves out 0.",
    "interval": "95% interval of the gap that stays valid although we picked the most extreme "
                "pair: it is wide enough to hold for every pair of groups at once. If it leaves "
                "out 0, the gap is unlikely to be chance.",
    "min_detectable_gap": "The smallest true gap between these two groups that this audit "
                          "would find (p < 0.05) four times out of five, given how many users "
                          "each group has. A 'not significant' only rules out gaps larger than "
                          "this.",
    "p_adjusted": "Adjusted for comparing many pairs: with many groups some pair looks "
                  "'significant' by luck alone; adjusted p-values correct for the number of "
                  "comparisons. Max-T matches the intervals; Holm is a simpler, slightly "
                  "stricter correction; BH controls the share of false findings instead.",
    "reference_ratio": "Each group's mean divided by the reference group's. Between 0.8 and "
                       "1.25 (the shaded band) passes the four-fifths rule used by Aequitas.",
    "excluded": "Groups left out of the gap: 'uninformative' labels (unspecified, Unknown) say "
                "nothing about who the users are; 'small' groups have too few users for a "
                "reliable mean. They are still shown in the group table.",
    "js_divergence": "Jensen–Shannon divergence of a group's mix from everyone's mix. 0 = same mix.",
    "adjusted_difference": "The same gap between the same two groups for users with equally "
                           "long histories (number of training interactions, and any other "
                           "chosen user columns, held equal by a regression). If it is much "
                           "smaller than the raw gap, the groups are served differently mostly "
                           "because one group has fewer interactions, not because of the group "
                           "itself. Its 95% interval and p-value use a standard error that "
                           "allows unequal spread (HC3) and, like the raw gap's, allow for the "
                           "pair having been picked as the most extreme one.",
    "share_explained": "Share of the raw gap that the difference in activity between the two "
                       "groups accounts for: 1 = all of it, 0 = none; above 1 or below 0 when "
                       "activity pulls the other way.",
}


def split_name(metric: str) -> tuple[str, int | None]:
    """``"ndcg@10"`` -> ``("ndcg", 10)``."""
    name, _, k = metric.partition("@")
    return name, int(k) if k.isdigit() else None


def info(metric: str) -> MetricInfo:
    name, _ = split_name(metric)
    return METRICS.get(name, MetricInfo(name, name, None))


def label(metric: str) -> str:
    name, k = split_name(metric)
    base = METRICS[name].label if name in METRICS else name
    return f"{base}@{k}" if k else base


def help_text(metric: str) -> str:
    name, k = split_name(metric)
    return info(metric).help(k)
