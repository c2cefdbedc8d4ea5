"""The annual implementation report: what it counts, seeded once, and its compilation measured.

Seeding (reports_seed). For each situation of the benchmark (the synthetic ones, SIT-Y, which
hold the signals' links, and the portfolio's, SIT-P, with their approved assessments) the
records a report counts, spread over the two years the signals cover: approved assessments
where a situation has none, escalations moved step by step (submitted, reviewed, endorsed,
transmitted, decided; some urgent, some withdrawn, some sent back by the desk and brought
again), the desk's decisions, the referrals of the decisions to route (every body, regional
arrangements by name) with their follow-up, response options with their moves, and inaction
alerts. Each situation is opened before its first record. All in set-based SQL (INSERT ...
SELECT over generate_series, the draws made by hashing, so a situation's records never depend on
which others existed), one transaction: a situation that has an escalation ESC-B... has all its
records, and --reuse seeds only the situations that have none. No audit rows: the report reads
none.

Measurement (reports_measure). reports.figures.figures_compute for a year (the last twelve
complete months, where the synthetic signals lie; the previous twelve months beside it, as the
report computes them) against REPORT_SQL below: a hand-written script of its own that computes
the same raw figures, every count, median and 90th percentile, written on its own from what
each figure counts (grouped joins and DISTINCT ON where the report has correlated subqueries and
grouping sets), through the raw psycopg2 connection. Both are run interleaved after a
warm-up round; before any timing, every figure the report discloses is checked against the
script's number, and the bench stops with the differences if one disagrees. Peak Python memory
(tracemalloc) of the year and of one month: the report aggregates in SQL, so the year should
need no more memory than the month although it reads about twelve times the rows.
"""

# The SQL below is assembled from this module's constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import itertools
import statistics
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.console import log
from r2p.models import Classification, User
from reports.figures import WORK_MEM

RATIO_TARGET = 2.0
# The share of the report's cells the check must have compared (the others are suppressed as
# fewer than 3): in a quick run the tables are small and more of their cells are suppressed.
COMPARED_MINIMUM = 0.9
COMPARED_MINIMUM_QUICK = 0.8


class ReportFiguresDisagree(RuntimeError):
    """The report and the hand-written SQL gave different figures: the timing means nothing."""


# --- Seeding --------------------------------------------------------------------------------

# A draw in [0, 1) from a tag and up to three numbers: the same arguments, the same draw.
UNIFORM_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.u(tag text, a bigint, b bigint DEFAULT 0, c bigint DEFAULT 0)
RETURNS double precision LANGUAGE sql IMMUTABLE AS
$f$ SELECT ('x' || substr(md5(tag || ':' || a || ':' || b || ':' || c), 1, 8))::bit(32)::bigint
           / 4294967296.0 $f$
"""

# The situations to seed: the benchmark's, without a seeded escalation yet. Each is opened
# before its first record: a few weeks before its first assessment, or about two years and a
# month ago (before the first synthetic signals) when it has none. Reviewer and endorser are
# never its lead analyst (four eyes).
SITUATIONS_SQL = """
CREATE TEMP TABLE rs_sit ON COMMIT DROP AS
SELECT s.id, s.classification AS cls, s.lead_analyst_id AS lead,
       CASE WHEN s.lead_analyst_id = %(analyst)s THEN %(analyst2)s ELSE %(analyst)s END AS reviewer,
       CASE WHEN s.lead_analyst_id = %(adviser)s THEN %(senior)s ELSE %(adviser)s END AS endorser,
       least(s.created_at, coalesce(
           (SELECT min(a.created_at) FROM assessments_assessment a WHERE a.situation_id = s.id)
               - (3 + 30 * pg_temp.u('so', s.id)) * interval '1 day',
           %(now)s - (740 + 20 * pg_temp.u('so', s.id)) * interval '1 day')) AS opened,
       NOT EXISTS (SELECT 1 FROM assessments_assessment a WHERE a.situation_id = s.id)
           AS unassessed
FROM cases_situation s
WHERE (s.reference LIKE 'SIT-Y%%' OR s.reference LIKE 'SIT-P%%')
  AND NOT EXISTS (
      SELECT 1 FROM cases_escalation e
      WHERE e.situation_id = s.id AND e.reference LIKE 'ESC-B%%')
"""

# Opened when said; a closed situation closed at some point since (and, like any record,
# perhaps edited after that: its updated_at is left as it is).
SITUATIONS_OPEN_SQL = """
UPDATE cases_situation s
SET created_at = r.opened,
    closed_at = CASE WHEN s.status = 'closed'
                     THEN r.opened + (0.3 + 0.7 * pg_temp.u('sc', s.id)) * (%(now)s - r.opened)
                     END
FROM rs_sit r WHERE r.id = s.id
"""

# Eight approved versions over the situation's life, for situations that have no assessment.
ASSESSMENTS_SQL = """
INSERT INTO assessments_assessment (
    classification, situation_id, version, catalogue_id, status, author_id, overall_narrative,
    genocide_level, crimes_against_humanity_level, war_crimes_level, computed_level,
    override_level, override_justification, overall_level, created_at, updated_at,
    submitted_at, approved_by_id, approved_at, revision)
SELECT s.cls, s.id, v, %(catalogue)s, 'approved', s.lead,
       'Synthetic assessment generated for the report benchmark.',
       x.level, x.level, greatest(1, x.level - 1), x.level, NULL, '', x.level,
       x.at - interval '5 days', x.at, x.at - interval '1 day', s.reviewer, x.at, 3
FROM rs_sit s
CROSS JOIN generate_series(1, 8) AS v
CROSS JOIN LATERAL (
    SELECT s.opened + (v - 1 + pg_temp.u('aa', s.id, v)) / 8.0
                      * (%(now)s - s.opened - interval '1 day') AS at,
           CASE WHEN pg_temp.u('al', s.id, v) < 0.25 THEN 1
                WHEN pg_temp.u('al', s.id, v) < 0.60 THEN 2
                WHEN pg_temp.u('al', s.id, v) < 0.88 THEN 3 ELSE 4 END AS level
) x
WHERE s.unassessed
"""

ASSESSMENTS_BASED_ON_SQL = """
UPDATE assessments_assessment a SET based_on_id = p.id
FROM assessments_assessment p, rs_sit s
WHERE s.unassessed AND a.situation_id = s.id AND p.situation_id = s.id
  AND p.version = a.version - 1
"""

# One to nine escalations per situation, each starting at some moment of the situation's
# life: 10% urgent (straight to the desk), 8% withdrawn (in review or once reviewed), the
# others through the whole path. The desk sends 15% back; they come again and are decided.
ESCALATION_PLAN_SQL = """
CREATE TEMP TABLE rs_esc ON COMMIT DROP AS
SELECT q.*,
       q.t0 + q.d_review AS t_review,
       q.t0 + q.d_review + q.d_endorse AS t_endorse,
       q.t0 + q.d_review + q.d_endorse + q.d_transmit AS t_transmit,
       CASE WHEN q.kind = 'urgent' THEN q.t0 + q.d_urgent
            ELSE q.t0 + q.d_review + q.d_endorse + q.d_transmit + q.d_decide END AS t_decide,
       CASE WHEN q.after_review THEN q.t0 + q.d_review + q.d_endorse * 0.5
            ELSE q.t0 + q.d_review * 0.5 END AS t_withdraw
