"""People and peers: everyone who talks to the business, each with their identities on the
networks (issue 21)."""
