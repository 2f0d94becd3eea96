/**
 * What a rating means. Thumbs are 1 (positive) or -1 (negative). Stars are 1 to 5: 4 and 5 are
 * positive, 1 and 2 negative, and 3 is neutral (counted, but neither positive nor negative), so a
 * version's negative rate is comparable across both scales.
 */
import type { FeedbackScale, FeedbackSentiment, FeedbackTally } from '../model.ts';

export const FEEDBACK_SCALES = ['thumbs', 'stars'] as const satisfies readonly FeedbackScale[];
export const DEFAULT_SCALE: FeedbackScale = 'thumbs';

export const RATING_RULES: Readonly<Record<FeedbackScale, string>> = {
  thumbs: 'must be 1 (thumbs up) or -1 (thumbs down) on the thumbs scale',
  stars: 'must be a whole number of stars from 1 to 5 on the stars scale',
};

export function isValidRating(scale: FeedbackScale, rating: number): boolean {
  return scale === 'thumbs'
    ? rating === 1 || rating === -1
    : Number.isInteger(rating) && rating >= 1 && rating <= 5;
}

export function sentimentOf(scale: FeedbackScale, rating: number): FeedbackSentiment {
  if (scale === 'thumbs') return rating > 0 ? 'positive' : 'negative';
  return rating >= 4 ? 'positive' : rating <= 2 ? 'negative' : 'neutral';
}

/** What one rating adds to its aggregate. */
export function tallyOf(scale: FeedbackScale, rating: number, sentiment: FeedbackSentiment): FeedbackTally {
  return {
    count: 1,
    positive: sentiment === 'positive' ? 1 : 0,
    negative: sentiment === 'negative' ? 1 : 0,
    stars: scale === 'stars' ? 1 : 0,
    starsSum: scale === 'stars' ? rating : 0,
  };
}
