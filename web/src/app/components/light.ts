// The red / yellow / green light (红黄绿灯) of a task with a deadline: red when overdue, yellow
// when due within 3 days, green when on track, "done" once verified. Pure, unit-tested in
// test/app-light.test.ts.

export type LightColor = 'red' | 'yellow' | 'green' | 'done';

export interface Light {
  color: LightColor;
  /** Whole days overdue (red) or left (yellow/green), rounded up; 0 for done. */
  days: number;
}

export const DAY_MS = 86_400_000;
/** A task due within this many days shows yellow. */
export const YELLOW_DAYS = 3;

/**
 * The light of a task due at `deadline_ms` in `status` (`open`, `submitted`, `verified`,
 * `reopened`) at `now_ms`. A submitted task waits on the verifier, so it counts as on track;
 * a reopened one is judged by its deadline like an open one.
 */
export function light(deadline_ms: number, status: string, now_ms: number): Light {
  if (status === 'verified') return { color: 'done', days: 0 };
  if (status === 'submitted') {
    return { color: 'green', days: Math.max(0, Math.ceil((deadline_ms - now_ms) / DAY_MS)) };
  }
  if (now_ms > deadline_ms) return { color: 'red', days: Math.ceil((now_ms - deadline_ms) / DAY_MS) };
  const left = Math.ceil((deadline_ms - now_ms) / DAY_MS);
  if (deadline_ms - now_ms <= YELLOW_DAYS * DAY_MS) return { color: 'yellow', days: left };
  return { color: 'green', days: left };
}
