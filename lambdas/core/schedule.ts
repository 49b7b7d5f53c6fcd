/**
 * The longest time between two runs of an EventBridge Scheduler expression, for the alarm that fires
 * when no sync completed for two intervals. rate(N unit) is exact; cron(...) is evaluated minute by
 * minute over two years (UTC), supporting the AWS cron syntax: lists, ranges, steps, names, `?`,
 * `L`, `W`, `LW`, `nL` and `n#k`. at(...) (a one-time schedule) has no interval.
 */

const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86400 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** The simulated span (whole years, so calendar-based crons show their longest gap). */
const SIM_START = Date.UTC(2025, 0, 1);
const SIM_DAYS = 731;

/** Values of one numeric cron field (`names` map to min, min+1, ...). */
// Stryker disable next-line ArrayDeclaration: a field never holds a name with spaces such as the mutant's
function expand(field: string, min: number, max: number, names: string[] = []): Set<number> {
  const out = new Set<number>();
  const num = (s: string) => {
    const i = names.indexOf(s.toUpperCase());
    const n = i >= 0 ? i + min : Number(s);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`cron value ${s} is outside ${min}-${max}`);
    return n;
  };
  for (const part of field.split(',')) {
    // Stryker disable next-line StringLiteral: split always returns at least one element
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad cron step in ${part}`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      // Stryker disable next-line StringLiteral: a range with '-' splits into at least two elements
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [num(a), num(b)];
    } else [lo, hi] = [num(range), stepText === undefined ? num(range) : max];
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

type DayTest = (d: Date) => boolean;
const lastDayOfMonth = (d: Date) =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
const isWeekday = (d: Date) => d.getUTCDay() !== 0 && d.getUTCDay() !== 6;

/** The weekday nearest to day `n` of d's month, not crossing into another month. */
function nearestWeekday(d: Date, n: number): number {
  const last = lastDayOfMonth(d);
  const day = Math.min(n, last);
  const dow = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), day)).getUTCDay();
  if (dow === 6) return day === 1 ? 3 : day - 1;
  if (dow === 0) return day === last ? day - 2 : day + 1;
  return day;
}

function dayOfMonthTest(field: string): DayTest {
  if (field === '?') return () => true;
  if (field === 'L') return (d) => d.getUTCDate() === lastDayOfMonth(d);
  if (field === 'LW') {
    return (d) => {
      let day = lastDayOfMonth(d);
      while (!isWeekday(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), day)))) day--;
      return d.getUTCDate() === day;
    };
  }
  const w = /^(\d+)W$/.exec(field);
  if (w) return (d) => d.getUTCDate() === nearestWeekday(d, Number(w[1]));
  const days = expand(field, 1, 31);
  return (d) => days.has(d.getUTCDate());
}

function dayOfWeekTest(field: string): DayTest {
  if (field === '?') return () => true;
  const dow = (s: string) => [...expand(s, 1, 7, DAYS)][0]! - 1;
  const last = /^(\w+)L$/.exec(field);
  if (last) return (d) => d.getUTCDay() === dow(last[1]!) && d.getUTCDate() + 7 > lastDayOfMonth(d);
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth) return (d) => d.getUTCDay() === dow(nth[1]!) && Math.ceil(d.getUTCDate() / 7) === Number(nth[2]);
  const days = new Set([...expand(field, 1, 7, DAYS)].map((v) => v - 1));
  return (d) => days.has(d.getUTCDay());
}

/** Longest gap in seconds between consecutive firings of an AWS cron expression's six fields. */
export function cronMaxGapSeconds(expression: string): number {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`cron(${expression}) needs 6 fields`);
  // Stryker disable next-line StringLiteral: there are six fields (checked above)
  const [min = '', hour = '', dom = '', month = '', dow = ''] = fields;
  const minutes = [...expand(min, 0, 59)].sort((a, b) => a - b);
  const hours = [...expand(hour, 0, 23)].sort((a, b) => a - b);
  const months = expand(month, 1, 12, MONTHS);
  const domTest = dayOfMonthTest(dom);
  const dowTest = dayOfWeekTest(dow);
  // The year field is ignored: a schedule limited to some years is judged by its pattern.
  let previous: number | undefined;
  let maxGap = 0;
  for (let day = 0; day < SIM_DAYS; day++) {
    const d = new Date(SIM_START + day * 86_400_000);
    if (!months.has(d.getUTCMonth() + 1) || !domTest(d) || !dowTest(d)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = d.getTime() / 1000 + h * 3600 + m * 60;
        if (previous !== undefined) maxGap = Math.max(maxGap, t - previous);
        previous = t;
      }
    }
  }
  if (maxGap === 0) throw new Error(`cron(${expression}) fires at most once in two years`);
  return maxGap;
}

/** The longest interval between runs in seconds, or undefined for a one-time at(...) schedule. */
export function scheduleIntervalSeconds(expression: string): number | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) return Number(rate[1]) * UNIT_SECONDS[rate[2]!]!;
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) return cronMaxGapSeconds(cron[1]!);
  if (/^at\(.+\)$/.test(expression)) return undefined;
  throw new Error(`not a schedule expression: ${expression}`);
}

/**
 * Why an EventBridge Scheduler expression is not one, or undefined: rate(N unit) with N at least 1
 * and the unit singular for 1 (`rate(1 hour)`, `rate(2 hours)`), six-field cron(...) whose fields
 * parse and that leaves day-of-month or day-of-week `?`, or at(yyyy-mm-ddThh:mm:ss).
 */
export function invalidSchedule(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return `rate(${rate[1]} ...) must be at least 1`;
    if ((n === 1) !== (rate[3] === ''))
      return `write rate(${n} ${rate[2]}${n === 1 ? '' : 's'}): the unit is singular for 1 and plural otherwise`;
    return undefined;
  }
  if (/^rate\(/.test(expression)) return 'a rate is rate(N minute[s] | hour[s] | day[s]), e.g. rate(2 hours)';
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6)
      return `cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
    if (fields[2] !== '?' && fields[4] !== '?') return 'cron(...) needs ? in day-of-month or day-of-week';
    if (!/^(\*|\d{4}(-\d{4})?(,\d{4}(-\d{4})?)*(\/\d+)?)$/.test(fields[5]!))
      return `bad cron year field ${fields[5]}`;
    try {
      cronMaxGapSeconds(cron[1]!);
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  }
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expression)) return undefined;
  return 'must be an EventBridge Scheduler expression: rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)';
}
