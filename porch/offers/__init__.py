"""Offers for followers: codes only followers get, redeemed at the counter, counted in money."""
