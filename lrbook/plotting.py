"""Matplotlib figures for the book, drawn from code.

Every function draws into an Axes passed as ``ax`` (or ``axes``) and returns it,
so figures compose: ``fig, (ax1, ax2) = plt.subplots(1, 2)`` and pass one axes
to each call.  With ``ax=None`` a new figure is created with
:func:`matplotlib.pyplot.figure`, so it shows inline in a notebook; that is the
only use of pyplot here (no ``plt.show``, no drawing on the "current" axes).

This module is not imported by ``import lrbook`` (matplotlib is slow to import);
use ``from lrbook import plotting``.

Colours
-------
:data:`CLASS_COLORS` (the Okabe-Ito colour-blind safe palette) gives class ``k``
its colour in every figure: data points, decision regions and legends agree.
:data:`PATH_COLOR` is used for optimisation paths.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.patches import Circle, FancyArrowPatch
from numpy.typing import ArrayLike, NDArray

from lrbook._primitives import sigmoid
from lrbook.kernels import bce_loss

__all__ = [
    "CLASS_COLORS",
    "PATH_COLOR",
    "plot_bce_cases",
    "plot_computation_graph",
    "plot_curves",
    "plot_decision_boundary",
    "plot_linear_fit",
    "plot_loss_contours",
    "plot_loss_curve",
    "plot_loss_surface",
    "plot_lr_sweep",
    "plot_network",
    "plot_regularization_path",
    "plot_sigmoid",
    "plot_step_size_error",
    "plot_step_size_errors",
    "plot_timings",
]

#: Colour of class k is ``CLASS_COLORS[k % 8]`` (Okabe-Ito palette).
CLASS_COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Colour of optimisation paths drawn over loss contours and surfaces.
PATH_COLOR = "#D55E00"
_GREY = "0.45"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _class_color(k: int) -> str:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def _new_axes(projection: str | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    import matplotlib.pyplot as plt  # only when the caller passed no axes

    fig = plt.figure(figsize=figsize)
    return fig.add_subplot(projection=projection)


def _check_axes(ax: Any, name: str = "ax") -> Axes:
    if not isinstance(ax, Axes):
        raise TypeError(
            f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}; "
            f"create one with fig.add_subplot() or leave {name}=None"
        )
    return ax


def _is_3d(ax: Axes) -> bool:
    return getattr(ax, "name", "") == "3d"


def _as_1d(values: ArrayLike, name: str, *, allow_nonfinite: bool = False) -> NDArray[np.float64]:
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64).ravel() if arr.ndim == 2 and 1 in arr.shape else arr
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value")
    if not allow_nonfinite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; pass finite values")
    return arr


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={value}")
    return int(value)


def _check_range(r: Any, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in r)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {r!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {name}={r!r}")
    return lo, hi


def _check_path(path: ArrayLike) -> NDArray[np.float64]:
    p = np.asarray(path, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] == 0:
        raise ValueError(
            f"path must have shape (n_steps, 2) (one row of (w1, w2) per step), got {p.shape}; "
            "stack the iterates with np.array(history)"
        )
    if not np.all(np.isfinite(p)):
        raise ValueError("path contains NaN or inf (a diverged run?); plot its finite prefix")
    return p


def _moving_average(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    c = np.cumsum(np.insert(x, 0, 0.0))
    return (c[window:] - c[:-window]) / window


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
    w = 1 if smooth is None else _check_int(smooth, "smooth", 1)
    if w > y.size:
        raise ValueError(
            f"smooth={w} is longer than losses ({y.size} values); use a smaller window"
        )
    if log and np.any(y <= 0):
        raise ValueError("log=True needs positive losses; losses has values <= 0")
    ax = _new_axes() if ax is None else _check_axes(ax)
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


def _check_lines(value: Any, name: str) -> list[float]:
    """None, a number or a sequence of numbers -> list of finite floats (reference lines)."""
    if value is None:
        return []
    values = [value] if isinstance(value, numbers.Real) else value
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or a sequence of numbers, got {value!r}"
        ) from None
    if not all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return out


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
    if not isinstance(curves, Mapping) or len(curves) == 0:
        raise TypeError(
            "curves must be a non-empty mapping label -> y values, e.g. "
            f"{{'cross-entropy': loss}}, got {type(curves).__name__}"
        )
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
    h_lines = _check_lines(hline, "hline")
    v_lines = _check_lines(vline, "vline")
    limits = None if ylim is None else _check_range(ylim, "ylim")
    if logy and limits is not None and limits[0] <= 0:
        raise ValueError(f"logy=True needs ylim with a positive low end, got ylim={ylim!r}")
    ax = _new_axes() if ax is None else _check_axes(ax)
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
    if any(not name.startswith("_") for name, _ in lines):
        ax.legend()
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
    :func:`lrbook.kernels.bce_loss`.  Class ``k`` has colour ``CLASS_COLORS[k]``.

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
    lo, hi = _check_range(p_range, "p_range")
    if not 0.0 < lo < hi < 1.0:
        raise ValueError(
            f"p_range must lie inside (0, 1) (probabilities; the loss is infinite at 0 and "
            f"1), got p_range={p_range!r}"
        )
    p = np.linspace(lo, hi, 400)
    z = np.log(p) - np.log1p(-p)  # the logits that give these probabilities
    curves = {
        r"$y = 0$: $-\log(1 - \hat y)$": bce_loss(np.zeros_like(z), z),
        r"$y = 1$: $-\log \hat y$": bce_loss(np.ones_like(z), z),
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


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _named_curves(
    values: Any, n: int, name: str, *, positive: bool, reason: str
) -> list[tuple[str, NDArray[np.float64]]]:
    """Validate a mapping label -> y values of length ``n`` (finite; > 0 if ``positive``)."""
    if not isinstance(values, Mapping) or len(values) == 0:
        raise TypeError(
            f"{name} must be a non-empty mapping label -> values, e.g. "
            f"{{'NumPy': [...]}}, got {type(values).__name__}"
        )
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
    ax = _new_axes() if ax is None else _check_axes(ax)
    order = np.argsort(xs, kind="stable")
    for i, (label, ys) in enumerate(curves):
        ax.plot(
            xs[order],
            ys[order],
            marker=_MARKERS[i % len(_MARKERS)],
            ms=5,
            lw=1.5,
            color=_class_color(i),
            label=label,
        )
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(not label.startswith("_") for label, _ in curves):
        ax.legend()
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
    ax = _new_axes() if ax is None else _check_axes(ax)
    x = cs[order]
    if matrix is None:
        for i, (label, ys) in enumerate(curves):
            ax.plot(
                x,
                ys[order],
                marker=_MARKERS[i % len(_MARKERS)],
                ms=4,
                lw=1.5,
                color=_class_color(i),
                label=label,
            )
        if any(not label.startswith("_") for label, _ in curves):
            ax.legend()
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
        single = _new_axes() if axes is None else _check_axes(axes, "axes")
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


# ---------------------------------------------------------------------------
# sigmoid and linear fit
# ---------------------------------------------------------------------------
def plot_sigmoid(
    z: ArrayLike | None = None,
    y: ArrayLike | None = None,
    ax: Axes | None = None,
    *,
    z_range: tuple[float, float] | None = None,
    class_names: Sequence[str] | None = None,
) -> Axes:
    """The sigmoid curve with the 0.5 cutoff, the threshold z = 0 and optional data.

    Data points are drawn at height ``y`` (0 or 1) above their score ``z``,
    coloured by class: points on the wrong side of ``z = 0`` are the errors of
    the 0.5-cutoff classifier.

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
    ax = _new_axes() if ax is None else _check_axes(ax)
    lo, hi = (-6.0, 6.0) if z_range is None else _check_range(z_range, "z_range")
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
        for k in (0, 1):
            m = ys == k
            ax.scatter(
                zs[m],
                ys[m],
                color=_class_color(k),
                edgecolor="k",
                s=36,
                zorder=3,
                alpha=0.8,
                label=names[k],
            )
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.08, 1.08)
    ax.set_xlabel(r"score $z = w^\top x + b$")
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
    ax = _new_axes() if ax is None else _check_axes(ax)
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
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"X must be a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(
            f"X must have shape (n_samples, 2) to draw a 2-D decision boundary, got {arr.shape}; "
            "pick two features, e.g. lrbook.datasets.load_iris(features=(2, 3))"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("X contains NaN or inf")
    return arr


