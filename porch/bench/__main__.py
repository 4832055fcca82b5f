"""`python -m porch.bench [NAME ...]`: run the benchmarks (all, or those whose module names
contain a NAME) and print one BENCH line per figure."""

from porch.bench.run import main

main()
