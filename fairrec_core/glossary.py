"""What each metric measures and which direction is better — the help text of every metric the
pages show, and the glossary of every term the app uses (one definition each). Keys are the
metric names of the audit engine (``ndcg`` in ``ndcg@10``).

A metric has a short plain ``label`` for cards, table headers and chart axes ("Ranking
accuracy") and its ``technical`` name ("NDCG") for tooltips, files and the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    label: str  # plain, short enough for a metric card at 1440 px
    measures: str
    higher_is_better: bool | None  # None: neither direction is better in itself
    technical: str = ""  # the name in the literature ("NDCG"); the label when empty

    @property
    def direction(self) -> str:
        if self.higher_is_better is None:
            return "Neither direction is better in itself; compare groups."
        return "Higher is better." if self.higher_is_better else "Lower is better."

    def help(self, k: int | None = None) -> str:
        text = self.measures.replace("{k}", str(k) if k else "k")
        name = (self.technical or self.label) + (f"@{k}" if k else "")
        return f"{text} {self.direction} Technical name: {name}."


METRICS: dict[str, MetricInfo] = {
    "ndcg": MetricInfo("Ranking accuracy", "How many of the items the user went on to choose "
                       "(held out from training) appear in the top {k}, weighted by position: 1 "
                       "= all of them at the top.", True, "NDCG"),
    "recall": MetricInfo("Recall", "Share of the user's held-out items that appear in the top {k}.",
                         True),
    "precision": MetricInfo("Precision", "Share of the top {k} that are held-out items.", True),
    "hit_rate": MetricInfo("Hit rate", "Share of users with at least one held-out item in the top "
                           "{k}.", True),
    "mrr": MetricInfo("First-hit score", "1 / the rank of the first held-out item in the top {k} "
                      "(0 if none): 1 when the first item is a hit, ½ when the second is.", True,
                      "MRR"),
    "map": MetricInfo("Average precision", "Average precision over the ranks of the hits, "
                      "divided by min(held-out items, {k}), so a top {k} that holds all it could "
                      "scores 1. ranx and trec_eval divide by all held-out items instead, so "
                      "their MAP@{k} is lower for users with more than {k} held-out items (on "
                      "MovieLens 100K about half of ours).", True, "MAP"),
    "ild": MetricInfo("Variety", "Share of pairs of items in the top {k} that come from "
                      "different categories (intra-list diversity).", True, "ILD"),
    "novelty": MetricInfo("Novelty", "Mean −log2 popularity of the recommended items: how "
                          "unfamiliar they are.", True),
    "arp": MetricInfo("Item popularity", "Average number of training interactions of the "
                      "recommended items (popularity bias).", False, "ARP"),
    "aplt": MetricInfo("Long-tail share", "Share of the top {k} from the long tail (items outside "
                       "the popular head that holds 20% of interactions).", True, "APLT"),
    "calibration_kl": MetricInfo("Taste mismatch", "How far the category mix of the list is from "
                                 "the category mix of the user's history (0 = the same mix; "
                                 "Kullback–Leibler divergence, Steck 2018).", False,
                                 "miscalibration KL"),
    "coverage": MetricInfo("Coverage", "Share of the catalogue recommended to at least one user.",
                           True),
    "gini_exposure": MetricInfo("Exposure inequality", "Inequality of position-discounted "
                                "exposure over items (0 = every item equally seen, 1 = one item "
                                "gets all).", False, "exposure Gini"),
}

#: Why the four-fifths rule, a rule for hiring rates, is applied to accuracy and other metrics.
FOUR_FIFTHS = ("The four-fifths rule comes from US employment guidelines: a group selected at "
               "less than 80% of the rate of the best-treated group is a warning sign. Aequitas "
               "and fairlearn apply the same ratio to any per-group rate; fairrec applies it to "
               "each metric (for ranking accuracy: a group whose lists are less than four-fifths "
               "as accurate as the best-served group's) as a rule of thumb that is easy to "
               "explain. It is a convention, not a legal test for recommenders, and it ignores "
               "chance: read it together with the interval.")

GAPS = {
    "difference": "Largest minus smallest group mean. Closer to 0 is fairer.",
    "ratio": "Smallest divided by largest group mean. Closer to 1 is fairer; below 0.8 breaks "
             "the four-fifths rule. " + FOUR_FIFTHS,
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
                       "1.25 (the shaded band) passes the four-fifths rule used by Aequitas. "
                       + FOUR_FIFTHS,
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
    """The plain label of a metric ("ndcg@10" -> "Ranking accuracy"); the list length is in
    :func:`help_text` and on the page, the technical name in :func:`technical`."""
    name, _ = split_name(metric)
    return METRICS[name].label if name in METRICS else name.replace("_", " ")


def technical(metric: str) -> str:
    """The name in the literature with its cutoff: "ndcg@10" -> "NDCG@10"."""
    name, k = split_name(metric)
    info_ = METRICS.get(name)
    base = (info_.technical or info_.label) if info_ else name
    return f"{base}@{k}" if k else base


def plain_help(metric: str) -> str:
    """What ``metric`` measures and which direction is better, without its technical name (for
    visible text; :func:`help_text` is for tooltips)."""
    name, k = split_name(metric)
    return info(metric).help(k).split(" Technical name:")[0]


def help_text(metric: str) -> str:
    name, k = split_name(metric)
    return info(metric).help(k)


#: What each re-ranker does, in plain words (the human name of each is
#: :data:`fairrec_core.names.RERANKERS`; the method it implements is in :data:`METHODS`).
RERANKERS = {
    "calibrated": "Re-orders each list so that its mix of categories matches the mix of the "
                  "user's history.",
    "mmr": "Re-orders each list so that each next item is relevant but unlike those already "
           "listed.",
    "popularity": "Brings long-tail items into each list, as much as each user's own history "
                  "holds them.",
    "fair": "Guarantees every top of the list enough items of a protected group, checked by a "
            "statistical test at each position.",
    "parity": "Moves the lists toward every user group getting the same share of an item "
              "attribute.",
    "ugf": "Narrows the gap in estimated list quality between the best- and worst-served user "
           "groups.",
}
#: The method each re-ranker implements, by its name in the literature (tooltips, glossary).
METHODS = {
    "calibrated": "calibrated recommendations (Steck 2018)",
    "mmr": "maximal marginal relevance (MMR)",
    "popularity": "personalised xQuAD (Abdollahpouri et al. 2019)",
    "fair": "FA*IR (Zehlike et al. 2017)",
    "parity": "demographic parity of outcomes",
    "ugf": "user-oriented fairness (UGF, Li et al. 2021)",
}

#: Terms that are neither a metric nor a re-ranker: term -> plain explanation.
TERMS = {
    "Held-out items": "Interactions hidden from the model while it is trained; a good list "
                      "contains them. Every accuracy figure is measured against them.",
    "List length (k)": "How many recommendations each user's list holds; every metric is "
                       "computed on the top k.",
    "Group": "Users who share a value of an attribute (for example gender or age group); "
             "\"gender & age group\" groups users by both.",
    "Gap": GAPS["difference"],
    "Ratio": "Smallest divided by largest group mean. Closer to 1 is fairer.",
    "Four-fifths rule": FOUR_FIFTHS,
    "95% interval": GAPS["interval"],
    "p-value": GAPS["p_value"],
    "Smallest detectable gap": GAPS["min_detectable_gap"],
    "Gap at equal activity": GAPS["adjusted_difference"],
    "Reference group": "The largest group compared; every other group's mean is divided by "
                       "its mean. " + GAPS["reference_ratio"].split(". ")[1].rstrip(".") + ".",
    "Groups left out": GAPS["excluded"],
    "Re-ranking": "Re-ordering each user's list after the model has scored the items (the "
                  "model is not retrained), to mitigate a gap at some cost in accuracy.",
    "Strength": "How far a re-ranker moves the lists away from the model's own order: 0 keeps "
                "the model's ranking. Technical name: lambda, or p for the protected "
                "share.",
    "Exposure": "How much attention an item gets: a slot near the top of a list counts more "
                "than one further down.",
    "Leakage score": "How well a simple classifier tells a user's group (for example gender) "
                     "from what the model learned about the user or from the user's list, "
                     "scored on users it was not trained on: 0.5 is no better than chance, 1 "
                     "tells every user apart.",
    "Rebalance the training data": "Weigh the training interactions so that every group "
                                   "counts as a chosen target says (for example equal total "
                                   "weight per group) before the model is trained.",
    "Fairness penalty in training": "Train the model with an extra cost for a gap between "
                                    "groups, so that it learns to serve them more alike; the "
                                    "strength sets how much that cost counts against accuracy.",
    "Re-rank the output": "Re-order each list of the trained model to narrow a gap; the model "
                          "itself is unchanged.",
    "Best trade-offs": "The settings that no other setting beats on both accuracy and the gap "
                       "(the Pareto front).",
    "Presenter mode": "Hides technical detail (methods, parameter names, downloads, tables of "
                      "p-values) so that a page shows its verdicts and charts.",
}


def entries(k: int | None = None) -> list[tuple[str, str]]:
    """Every term the app uses with its plain explanation, for the glossary on demand: the
    metrics (label and technical name), the re-rankers (their human names) and :data:`TERMS`,
    each sorted by term."""
    from fairrec_core import names

    rows = [(f"{m.label} ({m.technical})" if m.technical else m.label,
             m.help(k).split(" Technical name:")[0]) for m in METRICS.values()]
    rows += [(names.reranker(n), f"{text} Method: {METHODS[n]}.") for n, text in RERANKERS.items()]
    rows += list(TERMS.items())
    return sorted(rows, key=lambda r: r[0].lower())