FROM (
    SELECT nextval(pg_get_serial_sequence('cases_escalation', 'id')) AS id,
           s.id AS situation_id, n, 'ESC-B' || lpad(s.id::text, 7, '0') || n AS reference,
           s.lead, s.reviewer, s.endorser,
           least(2, s.cls + (pg_temp.u('ec', s.id, n) < 0.1)::int) AS cls,
           s.opened + interval '1 day' + pg_temp.u('et', s.id, n)
               * greatest(%(now)s - s.opened - interval '3 days', interval '0') AS t0,
           (1 + 47 * pg_temp.u('e0', s.id, n)) * interval '1 hour' AS d_draft,
           CASE WHEN pg_temp.u('ek', s.id, n) < 0.10 THEN 'urgent'
                WHEN pg_temp.u('ek', s.id, n) < 0.18 THEN 'withdrawn'
                ELSE 'normal' END AS kind,
           pg_temp.u('ew', s.id, n) < 0.5 AS after_review,
           CASE WHEN pg_temp.u('eo', s.id, n) < 0.15 THEN 'send_back'
                WHEN pg_temp.u('eo', s.id, n) < 0.70 THEN 'route'
                ELSE 'hold' END AS outcome1,
           CASE WHEN pg_temp.u('eo', s.id, n, 2) < 0.65 THEN 'route' ELSE 'hold' END AS outcome2,
           (12 + 132 * pg_temp.u('e1', s.id, n)) * interval '1 hour' AS d_review,
           (1 + 9 * pg_temp.u('e2', s.id, n)) * interval '1 day' AS d_endorse,
           (2 + 70 * pg_temp.u('e3', s.id, n)) * interval '1 hour' AS d_transmit,
           (1 + 29 * pg_temp.u('e4', s.id, n)) * interval '1 day' AS d_decide,
           (6 + 114 * pg_temp.u('e5', s.id, n)) * interval '1 hour' AS d_urgent,
           (2 + 18 * pg_temp.u('e6', s.id, n)) * interval '1 day' AS d_again,
           (12 + 132 * pg_temp.u('e1', s.id, n, 2)) * interval '1 hour' AS d_review2,
           (1 + 9 * pg_temp.u('e2', s.id, n, 2)) * interval '1 day' AS d_endorse2,
           (2 + 70 * pg_temp.u('e3', s.id, n, 2)) * interval '1 hour' AS d_transmit2,
           (1 + 29 * pg_temp.u('e4', s.id, n, 2)) * interval '1 day' AS d_decide2
    FROM rs_sit s
    CROSS JOIN LATERAL generate_series(1, 1 + floor(9 * pg_temp.u('en', s.id))::int) AS n
) q
"""

# Every move that has happened by now, in ESCALATION_MOVES' terms; a decision goes with each
# move out of the desk (decide: route or hold; return from the desk: send back).
ESCALATION_STEPS_SQL = """
CREATE TEMP TABLE rs_step ON COMMIT DROP AS
SELECT p.id AS escalation_id, x.action, x.from_status, x.to_status, x.at, x.actor, x.outcome
FROM (
    SELECT e.*, CASE WHEN e.kind <> 'withdrawn' AND e.outcome1 = 'send_back'
                     THEN e.t_decide + e.d_again END AS again
    FROM rs_esc e
) p
CROSS JOIN LATERAL (VALUES
    ('submit', 'draft', 'in_review', CASE WHEN p.kind <> 'urgent' THEN p.t0 END, p.lead,
     NULL::text),
    ('urgent', 'draft', 'at_desk', CASE WHEN p.kind = 'urgent' THEN p.t0 END, p.endorser, NULL),
    ('review', 'in_review', 'reviewed',
     CASE WHEN p.kind = 'normal' OR (p.kind = 'withdrawn' AND p.after_review)
          THEN p.t_review END, p.reviewer, NULL),
    ('withdraw', CASE WHEN p.after_review THEN 'reviewed' ELSE 'in_review' END, 'withdrawn',
     CASE WHEN p.kind = 'withdrawn' THEN p.t_withdraw END, p.lead, NULL),
    ('endorse', 'reviewed', 'endorsed', CASE WHEN p.kind = 'normal' THEN p.t_endorse END,
     p.endorser, NULL),
    ('transmit', 'endorsed', 'at_desk', CASE WHEN p.kind = 'normal' THEN p.t_transmit END,
     p.endorser, NULL),
    (CASE WHEN p.outcome1 = 'send_back' THEN 'return' ELSE 'decide' END, 'at_desk',
     CASE WHEN p.outcome1 = 'send_back' THEN 'draft' ELSE 'decided' END,
     CASE WHEN p.kind <> 'withdrawn' THEN p.t_decide END, %(desk)s, p.outcome1),
    ('submit', 'draft', 'in_review', p.again, p.lead, NULL),
    ('review', 'in_review', 'reviewed', p.again + p.d_review2, p.reviewer, NULL),
    ('endorse', 'reviewed', 'endorsed', p.again + p.d_review2 + p.d_endorse2, p.endorser, NULL),
    ('transmit', 'endorsed', 'at_desk', p.again + p.d_review2 + p.d_endorse2 + p.d_transmit2,
     p.endorser, NULL),
    ('decide', 'at_desk', 'decided',
     p.again + p.d_review2 + p.d_endorse2 + p.d_transmit2 + p.d_decide2, %(desk)s, p.outcome2)
) AS x(action, from_status, to_status, at, actor, outcome)
WHERE x.at IS NOT NULL AND x.at < %(now)s
"""

ESCALATIONS_SQL = """
INSERT INTO cases_escalation (
    id, classification, reference, situation_id, assessment_id, summary, status, status_since,
    drafted_by_id, reviewed_by_id, endorsed_by_id, urgent, urgent_justification,
    recommended_routing, reminded_at, created_at, updated_at, version)
SELECT p.id, p.cls, p.reference, p.situation_id, NULL,
       'Synthetic escalation generated for the report benchmark.',
       coalesce(l.to_status, 'draft'), coalesce(l.at, p.t0 - p.d_draft), p.lead,
       CASE WHEN m.reviewed THEN p.reviewer END, CASE WHEN m.endorsed THEN p.endorser END,
       p.kind = 'urgent',
       CASE WHEN p.kind = 'urgent' THEN 'Synthetic: killings expected within days.' ELSE '' END,
       '[]'::jsonb, NULL, p.t0 - p.d_draft, coalesce(l.at, p.t0 - p.d_draft),
       1 + coalesce(m.moves, 0)
FROM rs_esc p
LEFT JOIN (
    SELECT DISTINCT ON (escalation_id) escalation_id, to_status, at
    FROM rs_step ORDER BY escalation_id, at DESC
) l ON l.escalation_id = p.id
LEFT JOIN (
    SELECT escalation_id, count(*) AS moves, bool_or(action = 'review') AS reviewed,
           bool_or(action = 'endorse') AS endorsed
    FROM rs_step GROUP BY escalation_id
) m ON m.escalation_id = p.id
"""

TRANSITIONS_SQL = """
INSERT INTO cases_escalationtransition (escalation_id, action, from_status, to_status, actor_id,
                                        at, comment)
SELECT escalation_id, action, from_status, to_status, actor, at,
       CASE WHEN action IN ('return', 'withdraw', 'urgent')
            THEN 'Synthetic: reasons given.' ELSE '' END
FROM rs_step
"""

DECISIONS_SQL = """
CREATE TEMP TABLE rs_dec ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('cases_decision', 'id')) AS id, escalation_id, outcome,
       actor, at
