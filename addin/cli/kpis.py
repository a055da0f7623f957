"""The `kpis` command: refresh the manager's KPI and pivot sheets, print the headline figures."""

from __future__ import annotations

from pathlib import Path

import click

from addin.cli._shared import (
    as_of_option,
    cli,
    echo,
    friendly_errors,
    password_option,
    update_tracker,
)


@cli.command("kpis")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--png",
    "png_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also draw the charts as PNG images in this folder (needs matplotlib).",
)
@as_of_option("Age denials and deadlines from this date instead of today (YYYY-MM-DD).")
@password_option
@friendly_errors
def kpis_(workbook: Path, png_dir: Path | None, as_of, password):
    """Refresh the KPIs, By Payer, By Category, By CARC and By Month sheets of WORKBOOK.

    Rewrites only those sheets (values and native charts, never your data or columns)
    and prints the headline KPIs: initial denial rate, overturn rate, days to appeal and
    to resolve, dollars denied, recovered, written off and at risk, each against the
    previous quarter.

    Example:

        denialdesk kpis tracker.xlsx --png charts
    """
    from addin.actions.kpi_refresh import refresh_kpis

    today = as_of
    report = update_tracker(
        workbook,
        password,
        lambda book: refresh_kpis(book, today=today, png_dir=png_dir),
    )
    echo(report.summary())
