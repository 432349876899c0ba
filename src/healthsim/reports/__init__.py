"""Numbers -> tables, figures and files: the only part of healthsim that writes.

Results are plain data; these functions take them. ``write_run(result, out)`` writes
one run's folder (CSV tables, PNG figures, the fully resolved scenario and a report)
atomically, ``write_comparison(result, out)`` a comparison's and
``write_sensitivity(result, out)`` a sensitivity analysis'; the figure functions return
matplotlib figures for notebooks, and the findings functions the report's words.
"""

from healthsim.atomic import OutputFolderError
from healthsim.reports.compare_figures import all_figures as comparison_figures
from healthsim.reports.compare_report import summary_markdown as comparison_summary
from healthsim.reports.compare_report import write_report as write_comparison
from healthsim.reports.compare_text import findings_markdown as comparison_findings
from healthsim.reports.figures import finances_figure, ladder_figure, quality_harm_figure
from healthsim.reports.network import network_figure
from healthsim.reports.run_report import files_written, write_run
from healthsim.reports.sensitivity_figures import figures as sensitivity_analysis_figures
from healthsim.reports.sensitivity_report import write_report as write_sensitivity
from healthsim.reports.sensitivity_text import findings as sensitivity_findings
from healthsim.reports.summary_text import terminal_summary

__all__ = [
    "OutputFolderError",
    "comparison_figures",
    "comparison_findings",
    "comparison_summary",
    "files_written",
    "finances_figure",
    "ladder_figure",
    "network_figure",
    "quality_harm_figure",
    "sensitivity_analysis_figures",
    "sensitivity_findings",
    "terminal_summary",
    "write_comparison",
    "write_run",
    "write_sensitivity",
]
