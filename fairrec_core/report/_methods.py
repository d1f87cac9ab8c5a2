"""The report's methods section: what each metric and test is, in plain words."""

METHODS_HTML = """
<h3>Protocol</h3>
<p>Each user's interactions are split into a training history and held-out test items. The
recommender ranks every item the user has not interacted with in training; the first <i>k</i>
form the list that is assessed. When a re-ranker is active, it re-orders each user's top-N
candidates (with the model's scores) into a new top-<i>k</i> before any metric is computed.
Users without held-out items are left out of accuracy means.</p>
<h3>Accuracy (per user, then averaged)</h3>
<dl>
<dt>Precision@k</dt><dd>hits / k.</dd>
<dt>Recall@k</dt><dd>hits / number of the user's test items.</dd>
<dt>NDCG@k</dt><dd>Σ hit<sub>r</sub> / log<sub>2</sub>(r + 1) over ranks r ≤ k, divided by the
ideal value for min(|test|, k) hits (binary relevance).</dd>
<dt>Hit rate@k</dt><dd>1 if any test item is in the list, else 0.</dd>
<dt>MRR@k</dt><dd>1 / rank of the first hit (0 if none).</dd>
<dt>MAP@k</dt><dd>average of precision@r over the ranks r of the hits, divided by min(|test|, k).</dd>
</dl>
<h3>Beyond accuracy</h3>
<dl>
<dt>ILD@k</dt><dd>intra-list diversity: share of pairs of listed items from different categories.</dd>
<dt>Novelty@k</dt><dd>mean −log<sub>2</sub> of the listed items' popularity (share of users who
interacted with the item in training).</dd>
<dt>ARP@k</dt><dd>average training popularity (interaction count) of the listed items.</dd>
<dt>APLT@k</dt><dd>share of the list from the long tail: items outside the head, the most popular
items that together hold 20% of training interactions.</dd>
<dt>Calibration KL@k</dt><dd>Steck (2018): KL divergence between the category distribution of the
user's history and that of the list, smoothed with α = 0.01.</dd>
<dt>Coverage@k</dt><dd>share of the catalogue recommended to at least one user.</dd>
<dt>Gini exposure@k</dt><dd>Gini coefficient of position-discounted exposure
1 / log<sub>2</sub>(1 + rank) summed per item over all lists.</dd>
</dl>
<h3>Group comparisons</h3>
<p>For each user attribute (and intersections of two), each metric is averaged per group. The
95% interval is a percentile bootstrap over users (resampling users within the group). The
<b>difference</b> is the largest minus the smallest group mean; the <b>ratio</b> the smallest
divided by the largest; a ratio below 0.8 is flagged (the four-fifths rule, as in Aequitas). The
<b>p-value</b> is a permutation test: group labels are shuffled among users and the difference
recomputed; p is the share of shuffles with a difference at least as large as observed.</p>
<h3>Demographic parity of recommendations</h3>
<p>For an item attribute (category, brand, price band, popularity band), the share of
recommended slots each user group receives per attribute value; per value the difference and
ratio across groups; per group the Jensen–Shannon divergence of its distribution from the overall
one. The same table over the groups' own histories shows whether a gap was inherited from the
data or amplified by the model (bias disparity, Tsintzou et al. 2018).</p>
<h3>Exposure and popularity bias</h3>
<p>Item exposure is position-discounted (1 / log<sub>2</sub>(1 + rank)). Per item group it is
compared with the group's share of the catalogue and of relevant (test) items. The Lorenz curve
orders items from least to most exposed. The popularity lift ΔGAP (Abdollahpouri et al. 2019) is,
per user group, the relative change between the average popularity of the group's histories and
of its recommendations.</p>
<h3>Words</h3>
<p>These figures <i>assess</i> disparities in how a recommender serves groups; a re-ranker can
<i>mitigate</i> a gap at some cost, which the what-if section reports. Group gaps in a test set are
estimates: read them with their intervals and p-values.</p>
"""
