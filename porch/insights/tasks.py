"""Background insights work: queued imports, the metrics sync and the weekly report."""

from django_tasks import task

from porch.insights.history import run_import
from porch.insights.metrics import sync_all_metrics
from porch.insights.models import HistoryImport
from porch.insights.report import send_due_reports


@task()
def import_history(job_id: int) -> str:
    """Import an uploaded history file; progress and the outcome are kept on the job."""
    job = run_import(HistoryImport.objects.select_related("account").get(pk=job_id))
    return job.state


@task()
def sync_metrics() -> list[str]:
    return [report.line() for report in sync_all_metrics()]


@task()
def weekly_reports() -> list[str]:
    return send_due_reports()
