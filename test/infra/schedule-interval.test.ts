/** The longest gap between runs of a schedule, and the alarm windows derived from it. */
import { alarmWindow } from '../../infra/alerting';
import { cronMaxGapSeconds, scheduleIntervalSeconds } from '../../infra/schedule-interval';

const H = 3600;
const D = 86_400;

describe('scheduleIntervalSeconds', () => {
  test.each([
    ['rate(1 minute)', 60],
    ['rate(15 minutes)', 15 * 60],
    ['rate(2 hours)', 2 * H],
    ['rate(1 day)', D],
    ['rate(3 days)', 3 * D],
  ])('%s', (expression, seconds) => expect(scheduleIntervalSeconds(expression)).toBe(seconds));

  test.each([
    ['cron(0 */6 * * ? *)', 6 * H],
    ['cron(15 0/6 * * ? *)', 6 * H],
    ['cron(0 8,20 * * ? *)', 12 * H],
    ['cron(0 8 * * ? *)', D],
    ['cron(*/10 * * * ? *)', 600],
    ['cron(0 9-17 ? * MON-FRI *)', 64 * H], // Friday 17:00 to Monday 09:00
    ['cron(30 7 ? * 2-6 *)', 3 * D],
    ['cron(0 12 ? * SUN *)', 7 * D],
    ['cron(0 0 1 * ? *)', 31 * D],
    ['cron(0 0 L * ? *)', 31 * D],
    ['cron(0 6 ? * 2#1 *)', 35 * D], // first Monday of the month
    ['cron(0 6 ? * 6L *)', 35 * D], // last Friday of the month
    ['cron(0 6 1W * ? *)', 33 * D], // nearest weekday to the 1st: at most 33 days apart
    ['cron(0 0 1 JAN,JUL ? *)', 184 * D],
  ])('%s', (expression, seconds) => expect(scheduleIntervalSeconds(expression)).toBe(seconds));

  test('a one-time at() schedule has no interval', () => {
    expect(scheduleIntervalSeconds('at(2030-01-01T00:00:00)')).toBeUndefined();
  });

  test('malformed expressions are refused', () => {
    expect(() => cronMaxGapSeconds('0 */6 * * ?')).toThrow(/6 fields/);
    expect(() => cronMaxGapSeconds('0 25 * * ? *')).toThrow(/outside 0-23/);
    expect(() => cronMaxGapSeconds('0 0 30 FEB ? *')).toThrow(/at most once/);
    expect(() => scheduleIntervalSeconds('every 2 hours')).toThrow(/not a schedule expression/);
  });
});

describe('alarmWindow: two schedule intervals', () => {
  test.each([
    ['rate(2 hours)', 4 * H, 1],
    ['cron(0 */6 * * ? *)', 12 * H, 1],
    ['rate(12 hours)', D, 1],
    ['cron(0 8 * * ? *)', D, 2],
    ['rate(3 days)', D, 6],
    ['cron(0 12 ? * SUN *)', D, 7], // capped at CloudWatch's 7-day evaluation range
    ['at(2030-01-01T00:00:00)', D, 1],
  ])('%s', (expression, periodSeconds, evaluationPeriods) =>
    expect(alarmWindow(expression)).toEqual({ periodSeconds, evaluationPeriods }),
  );
});
