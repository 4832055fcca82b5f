"""What X's pay-per-use API costs (since 2026): reads and writes are billed per post,
and users read (followers, following, profile lookups) per user.

The prices are X's published list prices, in US dollars, kept as Decimal so sums of
many small amounts stay exact. Direct messages sent (an offer's code) are counted in
`Usage.extra["dm_sent"]` and priced at DM_CREATE_COST_USD ("DM Interaction: Create",
docs.x.com pricing). Direct messages read are counted apart, in
`Usage.extra["dm_events_read"]`, and not priced here. Users read are counted in
`Usage.extra["users_read"]`; X bills one user once a UTC day, which this estimate
(an upper bound) does not look into.
"""

from decimal import Decimal

READ_COST_USD = Decimal("0.005")  # per post read (mentions, search, timelines, lookups)
WRITE_COST_USD = Decimal("0.01")  # per post created
USER_READ_COST_USD = Decimal("0.010")  # per user read (followers, following, lookups)
DM_CREATE_COST_USD = Decimal("0.015")  # per direct message sent


def estimated_cost(reads: int, writes: int, users_read: int = 0, dms_sent: int = 0) -> Decimal:
    """The estimated bill, in dollars, for `reads` posts read, `writes` posts created,
    `users_read` users read and `dms_sent` direct messages sent."""
    posts = READ_COST_USD * reads + WRITE_COST_USD * writes
    return posts + USER_READ_COST_USD * users_read + DM_CREATE_COST_USD * dms_sent
