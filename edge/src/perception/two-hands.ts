/**
 * Two hands at one plate. Two shoppers who reach into the same facing within a
 * fraction of a second make one weight change of two units; charging both units
 * to the nearer one is a wrong charge for one and a missed item for the other.
 * When two sessions both behaved like a picker (stood still before the change,
 * walked off when a picker does) at a multi-unit pick, each took a unit.
 */
import { reachOdds, type AssociationResult, type SessionCandidate } from './association.js';
import type { Hypothesis } from './product-inference.js';

/** A session behaving like a picker (see SessionCandidate.plausible: 1 typical, 0.5 not yet known). */
const HAND_PLAUSIBLE_MIN = 0.6;
/** A session that may still turn out to be a picker (its walk-off is not yet seen). */
const HAND_UNDECIDED_MIN = 0.45;
/**
 * A session that could be a second hand at all: stood still at the shelf (a picker
 * who stays for the next facing scores 0.15, like one who walked off untypically;
 * someone walking past scores less).
 */
const HAND_POSSIBLE_MIN = 0.12;
/**
 * Closest approach, metres, within which a second picker counts: about the
 * spacing of two shoppers side by side at one facing (0.4-0.6 m) plus noise.
 */
export const HANDS_NEAR_M = 0.9;
/**
 * A session whose wrist a pose camera saw over the plate (SessionCandidate.reached).
 * 0.9 left 11-busy-hour seed 303's same-shelf pairs (second wrist 0.80-0.85) to
 * review; a neighbour picking from the next plate at the same moment scored 0.53
 * (02 seed 303), so a second hand must still be well above that.
 */
const WRIST_REACHED_MIN = 0.8;
/** ... and one whose wrists it saw, but elsewhere. */
const WRIST_NOT_REACHED_MAX = 0.1;
/**
 * Below this probability of having made the change (association's, as if one hand
 * did it), a session that did not behave like a picker either, and whose wrist was
 * not seen over the plate, is no second hand: one shopper taking two or three units
 * with a neighbour standing by at 0.03-0.09 went to review (02 seeds 9 and 13). Two
 * who both behaved like pickers still split, however the probability falls.
 */
const SECOND_HAND_PROBABILITY_MIN = 0.1;

export type TwoHands =
  | { kind: 'one' }
  /** Another session may be a second hand: wait for its walk-off. */
  | { kind: 'wait' }
  /** Two units, two pickers: one each. */
  | { kind: 'split'; sessionIds: [string, string]; sku: string; confidence: number }
  /** More units or more pickers than one split explains: a human decides. */
  | { kind: 'ambiguous' };

/**
 * How picker-like a session is, its wrist's evidence counted as odds: `plausible`
 * holds the wrist as a probability, so a wrist seen near the plate at 0.6 made a
 * shopper who stood and left like a picker look less likely (0.6) than one whose
 * wrists were never seen (1). Times the odds of reached, 1 / (1 - reached), the
 * same as association.ts does between candidates (capped alike).
 */
function handEvidence(s: SessionCandidate): number {
  return s.plausible * reachOdds(s.reached);
}

/** A possible hand the evidence all but rules out (SECOND_HAND_PROBABILITY_MIN). */
function unlikelyHand(s: SessionCandidate): boolean {
  return s.probability < SECOND_HAND_PROBABILITY_MIN && (s.reached ?? 0) < WRIST_REACHED_MIN && handEvidence(s) < HAND_PLAUSIBLE_MIN;
}

/**
 * Sessions that could be a hand at the plate at all: near it, stood there like a picker
 * might (not only as another track's doubtful identity, which is that track's body).
 */
function possibleHands(assoc: AssociationResult): SessionCandidate[] {
  return assoc.sessions.filter((s) => s.viaDoubt !== true && s.sessionId !== null && nearestM(assoc, s.sessionId) <= HANDS_NEAR_M && s.plausible >= HAND_POSSIBLE_MIN);
}

export function twoHands(assoc: AssociationResult, best: Hypothesis | undefined, putBack: boolean, mayDefer: boolean): TwoHands {
  if (putBack || !best || best.items.length !== 1 || best.items[0]!.count < 2) return { kind: 'one' };
  // A session that is here only as another track's possible identity is that track's body, not another hand.
  const sessions = assoc.sessions.filter((s) => s.viaDoubt !== true);
  const item = best.items[0]!;
  // A pose camera saw exactly two sessions' wrists over the plate, and the others' elsewhere: one unit
  // each. How they walk off then says nothing more, so this does not wait for it (04 seed 101: two
  // gums, both wrists seen over the plate at 0.95 or more, waited 2 s for the second shopper's walk-off).
  // Over the plate counts plates whose weight stayed put as less likely places for a hand
  // (SessionCandidate.reachedMoved): a second hand near a quiet neighbour's edge is this plate's.
  const reachedIn = sessions.filter((s) => s.sessionId !== null && (s.reachedMoved ?? 0) >= WRIST_REACHED_MIN);
  const others = sessions.filter((s) => !reachedIn.includes(s));
  if (item.count === 2 && reachedIn.length === 2 && others.every((s) => s.reached !== null && s.reached <= WRIST_NOT_REACHED_MAX)) {
    const [a, b] = reachedIn as [SessionCandidate, SessionCandidate];
    return { kind: 'split', sessionIds: [a.sessionId!, b.sessionId!], sku: item.sku, confidence: best.probability * Math.min(a.reachedMoved!, b.reachedMoved!) };
  }
  const near = (s: SessionCandidate): boolean => s.sessionId !== null && nearestM(assoc, s.sessionId) <= HANDS_NEAR_M;
  if (mayDefer && sessions.filter((s) => near(s) && s.plausible >= HAND_UNDECIDED_MIN).length >= 2) {
    if (sessions.some((s) => near(s) && s.plausible >= HAND_UNDECIDED_MIN && s.plausible < HAND_PLAUSIBLE_MIN)) return { kind: 'wait' };
  }
  const hands = possibleHands(assoc);
  if (hands.length < 2) return { kind: 'one' };
  const [a, b] = hands as [SessionCandidate, SessionCandidate];
  // One shopper who stayed beside one who walked off: either took both, or one each;
  // only the weight trace at the hands could tell, so a human looks.
  const least = Math.min(handEvidence(a), handEvidence(b));
  if (hands.length === 2 && least < HAND_PLAUSIBLE_MIN && [a, b].some(unlikelyHand)) return { kind: 'one' };
  if (hands.length > 2 || item.count > 2 || least < HAND_PLAUSIBLE_MIN) return { kind: 'ambiguous' };
  return { kind: 'split', sessionIds: [a.sessionId!, b.sessionId!], sku: item.sku, confidence: best.probability * Math.min(least, 1) };
}

/**
 * More than one session stood near the plate like someone who could have reached in:
 * a weight change seen so far may be the first of two hands' units.
 */
export function secondHandPossible(assoc: AssociationResult): boolean {
  return possibleHands(assoc).length >= 2;
}

function nearestM(assoc: AssociationResult, sessionId: string): number {
  let d = Infinity;
  for (const t of assoc.tracks) if (t.sessionId === sessionId) d = Math.min(d, t.distM);
  return d;
}
