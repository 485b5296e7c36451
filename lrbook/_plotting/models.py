"""Sigmoid, linear fits, decision boundaries and loss surfaces."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from numpy.typing import ArrayLike, NDArray

from lrbook._plotting.base import (
    _GREY,
    CLASS_COLORS,
    PATH_COLOR,
    _as_1d,
    _axes,
    _check_path,
    _class_color,
    _is_3d,
)
from lrbook._primitives import sigmoid
from lrbook._validation import check_int, check_points, check_range

# ---------------------------------------------------------------------------
# sigmoid and linear fit
# ---------------------------------------------------------------------------
#: Vertical distance between stacked rows of points in plot_sigmoid (data units).
_ROW_STEP = 0.075


def _stack_rows(z: NDArray[np.float64], gap: float) -> NDArray[np.float64]:
    """Row 0, 1, 2 ... of each point: on one row, neighbours are at least ``gap`` apart.

    Greedy from left to right: each point takes the lowest row whose last point is far
    enough away, so isolated points stay on row 0 and only crowds are stacked.
    """
    last: list[float] = []  # the largest score placed on each row so far
    rows = np.zeros(z.size)
    for i in np.argsort(z, kind="stable"):
        for r, previous in enumerate(last):
            if z[i] - previous >= gap:
                last[r], rows[i] = float(z[i]), r
                break
        else:
            last.append(float(z[i]))
            rows[i] = len(last) - 1
    return rows


def plot_sigmoid(
    z: ArrayLike | None = None,
    y: ArrayLike | None = None,
    ax: Axes | None = None,
    *,
    z_range: tuple[float, float] | None = None,
    class_names: Sequence[str] | None = None,
    mark_errors: bool = False,
) -> Axes:
    """The sigmoid curve with the 0.5 cutoff, the threshold z = 0 and optional data.

    Data points are drawn at height ``y`` (0 or 1) above their score ``z``,
    coloured by class: points on the wrong side of ``z = 0`` are the errors of
    the 0.5-cutoff classifier. Points of one class whose scores are too close to
    be told apart are stacked outwards (class 0 below 0, class 1 above 1) in rows
    one marker apart, so that every point stays visible and can be counted.

    Parameters
    ----------
    z : array-like of shape (n_samples,), optional
        Scores (logits) ``w^T x + b`` of the data points.
    y : array-like of shape (n_samples,), optional
        Labels in {0, 1} (required with ``z``).
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    z_range : (float, float), optional
        Range of the curve; default (-6, 6), widened to cover ``z``.
    class_names : sequence of two str, optional
        Legend names of classes 0 and 1 (default "y = 0", "y = 1").
    mark_errors : bool, default=False
        Ring the points on the wrong side of ``z = 0`` (the misclassified ones) and
        add "misclassified (count)" to the legend.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_sigmoid
    >>> ax = plot_sigmoid([-2.0, -0.5, 1.0, 3.0], [0, 1, 1, 1], Figure().add_subplot())
    >>> len(ax.lines), len(ax.collections)
    (3, 2)
    """
    ax = _axes(ax)
    lo, hi = (-6.0, 6.0) if z_range is None else check_range(z_range, "z_range")
    zs: NDArray[np.float64] | None = None
    ys: NDArray[np.float64] | None = None
    if z is not None:
        if y is None:
            raise ValueError("y is required with z: pass the labels (0/1) of the points")
        zs = _as_1d(z, "z")
        ys = _as_1d(y, "y")
        if zs.size != ys.size:
            raise ValueError(f"z and y must have the same length, got {zs.size} and {ys.size}")
        if not np.all(np.isin(ys, (0.0, 1.0))):
            raise ValueError(f"y must contain only 0 and 1, got values {np.unique(ys)[:5]}")
        if z_range is None:
            pad = 0.5
            lo, hi = min(lo, zs.min() - pad), max(hi, zs.max() + pad)
    elif y is not None:
        raise ValueError("y was given without z: pass the scores z of the points too")
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, sigmoid(grid), color="k", lw=2, label=r"$\sigma(z) = 1/(1+e^{-z})$")
    ax.axhline(0.5, color=_GREY, ls="--", lw=1, label="cutoff 0.5")
    ax.axvline(0.0, color=_GREY, ls=":", lw=1, label="threshold z = 0")
    if zs is not None and ys is not None:
        names = list(class_names) if class_names is not None else ["y = 0", "y = 1"]
        if len(names) != 2:
            raise ValueError(f"class_names must have 2 entries, got {names!r}")
        # stack points closer than one marker (about 3 % of the width) outwards
        rows = np.zeros(zs.size)
        for k, away in ((0, -1.0), (1, 1.0)):
            m = ys == k
            rows[m] = away * _stack_rows(zs[m], 0.03 * (hi - lo))
        heights = ys + _ROW_STEP * rows
        for k in (0, 1):
            m = ys == k
            ax.scatter(
                zs[m],
                heights[m],
                color=_class_color(k),
                edgecolor="k",
                s=36,
                zorder=3,
                label=names[k],
            )
        if mark_errors:
            wrong = (zs >= 0) != (ys == 1)
            ax.scatter(
                zs[wrong],
                heights[wrong],
                facecolor="none",
                edgecolor="k",
                linewidth=1.5,
                s=170,
                zorder=4,
                label=f"misclassified ({int(wrong.sum())})",
            )
        low, high = -0.08 + _ROW_STEP * min(rows.min(), 0), 1.08 + _ROW_STEP * max(rows.max(), 0)
    else:
        low, high = -0.08, 1.08
    ax.set_xlim(lo, hi)
    ax.set_ylim(low, high)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])  # probabilities only, not the stacked rows
    ax.set_xlabel(r"score $z = \mathbf{w}^\top \mathbf{x} + b$")
    ax.set_ylabel(r"$\sigma(z) = P(y = 1 \mid x)$")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_linear_fit(
    x: ArrayLike,
    y: ArrayLike,
    ax: Axes | None = None,
    *,
    coefs: Mapping[str, ArrayLike] | None = None,
    xlabel: str = "x",
    ylabel: str = "y",
) -> Axes:
    """Scatter one-feature regression data and draw lines ``y = b + w x``.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, 1)
        The single feature.
    y : array-like of shape (n_samples,)
        Targets.
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    coefs : mapping str -> array-like of shape (2,), optional
        Legend label -> intercept-first coefficients ``[b, w]`` (lrbook's
        convention, as returned by :func:`lrbook.datasets.make_linear`), e.g.
        ``{"true": coef, "normal equation": coef_hat}``.  Lines after the first
        are dashed so coinciding lines stay visible.
    xlabel, ylabel : str
        Axis labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from lrbook.datasets import make_linear
    >>> from lrbook.plotting import plot_linear_fit
    >>> X, y, coef = make_linear(30, weights=(2.0,), bias=1.0, noise=0.5, random_state=0)
    >>> ax = plot_linear_fit(X, y, Figure().add_subplot(), coefs={"true": coef})
    >>> len(ax.lines), len(ax.collections)
    (1, 1)
    """
    xs = _as_1d(x, "x")
    ys = _as_1d(y, "y")
    if xs.size != ys.size:
        raise ValueError(f"x and y must have the same length, got {xs.size} and {ys.size}")
    ax = _axes(ax)
    ax.scatter(xs, ys, color=CLASS_COLORS[0], alpha=0.7, edgecolor="k", s=25, label="data")
    grid = np.linspace(xs.min(), xs.max(), 2)
    for i, (name, c) in enumerate((coefs or {}).items()):
        cc = np.asarray(c, dtype=np.float64).ravel()
        if cc.shape != (2,):
            raise ValueError(f"coefs[{name!r}] must be [intercept, slope], got shape {cc.shape}")
        ax.plot(
            grid,
            cc[0] + cc[1] * grid,
            color=CLASS_COLORS[(i + 1) % len(CLASS_COLORS)],
            lw=2,
            ls="-" if i == 0 else "--",
            label=f"{name}: y = {cc[0]:.3g} + {cc[1]:.3g} x",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return ax


# ---------------------------------------------------------------------------
# decision boundaries
# ---------------------------------------------------------------------------
def _check_X2(X: ArrayLike) -> NDArray[np.float64]:
    return check_points(
        X,
        "X",
        "(n_samples, 2) to draw a 2-D decision boundary",
        "pick two features, e.g. lrbook.datasets.load_iris(features=(2, 3))",
    )


def _class_scores(model: Any, G: NDArray[np.float64], P: NDArray[np.float64]) -> NDArray[Any]:
    """Scores whose row-wise argmax is the predicted class: the logits if the model has a
    ``decision_function`` of the probabilities' shape (linear in x for a linear model),
    else the log-probabilities (the logits shifted by a constant per row)."""
    if hasattr(model, "decision_function"):
        scores = np.asarray(model.decision_function(G), dtype=np.float64)
        if scores.shape == P.shape:
            return scores
    return np.log(np.maximum(P, np.finfo(np.float64).tiny))


def _evaluate_model(
    model: Any, G: NDArray[np.float64], proba: bool
) -> tuple[str, NDArray[Any], NDArray[Any] | None]:
    """Return ("proba", p_positive, classes), ("scores", class_scores, classes) or
    ("labels", raw_labels, classes)."""
    m = G.shape[0]
    classes = getattr(model, "classes_", None)
    if hasattr(model, "predict"):
        if proba and hasattr(model, "predict_proba"):
            out = np.asarray(model.predict_proba(G), dtype=np.float64)
            if out.ndim == 2 and out.shape[1] == 2:
                return "proba", out[:, 1], classes
            cls = np.asarray(classes) if classes is not None else np.arange(out.shape[1])
            return "scores", _class_scores(model, G, out), cls
        return "labels", np.asarray(model.predict(G)), classes
    if not callable(model):
        raise TypeError(
            "model must be a fitted estimator (with predict / predict_proba) or a callable "
            f"taking an (m, 2) array, got {type(model).__name__}"
        )
    out = np.asarray(model(G))
    if out.shape[0] != m or out.ndim > 2:
        raise ValueError(
            f"model returned shape {out.shape} for {m} grid points; it must return "
            "(m,) labels or positive-class probabilities, or (m, K) class probabilities"
        )
    if out.ndim == 2:
        if out.shape[1] == 1:
            out = out[:, 0]
        elif out.shape[1] == 2 and proba:
            return "proba", out[:, 1].astype(np.float64), None
        else:
            return "scores", out.astype(np.float64), np.arange(out.shape[1])
    if (
        proba
        and out.dtype.kind == "f"
        and np.all((out >= 0) & (out <= 1))
        and np.any(out != np.round(out))
    ):
        return "proba", out.astype(np.float64), None
    if out.dtype.kind == "f":
        if np.any(out != np.round(out)):
            raise ValueError(
                "model returned non-integer values outside [0, 1]; return labels or "
                "probabilities (e.g. use sigmoid(scores), not the scores)"
            )
        out = out.astype(np.int64)
    return "labels", out, None


def plot_decision_boundary(
    model: Any,
    X: ArrayLike,
    y: ArrayLike | None = None,
    ax: Axes | None = None,
    *,
    resolution: int = 200,
    proba: bool = True,
    padding: float = 0.1,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    colorbar: bool = False,
) -> Axes:
    """Decision boundary of a classifier on 2-D data, with the data on top.

    Two classes with probabilities: filled contours of ``P(y = 1 | x)`` and the
    black ``P = 0.5`` line (the decision boundary).  More classes: the decision
    regions, filled with the class colours, and black lines where the predicted
    class changes.  With class scores (an estimator's ``decision_function`` or
    ``predict_proba``, or a callable returning ``(m, K)`` values) each boundary is
    the zero contour of a score difference, interpolated between grid points, so
    the straight boundaries of a linear model are drawn straight.  With labels only
    (``proba=False``, or a callable returning labels) the boundaries follow the grid
    cells: a staircase at the scale of ``resolution``.

    Parameters
    ----------
    model : estimator or callable
        A fitted classifier (``predict_proba`` is used when ``proba`` is true and it
        exists, with ``decision_function`` for the boundaries of more than two
        classes when it has one; else ``predict``), or a function of an ``(m, 2)``
        array returning ``(m,)`` positive-class probabilities, ``(m,)`` integer
        labels or ``(m, K)`` class probabilities or scores (the largest wins).
    X : array-like of shape (n_samples, 2)
        Points to draw; the plotted grid covers them with a margin.
    y : array-like of shape (n_samples,), optional
        Their labels (colours the points).  Labels are matched to the model's
        ``classes_`` if it has them, else they must be ``0 .. K-1``.
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    resolution : int, default=200
        Grid points per axis (>= 2).
    proba : bool, default=True
        Use probabilities (binary contour plot) when available.
    padding : float, default=0.1
        Margin around the data as a fraction of its range.
    class_names : sequence of str, optional
        Legend names of the classes (default: the class labels).
    feature_names : sequence of two str, optional
        Axis labels (default ``x_1``, ``x_2``).
    colorbar : bool, default=False
        Add a colour bar for the probability contours.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook import sigmoid
    >>> from lrbook.datasets import make_blobs
    >>> from lrbook.plotting import plot_decision_boundary
    >>> X, y = make_blobs(60, separation=4.0, random_state=0)
    >>> p = lambda G: sigmoid(G @ np.array([1.0, 1.0]))
    >>> ax = plot_decision_boundary(p, X, y, Figure().add_subplot(), resolution=50)
    >>> len(ax.collections)  # filled contours, the 0.5 line, one scatter per class
    4
    """
    Xa = _check_X2(X)
    res = check_int(resolution, "resolution", 2)
    ax = _axes(ax)
    lo, hi = Xa.min(axis=0), Xa.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - padding * span, hi + padding * span
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], res), np.linspace(lo[1], hi[1], res))
    G = np.column_stack([xx.ravel(), yy.ravel()])
    kind, values, classes = _evaluate_model(model, G, proba)

    ya = None if y is None else np.asarray(y).ravel()
    if ya is not None and ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"X has {Xa.shape[0]} rows but y has {ya.shape[0]} labels")
    if classes is None:
        if kind == "proba":
            classes = np.array([0, 1])
        else:
            pool = values if ya is None else np.concatenate([values, ya.astype(values.dtype)])
            classes = np.unique(pool)
    classes = np.asarray(classes)
    lookup = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}

    def _index(labels: NDArray[Any], name: str) -> NDArray[np.int64]:
        uniq, inv = np.unique(labels, return_inverse=True)
        try:
            codes = np.array([lookup[u.item() if hasattr(u, "item") else u] for u in uniq])
        except KeyError as err:
            raise ValueError(
                f"{name} contains label {err.args[0]!r} that is not one of the classes "
                f"{classes.tolist()}"
            ) from None
        return codes[inv.ravel()].astype(np.int64)

    k = len(classes)
    if kind == "proba":
        P = values.reshape(xx.shape)
        cmap = LinearSegmentedColormap.from_list(
            "lrbook_proba", [_class_color(0), "#ffffff", _class_color(1)]
        )
        cs = ax.contourf(xx, yy, P, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.55)
        if P.min() < 0.5 < P.max():
            ax.contour(xx, yy, P, levels=[0.5], colors="k", linewidths=1.5)
        if colorbar:
            ax.figure.colorbar(cs, ax=ax, label=r"$P(y = 1 \mid x)$")
    elif kind == "scores":
        # Region j is where class j's score beats the best other score: its margin
        # s_j - max_{c != j} s_c >= 0.  The margin is continuous (for a linear model,
        # linear in x away from the triple points), so contouring it at 0 interpolates
        # the boundary between grid points: straight boundaries come out straight,
        # not as the staircase of a contour of 0/1 region indicators.
        S = values.reshape(-1, k)
        for j in range(k):
            margin = (S[:, j] - np.delete(S, j, axis=1).max(axis=1)).reshape(xx.shape)
            top = float(margin.max())
            if top > 0:
                ax.contourf(xx, yy, margin, levels=[0.0, top], colors=[_class_color(j)], alpha=0.3)
            if margin.min() < 0 < top:
                ax.contour(xx, yy, margin, levels=[0.0], colors="k", linewidths=1.0)
    else:
        idx = _index(values, "model predictions").reshape(xx.shape)
        cmap_regions = ListedColormap([_class_color(i) for i in range(k)])
        ax.contourf(
            xx,
            yy,
            idx,
            levels=np.arange(k + 1) - 0.5,
            cmap=cmap_regions,
            alpha=0.3,
        )
        for j in range(k):
            ind = (idx == j).astype(float)
            if 0 < ind.mean() < 1:
                ax.contour(xx, yy, ind, levels=[0.5], colors="k", linewidths=0.8)
    if ya is not None:
        yi = _index(ya, "y")
        names = [str(c) for c in classes] if class_names is None else list(class_names)
        if len(names) < k:
            raise ValueError(f"class_names has {len(names)} names for {k} classes")
        for j in range(k):
            m = yi == j
            if m.any():
                ax.scatter(
                    Xa[m, 0],
                    Xa[m, 1],
                    color=_class_color(j),
                    edgecolor="k",
                    s=28,
                    label=names[j],
                    zorder=3,
                )
        ax.legend(fontsize="small", loc="best")
    fx, fy = (r"$x_1$", r"$x_2$") if feature_names is None else tuple(feature_names)
    ax.set_xlabel(fx)
    ax.set_ylabel(fy)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return ax


# ---------------------------------------------------------------------------
# loss surfaces
# ---------------------------------------------------------------------------
def _eval_loss(
    loss_fn: Callable[..., Any], A: NDArray[np.float64], B: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Evaluate ``loss_fn(a, b)`` on arrays, vectorised if it can be, else point by point."""
    try:
        out = np.asarray(loss_fn(A, B), dtype=np.float64)
        if out.shape == A.shape:
            Z = out
        else:
            raise ValueError("not vectorised")
    except Exception:
        flat = [
            float(loss_fn(float(a), float(b))) for a, b in zip(A.ravel(), B.ravel(), strict=True)
        ]
        Z = np.asarray(flat, dtype=np.float64).reshape(A.shape)
    if not np.all(np.isfinite(Z)):
        raise ValueError(
            f"loss_fn returned NaN or inf at {int((~np.isfinite(Z)).sum())} of {Z.size} points; "
            "use a numerically stable loss or narrow w1_range / w2_range"
        )
    return Z


