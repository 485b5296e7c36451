"""Tests for lrbook.plotting: each function returns its Axes with the expected artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.quiver import Quiver
from sklearn.linear_model import LogisticRegression

from lrbook import datasets, plotting, sigmoid


@pytest.fixture
def ax():
    fig = Figure()
    yield fig.add_subplot()
    fig.clf()


def _draw(ax):
    """Render the figure (catches errors that only appear at draw time)."""
    ax.figure.canvas.draw()


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _contour_sets(ax, *, filled):
    return [c for c in ax.collections if isinstance(c, ContourSet) and c.filled == filled]


# --------------------------------------------------------------------------- ax=None
def test_ax_none_creates_and_returns_a_figure():
    try:
        out = plotting.plot_loss_curve([3.0, 2.0, 1.0])
        assert isinstance(out, Axes)
        assert out.figure is not None
        out3 = plotting.plot_loss_surface(lambda a, b: a**2 + b**2, (-1, 1), (-1, 1))
        assert out3.name == "3d"
        axs = plotting.plot_lr_sweep({0.1: [1.0, 0.5], 1.0: [1.0, 2.0]}, panels=True)
        assert len(axs) == 2
        assert all(isinstance(a, Axes) for a in axs)
    finally:
        plt.close("all")


def test_wrong_ax_type_is_rejected():
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plotting.plot_loss_curve([1.0, 0.5], ax="not an axes")


# --------------------------------------------------------------------------- loss curves
def test_loss_curve_plain_and_smoothed(ax):
    losses = np.linspace(1.0, 0.1, 50)
    out = plotting.plot_loss_curve(losses, ax)
    assert out is ax
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), losses)
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"
    assert ax.get_legend() is None


def test_loss_curve_smoothing_is_a_trailing_moving_average(ax):
    rng = np.random.default_rng(0)
    losses = rng.random(30)
    plotting.plot_loss_curve(losses, ax, smooth=5, label="sgd", xlabel="iteration", log=True)
    raw, smooth = ax.lines
    assert raw.get_alpha() < 1
    np.testing.assert_allclose(smooth.get_ydata(), np.convolve(losses, np.ones(5) / 5, "valid"))
    np.testing.assert_array_equal(smooth.get_xdata(), np.arange(4, 30))
    assert _legend_texts(ax) == ["sgd"]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "iteration"


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"losses": []}, ValueError, "losses is empty"),
        ({"losses": [1.0, np.nan]}, ValueError, "losses contains NaN"),
        ({"losses": [1.0, 0.5], "smooth": 3}, ValueError, "smooth=3"),
        ({"losses": [1.0, 0.5], "smooth": 0}, ValueError, "smooth"),
        ({"losses": [1.0, 0.5], "smooth": 1.5}, TypeError, "smooth"),
        ({"losses": [1.0, 0.0], "log": True}, ValueError, "log=True"),
    ],
)
def test_loss_curve_bad_input(ax, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        plotting.plot_loss_curve(ax=ax, **kwargs)


def test_lr_sweep_single_panel_marks_divergence(ax):
    t = np.arange(40)
    hist = {
        1.0: 0.7 * 0.8**t,
        0.01: 0.7 * 0.99**t,
        10.0: np.r_[0.7 * 2.0 ** t[:10], [np.inf] * 5],
        5.0: np.r_[0.7, 0.9, np.nan],
    }
    out = plotting.plot_lr_sweep(hist, ax)
    assert out is ax
    assert _legend_texts(ax) == [
        "lr = 0.01",
        "lr = 1",
        "lr = 5 (diverged)",
        "lr = 10 (diverged)",
    ]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("diverged") == 2
    # the y range is set by the converging runs, not by the exploding one
    assert ax.get_ylim()[1] == pytest.approx(1.15 * 0.7)
    _draw(ax)


def test_lr_sweep_panels():
    fig = Figure()
    axs = fig.subplots(2, 2)
    hist = {0.1: [1.0, 0.8, 0.7], 0.5: [1.0, 0.4, 0.2], 3.0: [1.0, 5.0, np.inf]}
    out = plotting.plot_lr_sweep(hist, axs, panels=True, log=True)
    assert len(out) == 3
    assert [a.get_title() for a in out] == ["lr = 0.1", "lr = 0.5", "lr = 3 (diverged)"]
    assert all(a.get_yscale() == "log" for a in out)
    assert "diverged" in [t.get_text() for t in out[2].texts]
    assert len(axs.ravel()[3].lines) == 0  # spare axes untouched
    with pytest.raises(ValueError, match="needs 3 Axes"):
        plotting.plot_lr_sweep(hist, axs[0], panels=True)
    fig.canvas.draw()


def test_lr_sweep_bad_input(ax):
    with pytest.raises(ValueError, match="histories must be a non-empty mapping"):
        plotting.plot_lr_sweep({}, ax)
    with pytest.raises(ValueError, match="histories must be a non-empty mapping"):
        plotting.plot_lr_sweep([[1.0, 0.5]], ax)


# --------------------------------------------------------------------------- sigmoid / linear
def test_sigmoid_curve_only(ax):
    plotting.plot_sigmoid(ax=ax)
    curve, cutoff, threshold = ax.lines
    np.testing.assert_allclose(curve.get_ydata(), sigmoid(curve.get_xdata()))
    np.testing.assert_array_equal(cutoff.get_ydata(), [0.5, 0.5])
    np.testing.assert_array_equal(threshold.get_xdata(), [0.0, 0.0])
    assert ax.get_xlim() == (-6.0, 6.0)
    assert len(ax.collections) == 0


def test_sigmoid_with_points(ax):
    z = np.array([-8.0, -1.0, 0.5, 2.0, 3.0])
    y = np.array([0, 0, 1, 1, 0])
    plotting.plot_sigmoid(z, y, ax, class_names=("benign", "malignant"))
    assert len(ax.collections) == 2
    assert [len(c.get_offsets()) for c in ax.collections] == [3, 2]
    assert ax.get_xlim()[0] <= -8.0
    assert "benign" in _legend_texts(ax)
    assert "z" in ax.get_xlabel()


def test_sigmoid_stacks_close_points_so_all_stay_visible(ax):
    # two pairs of nearly equal scores in each class, one misclassified pair each
    z = np.array([-3.0, 1.25, 1.29, -1.5, -0.29, -0.23, 2.0])
    y = np.array([0, 0, 0, 0, 1, 1, 1])
    plotting.plot_sigmoid(z, y, ax, mark_errors=True)
    class0, class1, ring = ax.collections
    gap = 0.03 * np.subtract(*ax.get_xlim()[::-1])
    for points, row in ((class0.get_offsets(), 0.0), (class1.get_offsets(), 1.0)):
        heights = points[:, 1]
        assert heights.min() == row or heights.max() == row  # isolated points on the row
        for h in np.unique(heights):  # on each stacked row the points are a marker apart
            assert np.all(np.diff(np.sort(points[heights == h, 0])) >= gap)
        assert len(np.unique(np.round(points, 9), axis=0)) == len(points)  # no overlap
    assert np.all(class0.get_offsets()[:, 1] <= 0)
    assert np.all(class1.get_offsets()[:, 1] >= 1)
    # the rings sit on the four misclassified points, and the legend counts them
    np.testing.assert_allclose(np.sort(ring.get_offsets()[:, 0]), [-0.29, -0.23, 1.25, 1.29])
    assert "misclassified (4)" in _legend_texts(ax)
    lo, hi = ax.get_ylim()
    assert lo < 0.0 - 0.08
    assert hi > 1.0 + 0.08


@pytest.mark.parametrize(
    ("z", "y", "match"),
    [
        ([0.0, 1.0], None, "y is required"),
        (None, [0, 1], "y was given without z"),
        ([0.0, 1.0], [0, 1, 1], "same length"),
        ([0.0, 1.0], [0, 2], "only 0 and 1"),
    ],
)
def test_sigmoid_bad_input(ax, z, y, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_sigmoid(z, y, ax)


def test_linear_fit(ax):
    X, y, coef = datasets.make_linear(20, weights=(2.0,), bias=1.0, random_state=0)
    plotting.plot_linear_fit(X, y, ax, coefs={"true": coef, "fit": coef})
    assert len(ax.collections) == 1
    assert len(ax.lines) == 2
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), 1.0 + 2.0 * line.get_xdata())
    assert ax.lines[1].get_linestyle() == "--"
    assert _legend_texts(ax)[1].startswith("true: y = 1 + 2 x")
    with pytest.raises(ValueError, match=r"coefs\['bad'\]"):
        plotting.plot_linear_fit(X, y, ax, coefs={"bad": [1.0, 2.0, 3.0]})


# --------------------------------------------------------------------------- decision boundary
def test_decision_boundary_binary_estimator(ax):
    X, y = datasets.make_blobs(80, separation=4.0, random_state=0)
    clf = LogisticRegression().fit(X, y)
    out = plotting.plot_decision_boundary(clf, X, y, ax, resolution=60, colorbar=True)
    assert out is ax
    assert len(_contour_sets(ax, filled=True)) == 1
    (line,) = _contour_sets(ax, filled=False)
    np.testing.assert_array_equal(line.levels, [0.5])
    scatters = [c for c in ax.collections if not isinstance(c, ContourSet)]
    assert [len(s.get_offsets()) for s in scatters] == [40, 40]
    assert _legend_texts(ax) == ["0", "1"]
    assert len(ax.figure.axes) == 2  # the colour bar
    _draw(ax)


def test_decision_boundary_three_class_estimator_with_string_labels(ax):
    d = datasets.load_iris(features=("petal_length", "petal_width"))
    labels = d.target_names[d.target]
    clf = LogisticRegression(max_iter=1000).fit(d.data, labels)
    plotting.plot_decision_boundary(
        clf, d.data, labels, ax, resolution=50, feature_names=d.feature_names
    )
    # one filled region per class, bounded by the zero contour of its score margin
    regions = _contour_sets(ax, filled=True)
    assert len(regions) == 3
    assert all(r.levels[0] == 0.0 for r in regions)
    assert len(_contour_sets(ax, filled=False)) == 3
    assert _legend_texts(ax) == ["setosa", "versicolor", "virginica"]
    assert ax.get_xlabel() == "petal length (cm)"
    _draw(ax)


def test_decision_boundary_callables(ax):
    X, y = datasets.make_xor(100, noise=0.0, random_state=0)
    # integer labels
    plotting.plot_decision_boundary(
        lambda G: (G[:, 0] * G[:, 1] < 0).astype(int), X, y, ax, resolution=40
    )
    assert len(_contour_sets(ax, filled=True)) == 1
    ax.clear()
    # (m, 3) probabilities -> three regions
    W = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]])
    plotting.plot_decision_boundary(lambda G: np.exp(G @ W), X, None, ax, resolution=40)
    assert len(_contour_sets(ax, filled=True)) == 3
    assert ax.get_legend() is None
    ax.clear()
    # positive-class probability, proba=False falls back to regions
    plotting.plot_decision_boundary(
        lambda G: sigmoid(G[:, 0]), X, y, ax, resolution=40, class_names=["a", "b"]
    )
    (line,) = _contour_sets(ax, filled=False)
    np.testing.assert_array_equal(line.levels, [0.5])
    assert _legend_texts(ax) == ["a", "b"]


def _boundary_vertices(ax):
    """All vertices of the drawn boundary lines (the unfilled contour sets)."""
    return np.vstack([p.vertices for c in _contour_sets(ax, filled=False) for p in c.get_paths()])


@pytest.mark.parametrize("method", ["decision_function", "predict_proba", "callable"])
def test_decision_boundary_lines_of_a_linear_model_are_straight(ax, method):
    """The boundaries of a linear softmax model lie on the lines z_a = z_b (issue 11:
    contours of 0/1 region indicators drew them as staircases of half-cell steps)."""
    X, y = datasets.load_iris(features=("petal_length", "petal_width"), return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    W, b = clf.coef_.T, clf.intercept_
    model = {
        "decision_function": clf,
        "predict_proba": _ProbaOnly(clf),
        "callable": lambda G: G @ W + b,
    }[method]
    plotting.plot_decision_boundary(model, X, y, ax, resolution=60)
    V = _boundary_vertices(ax)
    Z = V @ W + b
    top2 = np.sort(Z, axis=1)[:, -2:]
    # distance of each vertex to the line where its two best classes tie
    gap = (top2[:, 1] - top2[:, 0]) / np.linalg.norm(W, axis=0).max()
    cell = float(np.ptp(X[:, 0])) / 60
    on_line = gap < 1e-6 * cell
    # all but the few vertices in the cells of the triple point, where the runner-up
    # changes between two grid points, lie on a line; a staircase puts none there
    assert V.shape[0] > 50
    assert on_line.mean() > 0.95, on_line.mean()
    assert gap.max() < cell


class _ProbaOnly:
    """A fitted classifier seen through predict / predict_proba only."""

    def __init__(self, clf):
        self.clf, self.classes_ = clf, clf.classes_

    def predict(self, G):
        return self.clf.predict(G)

    def predict_proba(self, G):
        return self.clf.predict_proba(G)


def test_decision_boundary_constant_probability_draws_no_boundary(ax):
    X, y = datasets.make_blobs(20, random_state=0)
    plotting.plot_decision_boundary(lambda G: np.full(len(G), 0.3), X, y, ax, resolution=20)
    assert len(_contour_sets(ax, filled=False)) == 0


@pytest.mark.parametrize(
    ("X", "model", "y", "exc", "match"),
    [
        (np.ones((5, 3)), lambda G: G[:, 0] > 0, None, ValueError, r"X must have shape"),
        (np.ones(5), lambda G: G[:, 0] > 0, None, ValueError, r"X must have shape"),
        (np.ones((5, 2)), "model", None, TypeError, "model must be a fitted estimator"),
        (np.ones((5, 2)), lambda G: np.ones(3), None, ValueError, "grid points"),
        (np.ones((5, 2)), lambda G: G[:, 0] * 5.5, None, ValueError, "non-integer"),
        (np.ones((5, 2)), lambda G: np.zeros(len(G), int), [0, 1], ValueError, "X has 5"),
    ],
)
def test_decision_boundary_bad_input(ax, X, model, y, exc, match):
    with pytest.raises(exc, match=match):
        plotting.plot_decision_boundary(model, X, y, ax, resolution=10)


def test_decision_boundary_unknown_label_in_y(ax):
    X, y = datasets.make_blobs(20, random_state=0)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="y contains label 7"):
        plotting.plot_decision_boundary(clf, X, np.where(y == 1, 7, 0), ax, resolution=10)


# --------------------------------------------------------------------------- loss surfaces
def bowl(a, b):
    return (a - 1.0) ** 2 + 4.0 * (b + 0.5) ** 2


def gd_path(n=12, lr=0.1):
    w, out = np.array([-1.5, 1.0]), []
    for _ in range(n):
        out.append(w.copy())
        w = w - lr * np.array([2 * (w[0] - 1.0), 8 * (w[1] + 0.5)])
    return np.array(out)


def test_loss_contours_with_path(ax):
    path = gd_path()
    out = plotting.plot_loss_contours(
        bowl, (-2, 2), (-2, 2), ax, path=path, optimum=(1.0, -0.5), levels=15
    )
    assert out is ax
    (cs,) = _contour_sets(ax, filled=False)
    assert len(cs.levels) == 15
    quivers = [c for c in ax.collections if isinstance(c, Quiver)]
    assert len(quivers) == 1
    assert len(path) - 1 == quivers[0].N
    path_line = ax.lines[0]
    np.testing.assert_array_equal(path_line.get_xdata(), path[:, 0])
    assert _legend_texts(ax) == ["path", "start", "end", "optimum"]
    assert ax.get_xlabel() == "$w_1$"
    _draw(ax)


def test_loss_contours_options(ax):
    path = gd_path(n=200, lr=0.01)
    plotting.plot_loss_contours(
        bowl, (-2, 2), (-2, 2), ax, path=path, log_levels=True, filled=True, max_arrows=10
    )
    (quiver,) = [c for c in ax.collections if isinstance(c, Quiver)]
    assert quiver.N == 10
    assert len(_contour_sets(ax, filled=True)) == 1
    (cs,) = _contour_sets(ax, filled=False)
    gaps = np.diff(cs.levels)
    assert gaps[-1] > 10 * gaps[0]  # geometric spacing


def test_loss_fn_not_vectorised_is_evaluated_pointwise(ax):
    calls = []

    def scalar_only(a, b):
        calls.append(1)
        return float(bowl(float(a), float(b)))  # float() fails on an array

    plotting.plot_loss_contours(scalar_only, (-1, 1), (-1, 1), ax, resolution=7)
    assert len(calls) == 1 + 49  # one vectorised attempt, then point by point


def test_loss_surface_3d_with_path():
    fig = Figure()
    ax3 = fig.add_subplot(projection="3d")
    path = gd_path()
    out = plotting.plot_loss_surface(bowl, (-2, 2), (-2, 2), ax3, path=path, resolution=20)
    assert out is ax3
    assert len(ax3.lines) == 1
    line = ax3.lines[0]
    _, _, zs = line.get_data_3d()
    np.testing.assert_allclose(zs, bowl(path[:, 0], path[:, 1]))
    assert len(ax3.collections) == 2  # the surface and the start/end markers
    assert ax3.get_zlabel() == "loss"
    fig.canvas.draw()


def test_loss_surface_needs_3d_axes(ax):
    with pytest.raises(TypeError, match="3-D Axes"):
        plotting.plot_loss_surface(bowl, (-1, 1), (-1, 1), ax)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"w1_range": (1, -1)}, ValueError, "w1_range"),
        ({"w2_range": 3}, TypeError, "w2_range"),
        ({"path": np.ones((4, 3))}, ValueError, r"path must have shape \(n_steps, 2\)"),
        ({"path": [[0.0, np.nan]]}, ValueError, "path contains NaN"),
        (
            {"loss_fn": lambda a, b: np.where(b > 0, np.nan, a)},
            ValueError,
            "loss_fn returned NaN or inf",
        ),
        ({"loss_fn": 3.0}, TypeError, "loss_fn must be callable"),
        ({"resolution": 1}, ValueError, "resolution"),
        ({"optimum": (1, 2, 3)}, ValueError, "optimum"),
    ],
)
def test_loss_contours_bad_input(ax, kwargs, exc, match):
    args = {"loss_fn": bowl, "w1_range": (-1, 1), "w2_range": (-1, 1), "resolution": 10}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        plotting.plot_loss_contours(ax=ax, **args)


# --------------------------------------------------------------------------- diagrams
@pytest.mark.parametrize(("n_in", "n_hid", "n_out"), [(2, 3, 1), (4, 5, 3), (1, 1, 1)])
def test_network_diagram_counts(ax, n_in, n_hid, n_out):
    plotting.plot_network(n_in, n_hid, n_out, ax)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == n_in + n_hid + n_out
    arrows = [p for p in ax.patches if not isinstance(p, Circle)]
    assert len(arrows) == n_in * n_hid + n_hid * n_out
    texts = [t.get_text() for t in ax.texts]
    assert r"input $\mathbf{x}$" in texts
    assert r"hidden $\mathbf{a}^{(1)}$" in texts
    assert r"output $\hat{y}$" in texts
    assert "$a^{(1)}_{1}$" in texts
    assert r"$W^{(1)}, \mathbf{b}^{(1)}$" in texts  # the book's layer notation
    assert not ax.axison
    _draw(ax)


def test_network_without_labels_and_bad_sizes(ax):
    plotting.plot_network(3, 2, 2, ax, labels=False)
    assert len(ax.texts) == 0
    with pytest.raises(ValueError, match="n_hidden must be an integer >= 1"):
        plotting.plot_network(2, 0, 1, ax)
    with pytest.raises(TypeError, match="n_inputs must be an int"):
        plotting.plot_network(2.0, 3, 1, ax)


def test_step_size_errors(ax):
    eps = np.logspace(-12, -1, 12)
    f = np.abs((np.exp(1 + eps) - np.exp(1)) / eps - np.exp(1))
    c = np.abs((np.exp(1 + eps) - np.exp(1 - eps)) / (2 * eps) - np.exp(1))
    c[0] = 0.0  # an exact zero is left out, not turned into a warning
    plotting.plot_step_size_errors(eps, f, c, ax)
    assert ax.get_xscale() == "log"
    assert ax.get_yscale() == "log"
    legend = _legend_texts(ax)
    assert legend[:2] == ["forward difference", "central difference"]
    assert len(ax.lines) == 6  # 2 curves, 2 best-step markers, 2 guides
    assert np.isnan(ax.lines[2].get_ydata()[0])
    _draw(ax)
    ax.clear()
    plotting.plot_step_size_errors(eps, f, c, ax, guides=False)
    assert len(ax.lines) == 4
    with pytest.raises(ValueError, match=r"errors\['central'\] has 3 values"):
        plotting.plot_step_size_errors(eps, f, c[:3], ax)
    with pytest.raises(ValueError, match="eps must be positive"):
        plotting.plot_step_size_errors(-eps, f, c, ax)


def test_step_size_error_mapping(ax):
    eps = np.logspace(-10, -1, 10)
    errors = {"forward": eps + 1e-16 / eps, "central": eps**2 + 1e-16 / eps, "mine": 0 * eps + 1}
    plotting.plot_step_size_error(eps[::-1], {k: v[::-1] for k, v in errors.items()}, ax)
    legend = _legend_texts(ax)
    assert legend == [
        "forward difference",
        "central difference",
        "mine",
        r"truncation $O(h)$",
        r"truncation $O(h^2)$",
    ]
    assert ax.get_xlabel() == "step size $h$"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), eps)  # sorted by step size
    # a factor 10 below the curve, over the truncation branch (from the best step 1e-6 up)
    guide = errors["central"][-1] / 10 * (eps / 0.1) ** 2
    drawn = np.concatenate(list(errors.values()))
    assert eps[np.argmin(errors["central"])] == pytest.approx(1e-6)
    inside = (guide >= drawn.min()) & (eps >= 1e-6)
    assert 0 < inside.sum() < eps.size  # clipped to the data's y range, not run down to 1e-20
    np.testing.assert_allclose(ax.lines[-1].get_ydata()[inside], guide[inside])
    assert np.isnan(ax.lines[-1].get_ydata()[~inside]).all()
    assert np.nanmin(ax.lines[-1].get_ydata()) >= drawn.min()
    with pytest.raises(TypeError, match="errors must be a non-empty mapping"):
        plotting.plot_step_size_error(eps, [eps], ax)
    with pytest.raises(ValueError, match=r"errors\['forward'\] must be >= 0"):
        plotting.plot_step_size_error(eps, {"forward": -eps}, ax)


@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_computation_graph(ax, n_features):
    plotting.plot_computation_graph(ax, n_features=n_features, gradients=True)
    texts = [t.get_text() for t in ax.texts]
    assert r"$\hat{y} = \sigma(z)$" in texts
    assert r"$L(\hat{y}, y)$" in texts
    assert sum(t.startswith("$x_") for t in texts) == n_features
    assert any(r"\hat{y} - y" in t for t in texts)
    # every parameter carries its gradient; the data x_j do not
    assert sum(t.startswith("$dw_") for t in texts) == n_features
    assert "$db = dz$" in texts
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    # 2 n_features + 1 inputs into z, z -> y-hat, y-hat -> L and the label y -> L
    assert len(arrows) == 2 * n_features + 1 + 3
    _draw(ax)


def test_computation_graph_forward_only(ax):
    plotting.plot_computation_graph(ax)
    assert not any(r"\hat{y} - y" in t.get_text() for t in ax.texts)
    assert not any(t.get_text().startswith("$dw_") for t in ax.texts)


def test_palette_is_consistent(ax):
    X, y = datasets.make_blobs(30, centers=3, random_state=0)
    plotting.plot_decision_boundary(
        lambda G: np.argmax(G @ np.array([[1.0, -1, 0], [0, 1, -1]]), 1), X, y, ax, resolution=20
    )
    scatters = [c for c in ax.collections if not isinstance(c, ContourSet)]
    for k, s in enumerate(scatters):
        np.testing.assert_allclose(
            s.get_facecolor()[0][:3], matplotlib.colors.to_rgb(plotting.CLASS_COLORS[k])
        )


# --------------------------------------------------------------------------- generic curves
def test_curves_with_reference_lines_and_limits(ax):
    z = np.linspace(-8, 8, 101)
    out = plotting.plot_curves(
        z,
        {"cross-entropy": np.log1p(np.exp(-z)), "squared error": (sigmoid(z) - 1) ** 2},
        ax,
        xlabel="logit $z$",
        ylabel="loss",
        hline=0.0,
        vline=[-1.0, 1.0],
        ylim=(0, 5),
    )
    assert out is ax
    _draw(ax)
    assert len(ax.lines) == 2 + 1 + 2
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), z)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), (sigmoid(z) - 1) ** 2)
    assert ax.lines[0].get_color() == plotting.CLASS_COLORS[0]
    assert ax.lines[1].get_color() == plotting.CLASS_COLORS[1]
    assert _legend_texts(ax) == ["cross-entropy", "squared error"]
    assert ax.get_ylim() == (0.0, 5.0)
    assert ax.get_xlabel() == "logit $z$"
    assert ax.get_ylabel() == "loss"


def test_curves_gaps_logy_colors_and_hidden_labels(ax):
    x = np.arange(5.0)
    plotting.plot_curves(
        x,
        {"a": [1.0, np.inf, 0.0, -1.0, 4.0], "_hidden": [1.0, 2.0, 3.0, 4.0, 5.0]},
        ax,
        logy=True,
        colors=["k", "r"],
        title="t",
    )
    _draw(ax)
    y = ax.lines[0].get_ydata()
    assert y[0] == 1.0
    assert y[4] == 4.0
    assert np.isnan(y[1:4]).all()  # inf, 0 and a negative value cannot be drawn on a log axis
    assert ax.get_yscale() == "log"
    assert ax.lines[1].get_color() == "r"
    assert _legend_texts(ax) == ["a"]
    assert ax.get_title() == "t"


def test_curves_without_visible_labels_draw_no_legend(ax):
    plotting.plot_curves([0.0, 1.0], {"_only": [0.0, 1.0]}, ax)
    assert ax.get_legend() is None


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        (([0.0, 1.0], {}), {}, TypeError, "non-empty mapping"),
        (([0.0, 1.0], [[0.0, 1.0]]), {}, TypeError, "non-empty mapping"),
        (([0.0, 1.0], {"a": [1.0, 2.0, 3.0]}), {}, ValueError, r"curves\['a'\] has 3 values"),
        (([0.0, np.nan], {"a": [1.0, 2.0]}), {}, ValueError, "x contains NaN"),
        (([0.0, 1.0], {"a": [1.0, 2.0]}), {"hline": "zero"}, TypeError, "hline"),
        (([0.0, 1.0], {"a": [1.0, 2.0]}), {"hline": ["1.0"]}, TypeError, "hline"),
        (([0.0, 1.0], {"a": [1.0, 2.0]}), {"vline": True}, TypeError, "vline"),
        (([0.0, 1.0], {"a": [1.0, 2.0]}), {"vline": [np.inf]}, ValueError, "vline must be finite"),
        (([0.0, 1.0], {"a": [1.0, 2.0]}), {"ylim": (1, 0)}, ValueError, "ylim"),
        (([0.0, 1.0], {"a": [1.0, 2.0]}), {"logy": True, "ylim": (0, 1)}, ValueError, "logy"),
        (([0.0, 1.0], {"a": [1.0, 2.0], "b": [0.0, 0.0]}), {"colors": ["k"]}, ValueError, "colors"),
    ],
)
def test_curves_bad_input(ax, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        plotting.plot_curves(*args, ax, **kwargs)


def test_bce_cases(ax):
    out = plotting.plot_bce_cases(ax)
    assert out is ax
    _draw(ax)
    neg, pos = ax.lines
    p = pos.get_xdata()
    assert p[0] == pytest.approx(0.001)
    assert p[-1] == pytest.approx(0.999)
    np.testing.assert_allclose(pos.get_ydata(), -np.log(p), rtol=1e-9)
    np.testing.assert_allclose(neg.get_ydata(), -np.log1p(-p), rtol=1e-9)
    assert neg.get_color() == plotting.CLASS_COLORS[0]
    assert pos.get_color() == plotting.CLASS_COLORS[1]
    assert len(_legend_texts(ax)) == 2
    assert ax.get_ylim() == (0.0, 6.0)


def test_bce_cases_range_checks(ax):
    plotting.plot_bce_cases(ax, p_range=(0.2, 0.8), ylim=None)
    assert ax.lines[0].get_xdata()[0] == pytest.approx(0.2)
    for bad in [(0.0, 0.5), (0.5, 1.0), (0.6, 0.4)]:
        with pytest.raises(ValueError, match="p_range"):
            plotting.plot_bce_cases(ax, p_range=bad)


def test_step_size_guides_stay_in_the_data_range(ax):
    eps = np.logspace(-16, -1, 31)
    x0 = 1.0
    fwd = np.abs((np.exp(x0 + eps) - np.exp(x0)) / eps - np.exp(x0))
    cen = np.abs((np.exp(x0 + eps) - np.exp(x0 - eps)) / (2 * eps) - np.exp(x0))
    plotting.plot_step_size_error(eps, {"forward": fwd, "central": cen}, ax)
    drawn = np.concatenate([fwd[fwd > 0], cen[cen > 0]])
    guides = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(guides) == 2
    for line in guides:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.isfinite(y).any()
        assert np.nanmin(y) >= drawn.min()
        assert np.nanmax(y) <= drawn.max()
    _draw(ax)
    low, _ = ax.get_ylim()
    assert low > drawn.min() / 100  # the axis is not stretched down by the guides


def test_step_size_roundoff_guide(ax):
    h = np.logspace(-14, -1, 27)
    x0 = 1.0
    fwd = np.abs((np.exp(x0 + h) - np.exp(x0)) / h - np.exp(x0))
    cen = np.abs((np.exp(x0 + h) - np.exp(x0 - h)) / (2 * h) - np.exp(x0))
    roundoff = np.finfo(float).eps * np.exp(x0)
    plotting.plot_step_size_error(h, {"forward": fwd, "central": cen}, ax, roundoff=roundoff)
    assert _legend_texts(ax)[2:] == [
        r"truncation $O(h)$",
        r"truncation $O(h^2)$",
        r"round-off $\varepsilon|f|/h$",
    ]
    line = ax.lines[-1]
    assert line.get_linestyle() == ":"
    y = np.asarray(line.get_ydata(), dtype=float)
    drawn = np.concatenate([fwd[fwd > 0], cen[cen > 0]])
    inside = np.isfinite(y)
    assert 0 < inside.sum() < h.size  # clipped to the data's y range
    np.testing.assert_allclose(y[inside], roundoff / h[inside])
    assert h[inside].max() <= h[np.argmin(cen)]  # over the round-off branches only
    assert np.nanmin(y) >= drawn.min()
    # the rising branch of real data lies at or below the guide, within a factor of 100
    small = h < 1e-9
    ratio = fwd[small] / (roundoff / h[small])
    assert np.all(ratio < 1.5)
    assert np.median(ratio) > 0.01
    _draw(ax)
    ax.clear()
    plotting.plot_step_size_error(h, {"forward": fwd}, ax, roundoff=roundoff, guides=False)
    assert len(ax.lines) == 2  # no guides at all
    for bad in (0.0, -1e-16, np.inf, np.nan, True, "1e-16"):
        with pytest.raises(ValueError, match="roundoff must be a positive number"):
            plotting.plot_step_size_error(h, {"forward": fwd}, ax, roundoff=bad)


def test_loss_curve_log_x(ax):
    h = np.log1p(np.arange(200.0)) + 1.0
    plotting.plot_loss_curve(h, ax, xlog=True, smooth=5, label="norm")
    assert ax.get_xscale() == "log"
    raw, smooth = ax.lines
    np.testing.assert_array_equal(raw.get_xdata(), np.arange(1, 201))
    np.testing.assert_array_equal(smooth.get_xdata(), np.arange(5, 201))
    _draw(ax)
    ax.clear()
    plotting.plot_loss_curve(h, ax)
    assert ax.get_xscale() == "linear"
    assert ax.lines[0].get_xdata()[0] == 0


def test_timings(ax):
    sizes = [1_000, 100, 10_000]
    timings = {"loop": [1e-2, 1e-3, 1e-1], "NumPy": [4e-5, 2e-5, 2e-4], "_hidden": [1, 1, 1]}
    plotting.plot_timings(sizes, timings, ax, xlabel="m", ylabel="time (s)")
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("m", "time (s)")
    assert _legend_texts(ax) == ["loop", "NumPy"]
    loop, numpy_line, _ = ax.lines
    np.testing.assert_array_equal(loop.get_xdata(), [100, 1_000, 10_000])  # sorted by size
    np.testing.assert_array_equal(loop.get_ydata(), [1e-3, 1e-2, 1e-1])
    assert loop.get_marker() != numpy_line.get_marker()
    assert loop.get_color() == plotting.CLASS_COLORS[0]
    _draw(ax)
    ax.clear()
    plotting.plot_timings([0, 1, 2], {"t": [0.0, 1.0, 2.0]}, ax, loglog=False)
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "linear")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("n", "seconds")


@pytest.mark.parametrize(
    ("sizes", "timings", "exc", "match"),
    [
        ([1, 2], [1.0, 2.0], TypeError, "timings must be a non-empty mapping"),
        ([1, 2], {}, TypeError, "timings must be a non-empty mapping"),
        ([1, 2], {"a": [1.0]}, ValueError, r"timings\['a'\] has 1 values but there are 2"),
        ([0, 2], {"a": [1.0, 2.0]}, ValueError, "sizes must be > 0 on log-log axes"),
        ([1, 2], {"a": [0.0, 2.0]}, ValueError, r"timings\['a'\] has values <= 0"),
        ([1, 2], {"a": [np.nan, 2.0]}, ValueError, "NaN or inf"),
    ],
)
def test_timings_bad_input(ax, sizes, timings, exc, match):
    with pytest.raises(exc, match=match):
        plotting.plot_timings(sizes, timings, ax)


def test_regularization_path_named_curves(ax):
    Cs = np.logspace(-3, 3, 7)
    norm = np.log1p(Cs)
    plotting.plot_regularization_path(
        Cs[::-1], {"train": norm[::-1], "test": norm[::-1] / 2}, ax, logy=True, ylabel="norm"
    )
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("C", "norm")
    assert _legend_texts(ax) == ["train", "test"]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), Cs)  # sorted by C
    np.testing.assert_allclose(ax.lines[0].get_ydata(), norm)
    _draw(ax)


def test_regularization_path_arrays(ax):
    Cs = np.logspace(-2, 2, 5)
    coefs = np.outer(Cs / (1 + Cs), [1.0, -0.5, 2.0])
    plotting.plot_regularization_path(Cs, coefs, ax)
    assert ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "coefficient"
    assert len(ax.lines) == 4  # the zero line and one line per coefficient
    assert ax.get_legend() is None
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), coefs[:, 2])
    _draw(ax)
    ax.clear()
    plotting.plot_regularization_path(Cs, coefs[:, 0], ax)
    assert len(ax.lines) == 1
    assert ax.get_ylabel() == ""


@pytest.mark.parametrize(
    ("Cs", "values", "kwargs", "exc", "match"),
    [
        ([0.0, 1.0], [1.0, 2.0], {}, ValueError, r"Cs must be > 0"),
        ([1.0, 2.0], [[1.0, 2.0, 3.0]], {}, ValueError, r"shape \(n_Cs,\) or \(n_Cs, n_coefs\)"),
        ([1.0, 2.0], ["a", "b"], {}, TypeError, "values must be a mapping"),
        ([1.0, 2.0], [1.0, np.inf], {}, ValueError, "NaN or inf"),
        ([1.0, 2.0], [1.0, -1.0], {"logy": True}, ValueError, "values <= 0"),
        ([1.0, 2.0], {"a": [1.0, 2.0, 3.0]}, {}, ValueError, r"values\['a'\] has 3 values"),
    ],
)
def test_regularization_path_bad_input(ax, Cs, values, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        plotting.plot_regularization_path(Cs, values, ax, **kwargs)
