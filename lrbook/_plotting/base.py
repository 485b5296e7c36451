"""Shared pieces of the figures: colours, axes and argument checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike, NDArray

from lrbook._validation import check_points, check_vector

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
#: Marker of curve i in a family of marked curves is ``_MARKERS[i % 8]``.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


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


def _axes(
    ax: Any,
    name: str = "ax",
    *,
    projection: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """``ax`` checked to be an Axes, or the Axes of a new figure if it is None."""
    if ax is None:
        return _new_axes(projection=projection, figsize=figsize)
    return _check_axes(ax, name)


def _plot_marked(
    ax: Axes, x: NDArray[np.float64], y: NDArray[np.float64], i: int, label: str, *, ms: float
) -> None:
    """Draw curve ``i`` of a family with palette colour ``i`` and marker ``i``."""
    ax.plot(
        x,
        y,
        marker=_MARKERS[i % len(_MARKERS)],
        ms=ms,
        lw=1.5,
        color=_class_color(i),
        label=label,
    )


def _legend_if_labelled(ax: Axes, labels: Iterable[str]) -> None:
    """Draw a legend if any label is shown in one (does not start with ``"_"``)."""
    if any(not label.startswith("_") for label in labels):
        ax.legend()


def _check_mapping(values: Any, name: str, what: str) -> Mapping[Any, Any]:
    """``values`` if it is a non-empty mapping, else a TypeError saying it must be ``what``."""
    if not isinstance(values, Mapping) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty mapping {what}, got {type(values).__name__}")
    return values


def _is_3d(ax: Axes) -> bool:
    return getattr(ax, "name", "") == "3d"


def _moving_average(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    c = np.cumsum(np.insert(x, 0, 0.0))
    return (c[window:] - c[:-window]) / window


def _as_1d(values: ArrayLike, name: str, *, allow_nonfinite: bool = False) -> NDArray[np.float64]:
    return check_vector(values, name, allow_nonfinite=allow_nonfinite)


def _check_path(path: ArrayLike) -> NDArray[np.float64]:
    return check_points(
        path,
        "path",
        "(n_steps, 2) (one row of (w1, w2) per step)",
        "stack the iterates with np.array(history); plot the finite prefix of a diverged run",
    )
