"""`python -m porch.bench.retrain_time`: the wall time of one learning.retrain of the shipped
transformer on 200 corrections (five fold models, the check, the final model), with the
transformer tier's trainer (transformer.adapt_intents: fine-tuning the last layer) on two
cores; prints `BENCH triage_transformer_retrain_200_corrections <seconds> s`.

The process starts cold: the corrections' and the replay sample's hidden states are computed
inside the timed retrain, as a workspace's first retrain after a restart would. Limit the
process to two cores from outside (taskset -c 0,1) where the machine has more.
"""

import os

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from porch.bench.run import Figure
from porch.bench.triage import CORRECTIONS, retrain_seconds

CORES = 2


def main() -> None:
    from porch.triage.transformer import SHIPPED_MODEL_DIR, adapt_intents, load_model

    cores = min(CORES, len(os.sched_getaffinity(0)))
    model = load_model(SHIPPED_MODEL_DIR, threads=cores)
    with threadpool_limits(limits=cores):
        seconds = retrain_seconds(model, adapt_intents)
    print(Figure(f"triage_transformer_retrain_{CORRECTIONS}_corrections", seconds, "s").line())


if __name__ == "__main__":
    main()