def _loss_grid(
    loss_fn: Callable[..., Any],
    w1_range: tuple[float, float],
    w2_range: tuple[float, float],
    resolution: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(w1, w2), got {loss_fn!r}")
    r1 = check_range(w1_range, "w1_range")
    r2 = check_range(w2_range, "w2_range")
    res = check_int(resolution, "resolution", 2)
    W1, W2 = np.meshgrid(np.linspace(*r1, res), np.linspace(*r2, res))
    return W1, W2, _eval_loss(loss_fn, W1, W2)


def plot_loss_surface(
    loss_fn: Callable[..., Any],
    w1_range: tuple[float, float],
    w2_range: tuple[float, float],
    ax: Axes | None = None,
    *,
    path: ArrayLike | None = None,
    resolution: int = 60,
    cmap: str = "viridis",
    labels: tuple[str, str, str] = ("$w_1$", "$w_2$", "loss"),
) -> Axes:
    """3-D surface of a two-parameter loss, with an optional optimisation path on it.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(w1, w2) -> loss``.  Called once with two 2-D grid arrays if it is
        vectorised (returns an array of the grid's shape); otherwise called point
        by point with floats.  For a loss of a parameter vector write
        ``lambda a, b: loss(np.array([a, b]))``.
    w1_range, w2_range : (float, float)
        Ranges of the two parameters.
    ax : 3-D matplotlib Axes, optional
        Created with ``fig.add_subplot(projection="3d")``; a new one if None.
    path : array-like of shape (n_steps, 2), optional
        Iterates ``(w1, w2)`` of an optimiser, drawn on the surface (start: circle,
        end: star).
    resolution : int, default=60
        Grid points per axis.
    cmap : str, default="viridis"
        Colour map of the surface.
    labels : (str, str, str)
        Labels of the w1, w2 and loss axes.

    Returns
    -------
    mpl_toolkits.mplot3d.axes3d.Axes3D

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_loss_surface
    >>> bowl = lambda a, b: a**2 + 3 * b**2
    >>> ax = plot_loss_surface(bowl, (-2, 2), (-2, 2), Figure().add_subplot(projection="3d"),
    ...                        path=[[1.5, 1.5], [0.9, 0.3], [0.5, 0.1], [0.0, 0.0]])
    >>> ax.name, len(ax.lines)
    ('3d', 1)
    """
    W1, W2, Z = _loss_grid(loss_fn, w1_range, w2_range, resolution)
    ax = _axes(ax, projection="3d")
    if not _is_3d(ax):
        raise TypeError(
            "ax must be a 3-D Axes for plot_loss_surface; create it with "
            "fig.add_subplot(projection='3d') (or use plot_loss_contours for 2-D)"
        )
    ax3: Any = ax
    ax3.plot_surface(W1, W2, Z, cmap=cmap, alpha=0.75, linewidth=0, antialiased=True)
    if path is not None:
        p = _check_path(path)
        zp = _eval_loss(loss_fn, p[:, 0], p[:, 1])
        ax3.plot(p[:, 0], p[:, 1], zp, color=PATH_COLOR, marker="o", ms=3, lw=1.5, zorder=5)
        ax3.scatter(
            [p[0, 0], p[-1, 0]],
            [p[0, 1], p[-1, 1]],
            [zp[0], zp[-1]],
            color=["k", PATH_COLOR],
            marker="o",
            s=50,
            depthshade=False,
        )
    ax3.set_xlabel(labels[0])
    ax3.set_ylabel(labels[1])
    ax3.set_zlabel(labels[2])
    return ax


def plot_loss_contours(
    loss_fn: Callable[..., Any],
    w1_range: tuple[float, float],
    w2_range: tuple[float, float],
    ax: Axes | None = None,
    *,
    path: ArrayLike | None = None,
    optimum: ArrayLike | None = None,
    resolution: int = 100,
    levels: int | ArrayLike = 20,
    log_levels: bool = False,
    filled: bool = False,
    max_arrows: int = 30,
    cmap: str = "viridis",
    labels: tuple[str, str] = ("$w_1$", "$w_2$"),
) -> Axes:
    """Contour lines of a two-parameter loss with an optimisation path drawn as arrows.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(w1, w2) -> loss``, vectorised or not (see :func:`plot_loss_surface`).
    w1_range, w2_range : (float, float)
        Ranges of the two parameters.
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    path : array-like of shape (n_steps, 2), optional
        Iterates of an optimiser: a line through all of them, arrows between
        consecutive ones (at most ``max_arrows``, evenly subsampled), a circle at
        the start and a star at the end.
    optimum : array-like of shape (2,), optional
        A known minimiser, marked with a black cross.
    resolution : int, default=100
        Grid points per axis.
    levels : int or array-like, default=20
        Number of contour levels or the levels themselves.
    log_levels : bool, default=False
        With an int ``levels``, space them geometrically above the grid minimum,
        which resolves the flat valley near an optimum.
    filled : bool, default=False
        Draw filled contours under the lines.
    max_arrows : int, default=30
        Maximum number of arrows along the path.
    cmap : str, default="viridis"
        Colour map of the contours.
    labels : (str, str)
        Axis labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_loss_contours
    >>> bowl = lambda a, b: a**2 + 3 * b**2
    >>> w, path = np.array([1.8, 1.5]), []
    >>> for _ in range(15):
    ...     path.append(w.copy())
    ...     w = w - 0.1 * np.array([2 * w[0], 6 * w[1]])
    >>> ax = plot_loss_contours(bowl, (-2, 2), (-2, 2), Figure().add_subplot(), path=path,
    ...                         optimum=(0, 0))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['path', 'start', 'end', 'optimum']
    """
    W1, W2, Z = _loss_grid(loss_fn, w1_range, w2_range, resolution)
    ax = _axes(ax)
    lv: Any
    if isinstance(levels, numbers.Integral) and not isinstance(levels, bool):
        n_lv = check_int(levels, "levels", 1)
        zmin, zmax = float(Z.min()), float(Z.max())
        if zmax <= zmin:
            raise ValueError("loss_fn is constant over the grid; there are no contours to draw")
        if log_levels:
            span = zmax - zmin
            lv = zmin + np.geomspace(span * 1e-3, span, n_lv + 1)[:-1]
        else:
            lv = np.linspace(zmin, zmax, n_lv + 2)[1:-1]
    else:
        if log_levels:
            raise ValueError("log_levels=True needs an int number of levels, not explicit levels")
        lv = np.sort(np.asarray(levels, dtype=np.float64).ravel())
    if filled:
        fill_levels = np.unique(np.concatenate([[Z.min()], lv, [Z.max()]]))
        ax.contourf(W1, W2, Z, levels=fill_levels, cmap=cmap, alpha=0.6)
    if filled:
        ax.contour(W1, W2, Z, levels=lv, colors="0.25", linewidths=0.6)
    else:
        ax.contour(W1, W2, Z, levels=lv, cmap=cmap, linewidths=1)
    if path is not None:
        p = _check_path(path)
        ax.plot(p[:, 0], p[:, 1], color=PATH_COLOR, lw=1.2, marker=".", ms=4, label="path")
        if p.shape[0] > 1:
            n_arrows = check_int(max_arrows, "max_arrows", 0)
            steps = np.arange(p.shape[0] - 1)
            if steps.size > n_arrows:
                steps = np.unique(np.linspace(0, steps.size - 1, n_arrows).round().astype(int))
            if steps.size:
                d = p[steps + 1] - p[steps]
                ax.quiver(
                    p[steps, 0],
                    p[steps, 1],
                    d[:, 0],
                    d[:, 1],
                    angles="xy",
                    scale_units="xy",
                    scale=1,
                    color=PATH_COLOR,
                    width=0.006,
                    zorder=4,
                )
        ax.plot(*p[0], "o", color="k", ms=7, label="start", zorder=5)
        ax.plot(*p[-1], "*", color=PATH_COLOR, mec="k", ms=13, label="end", zorder=5)
    if optimum is not None:
        o = np.asarray(optimum, dtype=np.float64).ravel()
        if o.shape != (2,):
            raise ValueError(f"optimum must be a pair (w1, w2), got shape {o.shape}")
        ax.plot(*o, "X", color="k", ms=10, label="optimum", zorder=5)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if path is not None or optimum is not None:
        ax.legend(fontsize="small")
    return ax
