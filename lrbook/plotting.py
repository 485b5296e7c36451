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

from lrbook._plotting import base as _base
from lrbook._plotting.curves import (
    plot_bce_cases,
    plot_curves,
    plot_loss_curve,
    plot_lr_sweep,
    plot_regularization_path,
    plot_timings,
)
from lrbook._plotting.diagrams import (
    plot_computation_graph,
    plot_network,
    plot_step_size_error,
    plot_step_size_errors,
)
from lrbook._plotting.models import (
    plot_decision_boundary,
    plot_linear_fit,
    plot_loss_contours,
    plot_loss_surface,
    plot_sigmoid,
)

#: Colour of class k is ``CLASS_COLORS[k % 8]`` (Okabe-Ito palette).
CLASS_COLORS: tuple[str, ...] = _base.CLASS_COLORS
#: Colour of optimisation paths drawn over loss contours and surfaces.
PATH_COLOR: str = _base.PATH_COLOR

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
