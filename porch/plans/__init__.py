"""The readiness workshop: questions, the plan it produces, accepting it, weekly reviews."""
