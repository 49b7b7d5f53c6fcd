/** The schedule arithmetic lives with the configuration it validates (lambdas/core/schedule.ts). */
export { cronMaxGapSeconds, scheduleIntervalSeconds } from '../lambdas/core/schedule';