def _evaluate_model(
    model: Any, G: NDArray[np.float64], proba: bool
) -> tuple[str, NDArray[Any], NDArray[Any] | None]:
    """Return ("proba", p_positive, classes) or ("labels", raw_labels, classes)."""
    m = G.shape[0]
    classes = getattr(model, "classes_", None)
    if hasattr(model, "predict"):
        if proba and hasattr(model, "predict_proba"):
            out = np.asarray(model.predict_proba(G), dtype=np.float64)
            if out.ndim == 2 and out.shape[1] == 2:
                return "proba", out[:, 1], classes
            labels_idx = np.argmax(out, axis=1)
            cls = np.asarray(classes) if classes is not None else np.arange(out.shape[1])
            return "labels", cls[labels_idx], cls
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
            return "labels", np.argmax(out, axis=1), None
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
    black ``P = 0.5`` line (the decision boundary).  Otherwise (more classes, or
    labels only): the decision regions, filled with the class colours, with thin
    black lines where the predicted class changes.

    Parameters
    ----------
    model : estimator or callable
        A fitted classifier (``predict_proba`` is used when ``proba`` is true and it
        exists, else ``predict``), or a function of an ``(m, 2)`` array returning
        ``(m,)`` positive-class probabilities, ``(m,)`` integer labels or
        ``(m, K)`` class probabilities.
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
    res = _check_int(resolution, "resolution", 2)
    ax = _new_axes() if ax is None else _check_axes(ax)
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
    r1 = _check_range(w1_range, "w1_range")
    r2 = _check_range(w2_range, "w2_range")
    res = _check_int(resolution, "resolution", 2)
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
    if ax is None:
        ax = _new_axes(projection="3d")
    else:
        _check_axes(ax)
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
    ax = _new_axes() if ax is None else _check_axes(ax)
    lv: Any
    if isinstance(levels, numbers.Integral) and not isinstance(levels, bool):
        n_lv = _check_int(levels, "levels", 1)
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
            n_arrows = _check_int(max_arrows, "max_arrows", 0)
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