FROM rs_step WHERE outcome IS NOT NULL;
INSERT INTO cases_decision (id, escalation_id, outcome, rationale, decided_by_id, decided_at)
SELECT id, escalation_id, outcome, 'Synthetic decision generated for the report benchmark.',
       actor, at
FROM rs_dec
"""

# One to three referrals per decision to route, sent the day of the decision; their follow-up:
# none yet (10%), acknowledged (15%), on the agenda and still there (20%), no action (15%),
# action taken (40%), as far as it has got by now.
REFERRAL_PLAN_SQL = """
CREATE TEMP TABLE rs_ref ON COMMIT DROP AS
SELECT q.*,
       CASE WHEN q.ub < 0.20 THEN 'sc' WHEN q.ub < 0.30 THEN 'ga' WHEN q.ub < 0.50 THEN 'hrc'
            WHEN q.ub < 0.55 THEN 'ecosoc' WHEN q.ub < 0.65 THEN 'pbc'
            WHEN q.ub < 0.95 THEN 'regional' ELSE 'other' END AS body
FROM (
    SELECT nextval(pg_get_serial_sequence('cases_referral', 'id')) AS id, d.id AS decision_id,
           (d.at AT TIME ZONE 'UTC')::date AS sent_on, d.at AS sent_at,
           pg_temp.u('rb', d.id, m) AS ub, pg_temp.u('ra', d.id, m) AS ua,
           pg_temp.u('rp', d.id, m) AS up,
           (3 + 17 * pg_temp.u('r1', d.id, m)) * interval '1 day' AS d1,
           (5 + 35 * pg_temp.u('r2', d.id, m)) * interval '1 day' AS d2,
           (10 + 80 * pg_temp.u('r3', d.id, m)) * interval '1 day' AS d3,
           (20 + 40 * pg_temp.u('r4', d.id, m)) * interval '1 day' AS d4
    FROM rs_dec d
    CROSS JOIN LATERAL generate_series(1, 1 + floor(3 * pg_temp.u('rn', d.id))::int) AS m
    WHERE d.outcome = 'route'
) q
"""

REFERRAL_UPDATES_PLAN_SQL = """
CREATE TEMP TABLE rs_upd ON COMMIT DROP AS
SELECT r.id AS referral_id, x.status, x.at, x.note
FROM rs_ref r
CROSS JOIN LATERAL (VALUES
    ('acknowledged', CASE WHEN r.up >= 0.10 THEN r.sent_at + r.d1 END, ''),
    ('on_agenda', CASE WHEN (r.up >= 0.25 AND r.up < 0.45) OR r.up >= 0.60
                       THEN r.sent_at + r.d1 + r.d2 END, 'Placed on the agenda.'),
    ('on_agenda', CASE WHEN r.up >= 0.25 AND r.up < 0.45 THEN r.sent_at + r.d1 + r.d2 + r.d4 END,
     'Still under consideration.'),
    ('no_action', CASE WHEN r.up >= 0.45 AND r.up < 0.60 THEN r.sent_at + r.d1 + r.d3 END,
     'The body decided not to act.'),
    ('action_taken', CASE WHEN r.up >= 0.60 THEN r.sent_at + r.d1 + r.d2 + r.d3 END,
     'Resolution adopted.')
) AS x(status, at, note)
WHERE x.at IS NOT NULL AND x.at < %(now)s
"""

REFERRALS_SQL = """
INSERT INTO cases_referral (
    id, decision_id, body, regional_arrangement_id, other_body, legal_basis, rationale, sent_on,
    transmittal_reference, status, action_taken, follow_up_on, reminded_at, updated_at, version)
SELECT r.id, r.decision_id, r.body,
       CASE WHEN r.body = 'regional'
            THEN (%(arrangements)s::bigint[])[1 + floor(r.ua * %(arrangement_count)s)::int] END,
       CASE WHEN r.body = 'other' THEN 'Special Rapporteur (synthetic)' ELSE '' END,
       coalesce(b.basis, 'Charter of the United Nations'),
       'Synthetic routing generated for the report benchmark.', r.sent_on, 'BENCH/' || r.id,
       coalesce(l.status, 'sent'),
       CASE WHEN l.status = 'action_taken' THEN 'Synthetic: a resolution was adopted.' ELSE '' END,
       coalesce((l.at AT TIME ZONE 'UTC')::date, r.sent_on) + 30, NULL,
       coalesce(l.at, r.sent_at), 1 + coalesce(m.moves, 0)
FROM rs_ref r
LEFT JOIN (
    SELECT DISTINCT ON (referral_id) referral_id, status, at
    FROM rs_upd ORDER BY referral_id, at DESC
) l ON l.referral_id = r.id
LEFT JOIN (SELECT referral_id, count(*) AS moves FROM rs_upd GROUP BY referral_id) m
    ON m.referral_id = r.id
LEFT JOIN unnest(%(bodies)s::text[], %(bases)s::text[]) AS b(body, basis) ON b.body = r.body
"""

REFERRAL_UPDATES_SQL = """
INSERT INTO cases_referralupdate (referral_id, status, note, follow_up_on, actor_id, at)
SELECT referral_id, status, note, (at AT TIME ZONE 'UTC')::date + 30, %(desk)s, at FROM rs_upd
"""

# Two to eighteen response options per situation over its life: left proposed (25%),
# recommended (15%), abandoned once recommended (10%), adopted (20%), implemented (30%).
OPTION_PLAN_SQL = """
CREATE TEMP TABLE rs_opt ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('assessments_responseoption', 'id')) AS id,
       s.id AS situation_id, s.lead,
       (%(instruments)s::bigint[])[1 + floor(pg_temp.u('oi', s.id, n) * %(instrument_count)s)::int]
           AS instrument_id,
       (ARRAY['low', 'medium', 'high'])[1 + floor(3 * pg_temp.u('of', s.id, n))::int]
           AS feasibility,
       s.opened + interval '1 day' + pg_temp.u('oc', s.id, n)
           * greatest(%(now)s - s.opened - interval '2 days', interval '0') AS created,
       pg_temp.u('op', s.id, n) AS up,
       (3 + 27 * pg_temp.u('o1', s.id, n)) * interval '1 day' AS d1,
       (5 + 55 * pg_temp.u('o2', s.id, n)) * interval '1 day' AS d2,
       (20 + 160 * pg_temp.u('o3', s.id, n)) * interval '1 day' AS d3
FROM rs_sit s
CROSS JOIN LATERAL generate_series(1, 2 + floor(17 * pg_temp.u('on', s.id))::int) AS n;
CREATE TEMP TABLE rs_ostep ON COMMIT DROP AS
SELECT o.id AS option_id, o.lead, x.from_status, x.to_status, x.at
FROM rs_opt o
CROSS JOIN LATERAL (VALUES
    ('', 'proposed', o.created),
    ('proposed', 'recommended', CASE WHEN o.up >= 0.25 THEN o.created + o.d1 END),
    ('recommended', 'abandoned',
     CASE WHEN o.up >= 0.40 AND o.up < 0.50 THEN o.created + o.d1 + o.d2 END),
    ('recommended', 'adopted', CASE WHEN o.up >= 0.50 THEN o.created + o.d1 + o.d2 END),
    ('adopted', 'implemented', CASE WHEN o.up >= 0.70 THEN o.created + o.d1 + o.d2 + o.d3 END)
) AS x(from_status, to_status, at)
WHERE x.at IS NOT NULL AND x.at < %(now)s
"""

OPTIONS_SQL = """
INSERT INTO assessments_responseoption (
    id, situation_id, instrument_id, rationale, lead_actor, expected_effect, risks, feasibility,
    status, adopted_by, adopted_on, abandoned_reason, proposed_by_id, created_at, updated_at,
    revision)
