"""Shared pieces of the figures: colours, axes and argument checks."""

from __future__ import annotations

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
