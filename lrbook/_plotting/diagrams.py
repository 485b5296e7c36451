"""Finite-difference error plots and network / computation-graph diagrams."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch
from numpy.typing import ArrayLike

from lrbook._plotting.base import (
    _GREY,
    _as_1d,
    _axes,
    _check_mapping,
    _class_color,
)
from lrbook._validation import check_int

# ---------------------------------------------------------------------------
# gradient checking
# ---------------------------------------------------------------------------
_SLOPES = {"forward": 1, "backward": 1, "central": 2}
_GUIDE_OFFSET = 10.0  # truncation guides run this factor below their curve


def plot_step_size_error(
    eps: ArrayLike,
    errors: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    *,
    guides: bool = True,
    roundoff: float | None = None,
) -> Axes:
    """Log-log plot of finite-difference error against step size: truncation vs round-off.

    For large steps ``h`` the error falls with the step (slope 1 for forward, slope 2
    for central differences: truncation error); for tiny steps it grows again like
    ``machine epsilon * |f| / h`` (round-off), which gives the V shape.  The best
    step of each method is marked with a larger dot.

    Parameters
    ----------
    eps : array-like of shape (n,)
        Step sizes ``h`` (> 0), in any order (the name follows
        :func:`lrbook.gradcheck.numerical_gradient`'s step argument).
    errors : mapping str -> array-like of shape (n,)
        Method name -> absolute or relative errors (>= 0) at each step, e.g.
        ``{"forward": ..., "central": ...}``.  The names ``"forward"``,
        ``"backward"`` and ``"central"`` are labelled "... difference" and get a
        truncation guide; other names are used as given.  Exact zeros cannot be
        drawn on a log axis and are left out.
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    guides : bool, default=True
        Add dashed truncation guides, ``O(h)`` (forward/backward) and ``O(h^2)``
        (central), in the colour of their curve, parallel to its truncation branch
        (the steps from its best step up) and a factor 10 below it; and, if
        ``roundoff`` is given, a dotted grey round-off guide over the steps up to
        the largest best step.  Guides are drawn only within the y range of the
        errors themselves.
    roundoff : float, optional
        The rounding error of one value of ``f``, typically machine epsilon times
        ``|f(x)|`` (e.g. ``np.finfo(float).eps * abs(f(x))``).  The round-off guide
        is ``roundoff / h``, labelled "round-off ε|f|/h".  Needs ``guides=True``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If a step size is not positive, an error is negative or has the wrong
        length, or ``roundoff`` is not a positive finite number.

    See Also
    --------
    plot_step_size_errors : the same plot with two positional error arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_step_size_error
    >>> h = np.logspace(-12, -1, 23)
    >>> errors = {
    ...     "forward": np.abs((np.exp(1 + h) - np.exp(1)) / h - np.exp(1)),
    ...     "central": np.abs((np.exp(1 + h) - np.exp(1 - h)) / (2 * h) - np.exp(1)),
    ... }
    >>> ax = plot_step_size_error(
    ...     h, errors, Figure().add_subplot(), roundoff=np.finfo(float).eps * np.e
    ... )
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.lines)
    ('log', 'log', 7)
    >>> for text in ax.get_legend().get_texts()[2:]:
    ...     print(text.get_text())
    truncation $O(h)$
    truncation $O(h^2)$
    round-off $\\varepsilon|f|/h$
    """
    e = _as_1d(eps, "eps")
    if np.any(e <= 0):
        raise ValueError("eps must be positive step sizes")
    _check_mapping(
        errors, "errors", "method name -> error array, e.g. {'forward': ..., 'central': ...}"
    )
    if roundoff is not None and not (
        isinstance(roundoff, numbers.Real)
        and not isinstance(roundoff, bool)
        and np.isfinite(roundoff)
        and roundoff > 0
    ):
        raise ValueError(
            f"roundoff must be a positive number (machine epsilon times |f|), got {roundoff!r}"
        )
    order = np.argsort(e)
    e = e[order]
    curves = []
    for name, v in errors.items():
        a = _as_1d(v, f"errors[{name!r}]")
        if a.size != e.size:
            raise ValueError(f"errors[{name!r}] has {a.size} values but eps has {e.size}")
        if np.any(a < 0):
            raise ValueError(f"errors[{name!r}] must be >= 0 (errors are absolute values)")
        curves.append((str(name), np.where(a > 0, a, np.nan)[order]))
    ax = _axes(ax)
    for i, (name, a) in enumerate(curves):
        color = _class_color(i)
        label = f"{name} difference" if name in _SLOPES else name
        ax.plot(e, a, "o-", color=color, ms=3.5, lw=1.5, label=label)
        if np.isfinite(a).any():
            j = int(np.nanargmin(a))
            ax.plot(e[j], a[j], "o", color=color, mec="k", ms=9, label=f"_best {name}")
    if guides:
        # The guides span only the errors' own y range: a slope-2 line over ten decades
        # of step sizes would otherwise run down to 1e-30 and squash the data.
        drawn = np.concatenate([a[np.isfinite(a)] for _, a in curves])
        y_lo, y_hi = (drawn.min(), drawn.max()) if drawn.size else (np.inf, -np.inf)

        def clipped(guide: np.ndarray) -> np.ndarray:
            return np.where((guide >= y_lo) & (guide <= y_hi), guide, np.nan)

        best_steps = []
        for i, (name, a) in enumerate(curves):
            finite = np.isfinite(a)
            if not finite.any():
                continue
            best = e[int(np.nanargmin(a))]
            best_steps.append(best)
            slope = _SLOPES.get(name)
            if slope is None:
                continue
            # Parallel to the truncation branch (the steps from the best one up), a
            # factor _GUIDE_OFFSET below it: on top of the data it would be hidden.
            k = int(np.flatnonzero(finite)[-1])  # the largest step with a drawable error
            tex = r"truncation $O(h)$" if slope == 1 else r"truncation $O(h^2)$"
            guide = a[k] / _GUIDE_OFFSET * (e / e[k]) ** slope
            guide = clipped(np.where(e >= best, guide, np.nan))
            ax.plot(e, guide, ls="--", color=_class_color(i), alpha=0.7, lw=1.3, label=tex)
        if roundoff is not None and best_steps:
            # over the round-off branches: the steps up to the largest best step
            ax.plot(
                e,
                clipped(np.where(e <= max(best_steps), float(roundoff) / e, np.nan)),
                ls=":",
                color=_GREY,
                lw=1.8,
                label=r"round-off $\varepsilon|f|/h$",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"step size $h$")
    ax.set_ylabel("error of the derivative")
    ax.legend(fontsize="small")
    return ax


def plot_step_size_errors(
    eps: ArrayLike,
    forward_err: ArrayLike,
    central_err: ArrayLike,
    ax: Axes | None = None,
    *,
    guides: bool = True,
) -> Axes:
    """Forward vs central difference error against step size (log-log).

    Shorthand for ``plot_step_size_error(eps, {"forward": forward_err,
    "central": central_err}, ax, guides=guides)``; see :func:`plot_step_size_error`.

    Parameters
    ----------
    eps : array-like of shape (n,)
        Step sizes (> 0).
    forward_err, central_err : array-like of shape (n,)
        Errors (>= 0) of the forward and central differences.
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    guides : bool, default=True
        Add the truncation guides ``O(h)`` and ``O(h^2)``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_step_size_errors
    >>> eps = np.logspace(-12, -1, 23)
    >>> fwd = np.abs((np.exp(1 + eps) - np.exp(1)) / eps - np.exp(1))
    >>> cen = np.abs((np.exp(1 + eps) - np.exp(1 - eps)) / (2 * eps) - np.exp(1))
    >>> ax = plot_step_size_errors(eps, fwd, cen, Figure().add_subplot())
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['forward difference', 'central difference']
    """
    return plot_step_size_error(
        eps, {"forward": forward_err, "central": central_err}, ax, guides=guides
    )


# ---------------------------------------------------------------------------
# diagrams
# ---------------------------------------------------------------------------
def plot_network(
    n_inputs: int,
    n_hidden: int,
    n_outputs: int,
    ax: Axes | None = None,
    *,
    labels: bool = True,
) -> Axes:
    """Diagram of a one-hidden-layer network: circles for units, arrows for weights.

    Every input feeds every hidden unit (weights ``W^(1)``, shape ``(n_inputs,
    n_hidden)``), every hidden unit feeds every output (``W^(2)``, shape
    ``(n_hidden, n_outputs)``).  The labels use the book's notation: ``W^(l)``,
    ``b^(l)`` and ``a^(l)`` for layer ``l``.

    Parameters
    ----------
    n_inputs, n_hidden, n_outputs : int
        Units per layer (>= 1).
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    labels : bool, default=True
        Write unit names (``x_i``, ``a^(1)_j``, ``y-hat_k``) in the circles, and the
        layer and weight-matrix names around them.

    Returns
    -------
    matplotlib.axes.Axes
        With one :class:`matplotlib.patches.Circle` per unit.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from matplotlib.patches import Circle
    >>> from lrbook.plotting import plot_network
    >>> ax = plot_network(2, 3, 1, Figure().add_subplot())
    >>> sum(isinstance(p, Circle) for p in ax.patches)
    6
    """
    sizes = [
        check_int(n_inputs, "n_inputs", 1),
        check_int(n_hidden, "n_hidden", 1),
        check_int(n_outputs, "n_outputs", 1),
    ]
    gap = max(2.5, 0.6 * max(sizes))  # wide enough that tall layers do not look squashed
    height = 6.0 * (max(sizes) + 1.9) / (2 * gap + 1.6)  # of a new figure
    ax = _axes(ax, figsize=(6.0, float(np.clip(height, 2.5, 8.0))))
    xs = [0.0, gap, 2 * gap]
    r = 0.3
    fills = ["#DDEEFF", "#FFE6CC", "#DDF2E6"]
    pos = [[(xs[li], (n - 1) / 2 - i) for i in range(n)] for li, n in enumerate(sizes)]
    for li in range(2):
        for a in pos[li]:
            for b in pos[li + 1]:
                d = np.subtract(b, a)
                u = d / np.hypot(*d)
                ax.add_patch(
                    FancyArrowPatch(
                        tuple(np.add(a, r * u)),
                        tuple(np.subtract(b, r * u)),
                        arrowstyle="-|>",
                        mutation_scale=8,
                        color="0.55",
                        lw=0.7,
                        shrinkA=0,
                        shrinkB=0,
                    )
                )
    unit_names = [
        lambda i: f"$x_{{{i + 1}}}$",
        lambda i: f"$a^{{(1)}}_{{{i + 1}}}$",
        (lambda i: r"$\hat{y}$") if sizes[2] == 1 else (lambda i: f"$\\hat{{y}}_{{{i + 1}}}$"),
    ]
    for li, layer in enumerate(pos):
        for i, (x, y) in enumerate(layer):
            ax.add_patch(Circle((x, y), r, facecolor=fills[li], edgecolor="k", lw=1.2, zorder=3))
            if labels:
                ax.text(x, y, unit_names[li](i), ha="center", va="center", fontsize=9, zorder=4)
    top = (max(sizes) - 1) / 2
    if labels:
        layer_names = [r"input $\mathbf{x}$", r"hidden $\mathbf{a}^{(1)}$", r"output $\hat{y}$"]
        for li in range(3):
            ax.text(xs[li], -top - 0.9, layer_names[li], ha="center", va="top", fontsize=10)
        weights = [r"$W^{(1)}, \mathbf{b}^{(1)}$", r"$W^{(2)}, \mathbf{b}^{(2)}$"]
        for li, name in enumerate(weights):
            ax.text((xs[li] + xs[li + 1]) / 2, top + 0.7, name, ha="center", fontsize=10)
    ax.set_xlim(-0.8, 2 * gap + 0.8)
    ax.set_ylim(-top - 1.6, top + 1.3)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def plot_computation_graph(
    ax: Axes | None = None,
    *,
    n_features: int = 2,
    gradients: bool = False,
) -> Axes:
    """Computation graph of logistic regression for one sample: ``z -> y-hat -> L``.

    The inputs ``x_j`` and parameters ``w_j, b`` feed the score
    ``z = w_1 x_1 + ... + w_d x_d + b``, then ``y-hat = sigma(z)``, then the loss
    ``L(y-hat, y)``, which also reads the label ``y``. With ``gradients=True`` the
    backward pass is written in orange beside the value it belongs to, ``dv`` standing
    for ``dL/dv``: ``d y-hat`` under ``y-hat``, ``dz = y-hat - y`` under ``z`` and
    ``dw_j = x_j dz``, ``db = dz`` left of the parameters; the chain rule read from
    right to left.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Axes to draw into; created if None (a figure about 7.2 inches wide, meant to be
        shown at full column width, with 12-point labels).
    n_features : int, default=2
        Number of features ``x_j`` (>= 1). Up to 2 the score is written term by term,
        from 3 on as ``w^T x + b``.
    gradients : bool, default=False
        Annotate the backward pass.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_computation_graph
    >>> ax = plot_computation_graph(Figure().add_subplot(), gradients=True)
    >>> texts = [t.get_text() for t in ax.texts]
    >>> "$z = w_1 x_1 + w_2 x_2 + b$" in texts, any(r"\\hat{y} - y" in t for t in texts)
    (True, True)
    """
    n = check_int(n_features, "n_features", 1)
    n_boxes = 2 * n + 1
    # data units are inches of the default figure: positions below are laid out for it
    step = 0.55  # vertical distance of the input boxes
    height = max(2.4, step * (n_boxes - 1) + 0.75)
    width = 6.4
    ax = _axes(ax, figsize=(width, height))
    size = 14
    fwd = {"boxstyle": "round,pad=0.35", "fc": "#DDEEFF", "ec": "k"}
    inp = {"boxstyle": "round,pad=0.25", "fc": "#F2F2F2", "ec": "0.4"}
    back: dict[str, Any] = {"color": "#D55E00", "fontsize": size - 1}
    centre = height / 2 + 0.1  # of the input column; the backward pass goes below
    names = [s for j in range(1, n + 1) for s in (f"$x_{j}$", f"$w_{j}$")] + ["$b$"]
    top = centre + step * (n_boxes - 1) / 2
    x_in = 1.3
    inputs = []
    for k, name in enumerate(names):
        y_k = top - step * k
        inputs.append(ax.text(x_in, y_k, name, ha="center", va="center", bbox=inp, fontsize=size))
        if gradients and not name.startswith("$x_"):
            grad = (
                "$db = dz$" if name == "$b$" else f"$dw_{{{name[3:-1]}}} = x_{{{name[3:-1]}}}\\,dz$"
            )
            ax.text(x_in - 0.25, y_k, grad, ha="right", va="center", **back)
    terms = (
        " + ".join(f"w_{j} x_{j}" for j in range(1, n + 1))
        if n <= 2
        else r"\mathbf{w}^\top\mathbf{x}"
    )
    node: dict[str, Any] = {"ha": "center", "va": "center", "bbox": fwd, "fontsize": size}
    x_z, x_yhat, x_loss = 3.05, 4.82, 5.95
    zt = ax.text(x_z, centre, f"$z = {terms} + b$", **node)
    at = ax.text(x_yhat, centre, r"$\hat{y} = \sigma(z)$", **node)
    lt = ax.text(x_loss, centre, r"$L(\hat{y}, y)$", **node)
    yt = ax.text(
        x_loss, max(top, centre + 0.8), "$y$", ha="center", va="center", bbox=inp, fontsize=size
    )
    arrow = {"arrowstyle": "-|>", "color": "k", "lw": 1.1, "shrinkA": 3, "shrinkB": 3}

    def connect(
        source: Any, target: Any, start: tuple[float, float], end: tuple[float, float]
    ) -> None:
        ax.annotate("", xy=end, xycoords=target, xytext=start, textcoords=source, arrowprops=arrow)

    half = (n_boxes - 1) / 2
    for k, t in enumerate(inputs):  # arrowheads spread along the left side of z
        connect(t, zt, (1, 0.5), (0, 0.5 + 0.5 * (half - k) / max(half, 1)))
    connect(zt, at, (1, 0.5), (0, 0.5))
    connect(at, lt, (1, 0.5), (0, 0.5))
    connect(yt, lt, (0.5, 0), (0.5, 1))
    if gradients:
        below = centre - 0.42
        ax.text(
            x_yhat,
            below,
            r"$d\hat{y} = -\dfrac{y}{\hat{y}} + \dfrac{1-y}{1-\hat{y}}$",
            ha="center",
            va="top",
            **back,
        )
        ax.text(
            x_z - 0.8,
            below,
            "$dz = d\\hat{y}\\;\\hat{y}(1-\\hat{y})$\n$\\phantom{dz} = \\hat{y} - y$",
            ha="left",
            va="top",
            linespacing=1.6,
            **back,
        )
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, height)
    ax.set_axis_off()
    return ax