SELECT o.id, o.situation_id, o.instrument_id,
       'Synthetic response option generated for the report benchmark.',
       'Synthetic lead actor', '', '', o.feasibility, l.to_status,
       CASE WHEN l.to_status IN ('adopted', 'implemented') THEN 'Synthetic body' ELSE '' END,
       CASE WHEN l.to_status IN ('adopted', 'implemented')
            THEN ((o.created + o.d1 + o.d2) AT TIME ZONE 'UTC')::date END,
       CASE WHEN l.to_status = 'abandoned' THEN 'Synthetic: overtaken by events.' ELSE '' END,
       o.lead, o.created, l.at, m.moves
FROM rs_opt o
JOIN (
    SELECT DISTINCT ON (option_id) option_id, to_status, at
    FROM rs_ostep ORDER BY option_id, at DESC
) l ON l.option_id = o.id
JOIN (SELECT option_id, count(*) AS moves FROM rs_ostep GROUP BY option_id) m
    ON m.option_id = o.id;
INSERT INTO assessments_optiontransition (option_id, from_status, to_status, actor_id, at, note)
SELECT option_id, from_status, to_status, lead, at, '' FROM rs_ostep
"""

# Up to three alerts per situation, one after the other; only the last may still be open.
INACTION_SQL = """
INSERT INTO cases_inactionalert (situation_id, level, high_since, raised_at, closed_at)
SELECT s.id, 3 + (pg_temp.u('il', s.id, i) < 0.3)::int,
       x.raised - (7 + 50 * pg_temp.u('ih', s.id, i)) * interval '1 day', x.raised,
       CASE WHEN i = s.k AND pg_temp.u('io', s.id) < 0.5 THEN NULL
            ELSE x.raised + (0.1 + 0.5 * pg_temp.u('ic', s.id, i)) * s.span / s.k END
