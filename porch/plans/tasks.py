"""Background plan work: the weekly review."""

from django_tasks import task

from porch.plans.review import review_all


@task()
def weekly_plan_reviews() -> list[str]:
    return review_all()
