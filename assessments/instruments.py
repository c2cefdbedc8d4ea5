"""The catalogue of response instruments, seeded by assessments/migrations/0003_instruments.py.

(key, name, pillar, typical actor or body, description). Keys never change once released.
"""

from __future__ import annotations

INSTRUMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "good-offices",
        "Good offices and preventive diplomacy",
        "II",
        "Secretary-General, Special Advisers, regional organisations",
        "Quiet diplomacy with the parties to lower tension and open a political way out.",
    ),
    (
        "special-envoy",
        "Special envoy",
        "II",
        "Secretary-General or a regional organisation",
        "A named envoy sustains dialogue with the government and other parties over time.",
    ),
    (
        "public-statement",
        "Public statement by the Secretary-General or Special Advisers",
        "I",
        "Secretary-General, Special Advisers on Genocide Prevention and on R2P",
        "A public reminder to the State of its responsibility to protect, naming the risk.",
    ),
    (
        "fact-finding",
        "Fact-finding mission",
        "III",
        "Human Rights Council, OHCHR, Secretary-General",
        "Independent experts establish the facts on the ground and report publicly.",
    ),
    (
        "commission-of-inquiry",
        "Commission of inquiry",
        "III",
        "Human Rights Council, Security Council",
        "A mandated commission investigates violations and identifies those responsible.",
    ),
    (
        "hrc-special-session",
        "Human Rights Council special session",
        "III",
        "Human Rights Council (one third of its members)",
        "An urgent session of the Council on the situation, with a resolution.",
    ),
    (
        "sc-briefing",
        "Security Council briefing",
        "III",
        "Secretary-General (Article 99), Special Advisers, Council members",
        "The Security Council is briefed on the risk of atrocity crimes.",
    ),
    (
        "sanctions",
        "Targeted sanctions",
        "III",
        "Security Council, regional organisations",
        "Asset freezes and travel bans on those planning or inciting atrocity crimes.",
    ),
    (
        "arms-embargo",
        "Arms embargo",
        "III",
        "Security Council, regional organisations",
        "Stopping the flow of weapons to parties that may use them against civilians.",
    ),
    (
        "icc-referral",
        "Referral to the International Criminal Court",
        "III",
        "Security Council (Rome Statute, article 13(b)), States Parties",
        "The Court is seized of the situation, deterring and prosecuting atrocity crimes.",
    ),
    (
        "protection-mandate",
        "Protection of civilians mandate",
        "III",
        "Security Council, regional organisations, troop contributors",
        "A peace operation mandated and equipped to protect civilians under threat.",
    ),
    (
        "humanitarian-access",
        "Humanitarian access",
        "II",
        "OCHA, humanitarian agencies, parties to the conflict",
        "Negotiated, safe access for relief to populations at risk.",
    ),
    (
        "national-institutions",
        "Support to national institutions",
        "II",
        "UNDP, OHCHR, regional organisations, donors",
        "Strengthening courts, human rights institutions and security sector oversight.",
    ),
    (
        "other",
        "Other",
        "II",
        "As named in the option",
        "Any other response; the option's rationale says what it is.",
    ),
)