# ---------------------------------------------------------------------------
# gradient checking
# ---------------------------------------------------------------------------
_SLOPES = {"forward": 1, "backward": 1, "central": 2}


def plot_step_size_error(
    eps: ArrayLike,
    errors: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    *,
    guides: bool = True,
) -> Axes:
    """Log-log plot of finite-difference error against step size: truncation vs round-off.

    For large steps the error falls with the step (slope 1 for forward, slope 2
    for central differences: truncation error); for tiny steps it grows again
    like ``machine epsilon / eps`` (round-off), which gives the V shape.  The best
    step of each method is marked with a larger dot.

    Parameters
    ----------
    eps : array-like of shape (n,)
        Step sizes (> 0), in any order.
    errors : mapping str -> array-like of shape (n,)
        Method name -> absolute or relative errors (>= 0) at each step, e.g.
        ``{"forward": ..., "central": ...}``.  The names ``"forward"``,
        ``"backward"`` and ``"central"`` are labelled "... difference" and get a
        reference slope; other names are used as given.  Exact zeros cannot be
        drawn on a log axis and are left out.
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    guides : bool, default=True
        Add grey dashed reference lines ``O(eps)`` (forward/backward) and
        ``O(eps^2)`` (central) anchored at the largest step, drawn only within the
        y range of the errors themselves.

    Returns
    -------
    matplotlib.axes.Axes

    See Also
    --------
    plot_step_size_errors : the same plot with two positional error arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from lrbook.plotting import plot_step_size_error
    >>> eps = np.logspace(-12, -1, 23)
    >>> errors = {
    ...     "forward": np.abs((np.exp(1 + eps) - np.exp(1)) / eps - np.exp(1)),
    ...     "central": np.abs((np.exp(1 + eps) - np.exp(1 - eps)) / (2 * eps) - np.exp(1)),
    ... }
    >>> ax = plot_step_size_error(eps, errors, Figure().add_subplot())
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.lines)
    ('log', 'log', 6)
    """
    e = _as_1d(eps, "eps")
    if np.any(e <= 0):
        raise ValueError("eps must be positive step sizes")
    if not isinstance(errors, Mapping) or len(errors) == 0:
        raise TypeError(
            "errors must be a non-empty mapping method name -> error array, e.g. "
            f"{{'forward': ..., 'central': ...}}, got {type(errors).__name__}"
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
    ax = _new_axes() if ax is None else _check_axes(ax)
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
        for name, a in curves:
            slope = _SLOPES.get(name)
            finite = np.isfinite(a)
            if slope is None or not finite.any():
                continue
            k = int(np.flatnonzero(finite)[-1])  # the largest step with a drawable error
            tex = r"$O(\epsilon)$" if slope == 1 else r"$O(\epsilon^2)$"
            guide = a[k] * (e / e[k]) ** slope
            guide = np.where((guide >= y_lo) & (guide <= y_hi), guide, np.nan)
            ax.plot(e, guide, ls="--", color=_GREY, lw=1, label=tex)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"step size $\epsilon$")
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
        Add the ``O(eps)`` and ``O(eps^2)`` reference lines.

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

    Every input feeds every hidden unit (weights ``W^[1]``, shape ``(n_inputs,
    n_hidden)``), every hidden unit feeds every output (``W^[2]``).

    Parameters
    ----------
    n_inputs, n_hidden, n_outputs : int
        Units per layer (>= 1).
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    labels : bool, default=True
        Write unit names (``x_i``, ``a^[1]_j``, ``y-hat_k``) in the circles, and the
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
        _check_int(n_inputs, "n_inputs", 1),
        _check_int(n_hidden, "n_hidden", 1),
        _check_int(n_outputs, "n_outputs", 1),
    ]
    gap = max(2.5, 0.6 * max(sizes))  # wide enough that tall layers do not look squashed
    if ax is None:
        height = 6.0 * (max(sizes) + 1.9) / (2 * gap + 1.6)
        ax = _new_axes(figsize=(6.0, float(np.clip(height, 2.5, 8.0))))
    else:
        _check_axes(ax)
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
        lambda i: f"$a^{{[1]}}_{{{i + 1}}}$",
        (lambda i: r"$\hat{y}$") if sizes[2] == 1 else (lambda i: f"$\\hat{{y}}_{{{i + 1}}}$"),
    ]
    for li, layer in enumerate(pos):
        for i, (x, y) in enumerate(layer):
            ax.add_patch(Circle((x, y), r, facecolor=fills[li], edgecolor="k", lw=1.2, zorder=3))
            if labels:
                ax.text(x, y, unit_names[li](i), ha="center", va="center", fontsize=9, zorder=4)
    top = (max(sizes) - 1) / 2
    if labels:
        layer_names = ["input $x$", "hidden $a^{[1]}$", r"output $\hat{y}$"]
        for li in range(3):
            ax.text(xs[li], -top - 0.9, layer_names[li], ha="center", va="top", fontsize=10)
        for li, name in enumerate(["$W^{[1]}, b^{[1]}$", "$W^{[2]}, b^{[2]}$"]):
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
    """Computation graph of logistic regression for one example: ``z -> a -> L``.

    Inputs ``x_i, w_i, b`` feed ``z = w_1 x_1 + ... + b``, then ``a = sigma(z)``,
    then ``L(a, y)``.  With ``gradients=True`` the backward pass is written under
    the arrows (``da``, ``dz = a - y``, ``dw_i = x_i dz``, ``db = dz``), the
    chain rule read from right to left.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Axes to draw into; created if None.
    n_features : int, default=2
        Number of features ``x_i`` (>= 1).
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
    >>> "$z = w_1 x_1 + w_2 x_2 + b$" in texts, any("a - y" in t for t in texts)
    (True, True)
    """
    n = _check_int(n_features, "n_features", 1)
    if ax is None:
        ax = _new_axes(figsize=(8.0, max(3.0, 0.8 * (2 * n + 1))))
    else:
        _check_axes(ax)
    fwd = {"boxstyle": "round,pad=0.35", "fc": "#DDEEFF", "ec": "k"}
    inp = {"boxstyle": "round,pad=0.3", "fc": "#F2F2F2", "ec": "0.4"}
    back: dict[str, Any] = {"color": "#D55E00", "fontsize": 9, "ha": "center"}
    names = [s for i in range(1, n + 1) for s in (f"$x_{i}$", f"$w_{i}$")] + ["$b$"]
    m = len(names)
    ys = np.linspace(1.0, 0.0, m) if m > 1 else np.array([0.5])
    inputs = [
        ax.text(0.05, y, s, ha="center", va="center", bbox=inp, transform=ax.transAxes)
        for s, y in zip(names, ys, strict=True)
    ]
    terms = " + ".join(f"w_{i} x_{i}" for i in range(1, n + 1))
    zt = ax.text(0.38, 0.5, f"$z = {terms} + b$", ha="center", va="center", bbox=fwd)
    at = ax.text(0.70, 0.5, r"$a = \sigma(z)$", ha="center", va="center", bbox=fwd)
    lt = ax.text(0.93, 0.5, r"$\mathcal{L}(a, y)$", ha="center", va="center", bbox=fwd)
    for t in (zt, at, lt):
        t.set_transform(ax.transAxes)
    arrow = {"arrowstyle": "->", "color": "k", "lw": 1.2, "shrinkA": 2, "shrinkB": 2}
    for t in inputs:
        ax.annotate(
            "",
            xy=(0, 0.5),
            xycoords=zt,
            xytext=(1, 0.5),
            textcoords=t,
            arrowprops=arrow,
        )
    ax.annotate("", xy=(0, 0.5), xycoords=at, xytext=(1, 0.5), textcoords=zt, arrowprops=arrow)
    ax.annotate("", xy=(0, 0.5), xycoords=lt, xytext=(1, 0.5), textcoords=at, arrowprops=arrow)
    if gradients:
        ax.text(
            0.815,
            0.33,
            r"$da = \partial\mathcal{L}/\partial a = -y/a + (1-y)/(1-a)$",
            transform=ax.transAxes,
            **back,
        )
        ax.text(0.56, 0.62, "$dz = da\\,a(1-a) = a - y$", transform=ax.transAxes, **back)
        grads = [f"$dw_{i} = x_{i}\\,dz$" for i in range(1, n + 1)] + ["$db = dz$"]
        ax.text(
            0.16,
            0.0,
            ",  ".join(grads),
            transform=ax.transAxes,
            **{**back, "ha": "left"},
        )
    ax.set_axis_off()
    return ax
