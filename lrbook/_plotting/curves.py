"""Loss curves, generic curves, timings, regularisation paths, learning-rate sweeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike, NDArray

from lrbook._plotting.base import (
    _GREY,
    CLASS_COLORS,
    _as_1d,
    _axes,
    _check_axes,
    _check_mapping,
    _class_color,
    _legend_if_labelled,
    _moving_average,
    _plot_marked,
)
from lrbook._validation import check_int, check_numbers, check_range
from lrbook.losses import binary_cross_entropy


# ---------------------------------------------------------------------------
# loss curves
# ---------------------------------------------------------------------------
def plot_loss_curve(
    losses: ArrayLike,
    ax: Axes | None = None,
    *,
    smooth: int | None = None,
    label: str | None = None,
    log: bool = False,
    xlog: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    color: str | None = None,
) -> Axes:
    """Plot a loss history, optionally with a moving-average smoothed curve.

    With ``smooth`` the raw curve is drawn faint and the trailing moving average
    over ``smooth`` values is drawn on top (point ``i`` averages values
    ``i - smooth + 1 .. i``), which is how noisy minibatch SGD curves are read.

    Parameters
    ----------
    losses : array-like of shape (n_steps,)
        Loss per epoch or iteration (finite); drawn at x = 0, 1, ..., n_steps - 1
        (at x = 1, ..., n_steps with ``xlog=True``: a log axis has no 0).
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is created if None.
    smooth : int, optional
        Moving-average window, 1 <= smooth <= n_steps (1 means no smoothing).
    label : str, optional
        Legend label of the (smoothed) curve; a legend is drawn if given.
    log : bool, default=False
        Logarithmic y axis (needs positive losses).
    xlog : bool, default=False
        Logarithmic x axis, for histories whose interesting part is the first few
        steps but that run for many (a norm growing like log t, for example).
    xlabel, ylabel : str, default="epoch", "loss"
        Axis labels.
    color : str, optional
        Line colour (default: the first palette colour).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_loss_curve
    >>> rng = np.random.default_rng(0)
    >>> losses = np.exp(-np.arange(100) / 30) + 0.05 * rng.random(100)
    >>> ax = plot_loss_curve(losses, Figure().add_subplot(), smooth=10, label="SGD")
    >>> len(ax.lines), ax.get_xlabel()
    (2, 'epoch')
    >>> ax = plot_loss_curve(np.log1p(np.arange(1000)), Figure().add_subplot(), xlog=True)
    >>> ax.get_xscale(), float(ax.lines[0].get_xdata()[0])
    ('log', 1.0)
    """
    y = _as_1d(losses, "losses")
    w = 1 if smooth is None else check_int(smooth, "smooth", 1)
    if w > y.size:
        raise ValueError(
            f"smooth={w} is longer than losses ({y.size} values); use a smaller window"
        )
    if log and np.any(y <= 0):
        raise ValueError("log=True needs positive losses; losses has values <= 0")
    ax = _axes(ax)
    color = color or CLASS_COLORS[0]
    x = np.arange(y.size) + (1 if xlog else 0)
    if log:
        ax.set_yscale("log")
    if xlog:
        ax.set_xscale("log")
    if w == 1:
        ax.plot(x, y, color=color, lw=1.5, label=label)
    else:
        ax.plot(x, y, color=color, lw=0.8, alpha=0.3, label="_raw")
        ax.plot(x[w - 1 :], _moving_average(y, w), color=color, lw=2.0, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label is not None:
        ax.legend()
    return ax


# ---------------------------------------------------------------------------
# generic curves
# ---------------------------------------------------------------------------
def plot_curves(
    x: ArrayLike,
    curves: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    *,
    xlabel: str = "",
    ylabel: str = "",
    hline: float | Sequence[float] | None = None,
    vline: float | Sequence[float] | None = None,
    ylim: tuple[float, float] | None = None,
    logy: bool = False,
    colors: Sequence[str] | None = None,
    title: str = "",
) -> Axes:
    """Several named curves over the same x values, with optional reference lines.

    The generic line plot of the book (losses against a logit, curvatures,
    errors against a parameter): curve ``i`` gets colour ``CLASS_COLORS[i]``,
    and its name is its legend label.

    Parameters
    ----------
    x : array-like of shape (n,)
        Finite x values, shared by every curve.
    curves : mapping str -> array-like of shape (n,)
        Legend label -> y values.  NaN or infinite values leave a gap in the line
        (for example a loss that overflowed); a label starting with ``"_"`` is
        kept out of the legend.
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is created if None.
    xlabel, ylabel : str, default=""
        Axis labels.
    hline, vline : float or sequence of float, optional
        Grey reference lines at these y (``hline``) or x (``vline``) values, e.g.
        ``hline=0.0`` to show where a curvature changes sign.
    ylim : (float, float), optional
        y range (low < high); default: matplotlib's automatic range.
    logy : bool, default=False
        Logarithmic y axis; values <= 0 cannot be drawn there and leave gaps.
    colors : sequence of str, optional
        One matplotlib colour per curve (default: the palette in order).
    title : str, default=""
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_curves
    >>> z = np.linspace(-4, 4, 81)
    >>> ax = plot_curves(z, {"tanh": np.tanh(z), "z / 4": z / 4}, Figure().add_subplot(),
    ...                  xlabel="z", hline=0.0)
    >>> len(ax.lines), [t.get_text() for t in ax.get_legend().get_texts()]
    (3, ['tanh', 'z / 4'])
    """
    xs = _as_1d(x, "x")
    _check_mapping(curves, "curves", "label -> y values, e.g. {'cross-entropy': loss}")
    palette = list(CLASS_COLORS) if colors is None else [str(c) for c in colors]
    if colors is not None and len(palette) < len(curves):
        raise ValueError(
            f"colors has {len(palette)} entries but there are {len(curves)} curves; "
            "pass one colour per curve"
        )
    lines = []
    for name, values in curves.items():
        ys = _as_1d(values, f"curves[{name!r}]", allow_nonfinite=True)
        if ys.size != xs.size:
            raise ValueError(
                f"curves[{name!r}] has {ys.size} values but x has {xs.size}; "
                "pass one y value per x value"
            )
        ys = np.where(np.isfinite(ys), ys, np.nan)
        if logy:
            ys = np.where(ys > 0, ys, np.nan)
        lines.append((str(name), ys))
    h_lines = check_numbers(hline, "hline")
    v_lines = check_numbers(vline, "vline")
    limits = None if ylim is None else check_range(ylim, "ylim")
    if logy and limits is not None and limits[0] <= 0:
        raise ValueError(f"logy=True needs ylim with a positive low end, got ylim={ylim!r}")
    ax = _axes(ax)
    for i, (name, ys) in enumerate(lines):
        ax.plot(xs, ys, color=palette[i % len(palette)], lw=2, label=name)
    for v in h_lines:
        ax.axhline(v, color=_GREY, lw=1, label="_hline")
    for v in v_lines:
        ax.axvline(v, color=_GREY, lw=1, ls=":", label="_vline")
    if logy:
        ax.set_yscale("log")
    if limits is not None:
        ax.set_ylim(*limits)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    _legend_if_labelled(ax, (name for name, _ in lines))
    return ax


def plot_bce_cases(
    ax: Axes | None = None,
    *,
    p_range: tuple[float, float] = (0.001, 0.999),
    ylim: tuple[float, float] | None = (0.0, 6.0),
) -> Axes:
    r"""The two cases of the binary cross-entropy against the predicted probability.

    :math:`-\log\hat y` for a positive example (:math:`y = 1`) and
    :math:`-\log(1 - \hat y)` for a negative one (:math:`y = 0`), computed from
    the logits :math:`z = \log(\hat y / (1 - \hat y))` with the generated kernel
    :func:`lrbook.losses.binary_cross_entropy`.  Class ``k`` has colour ``CLASS_COLORS[k]``.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is created if None.
    p_range : (float, float), default=(0.001, 0.999)
        Range of predicted probabilities, inside (0, 1).
    ylim : (float, float) or None, default=(0.0, 6.0)
        y range; None for matplotlib's automatic range.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_bce_cases
    >>> ax = plot_bce_cases(Figure().add_subplot())
    >>> len(ax.lines), tuple(float(v) for v in ax.get_ylim())
    (2, (0.0, 6.0))
    """
    lo, hi = check_range(p_range, "p_range")
    if not 0.0 < lo < hi < 1.0:
        raise ValueError(
            f"p_range must lie inside (0, 1) (probabilities; the loss is infinite at 0 and "
            f"1), got p_range={p_range!r}"
        )
    p = np.linspace(lo, hi, 400)
    z = np.log(p) - np.log1p(-p)  # the logits that give these probabilities
    curves = {
        r"$y = 0$: $-\log(1 - \hat y)$": binary_cross_entropy(
            np.zeros_like(z), z, reduction="none"
        ),
        r"$y = 1$: $-\log \hat y$": binary_cross_entropy(np.ones_like(z), z, reduction="none"),
    }
    return plot_curves(
        p,
        curves,
        ax,
        xlabel=r"predicted probability $\hat y = \sigma(z)$",
        ylabel="loss of one example",
        ylim=ylim,
        title="Binary cross-entropy: the two cases",
    )


def _named_curves(
    values: Any, n: int, name: str, *, positive: bool, reason: str
) -> list[tuple[str, NDArray[np.float64]]]:
    """Validate a mapping label -> y values of length ``n`` (finite; > 0 if ``positive``)."""
    _check_mapping(values, name, "label -> values, e.g. {'NumPy': [...]}")
    out = []
    for label, v in values.items():
        ys = _as_1d(v, f"{name}[{label!r}]")
        if ys.size != n:
            raise ValueError(
                f"{name}[{label!r}] has {ys.size} values but there are {n} x values; "
                "pass one value per x value"
            )
        if positive and np.any(ys <= 0):
            raise ValueError(f"{name}[{label!r}] has values <= 0, which {reason}")
        out.append((str(label), ys))
    return out


def plot_timings(
    sizes: ArrayLike,
    timings: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    *,
    loglog: bool = True,
    xlabel: str = "n",
    ylabel: str = "seconds",
) -> Axes:
    """Run time against problem size, one marked line per implementation.

    On log-log axes (the default) a cost proportional to ``n**k`` is a straight
    line of slope ``k``, and a fixed overhead is a flat start: both can be read
    off directly, which linear axes hide.

    Parameters
    ----------
    sizes : array-like of shape (n,)
        Problem sizes (> 0 with ``loglog``), finite.
    timings : mapping str -> array-like of shape (n,)
        Implementation name (legend label) -> time at each size (finite, > 0
        with ``loglog``).  Implementation ``i`` gets colour ``CLASS_COLORS[i]``
        and its own marker.
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is created if None.
    loglog : bool, default=True
        Logarithmic x and y axes.
    xlabel, ylabel : str, default="n", "seconds"
        Axis labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_timings
    >>> sizes = [100, 1_000, 10_000]
    >>> ax = plot_timings(sizes, {"loop": [1e-3, 1e-2, 1e-1], "NumPy": [2e-5, 4e-5, 2e-4]},
    ...                   Figure().add_subplot())
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.lines)
    ('log', 'log', 2)
    """
    xs = _as_1d(sizes, "sizes")
    if loglog and np.any(xs <= 0):
        raise ValueError(
            f"sizes must be > 0 on log-log axes, got min(sizes)={xs.min()!r}; "
            "pass loglog=False for linear axes"
        )
    curves = _named_curves(
        timings, xs.size, "timings", positive=loglog, reason="a log axis cannot show"
    )
    ax = _axes(ax)
    order = np.argsort(xs, kind="stable")
    for i, (label, ys) in enumerate(curves):
        _plot_marked(ax, xs[order], ys[order], i, label, ms=5)
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _legend_if_labelled(ax, (label for label, _ in curves))
    return ax


def plot_regularization_path(
    Cs: ArrayLike,
    values: Mapping[str, ArrayLike] | ArrayLike,
    ax: Axes | None = None,
    *,
    logy: bool = False,
    xlabel: str = "C",
    ylabel: str | None = None,
) -> Axes:
    """Quantities along a regularisation path, against the inverse penalty ``C`` (log x axis).

    Parameters
    ----------
    Cs : array-like of shape (n_Cs,)
        Inverse regularisation strengths (> 0, finite), in any order; larger ``C``
        means a weaker penalty.
    values : mapping str -> array-like of shape (n_Cs,), or array-like of shape (n_Cs,) or (n_Cs, n_coefs)
        Named curves (legend label -> one value per ``C``: a norm, an accuracy,
        a loss...), or an array: one unnamed curve (1-D) or one line per column
        (2-D, e.g. every coefficient along the path, with a grey line at 0).
        Values must be finite (and > 0 with ``logy``).
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is created if None.
    logy : bool, default=False
        Logarithmic y axis too.
    xlabel : str, default="C"
        x axis label.
    ylabel : str, optional
        y axis label (default: "coefficient" for a 2-D array, none otherwise).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_regularization_path
    >>> Cs = np.logspace(-2, 2, 5)
    >>> ax = plot_regularization_path(
    ...     Cs, {"train": [0.6, 0.8, 0.9, 1.0, 1.0], "test": [0.6, 0.8, 0.9, 0.9, 0.85]},
    ...     Figure().add_subplot(), ylabel="accuracy")
    >>> ax.get_xscale(), len(ax.lines), ax.get_ylabel()
    ('log', 2, 'accuracy')
    >>> coefs = np.outer(Cs / (1 + Cs), [1.0, -0.5, 2.0])   # (n_Cs, n_coefs)
    >>> ax = plot_regularization_path(Cs, coefs, Figure().add_subplot())
    >>> len(ax.lines), ax.get_ylabel()
    (4, 'coefficient')
    """
    cs = _as_1d(Cs, "Cs")
    if np.any(cs <= 0):
        raise ValueError(
            f"Cs must be > 0 (inverse penalty strengths on a log axis), got min(Cs)={cs.min()!r}"
        )
    order = np.argsort(cs, kind="stable")
    reason = "a log axis cannot show (pass logy=False)"
    if isinstance(values, Mapping):
        curves = _named_curves(values, cs.size, "values", positive=logy, reason=reason)
        matrix = None
    else:
        arr = np.asarray(values)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                "values must be a mapping label -> values or a numeric array, got "
                f"{type(values).__name__} of dtype {arr.dtype}"
            )
        arr = arr.astype(np.float64)
        if arr.ndim not in (1, 2) or arr.shape[0] != cs.size:
            raise ValueError(
                f"values must have shape (n_Cs,) or (n_Cs, n_coefs) with n_Cs={cs.size} "
                f"(one row per C), got shape {arr.shape}; transpose a (n_coefs, n_Cs) array"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("values contains NaN or inf; pass finite values")
        if logy and np.any(arr <= 0):
            raise ValueError(f"values has values <= 0, which {reason}")
        matrix = arr.reshape(cs.size, -1)
        curves = []
    ax = _axes(ax)
    x = cs[order]
    if matrix is None:
        for i, (label, ys) in enumerate(curves):
            _plot_marked(ax, x, ys[order], i, label, ms=4)
        _legend_if_labelled(ax, (label for label, _ in curves))
    else:
        if matrix.shape[1] == 1:
            ax.plot(x, matrix[order, 0], "o-", ms=4, lw=1.5, color=_class_color(0))
        else:
            if not logy:
                ax.axhline(0.0, color=_GREY, lw=1, label="_zero")
            for j in range(matrix.shape[1]):
                ax.plot(x, matrix[order, j], lw=1.2, color=_class_color(j))
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    if ylabel is None:
        ylabel = "coefficient" if matrix is not None and matrix.shape[1] > 1 else ""
    ax.set_ylabel(ylabel)
    return ax


def _diverged_at(h: NDArray[np.float64], top: float) -> int | None:
    """Index where a history leaves the plotted range (non-finite or above ``top``)."""
    bad = ~np.isfinite(h) | (h > top)
    return int(np.argmax(bad)) if bad.any() else None


def plot_lr_sweep(
    histories: Mapping[float, ArrayLike],
    axes: Axes | Sequence[Axes] | NDArray[Any] | None = None,
    *,
    panels: bool = False,
    log: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
) -> Axes | NDArray[Any]:
    """Loss curves of a learning-rate sweep, marking diverged runs.

    A run counts as *diverged* when its history contains NaN/inf or ends above
    its starting loss.  The y range is set by the runs that did not blow up
    (up to 1.15 x the largest starting loss), so one exploding run does not
    flatten the others; a diverged curve is drawn up to where it leaves that
    range, marked with an ``x`` and the word "diverged", and labelled
    "(diverged)" in the legend.

    Parameters
    ----------
    histories : mapping float -> array-like of shape (n_steps,)
        Learning rate -> loss history (may contain NaN/inf); drawn in increasing
        learning rate order.
    axes : Axes or array of Axes, optional
        One Axes (``panels=False``) or at least ``len(histories)`` Axes
        (``panels=True``); created if None.
    panels : bool, default=False
        One panel per learning rate instead of all curves in one Axes.
    log : bool, default=False
        Logarithmic y axis.
    xlabel, ylabel : str
        Axis labels.

    Returns
    -------
    matplotlib.axes.Axes (``panels=False``) or ndarray of Axes (``panels=True``)

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_lr_sweep
    >>> t = np.arange(50)
    >>> runs = {0.01: 0.7 * 0.99**t, 0.5: 0.7 * 0.8**t, 5.0: 0.7 * 1.5**t}
    >>> ax = plot_lr_sweep(runs, Figure().add_subplot())
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['lr = 0.01', 'lr = 0.5', 'lr = 5 (diverged)']
    >>> axs = plot_lr_sweep(runs, Figure().subplots(1, 3), panels=True)
    >>> [a.get_title() for a in axs]
    ['lr = 0.01', 'lr = 0.5', 'lr = 5 (diverged)']
    """
    if not isinstance(histories, Mapping) or len(histories) == 0:
        raise ValueError(
            "histories must be a non-empty mapping learning_rate -> loss history, "
            f"got {type(histories).__name__}"
        )
    items = []
    for lr, h in sorted(histories.items(), key=lambda kv: float(kv[0])):
        arr = _as_1d(h, f"histories[{lr!r}]", allow_nonfinite=True)
        finite = arr[np.isfinite(arr)]
        diverged = finite.size < arr.size or (finite.size > 0 and finite[-1] > finite[0])
        items.append((float(lr), arr, diverged))
    starts = [a[np.isfinite(a)][0] for _, a, _ in items if np.isfinite(a).any()]
    top = 1.15 * max(starts) if starts else 1.0
    good = [a for _, a, d in items if not d]
    if log:
        pos = np.concatenate([a[np.isfinite(a) & (a > 0)] for _, a, _ in items])
        if pos.size == 0:
            raise ValueError("log=True needs positive finite losses; none of the histories has any")
        bottom = 0.8 * float(np.concatenate(good).min() if good else pos.min())
        if bottom <= 0:
            bottom = 0.8 * float(pos.min())
    else:
        bottom = min(0.0, min((float(np.nanmin(a)) for a in good), default=0.0))

    cmap = mpl.colormaps["viridis"]
    n = len(items)
    colors = [cmap(0.85 * i / max(n - 1, 1)) for i in range(n)]

    if panels:
        if axes is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(3.0 * n, 3.0))
            ax_arr = np.asarray(fig.subplots(1, n, squeeze=False)).ravel()
        else:
            ax_arr = np.asarray(axes, dtype=object).ravel()
            if ax_arr.size < n:
                raise ValueError(
                    f"panels=True needs {n} Axes (one per learning rate), got {ax_arr.size}"
                )
            for a in ax_arr:
                _check_axes(a, "axes")
    else:
        single = _axes(axes, "axes")
        ax_arr = np.array([single] * n, dtype=object)

    for i, (lr, h, diverged) in enumerate(items):
        ax = ax_arr[i]
        name = f"lr = {lr:g}" + (" (diverged)" if diverged else "")
        x = np.arange(h.size)
        stop = _diverged_at(h, top) if diverged else None
        end = h.size if stop is None else stop
        line_x = x[:end]
        line_y = h[:end]
        if stop is not None and stop > 0:
            # extend the curve to the edge of the plot where it leaves the range
            line_x = np.append(line_x, stop)
            line_y = np.append(line_y, top)
        ax.plot(line_x, line_y, color=colors[i], lw=1.8, label=name)
        if diverged:
            mx, my = (line_x[-1], line_y[-1]) if line_x.size else (0, top)
            ax.plot([mx], [my], marker="x", ms=9, mew=2, color=colors[i], label="_marker")
            ax.annotate(
                "diverged",
                (mx, my),
                xytext=(-4, -12),
                textcoords="offset points",
                ha="right",
                color=colors[i],
                fontsize="small",
            )
        if panels:
            ax.set_title(name)
        if log:
            ax.set_yscale("log")
        ax.set_ylim(bottom, top)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    if panels:
        return ax_arr[:n]
    ax_arr[0].legend(fontsize="small")
    return ax_arr[0]
