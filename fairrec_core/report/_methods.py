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
95% interval of a group mean is a percentile bootstrap over users (resampling users within the
group). The <b>difference</b> is the largest minus the smallest group mean over the groups
<i>compared</i>; the <b>ratio</b> the smallest divided by the largest; a ratio below 0.8 is flagged
(the four-fifths rule, as in Aequitas).</p>
<p><b>Groups left out.</b> A group whose label carries no information about the users
("unspecified", "Unknown", "U", missing) is shown in the group tables but left out of gaps, ratios
and tests (<code>--include-unspecified</code> puts it back), because its noisy mean would otherwise
often become the headline pair and dilute the tests. Groups with fewer users than the minimum group
size are shown and left out for the same reason.</p>
<p><b>Simultaneous intervals (max |t| over all pairs).</b> The headline pair is picked after seeing
the data, so an ordinary 95% interval of its difference covers the truth less than 95% of the time.
For every pair of groups a and b, t = (mean<sub>a</sub> − mean<sub>b</sub>) / se, with se =
√(sd<sub>a</sub>²/n<sub>a</sub> + sd<sub>b</sub>²/n<sub>b</sub>). The critical value c is the 95%
quantile of the largest |t| over all pairs in the null distribution (the permutations below; the
bootstrap of the centred max |t| when there are none), in the spirit of Tukey's studentised range.
Each pair's interval is difference ± c · se; all of them hold at once with 95% probability, so the
interval of whichever pair is shown does too.</p>
<p><b>Studentised permutation tests.</b> Group labels are shuffled among users; in each shuffle
every pair's t is recomputed with its own standard error (as LinkedIn's LiFT does, DiCiccio et al.
2020), so unequal group sizes and variances do not sink the test's power. The omnibus
p-value ("any pair") is the share of shuffles whose largest |t| reaches the observed one
(counting the observed labelling, (1 + count) / (1 + shuffles)).</p>
<p><b>Adjusted p-values.</b> Within an attribute and metric: <i>max-T</i> (single-step
Westfall–Young: a pair's |t| against the shuffles' largest |t|; below 0.05 exactly when the pair's
simultaneous interval leaves out 0, so the headline pair's p and interval agree); <i>Holm</i>
(step-down Bonferroni, family-wise error); <i>Benjamini–Hochberg</i> (false discovery rate). Each
group against the rest of the users is tested the same way, with Holm over the groups.</p>
<p><b>Monte-Carlo error.</b> A p-value from S shuffles is itself an estimate; its standard error is
√(p (1 − p) / S). An interval and a p-value right at the 5% edge can disagree by this much; the
pages say so when they do.</p>
<p><b>Reference group.</b> Each group's mean divided by a reference group's mean (the largest
compared group unless chosen, <code>--reference ATTR=GROUP</code>); a ratio outside [0.8, 1.25]
is flagged, and the chart shades that band.</p>
<p><b>Power.</b> The minimum detectable gap is (c + z<sub>0.8</sub>) · se of the headline pair:
the smallest true gap found at the 5% level with 80% probability at the current group sizes.
"Not significant" then reads "no gap larger than this".</p>
<p><b>Gaps at equal activity.</b> For every attribute and accuracy metric, ordinary least squares of
the per-user metric on one intercept per group and log(1 + training interactions) (plus any chosen
numeric user columns): the adjusted gap is the difference of the headline pair's intercepts, with
an HC3 (heteroscedasticity-robust) standard error. The pair was picked on the raw gap, so its
interval and p-value use the raw gap's simultaneous critical value and max-T null distribution
(metrics.json keeps the single-pair Student-t figures as <code>ci95_single</code> and
<code>p_value_single</code>). The raw gap
splits as in an Oaxaca–Blinder decomposition with pooled slopes: <i>explained</i> = slopes × the
pair's difference in mean covariates = raw − adjusted; its <i>share</i> is explained / raw. This
describes an association, not a cause.</p>
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
