"""Background plan work: the weekly review, and peer discovery's ranking."""

from django.utils import timezone
from django_tasks import task

from porch.plans.peers import rank_everywhere
from porch.plans.review import review_all


@task()
def weekly_plan_reviews() -> list[str]:
    return review_all()


@task()
def rank_peers_everywhere() -> int:
    return rank_everywhere(timezone.now())
