"""Words that make a message urgent whatever the model says: safety, legal, leaving, and an
order missing for an occasion that will not wait.

The model learns urgency from the corpus; these words set a floor under it, so that an
allergic reaction or a solicitor's letter is never scored like a mild gripe. Each entry
is one word or two adjacent words, after normalisation (lowercase, no apostrophes); the
featuriser matches them on its token keys, so the rules cost nothing per message.
"""

SAFETY = 0.9
LEGAL = 0.85
LEAVING = 0.75
TIME_CRITICAL = 0.7  # an order that has not come, for an occasion that will not wait

TRIGGERS: dict[str, float] = {
    **dict.fromkeys(
        (
            "allergic",
            "allergy",
            "allergies",
            "anaphylaxis",
            "anaphylactic",
            "epipen",
            "food poisoning",
            "poisoned",
            "poisoning",
            "choking",
            "choked",
            "hospital",
            "ambulance",
            "injured",
            "injury",
            "bleeding",
            "electric shock",
            "gas leak",
            "smell gas",
            "smells gas",
            "carbon monoxide",
            "on fire",
            "caught fire",
            "fire",
            "flooding",
            "flooded",
            "unsafe",
            "dangerous",
            "hazard",
            "glass in",
            "sick after",
            "vomiting",
            "salmonella",
        ),
        SAFETY,
    ),
    **dict.fromkeys(
        (
            "lawyer",
            "lawyers",
            "solicitor",
            "solicitors",
            "attorney",
            "legal action",
            "sue",
            "suing",
            "small claims",
            "court",
            "trading standards",
            "ombudsman",
            "chargeback",
            "fraud",
            "fraudulent",
            "police",
        ),
        LEGAL,
    ),
    **dict.fromkeys(
        (
            "cancel my",
            "cancel our",
            "cancelling my",
            "canceling my",
            "close my",
            "delete my",
            "my account",
            "cancel subscription",
            "my subscription",
            "my membership",
            "never again",
            "switching to",
            "refund now",
            "refund immediately",
        ),
        LEAVING,
    ),
    **dict.fromkeys(
        (
            "never arrived",
            "never came",
            "never turned",
            "not arrived",
            "hasnt arrived",
            "havent arrived",
            "didnt arrive",
            "didnt come",
            "not delivered",
            "still waiting",
            "no show",
            "wedding",
            "funeral",
            "starts at",
        ),
        TIME_CRITICAL,
    ),
}
