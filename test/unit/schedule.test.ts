/**
 * Schedule expressions (lambdas/core/schedule.ts): the longest time between two runs, which the
 * "no sync completed" alarm is built on, and the checks of what EventBridge Scheduler accepts. The
 * expected gaps are worked out by hand from the calendar of 2025 and 2026 (the simulated span).
 */
import type * as Schedule from '../../lambdas/core/schedule';
import { freshEach } from '../support/fresh';

// Loaded before each test, the month and day names included (test/support/fresh.ts).
const core = freshEach(() => require('../../lambdas/core/schedule') as typeof Schedule);
const interval = (e: string) => core().scheduleIntervalSeconds(e);
const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

describe('scheduleIntervalSeconds', () => {
  it.each([
    ['rate(1 minute)', MIN],
    ['rate(5 minutes)', 5 * MIN],
    ['rate(1 hour)', HOUR],
    ['rate(2 hours)', 2 * HOUR],
    ['rate(3 days)', 3 * DAY],
  ])('%s: exactly', (e, s) => expect(interval(e)).toBe(s));

  it('a one-time at(...) has no interval; anything else is not a schedule', () => {
    expect(interval('at(2027-01-01T00:00:00)')).toBeUndefined();
    expect(() => interval('every 2 hours')).toThrow('not a schedule expression: every 2 hours');
    expect(() => interval('rate(2 weeks)')).toThrow('not a schedule expression: rate(2 weeks)');
    expect(() => interval('xcron(0 0 * * ? *)')).toThrow('not a schedule expression');
  });

  it.each([
    ['cron(0 */6 * * ? *)', 6 * HOUR, 'every 6 hours'],
    ['cron(0/15 * * * ? *)', 15 * MIN, 'every 15 minutes'],
    ['cron(5/20 * * * ? *)', 20 * MIN, 'at 5, 25, 45'],
    ['cron(0-30/10 * * * ? *)', 30 * MIN, 'at 0, 10, 20, 30: 30 minutes from :30 to :00'],
    ['cron(0 8/8 * * ? *)', 16 * HOUR, 'at 8 and 16: 16 hours from 16:00 to 08:00'],
    ['cron(0 1-3 * * ? *)', 22 * HOUR, 'at 1, 2, 3: 22 hours from 03:00 to 01:00'],
    ['cron(0 0,12 * * ? *)', 12 * HOUR, 'at 0 and 12'],
    ['cron(30 2 * * ? *)', DAY, 'daily'],
    ['cron(0 0 ? * * *)', DAY, 'daily, day of week *'],
    ['cron(0 9-17 ? * MON-FRI *)', 64 * HOUR, 'office hours: Friday 17:00 to Monday 09:00'],
    ['cron(0 12 ? * SUN *)', 7 * DAY, 'weekly'],
    ['cron(0 0 ? * 2,3 *)', 6 * DAY, 'Monday and Tuesday by number'],
    ['cron(0 0 1 * ? *)', 31 * DAY, 'the 1st of each month'],
    ['cron(0 0 L JAN,FEB ? *)', 337 * DAY, 'last day of January and February: 28 Feb 2025 to 31 Jan 2026'],
    ['cron(0 0 L jan-feb ? *)', 337 * DAY, 'month names in any case, as a range'],
    ['cron(0 0 L 1,2 ? *)', 337 * DAY, 'months by number'],
    [
      'cron(0 0 LW 5 ? *)',
      364 * DAY,
      'last weekday of May: Fri 30 May 2025 (31st a Saturday), Fri 29 May 2026 (31st a Sunday)',
    ],
    [
      'cron(0 0 15W 3 ? *)',
      367 * DAY,
      'weekday nearest 15 March: Fri 14 (Saturday) 2025, Mon 16 (Sunday) 2026',
    ],
    [
      'cron(0 0 1W 2 ? *)',
      364 * DAY,
      'weekday nearest 1 Feb, not in January: Mon 3 (Saturday) 2025, Mon 2 (Sunday) 2026',
    ],
    [
      'cron(0 0 31W 8 ? *)',
      367 * DAY,
      'weekday nearest 31 Aug, not in September: Fri 29 (Sunday) 2025, Mon 31 2026',
    ],
    [
      'cron(0 0 31W 4 ? *)',
      365 * DAY,
      'day 31 of a 30-day month is its last day: Wed 30 April 2025, Thu 30 April 2026',
    ],
    ['cron(0 0 ? 1 WED#1 *)', 371 * DAY, 'first Wednesday of January: 1 Jan 2025, 7 Jan 2026'],
    ['cron(0 0 ? 1 5#1 *)', 364 * DAY, 'first Thursday (5) of January: 2 Jan 2025, 1 Jan 2026'],
    ['cron(0 0 ? 12 WEDL *)', 364 * DAY, 'last Wednesday of December: 31 Dec 2025, 30 Dec 2026'],
    ['cron(0 0 1 1 ? 2027)', 365 * DAY, 'the year field is ignored'],
  ])('%s: %d s (%s)', (e, s) => expect(interval(e)).toBe(s));

  it.each([
    ['0 0 30 2 ? *', 'cron(0 0 30 2 ? *) fires at most once in two years'],
    ['0 0 * * ?', 'cron(0 0 * * ?) needs 6 fields'],
    ['60 0 * * ? *', 'cron value 60 is outside 0-59'],
    ['0 24 * * ? *', 'cron value 24 is outside 0-23'],
    ['0 0 0 * ? *', 'cron value 0 is outside 1-31'],
    ['0 0 32 * ? *', 'cron value 32 is outside 1-31'],
    ['0 0 ? * 8 *', 'cron value 8 is outside 1-7'],
    ['0 0 ? 13 * *', 'cron value 13 is outside 1-12'],
    ['0 0 ? FOO * *', 'cron value FOO is outside 1-12'],
    ['0/0 * * * ? *', 'bad cron step in 0/0'],
    ['0/x * * * ? *', 'bad cron step in 0/x'],
    ['1.5 * * * ? *', 'cron value 1.5 is outside 0-59'],
  ])('%s is refused: %s', (fields, message) => {
    expect(() => core().cronMaxGapSeconds(fields)).toThrow(message);
  });

  it('a cron that fires once every two years or less is refused', () => {
    expect(() => core().cronMaxGapSeconds('0 0 29 2 ? *')).toThrow('fires at most once in two years');
    // Once a year is fine: 1 Jan 2025, 2026 and 2027 are in the span.
    expect(core().cronMaxGapSeconds('0 0 1 1 ? *')).toBe(365 * DAY);
    expect(core().cronMaxGapSeconds('  0 0 1 1 ? *  ')).toBe(365 * DAY);
  });
});