FROM (
    SELECT r.*, floor(4 * pg_temp.u('ik', r.id))::int AS k,
           %(now)s - r.opened - interval '30 days' AS span
    FROM rs_sit r WHERE r.opened < %(now)s - interval '60 days'
) s
CROSS JOIN LATERAL generate_series(1, s.k) AS i
CROSS JOIN LATERAL (
    SELECT s.opened + interval '30 days' + (i - 1) * s.span / s.k
           + 0.4 * pg_temp.u('ir', s.id, i) * s.span / s.k AS raised
) x
"""

SEEDED_TABLES = (
    "cases_situation",
    "assessments_assessment",
    "cases_escalation",
    "cases_escalationtransition",
    "cases_decision",
    "cases_referral",
    "cases_referralupdate",
    "assessments_responseoption",
    "assessments_optiontransition",
    "cases_inactionalert",
)


@dataclass
class ReportsSeedReport:
    situations: int = 0  # situations seeded now
    assessments: int = 0
    escalations: int = 0
    transitions: int = 0
    decisions: int = 0
    referrals: int = 0
    referral_updates: int = 0
    options: int = 0
    option_transitions: int = 0
    inaction_alerts: int = 0
    seconds: float = 0.0


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


def reports_seed(
    *,
    analyst: User,
    analyst2: User,
    senior: User,
    adviser: User,
    desk: User,
    progress: Callable[[str], None] = lambda message: None,
) -> ReportsSeedReport:
    """Seed what the report counts for every benchmark situation that has none of it yet.

    `analyst` reviews (`analyst2` when `analyst` leads), `adviser` endorses (`senior` when the
    adviser leads), `desk` decides and follows the referrals up."""
    from assessments.models import Catalogue, Instrument
    from cases.models import USUAL_LEGAL_BASIS, RegionalArrangement

    began = time.monotonic()
    report = ReportsSeedReport()
    bodies = list(USUAL_LEGAL_BASIS)
    arrangements = list(RegionalArrangement.objects.order_by("pk").values_list("pk", flat=True))
    instruments = list(Instrument.objects.order_by("position", "pk").values_list("pk", flat=True))
    if not arrangements or not instruments:
        raise RuntimeError("the regional arrangements or the instruments are missing: migrate")
    params = {
        "now": timezone.now(),
        "analyst": analyst.pk,
        "analyst2": analyst2.pk,
        "senior": senior.pk,
        "adviser": adviser.pk,
        "desk": desk.pk,
        "catalogue": Catalogue.objects.order_by("-version").values_list("pk", flat=True)[0],
        "arrangements": arrangements,
        "arrangement_count": len(arrangements),
        "instruments": instruments,
        "instrument_count": len(instruments),
        "bodies": [str(b) for b in bodies],
        "bases": [USUAL_LEGAL_BASIS[b] for b in bodies],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(UNIFORM_SQL)
        cursor.execute(SITUATIONS_SQL, params)
        report.situations = cursor.rowcount
        if not report.situations:
            report.seconds = time.monotonic() - began
            return report
        progress(f"reports: seeding the records of {report.situations:,} situations")
        steps = (
            (SITUATIONS_OPEN_SQL, None),
            (ASSESSMENTS_SQL, "assessments"),
            (ASSESSMENTS_BASED_ON_SQL, None),
            (ESCALATION_PLAN_SQL, "escalations"),
            (ESCALATION_STEPS_SQL, "transitions"),
            (ESCALATIONS_SQL, None),
            (TRANSITIONS_SQL, None),
            (DECISIONS_SQL, None),
            (REFERRAL_PLAN_SQL, "referrals"),
            (REFERRAL_UPDATES_PLAN_SQL, "referral_updates"),
            (REFERRALS_SQL, None),
            (REFERRAL_UPDATES_SQL, None),
            (OPTION_PLAN_SQL, None),
            (OPTIONS_SQL, None),
            (INACTION_SQL, "inaction_alerts"),
        )
        for sql, field in steps:
            cursor.execute(sql, params)
            if field:
                setattr(report, field, cursor.rowcount)
        report.decisions = _count(cursor, "rs_dec")
        report.options = _count(cursor, "rs_opt")
        report.option_transitions = _count(cursor, "rs_ostep")
    progress(
        f"reports: {report.escalations:,} escalations, {report.transitions:,} moves, "
        f"{report.decisions:,} decisions, {report.referrals:,} referrals, "
        f"{report.referral_updates:,} follow-ups, {report.options:,} response options, "
        f"{report.inaction_alerts:,} inaction alerts"
    )
    with connection.cursor() as cursor:
        for table in SEEDED_TABLES:
            cursor.execute(f"ANALYZE {table}")
    report.seconds = time.monotonic() - began
    return report


def reports_rows() -> dict[str, int]:
    """How many rows each table the report reads holds now (the signals are counted apart)."""
    with connection.cursor() as cursor:
        return {table: _count(cursor, table) for table in SEEDED_TABLES}


# --- The periods ----------------------------------------------------------------------------


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def report_periods(today: date):
    """The year measured (the last twelve complete months: the synthetic signals run from two
    years ago to today, so it and the twelve months before it are full) and its last month."""
    from reports.figures import Period

    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return Period(_month_start(first, -12), last), Period(_month_start(first, -1), last)


# --- The hand-written script ----------------------------------------------------------------

# Every statement returns rows of (figure, row, column, count, median, p90): the number of
# records (or of durations) in one cell of one figure, with the median and 90th percentile in
# seconds for durations. Columns: c = this period, p = the previous one; for risk levels the
# moments ps (start of the previous period), cs (start of this one), ce (its end).
# %(p0)s, %(c0)s and %(c1)s bound the two periods ([p0, c0) and [c0, c1)), %(p0d)s, %(c0d)s and
# %(c1d)s the same as dates; %(aud)s is the audience: nothing above it counts.
WINDOWS = """win(col, lo, hi) AS (
    VALUES ('c', %(c0)s::timestamptz, %(c1)s::timestamptz),
           ('p', %(p0)s::timestamptz, %(c0)s::timestamptz))"""

REPORT_SQL: tuple[tuple[str, str], ...] = (
    (
        "situations",
        # Monitored during a period: opened before it ended, and not closed before it began.
        f"""
        WITH {WINDOWS},
        monitored AS (
            SELECT w.col, s.id, s.regions
            FROM cases_situation s
            JOIN win w ON s.created_at < w.hi AND (s.status <> 'closed' OR s.closed_at >= w.lo)
            WHERE s.classification <= %(aud)s
        )
        SELECT 'situations_monitored', 'all', col, count(*), NULL::float, NULL::float
        FROM monitored GROUP BY col
        UNION ALL
        SELECT 'situations_by_region', coalesce(region, ''), col, count(DISTINCT id), NULL, NULL
        FROM monitored LEFT JOIN LATERAL unnest(regions) AS region ON true
        GROUP BY 2, col
        """,
    ),
    (
        "situations by risk",
        # At each moment: the situations open then, by their latest approved assessment.
        """
        WITH moments(col, at) AS (
            VALUES ('ps', %(p0)s::timestamptz), ('cs', %(c0)s::timestamptz),
                   ('ce', %(c1)s::timestamptz)
        ),
        open_then AS (
            SELECT m.col, m.at, s.id
            FROM cases_situation s
            JOIN moments m ON s.created_at < m.at AND (s.status <> 'closed' OR s.closed_at >= m.at)
            WHERE s.classification <= %(aud)s
        ),
        latest AS (
            SELECT DISTINCT ON (o.col, o.id) o.col, o.id, a.overall_level
            FROM open_then o
            JOIN assessments_assessment a ON a.situation_id = o.id
            WHERE a.status = 'approved' AND a.approved_at < o.at
              AND a.classification <= %(aud)s
            ORDER BY o.col, o.id, a.approved_at DESC, a.id DESC
        )
        SELECT 'situations_by_risk', coalesce(l.overall_level, 0)::text, o.col, count(*),
               NULL::float, NULL::float
        FROM open_then o LEFT JOIN latest l ON l.col = o.col AND l.id = o.id
        GROUP BY 2, 3
        """,
    ),
    (
        "signals",
        # New signals, duplicates left out: counted once by the finest grouping, then summed.
        """
        WITH counted AS (
            SELECT CASE WHEN g.created_at >= %(c0)s THEN 'c' ELSE 'p' END AS col,
                   g.category, g.country, g.source_id, count(*) AS n
            FROM cases_signal g
            WHERE g.created_at >= %(p0)s AND g.created_at < %(c1)s
              AND g.classification <= %(aud)s AND g.status <> 'duplicate'
            GROUP BY 1, 2, 3, 4
        ),
        named AS (
            SELECT c.col, c.category, coalesce(r.region, '') AS region, src.source_type,
                   src.reliability, c.n
            FROM counted c
            JOIN cases_source src ON src.id = c.source_id
            LEFT JOIN unnest(%(codes)s::text[], %(regions)s::text[]) AS r(country, region)
                ON r.country = c.country
        )
        SELECT 'signals_by_category', category, col, sum(n)::bigint, NULL::float, NULL::float
        FROM named GROUP BY 2, 3
        UNION ALL
        SELECT 'signals_by_region', region, col, sum(n)::bigint, NULL, NULL
        FROM named GROUP BY 2, 3
        UNION ALL
        SELECT 'signals_by_source_type', source_type, col, sum(n)::bigint, NULL, NULL
        FROM named GROUP BY 2, 3
        UNION ALL
        SELECT 'signals_by_reliability', reliability, col, sum(n)::bigint, NULL, NULL
        FROM named GROUP BY 2, 3
        """,
    ),
    (
        "assessments",
        """
        SELECT 'assessments_approved', a.overall_level::text,
               CASE WHEN a.approved_at < %(c0)s THEN 'p' ELSE 'c' END, count(*),
               NULL::float, NULL::float
        FROM assessments_assessment a
        JOIN cases_situation s ON s.id = a.situation_id
        WHERE a.status = 'approved' AND a.approved_at >= %(p0)s AND a.approved_at < %(c1)s
          AND a.classification <= %(aud)s AND s.classification <= %(aud)s
        GROUP BY 2, 3
        """,
    ),
    (
        "escalations",
        # Each escalation once per event, when it first happened; every decision by outcome.
        """
        WITH known AS (
            SELECT e.id FROM cases_escalation e
            JOIN cases_situation s ON s.id = e.situation_id
            WHERE e.classification <= %(aud)s AND s.classification <= %(aud)s
        ),
        events AS (
            SELECT t.escalation_id, v.event, min(t.at) AS at
            FROM cases_escalationtransition t
            JOIN known k ON k.id = t.escalation_id
            CROSS JOIN LATERAL (VALUES
                ('escalated', t.action IN ('submit', 'urgent')),
                ('urgent', t.action = 'urgent'),
                ('endorsed', t.action IN ('endorse', 'urgent')),
                ('at_desk', t.action IN ('transmit', 'urgent')),
                ('withdrawn', t.action = 'withdraw')
            ) AS v(event, happened)
            WHERE v.happened
            GROUP BY 1, 2
            UNION ALL
            SELECT d.escalation_id, 'decision_' || d.outcome, d.decided_at
            FROM cases_decision d JOIN known k ON k.id = d.escalation_id
        )
        SELECT 'escalations', event, CASE WHEN at < %(c0)s THEN 'p' ELSE 'c' END, count(*),
               NULL::float, NULL::float
        FROM events WHERE at >= %(p0)s AND at < %(c1)s
        GROUP BY 2, 3
        """,
    ),
    (
        "escalation times",
        # Escalations first decided in a period; each stage from its first reaching, as known
        # at the period's end.
        f"""
        WITH {WINDOWS},
        known AS (
            SELECT e.id FROM cases_escalation e
            JOIN cases_situation s ON s.id = e.situation_id
            WHERE e.classification <= %(aud)s AND s.classification <= %(aud)s
        ),
        firsts AS (
            SELECT w.col, t.escalation_id,
                   min(t.at) FILTER (WHERE t.action IN ('submit', 'urgent')) AS escalated,
                   min(t.at) FILTER (WHERE t.action = 'review') AS reviewed,
                   min(t.at) FILTER (WHERE t.action = 'endorse') AS endorsed,
                   min(t.at) FILTER (WHERE t.action IN ('transmit', 'urgent')) AS at_desk,
                   min(t.at) FILTER (WHERE t.action = 'decide' AND t.at >= w.lo) AS decided
            FROM cases_escalationtransition t
            JOIN known k ON k.id = t.escalation_id
            JOIN win w ON t.at < w.hi
            GROUP BY 1, 2
        ),
        spans AS (
            SELECT f.col, v.stage, extract(epoch FROM v.upto - v.since) AS seconds
            FROM firsts f
            CROSS JOIN LATERAL (VALUES
                ('review', f.escalated, f.reviewed),
                ('endorsement', f.reviewed, f.endorsed),
                ('transmission', f.endorsed, f.at_desk),
                ('decision', f.at_desk, f.decided),
                ('whole', f.escalated, f.decided)
            ) AS v(stage, since, upto)
            WHERE f.decided IS NOT NULL AND v.upto >= v.since
        )
        SELECT 'escalation_times', stage, col, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds)
        FROM spans GROUP BY stage, col
        """,
    ),
    (
        "referrals",
        # Sent in a period, by body, and by the status of their last follow-up before the end
        # of that period.
        """
        WITH sent AS (
            SELECT r.id, r.body, ra.acronym,
                   CASE WHEN r.sent_on < %(c0d)s THEN 'p' ELSE 'c' END AS col,
                   CASE WHEN r.sent_on < %(c0d)s THEN %(c0)s ELSE %(c1)s END::timestamptz AS until
            FROM cases_referral r
            JOIN cases_decision d ON d.id = r.decision_id
            JOIN cases_escalation e ON e.id = d.escalation_id
            JOIN cases_situation s ON s.id = e.situation_id
            LEFT JOIN cases_regionalarrangement ra ON ra.id = r.regional_arrangement_id
            WHERE r.sent_on >= %(p0d)s AND r.sent_on < %(c1d)s
              AND e.classification <= %(aud)s AND s.classification <= %(aud)s
        ),
        last_update AS (
            SELECT DISTINCT ON (u.referral_id) u.referral_id, u.status
            FROM cases_referralupdate u JOIN sent ON sent.id = u.referral_id
            WHERE u.at < sent.until
            ORDER BY u.referral_id, u.at DESC, u.id DESC
        )
        SELECT 'referrals_by_body',
               CASE WHEN body = 'regional' AND acronym IS NOT NULL THEN 'regional:' || acronym
                    ELSE body END,
               col, count(*), NULL::float, NULL::float
        FROM sent GROUP BY 2, 3
        UNION ALL
        SELECT 'referrals_by_status', coalesce(l.status, 'sent'), col, count(*), NULL, NULL
        FROM sent LEFT JOIN last_update l ON l.referral_id = sent.id
        GROUP BY 2, 3
        """,
    ),
    (
        "response options",
        # Each option once per step reached in a period.
        """
        WITH steps AS (
            SELECT DISTINCT CASE WHEN t.at < %(c0)s THEN 'p' ELSE 'c' END AS col, t.to_status,
                   o.id, o.instrument_id, i.pillar
            FROM assessments_optiontransition t
            JOIN assessments_responseoption o ON o.id = t.option_id
            JOIN assessments_instrument i ON i.id = o.instrument_id
            JOIN cases_situation s ON s.id = o.situation_id
            WHERE t.at >= %(p0)s AND t.at < %(c1)s AND s.classification <= %(aud)s
              AND t.to_status IN ('proposed', 'adopted', 'implemented')
        )
        SELECT 'options_by_pillar', pillar, to_status || ':' || col, count(*),
               NULL::float, NULL::float
        FROM steps GROUP BY 2, 3
        UNION ALL
        SELECT 'options_by_instrument', instrument_id::text, to_status || ':' || col, count(*),
               NULL, NULL
        FROM steps GROUP BY 2, 3
        """,
    ),
    (
        "warning-response gap",
        # Each situation's first time at each step; the time from the step before, for the
        # steps reached in a period.
        f"""
        WITH {WINDOWS},
        first_signal AS (
            SELECT l.situation_id AS id, min(g.created_at) AS at
            FROM cases_signalsituationlink l JOIN cases_signal g ON g.id = l.signal_id
            WHERE g.classification <= %(aud)s
            GROUP BY 1
        ),
        high_risk AS (
            SELECT situation_id AS id, min(approved_at) AS at FROM assessments_assessment
            WHERE status = 'approved' AND overall_level >= 3 AND classification <= %(aud)s
            GROUP BY 1
        ),
        moves AS (
            SELECT e.situation_id AS id,
                   min(t.at) FILTER (WHERE t.action IN ('submit', 'urgent')) AS escalated,
                   min(t.at) FILTER (WHERE t.action IN ('endorse', 'urgent')) AS endorsed,
                   min(t.at) FILTER (WHERE t.action = 'decide') AS decided
            FROM cases_escalation e JOIN cases_escalationtransition t ON t.escalation_id = e.id
            WHERE e.classification <= %(aud)s
            GROUP BY 1
        ),
        referred AS (
            SELECT e.situation_id AS id, min(r.sent_on)::timestamptz AS at
            FROM cases_referral r
            JOIN cases_decision d ON d.id = r.decision_id
            JOIN cases_escalation e ON e.id = d.escalation_id
            WHERE e.classification <= %(aud)s
            GROUP BY 1
        ),
        acted AS (
            SELECT e.situation_id AS id, min(u.at) AS at
            FROM cases_referralupdate u
            JOIN cases_referral r ON r.id = u.referral_id
            JOIN cases_decision d ON d.id = r.decision_id
            JOIN cases_escalation e ON e.id = d.escalation_id
            WHERE e.classification <= %(aud)s AND u.status = 'action_taken'
            GROUP BY 1
        ),
        adopted AS (
            SELECT o.situation_id AS id, min(t.at) AS at
            FROM assessments_optiontransition t
            JOIN assessments_responseoption o ON o.id = t.option_id
            WHERE t.to_status = 'adopted'
            GROUP BY 1
        ),
        path AS (
            SELECT s.id, fs.at AS first_signal, hr.at AS high_risk, m.escalated, m.endorsed,
                   m.decided, rf.at AS referred, ac.at AS acted, ad.at AS adopted
            FROM cases_situation s
            LEFT JOIN first_signal fs ON fs.id = s.id
            LEFT JOIN high_risk hr ON hr.id = s.id
            LEFT JOIN moves m ON m.id = s.id
            LEFT JOIN referred rf ON rf.id = s.id
            LEFT JOIN acted ac ON ac.id = s.id
            LEFT JOIN adopted ad ON ad.id = s.id
            WHERE s.classification <= %(aud)s AND s.created_at < %(c1)s
        ),
        gaps AS (
            SELECT v.step, v.since, v.upto
            FROM path p
            CROSS JOIN LATERAL (VALUES
                ('high_risk', p.first_signal, p.high_risk),
                ('escalated', p.high_risk, p.escalated),
                ('endorsed', p.escalated, p.endorsed),
                ('decided', p.endorsed, p.decided),
                ('referred', p.decided, p.referred),
                ('acted_on', p.referred, p.acted),
                ('response_adopted', p.acted, p.adopted)
            ) AS v(step, since, upto)
            WHERE v.upto >= v.since
        )
        SELECT 'warning_response_gap', g.step, w.col, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM g.upto - g.since)),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM g.upto - g.since))
        FROM gaps g JOIN win w ON g.upto >= w.lo AND g.upto < w.hi
        GROUP BY g.step, w.col
        """,
    ),
    (
        "inaction alerts",
        f"""
        WITH {WINDOWS}
        SELECT 'inaction_alerts', v.line, w.col, count(*), NULL::float, NULL::float
        FROM cases_inactionalert a
        JOIN cases_situation s ON s.id = a.situation_id
        CROSS JOIN win w
        CROSS JOIN LATERAL (VALUES
            ('raised', a.raised_at >= w.lo AND a.raised_at < w.hi),
            ('closed', a.closed_at >= w.lo AND a.closed_at < w.hi),
            ('open', a.raised_at < w.hi AND (a.closed_at IS NULL OR a.closed_at >= w.hi))
        ) AS v(line, holds)
        WHERE s.classification <= %(aud)s AND v.holds
        GROUP BY 2, 3
        """,
    ),
)


def script_params(period, audience: int) -> dict[str, Any]:
    from r2p.countries import country_choices, country_region
    from reports.figures import previous_period

    previous = previous_period(period)
    codes = [code for code, _ in country_choices()]
    return {
        "aud": audience,
        "p0": previous.lo,
        "c0": period.lo,
        "c1": period.hi,
        "p0d": previous.start,
        "c0d": period.start,
        "c1d": period.end + timedelta(days=1),
        "codes": codes,
        "regions": [country_region(code)[0] for code in codes],
    }


Raw = dict[str, dict[tuple[str, str], tuple[int, float | None, float | None]]]


def script_run(params: dict[str, Any], timings: dict[str, float] | None = None) -> Raw:
    """REPORT_SQL through the raw psycopg2 connection: figure -> (row, column) -> numbers."""
    out: Raw = defaultdict(dict)
    with connection.connection.cursor() as cursor:
        # The same session settings as reports.figures uses, so the two are compared on the
        # queries alone (the script is as well-tuned as the application).
        cursor.execute("SET jit = off")
        cursor.execute(f"SET work_mem = '{WORK_MEM}'")
        try:
            for label, sql in REPORT_SQL:
                began = time.perf_counter()
                cursor.execute(sql, params)
                for figure, row, column, n, median, p90 in cursor.fetchall():
                    out[figure][(row, column)] = (n, median, p90)
                if timings is not None:
                    timings[label] = timings.get(label, 0.0) + time.perf_counter() - began
        finally:
            cursor.execute("RESET jit")
            cursor.execute("RESET work_mem")
    return out


# --- The check: every figure the report discloses, against the script ----------------------

TWO = ("c", "p")


def _risk_moments(report: dict[str, Any], titles: list[str]) -> tuple[str, ...] | None:
    """The moments of the risk-level columns, ps, cs or ce, known by the day in each title."""
    days = {
        "ps": date.fromisoformat(report["previous"]["start"]),
        "cs": date.fromisoformat(report["period"]["start"]),
        "ce": date.fromisoformat(report["period"]["end"]),
    }
    found = []
    for title in titles:
        keys = [k for k, day in days.items() if f"{day.day} {day:%b %Y}" in title]
        if len(keys) != 1:
            return None
        found.append(keys[0])
    return tuple(found)


OPTION_COLUMNS = tuple(
    f"{step}:{k}" for k in TWO for step in ("proposed", "adopted", "implemented")
)
ESCALATION_EVENTS = ("escalated", "urgent", "endorsed", "at_desk")
ESCALATION_STAGES = ("review", "endorsement", "transmission", "decision", "whole")
GAP_STEPS = (
    "high_risk",
    "escalated",
    "endorsed",
    "decided",
    "referred",
    "acted_on",
    "response_adopted",
)
INACTION_LINES = ("raised", "closed", "open")
UNKNOWN_REGION = "Region unknown"
# Totals that are not the sum of their rows: a situation in two regions is in both rows and
# once in the total, the number of situations monitored.
TOTALS_FROM = {"situations_by_region": ("situations_monitored", "all")}
# Figures the report may show on their own or only as another's total.
OPTIONAL = ("situations_monitored",)


def _layouts() -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Per figure: how the script's row keys name the report's rows (a tuple: the report's
    rows in that order; a function: key -> label), and the script's columns in the report's
    order (or a function of the report and the column titles that finds them)."""
    from assessments.models import Instrument, Pillar, RiskLevel
    from cases.models import Body, Category, DecisionOutcome, ReferralStatus, Reliability
    from cases.models import SourceType as Types

    levels = tuple(str(level.value) for level in sorted(RiskLevel, reverse=True))
    instruments = Instrument.objects.order_by("position", "pk").values_list("pk", flat=True)

    def region(key: str) -> str:
        return key or UNKNOWN_REGION

    def body(key: str) -> str:
        if key.startswith("regional:"):
            return f"Regional arrangement: {key.split(':', 1)[1]}"
        return Body(key).label

    return {
        "situations_monitored": (("all",), TWO),
        "situations_by_region": (region, TWO),
        "situations_by_risk": ((*levels, "0"), _risk_moments),
        "signals_by_category": (tuple(Category.values), TWO),
        "signals_by_region": (region, TWO),
        "signals_by_source_type": (tuple(Types.values), TWO),
        "signals_by_reliability": (tuple(Reliability.values), TWO),
        "assessments_approved": (levels, TWO),
        "escalations": (
            (
                *ESCALATION_EVENTS,
                *(f"decision_{v}" for v in DecisionOutcome.values),
                "withdrawn",
            ),
            TWO,
        ),
        "escalation_times": (ESCALATION_STAGES, TWO),
        "referrals_by_body": (body, TWO),
        "referrals_by_status": (tuple(ReferralStatus.values), TWO),
        "options_by_pillar": (tuple(Pillar.values), OPTION_COLUMNS),
        "options_by_instrument": (tuple(str(pk) for pk in instruments), OPTION_COLUMNS),
        "warning_response_gap": (GAP_STEPS, TWO),
        "inaction_alerts": (INACTION_LINES, TWO),
    }


