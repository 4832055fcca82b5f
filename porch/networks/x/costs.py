"""What X's pay-per-use API costs (since 2026): reads and writes are billed per post.

The prices are X's published list prices, in US dollars, kept as Decimal so sums of
many small amounts stay exact. Direct messages read are counted apart, in
`Usage.extra["dm_events_read"]`, and not priced here.
"""

from decimal import Decimal

READ_COST_USD = Decimal("0.005")  # per post read (mentions, search, timelines, lookups)
WRITE_COST_USD = Decimal("0.01")  # per post created


def estimated_cost(reads: int, writes: int) -> Decimal:
    """The estimated bill, in dollars, for `reads` posts read and `writes` posts created."""
    return READ_COST_USD * reads + WRITE_COST_USD * writes