describe('invalidSchedule', () => {
  const why = (e: string) => core().invalidSchedule(e);

  it.each([
    'rate(1 minute)',
    'rate(2 minutes)',
    'rate(1 day)',
    'rate(10 days)',
    'cron(0 */6 * * ? *)',
    'cron(0 9 ? * MON-FRI 2027)',
    'cron(0 9 * * ? 2027-2030)',
    'cron(0 9 * * ? 2027,2029)',
    'cron(0 9 * * ? 2027-2030,2035/2)',
    'cron(0 9 ? * 1 *)',
    'at(2027-01-01T00:00:00)',
  ])('accepts %s', (e) => expect(why(e)).toBeUndefined());

  it.each([
    ['rate(0 minutes)', 'rate(0 ...) must be at least 1'],
    ['rate(1 hours)', 'write rate(1 hour): the unit is singular for 1 and plural otherwise'],
    ['rate(2 day)', 'write rate(2 days): the unit is singular for 1 and plural otherwise'],
    ['rate(30 seconds)', 'a rate is rate(N minute[s] | hour[s] | day[s]), e.g. rate(2 hours)'],
    ['rate(two hours)', 'a rate is rate(N minute[s] | hour[s] | day[s]), e.g. rate(2 hours)'],
    [
      'cron(0 */6 * * *)',
      'cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), not 5',
    ],
    [
      'cron(0 0 1 * * * *)',
      'cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), not 7',
    ],
    ['cron(0 */6 * * * *)', 'cron(...) needs ? in day-of-month or day-of-week'],
    ['cron(0 0 ? * ? 99)', 'bad cron year field 99'],
    ['cron(0 0 * * ? 2027-)', 'bad cron year field 2027-'],
    ['cron(0 0 * * ? x2027)', 'bad cron year field x2027'],
    ['cron(0 0 * * ? 2027x)', 'bad cron year field 2027x'],
    ['cron(0 25 * * ? *)', 'cron value 25 is outside 0-23'],
    ['cron(0 0 30 2 ? *)', 'cron(0 0 30 2 ? *) fires at most once in two years'],
    [
      'at(2027-01-01)',
      'must be an EventBridge Scheduler expression: rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)',
    ],
    [
      'at(2027-01-01T00:00:00) ',
      'must be an EventBridge Scheduler expression: rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)',
    ],
    [
      'every 6 hours',
      'must be an EventBridge Scheduler expression: rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)',
    ],
  ])('refuses %s: %s', (e, message) => expect(why(e)).toBe(message));
});