@dataclass
class Check:
    cells: int = 0  # every cell the report shows (rows and totals)
    compared: int = 0  # those it discloses, compared with the script
    suppressed: int = 0  # "fewer than 3" or withheld: not compared
    differences: list[str] | None = None


def _numbers(
    mine: dict[tuple[str, str], tuple[int, float | None, float | None]],
    keys: list[str],
    column: str,
) -> tuple[int, float | None, float | None]:
    """The script's numbers for the row made of `keys` (several when they share a label: their
    counts added) in `column`; nothing counted is a count of 0."""
    found = [mine[(k, column)] for k in keys if (k, column) in mine]
    if len(found) == 1:
        return found[0]
    return (sum(n for n, _, _ in found), None, None)


def figures_check(report: dict[str, Any], raw: Raw) -> Check:
    """Every disclosed figure of the report against the script's number for it."""
    check = Check(differences=[])
    layouts = _layouts()
    seen = set()
    for table in report["tables"]:
        key = table["key"]
        seen.add(key)
        if key not in layouts:
            check.differences.append(f"{key}: a figure the script does not compute")
            continue
        naming, columns = layouts[key]
        if callable(columns):
            columns = columns(report, table["columns"])
            if columns is None:
                check.differences.append(
                    f"{key}: columns the script cannot name: {table['columns']}"
                )
                continue
        labels = [row["label"] for row in table["rows"]]
        if callable(naming):
            by_label: dict[str, list[str]] = defaultdict(list)
            for row_key in sorted({row_key for row_key, _ in raw.get(key, {})}):
                by_label[naming(row_key)].append(row_key)
        else:
            if len(naming) != len(labels):
                check.differences.append(
                    f"{key}: {len(labels)} rows in the report, the script expects {len(naming)}"
                )
                continue
            by_label = {label: [row_key] for label, row_key in zip(labels, naming, strict=True)}
        mine = raw.get(key, {})

        for label in by_label:
            if label not in labels and any(
                _numbers(mine, by_label.get(label, []), c)[0] for c in columns
            ):
                check.differences.append(
                    f"{key}: the script counts a row {label!r} the report lacks"
                )
        for row in table["rows"]:
            for column, cell in zip(columns, row["cells"], strict=True):
                check.cells += 1
                expected = _numbers(mine, by_label.get(row["label"], []), column)
                where = f"{key} / {row['label']} / {column}"
                if table["kind"] == "duration":
                    if cell["count"] is None:
                        check.suppressed += 1
                        continue
                    check.compared += 1
                    n, median, p90 = expected
                    if cell["count"] != n:
                        check.differences.append(f"{where}: count {cell['count']} != {n}")
                    for name, theirs, ours in (
                        ("median", cell["median"], median),
                        ("p90", cell["p90"], p90),
                    ):
                        if (theirs is None) != (ours is None) or (
                            ours is not None and abs(theirs - round(ours)) > 1
                        ):
                            check.differences.append(f"{where}: {name} {theirs} != {ours}")
                    continue
                if cell["value"] is None:
                    check.suppressed += 1
                    continue
                check.compared += 1
                if cell["value"] != expected[0]:
                    check.differences.append(f"{where}: {cell['value']} != {expected[0]}")
        if table.get("total"):
            for index, (column, cell) in enumerate(
                zip(columns, table["total"]["cells"], strict=True)
            ):
                check.cells += 1
                if cell["value"] is None:
                    check.suppressed += 1
                    continue
                check.compared += 1
                if key in TOTALS_FROM:
                    source, source_row = TOTALS_FROM[key]
                    expected = raw.get(source, {}).get((source_row, column), (0, None, None))[0]
                else:
                    expected = sum(n for (_, c), (n, _, _) in mine.items() if c == column)
                if cell["value"] != expected:
                    check.differences.append(
                        f"{key} / Total / {columns[index]}: {cell['value']} != {expected}"
                    )
    for key in sorted(set(layouts) - seen - set(OPTIONAL)):
        check.differences.append(f"{key}: the report lacks a figure the script computes")
    return check


