"""Iterative nullspace projection: geometry of ``project_out`` and, on planted embeddings, that
``attribute_directions`` finds the planted direction and leaves the probe at chance."""

import numpy as np
import pytest

from fairrec_core.errors import DataError
from fairrec_core.leakage import attribute_directions, probe, project_out


def _planted(n=900, d=12, shift=(1.5, 0.0, 0.0, 0.8), seed=0, share=0.3):
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(n) < share, "F", "M")
    x = rng.standard_normal((n, d))
    direction = np.zeros(d)
    direction[: len(shift)] = shift
    x += (labels == "F")[:, None] * direction
    return x, labels, direction / np.linalg.norm(direction)


def test_project_out_is_the_orthogonal_projection():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((8, 3)))
    dirs = q.T  # 3 orthonormal rows
    v = rng.standard_normal((50, 8)).astype(np.float32)
    p = project_out(v, dirs)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p @ dirs.T, 0, atol=1e-5)  # nothing left along the directions
    np.testing.assert_allclose(project_out(p, dirs), p, atol=1e-6)  # idempotent
    removed = v - p  # what was removed lies in the span of the directions
    np.testing.assert_allclose(removed, (removed @ dirs.T) @ dirs, atol=1e-5)
    # independent computation: I - D'D applied to each row
    np.testing.assert_allclose(p, v @ (np.eye(8) - dirs.T @ dirs), atol=1e-5)
    np.testing.assert_array_equal(project_out(v, np.zeros((0, 8))), v)


def test_planted_direction_is_found_and_the_probe_falls_to_chance():
    x, labels, true = _planted()
    before = probe(x, labels)
    assert before.low > 0.75
    dirs = attribute_directions(x, labels, rounds=4)
    np.testing.assert_allclose(dirs @ dirs.T, np.eye(len(dirs)), atol=1e-10)
    assert abs(dirs[0] @ true) > 0.9  # the first direction is the planted one
    after = probe(project_out(x, dirs), labels)
    assert after.low <= 0.5 <= after.high
    assert 0.4 < after.auc < 0.6


def test_no_direction_when_nothing_leaks():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((600, 10))
    labels = np.where(rng.random(600) < 0.5, "a", "b")
    assert attribute_directions(x, labels).shape == (0, 10)


def test_three_groups_and_unknown_labels():
    rng = np.random.default_rng(4)
    n, d = 900, 10
    labels = rng.choice(np.array(["N", "S", "E"]), n)
    x = rng.standard_normal((n, d))
    x[:, 0] += (labels == "N") * 1.5
    x[:, 1] += (labels == "S") * 1.5
    labels = labels.astype(object)
    labels[:40] = "Unknown"  # left out of the fitting, still projected
    assert probe(x, labels).auc > 0.7
    dirs = attribute_directions(x, labels, rounds=4)
    after = probe(project_out(x, dirs), labels)
    assert after.auc < 0.6


@pytest.mark.parametrize("labels, match", [
    (["a"] * 20, "two groups"),
    (["a", "Unknown"] * 10, "two groups"),
])
def test_needs_two_informative_groups(labels, match):
    with pytest.raises(DataError, match=match):
        attribute_directions(np.ones((20, 3)), labels)


def test_bad_inputs_are_clear_errors():
    x, labels, _ = _planted(n=100)
    with pytest.raises(DataError, match="rounds must be a positive integer"):
        attribute_directions(x, labels, rounds=0)
    with pytest.raises(DataError, match="one vector"):
        attribute_directions(x[:-1], labels)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        attribute_directions(bad, labels)