describe('every name, every edge of the patterns', () => {
  const why = (e: string) => core().invalidSchedule(e);
  const generic =
    'must be an EventBridge Scheduler expression: rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)';
  const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

  it.each(MONTH_NAMES.map((m, i) => [m, i + 1]))('month %s is month %d', (name, n) => {
    // The last day of that month and of the next: the gap differs from month to month.
    const next = (Number(n) % 12) + 1;
    expect(interval(`cron(0 0 L ${name},${MONTH_NAMES[next - 1]} ? *)`)).toBe(
      interval(`cron(0 0 L ${n},${next} ? *)`),
    );
    expect(interval(`cron(0 0 L ${name} ? *)`)).toBe(interval(`cron(0 0 L ${n} ? *)`));
  });

  it.each(DAY_NAMES.map((d, i) => [d, i + 1]))('day %s is day %d', (name, n) => {
    expect(interval(`cron(0 0 ? 1 ${name}#1 *)`)).toBe(interval(`cron(0 0 ? 1 ${n}#1 *)`));
    expect(interval(`cron(0 0 ? 2 ${name}L *)`)).toBe(interval(`cron(0 0 ? 2 ${n}L *)`));
  });

  it('? means any day only in day-of-month and day-of-week; * anywhere', () => {
    expect(interval('cron(0 0 * * ? *)')).toBe(DAY);
    expect(interval('cron(0 0 ? * * *)')).toBe(DAY);
    expect(() => core().cronMaxGapSeconds('? 0 * * ? *')).toThrow('cron value ? is outside 0-59');
    expect(() => core().cronMaxGapSeconds('0 0 * ? ? *')).toThrow('cron value ? is outside 1-12');
  });

  it('last weekday: a Saturday is not one (31 Jan 2026 is a Saturday: Fri 30 Jan)', () => {
    expect(interval('cron(0 0 LW 1 ? *)')).toBe(364 * DAY);
  });

  it('last Thursday of December: 25 Dec 2025, 31 Dec 2026 (not also 24 Dec 2026)', () => {
    expect(interval('cron(0 0 ? 12 THUL *)')).toBe(371 * DAY);
  });

  it('minutes and hours listed out of order are sorted', () => {
    expect(interval('cron(30,0 * * * ? *)')).toBe(30 * MIN);
    expect(interval('cron(0 12,0 * * ? *)')).toBe(12 * HOUR);
    expect(interval('cron(45,5,25 * * * ? *)')).toBe(20 * MIN);
  });

  it('fields may be separated by several spaces', () => {
    expect(interval('cron(0  0 * * ?  *)')).toBe(DAY);
    expect(why('cron(0  */6 * * ?  *)')).toBeUndefined();
    expect(why('cron( 0 */6 * * ? * )')).toBeUndefined();
  });

  it('once in the two years is not an interval (1 Jan 2027 is the only Friday 1 January), nor is a day after the span', () => {
    expect(() => core().cronMaxGapSeconds('0 0 1 1 FRI *')).toThrow('fires at most once in two years');
    // 2 Jan 2027 (a Saturday) is the first day after the 731 simulated days.
    expect(() => core().cronMaxGapSeconds('0 0,12 2 1 SAT *')).toThrow('fires at most once in two years');
  });

  it('patterns match the whole field or expression, nothing before or after', () => {
    for (const f of [
      '0 0 x15W 3 ? *',
      '0 0 15Wx 3 ? *',
      '0 0 ? 12 *WEDL *',
      '0 0 ? 12 WEDLx *',
      '0 0 ? 1 *WED#1 *',
      '0 0 ? 1 WED#1x *',
    ])
      expect(() => core().cronMaxGapSeconds(f)).toThrow(/^cron value /);
    for (const e of [
      'xrate(2 hours)',
      'rate(2 hours)x',
      'cron(0 0 * * ? *)x',
      'xcron(0 0 * * ? *)',
      'xat(2027-01-01T00:00:00)',
      'at(2027-01-01T00:00:00)x',
    ])
      expect(() => interval(e)).toThrow(`not a schedule expression: ${e}`);
    expect(interval('rate(10 minutes)')).toBe(10 * MIN);
    expect(interval('rate(120 days)')).toBe(120 * DAY);
    for (const e of [
      'xrate(2 hours)',
      'xcron(0 0 * * ? *)',
      'cron(0 0 * * ? *)x',
      'xat(2027-01-01T00:00:00)',
    ])
      expect(why(e)).toBe(generic);
    expect(why('rate(2 hours)x')).toBe('a rate is rate(N minute[s] | hour[s] | day[s]), e.g. rate(2 hours)');
    expect(why('rate(10 minutes)')).toBeUndefined();
  });

  it('year fields: lists of ranges and steps of several digits', () => {
    expect(why('cron(0 9 * * ? 2027,2029-2031)')).toBeUndefined();
    expect(why('cron(0 9 * * ? 2027/10)')).toBeUndefined();
    expect(why('cron(0 9 * * ? 2027,2029-203)')).toBe('bad cron year field 2027,2029-203');
  });
});