# --- The measurement ------------------------------------------------------------------------


def _peak(function: Callable[[], Any]) -> tuple[int, Any]:
    """Peak Python memory (bytes above what was allocated before) while `function` runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def _mib(size: int) -> float:
    return round(size / 2**20, 3)


def _explain_all(function: Callable[[], Any]) -> None:
    """EXPLAIN ANALYZE of every statement `function` runs through Django's connection."""
    statements: list[tuple[str, Any]] = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        function()
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        log(f"EXPLAIN ANALYZE, report statement:\n{' '.join(sql.split())[:300]}\n{plan}")


def reports_measure(
    *,
    repeats: int,
    minimum_share: float = COMPARED_MINIMUM,
    today: date | None = None,
    explain: bool = False,
) -> dict:
    """The annual report's figures (figures_compute, audience STRICTLY CONFIDENTIAL) against
    REPORT_SQL: checked equal first, then timed interleaved after a warm-up round; and the
    peak Python memory of the year and of one month."""
    from reports import figures as report_figures

    audience = Classification.STRICTLY_CONFIDENTIAL.value
    year, month = report_periods(today or timezone.localdate())
    params = script_params(year, audience)

    steps: dict[str, float] = defaultdict(float)
    marks: list[tuple[str, float]] = []

    def mark(done: int, total: int, label: str) -> None:
        # figures_compute reports each step as it starts, and "Done" at the end.
        marks.append((label, time.perf_counter()))

    def compile_year(timed_steps: bool = False) -> dict[str, Any]:
        marks.clear()
        out = report_figures.figures_compute(
            period=year, audience=audience, progress=mark if timed_steps else None
        )
        for (label, began), (_, ended) in itertools.pairwise(marks):
            steps[label] += ended - began
        return out

    def script() -> Raw:
        return script_run(params)

    # The warm-up round is the check: nothing is timed until both agree.
    report, raw = compile_year(), script()
    check = figures_check(report, raw)
    share = check.compared / check.cells if check.cells else 0.0
    if check.differences:
        shown = "\n  ".join(check.differences[:25])
        more = len(check.differences) - 25
        raise ReportFiguresDisagree(
            f"the report's figures and the hand-written SQL disagree on "
            f"{len(check.differences)} figure(s) (period {year.start} to {year.end}):\n  {shown}"
            + (f"\n  ... and {more} more" if more > 0 else "")
        )
    if share < minimum_share:
        raise ReportFiguresDisagree(
            f"only {check.compared} of {check.cells} figures ({share:.0%}, under "
            f"{minimum_share:.0%}) could be compared; "
            f"{check.suppressed} are suppressed as fewer than 3: seed more data"
        )
    if explain:
        _explain_all(compile_year)

    samples: dict[str, list[float]] = {"report": [], "sql": []}
    script_steps: dict[str, float] = {}
    for _ in range(repeats):
        began = time.perf_counter()
        compile_year(timed_steps=True)
        samples["report"].append(time.perf_counter() - began)
        began = time.perf_counter()
        script_run(params, script_steps)
        samples["sql"].append(time.perf_counter() - began)

    def month_compile() -> dict[str, Any]:
        return report_figures.figures_compute(period=month, audience=audience)

    # Both after the warm-up: what is measured is the compilation, not the first imports.
    peak_year, _ = _peak(compile_year)
    peak_month, _ = _peak(month_compile)
    peak_sql, _ = _peak(script)
    report_seconds = statistics.median(samples["report"])
    sql_seconds = statistics.median(samples["sql"])
    signals = raw.get("signals_by_category", {})
    figures: dict[str, Any] = {
        "report_period_start": year.start.isoformat(),
        "report_period_end": year.end.isoformat(),
        "report_audience": Classification(audience).label,
        "report_repeats": repeats,
        "report_signals_counted": sum(n for (_, c), (n, _, _) in signals.items() if c == "c"),
        "report_signals_counted_previous": sum(
            n for (_, c), (n, _, _) in signals.items() if c == "p"
        ),
        "report_tables": len(report["tables"]),
        "report_cells": check.cells,
        "report_cells_compared": check.compared,
        "report_cells_suppressed": check.suppressed,
        "report_cells_compared_share": round(share, 3),
        "report_cells_compared_share_min": minimum_share,
        "report_figures_agree": True,
        "report_seconds": round(report_seconds, 3),
        "report_sql_seconds": round(sql_seconds, 3),
        "report_ratio": round(report_seconds / sql_seconds, 3) if sql_seconds else None,
        "report_ratio_target_max": RATIO_TARGET,
        "report_peak_mib": _mib(peak_year),
        "report_peak_month_mib": _mib(peak_month),
        "report_sql_peak_mib": _mib(peak_sql),
        "report_memory_growth": round(peak_year / peak_month, 3) if peak_month else None,
        "report_steps_ms": {k: round(v / repeats * 1000, 1) for k, v in steps.items()},
        "report_sql_steps_ms": {k: round(v / repeats * 1000, 1) for k, v in script_steps.items()},
    }
    figures["report_meets_target"] = (figures["report_ratio"] or 0) <= RATIO_TARGET
    return figures


def seed_figures(seeded: ReportsSeedReport, rows: dict[str, int]) -> dict[str, Any]:
    return {
        "report_seed_situations": seeded.situations,
        "report_seed_assessments": seeded.assessments,
        "report_seed_escalations": seeded.escalations,
        "report_seed_transitions": seeded.transitions,
        "report_seed_decisions": seeded.decisions,
        "report_seed_referrals": seeded.referrals,
        "report_seed_referral_updates": seeded.referral_updates,
        "report_seed_options": seeded.options,
        "report_seed_option_transitions": seeded.option_transitions,
        "report_seed_inaction_alerts": seeded.inaction_alerts,
        "report_seed_seconds": round(seeded.seconds, 2),
        **{f"report_rows_{table.split('_', 1)[1]}": n for table, n in rows.items()},
    }
