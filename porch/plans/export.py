"""The plan as Markdown (also what `porch plan` prints) and as a PDF to print."""

from pathlib import Path
from typing import Any

from fpdf import FPDF

from porch.plans.generate import slot_text
from porch.plans.questions import NETWORKS

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


NO_SEARCHES = "None: none of the networks you picked can be searched."


def _search_line(search: dict[str, Any]) -> str:
    on = ", ".join(NETWORKS.get(name, name) for name in search.get("networks", []))
    return f"{search['query']} ({search['kind']}{'; on ' + on if on else ''})"


def sections(name: str, plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The plan as (heading, lines) pairs: the one outline Markdown and PDF share."""
    routine = plan["routine"]
    return [
        (
            "Readiness",
            [f"Overall: {plan['overall']} / 100"]
            + [
                f"{a['area']}: {a['score']} / 100. {a['reason']} To raise it: {a['raise']}"
                for a in plan["readiness"]
            ],
        ),
        (
            "Profile bios",
            [
                f"{NETWORKS.get(network, network)} (up to {b['limit']} characters): {b['text']}"
                for b in plan["bios"]
                for network in [b["network"]]
            ],
        ),
        ("Listening searches", [_search_line(s) for s in plan["searches"]] or [NO_SEARCHES]),
        ("Peers to follow", [f"{p['who']}: {p['why']}" for p in plan["peers"]] or ["None yet."]),
        (
            "Content pillars and mix",
            [
                f"{p['name']}: {p['share']}%{' (promotional)' if p['promotional'] else ''}. "
                f"{p['purpose']}"
                for p in plan["pillars"]
            ],
        ),
        (
            "Weekly routine",
            [
                f"{routine['hours']} hours a week.",
                f"Inbox: {routine['inbox_minutes_a_day']} minutes a day, "
                f"{routine['inbox_days']}; answer within {plan['first_response_minutes']} "
                "minutes.",
                f"Posts: {routine['posts_a_week']} a week, at "
                + ", ".join(slot_text(s) for s in routine["slots"])
                + ".",
                f"Review: {routine['review']}, {routine['review_minutes']} minutes.",
            ],
        ),
        ("First posts (drafts)", [f"[{d['pillar']}] {d['text']}" for d in plan["drafts"]]),
        *_offer_section(plan.get("offer")),
        (
            "Next actions",
            [f"{n}. {a['text']} ({a['minutes']} min)" for n, a in enumerate(plan["actions"], 1)]
            or ["Nothing left to do: your plan is running."],
        ),
    ]


def _offer_section(offer: dict[str, Any] | None) -> list[tuple[str, list[str]]]:
    """The plan's first offer for followers (plans made before offers have none)."""
    if not offer:
        return []
    lines = [f"{offer['title']}, for {offer['days']} days. {offer['terms']}"]
    return [("First offer for followers", lines + [f"Post: {text}" for text in offer["posts"]])]


def markdown(name: str, version: int, plan: dict[str, Any]) -> str:
    lines = [f"# Plan for {name} (version {version})", ""]
    for heading, items in sections(name, plan):
        lines += [f"## {heading}", ""]
        numbered = heading == "Next actions"
        lines += [item if numbered else f"- {item}" for item in items]
        lines.append("")
    return "\n".join(lines)


def _font(pdf: FPDF) -> str:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "Helvetica"


def _text(font: str, text: str) -> str:
    """Helvetica only has Latin-1: other characters become '?' rather than failing."""
    return text if font == "DejaVu" else text.encode("latin-1", "replace").decode("latin-1")


def pdf(plans: list[tuple[str, int, dict[str, Any]]]) -> bytes:
    """One PDF, one plan after the other, each starting on a new page."""
    document = FPDF(orientation="P", unit="mm", format="A4")
    document.set_auto_page_break(auto=True, margin=15)
    font = _font(document)
    for name, version, plan in plans:
        document.add_page()
        document.set_font(font, "B", 16)
        document.multi_cell(
            0, 9, _text(font, f"Plan for {name} (version {version})"), new_x="LMARGIN", new_y="NEXT"
        )
        for heading, items in sections(name, plan):
            document.ln(2)
            document.set_font(font, "B", 12)
            document.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
            document.set_font(font, "", 10)
            for item in items:
                document.multi_cell(0, 5, _text(font, item), new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())
