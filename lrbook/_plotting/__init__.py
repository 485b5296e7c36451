"""The figures of :mod:`lrbook.plotting`, by topic (private: import lrbook.plotting)."""
