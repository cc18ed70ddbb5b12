"""Slow variables, updated in bulk each day: fees and property service (the fee–service spiral),
satisfaction, sense of security, and trust drifting toward its baseline.

Fees → property budget → service quality → satisfaction → fees (MODEL_BRIEF, Participation).
"""

from __future__ import annotations

import numpy as np

from ..disputes.ladder import Institution
from ..mathx import logistic

BILLING_DAYS = 30
SATISFACTION_RATE = 0.02
SECURITY_RATE = 0.01
TRUST_DRIFT = 0.002


def collect_fees(model, day: int) -> None:
    """Monthly bills: each household head pays with a chance rising with satisfaction and trust in
    the company, falling with the fee's rise over its starting level."""
    if day % BILLING_DAYS != BILLING_DAYS - 1:
        return
    pop, rng, spec = model.population, model.rng, model.config.behaviour.fees
    for c, company in enumerate(model.property_companies):
        if not company.present:
            continue
        heads = model.community_head_rows[c]
        x = (spec.base_logit
             + spec.satisfaction_weight * (pop.satisfaction[heads] - 0.5)
             + spec.trust_weight * (pop.trust[heads, Institution.PROPERTY_COMPANY] - 0.5)
             - spec.price_elasticity * (company.fee / company.initial_fee - 1))
        paid = int((rng.random(len(heads)) < logistic(x)).sum())
        company.collect(paid, len(heads), day)


def update_wellbeing(model, day: int) -> None:
    pop = model.population
    beh = model.config.behaviour
    fx = model.effects
    comm = pop.community
    one = len(model.property_companies) == 1  # one community: its values broadcast, no gather needed

    def each(values: np.ndarray) -> np.ndarray:
        """Per-community values for every resident (the same numbers, one per resident)."""
        return values[0] if one else values[comm]

    quality = each(np.array([pc.service_quality for pc in model.property_companies]))
    fee_rise = each(np.array([pc.fee_rise() for pc in model.property_companies]))
    aggrieved = pop.grievance_until > day
    target = (0.35 * quality
              + 0.25 * pop.trust[:, Institution.RESIDENTS_COMMITTEE]
              + 0.2 * pop.security
              + 0.2 * (~aggrieved)
              + each(np.where(fx.of("need_analytics"), 0.05, 0.0))
              - 0.15 * fee_rise)
    pop.satisfaction += SATISFACTION_RATE * (np.clip(target, 0, 1) - pop.satisfaction)
    sec_target = np.clip(beh.security_initial + each(fx.of("security_gain")) - 0.1 * aggrieved, 0, 1)
    pop.security += SECURITY_RATE * (sec_target - pop.security)
    gain = fx.of("trust_target_gain")[:, None] * np.array([1.0, 1.0, 0.0, 1.0])  # by community and institution
    target_trust = np.clip(pop.trust_target + gain, 0, 1)
    for k in (Institution.PARTY, Institution.RESIDENTS_COMMITTEE, Institution.GOVERNMENT):
        pop.trust[:, k] += TRUST_DRIFT * (each(target_trust[:, k]) - pop.trust[:, k])
    # trust in the property company follows its service relative to where it started
    q0 = each(np.array([pc.initial_quality for pc in model.property_companies]))
    k = Institution.PROPERTY_COMPANY
    pop.trust[:, k] += TRUST_DRIFT * (np.clip(each(target_trust[:, k]) + 0.5 * (quality - q0), 0, 1) - pop.trust[:, k])
