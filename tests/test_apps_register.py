"""Apps register themselves: periodic jobs, pages and `porch` commands come from each app's
folder, and the central modules only collect them."""

import ast
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLResolver
from django.utils.module_loading import import_string, module_has_submodule

from porch import cli, urls
from porch.core import scheduler
from porch.core.scheduler import Periodic, PeriodicConflict
from porch.networks import registry

PORCH = Path(cli.__file__).parent

# What the apps register in their AppConfig.ready(): job name -> (task, interval in seconds).
EXPECTED_JOBS = {
    "prune-finished-tasks": ("porch.core.tasks.prune_finished_tasks", 3600),
    "sync-due-accounts": ("porch.networks.tasks.sync_due_accounts", 1),
    "send-due-replies": ("porch.inbox.tasks.send_due_replies", 5),
    "send-due-alerts": ("porch.inbox.tasks.send_due_alerts", 30),
    "follow-searches": ("porch.listening.tasks.follow_searches", 600),
    "listening-spikes": ("porch.listening.tasks.watch_spikes", 900),
    "publish-due": ("porch.publishing.tasks.publish_due_posts", 5),
    "poll-feeds": ("porch.publishing.tasks.poll_feeds", 900),
    "sync-metrics": ("porch.insights.tasks.sync_metrics", 3600),
    "weekly-reports": ("porch.insights.tasks.weekly_reports", 3600),
    "weekly-plan-review": ("porch.plans.tasks.weekly_plan_reviews", 3600),
    "peer-ranking": ("porch.plans.tasks.rank_peers_everywhere", 86400),
    "people-sweep": ("porch.people.tasks.sweep_people", 5),
    "people-followers": ("porch.people.tasks.sync_followers", 600),
    "people-merges": ("porch.people.tasks.suggest_merges", 3600),
    "send-offer-codes": ("porch.offers.tasks.send_offer_codes", 5),
    "deliver-webhooks": ("porch.api.tasks.deliver_webhooks", 5),
    "api-prune": ("porch.api.tasks.prune_idempotency_keys", 3600),
}


def test_the_periodic_jobs_are_those_the_apps_register() -> None:
    names = [job.name for job in scheduler.PERIODIC]
    assert len(names) == len(set(names))  # none twice
    registered = {job.name: (job.task_path, job.interval) for job in scheduler.PERIODIC}
    networks_own = {
        name: (task_path, interval)
        for network in registry.descriptors()
        if network.name != settings.DEMO_NETWORK or settings.DEMO_CUSTOMER  # the demo's: off
        for name, task_path, interval in network.periodic
    }
    assert registered == EXPECTED_JOBS | networks_own


def test_each_periodic_job_runs_a_task_of_an_installed_app() -> None:
    installed = [config.name for config in apps.get_app_configs()]
    for job in scheduler.PERIODIC:
        assert any(job.task_path.startswith(f"{app}.") for app in installed), job
        assert callable(import_string(job.task_path).enqueue), job


def test_the_scheduler_names_no_task_of_its_own() -> None:
    source = Path(scheduler.__file__).read_text(encoding="utf-8")
    assert ".tasks." not in source


def test_registering_a_job_again_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "PERIODIC", [])
    job = Periodic("tidy", "porch.core.tasks.prune_finished_tasks", 60)
    scheduler.register(job)
    scheduler.register(Periodic("tidy", "porch.core.tasks.prune_finished_tasks", 60))
    registered = scheduler.PERIODIC
    assert registered == [job]


def test_two_different_jobs_of_one_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "PERIODIC", [])
    scheduler.register(Periodic("tidy", "porch.core.tasks.prune_finished_tasks", 60))
    with pytest.raises(PeriodicConflict, match="'tidy' is registered twice"):
        scheduler.register(Periodic("tidy", "porch.core.tasks.prune_finished_tasks", 120))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_the_site_urls_name_no_apps_views() -> None:
    imported = imported_modules(Path(urls.__file__))
    assert all(module.startswith("django.") for module in imported), imported


def test_the_site_includes_every_apps_urls() -> None:
    with_pages = [
        f"{config.name}.urls"
        for config in apps.get_app_configs()
        if config.name.startswith("porch.") and module_has_submodule(config.module, "urls")
    ]
    assert "porch.networks.urls" in with_pages
    included = [entry.urlconf_name for entry in urls.urlpatterns if isinstance(entry, URLResolver)]
    assert all(import_module(module) in included for module in with_pages)


def test_the_porch_command_collects_each_apps_commands() -> None:
    modules = list(cli.app_cli_modules())
    assert {"porch.triage.cli", "porch.plans.cli", "porch.insights.cli"} <= set(modules)
    for module in modules:
        for command in getattr(import_module(module), "commands", []):
            assert cli.main.commands[command.name] is command


def test_no_app_imports_the_porch_command() -> None:
    for config in apps.get_app_configs():
        if config.name.startswith("porch."):
            for path in Path(config.path).glob("**/*.py"):
                assert_no_porch_cli(path)


def assert_no_porch_cli(path: Path) -> None:
    imported = imported_modules(path)
    assert "porch.cli" not in imported and "porch.cli.main" not in imported, path
