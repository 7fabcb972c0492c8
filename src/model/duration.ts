const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** What the deployment repo accepts as a duration: digits and one unit, `30s`, `10m`, `24h`. */
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** `30s`, `10m`, `24h` -> milliseconds; the schema only lets such strings through. */
export function durationMs(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new Error(`"${duration}" is not a duration such as 30s, 10m or 24h`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The range a duration setting accepts, and why its maximum is where it is (shown as the hint). */
export interface DurationBounds {
  min: string;
  max: string;
  why: string;
}

/** Whether `duration` lies within `bounds`, both ends included. */
export function durationWithin(duration: string, bounds: DurationBounds): boolean {
  const ms = durationMs(duration);
  return ms >= durationMs(bounds.min) && ms <= durationMs(bounds.max);
}
