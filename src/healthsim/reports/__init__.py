"""Numbers -> tables, figures and files: the only part of healthsim that writes.

``write_run(result, out)`` writes one run's folder (CSV tables, PNG figures, the fully
resolved scenario and a report) atomically; the figure functions return matplotlib
figures for notebooks.
"""

from healthsim.reports.atomic import OutputFolderError
from healthsim.reports.figures import finances_figure, ladder_figure, quality_harm_figure
from healthsim.reports.network import network_figure
from healthsim.reports.run_report import files_written, write_run
from healthsim.reports.summary_text import terminal_summary

__all__ = [
    "OutputFolderError",
    "files_written",
    "finances_figure",
    "ladder_figure",
    "network_figure",
    "quality_harm_figure",
    "terminal_summary",
    "write_run",
]
