/**
 * Where a run's report lives (beside its plan: `<provider>/<run>/report.json` and `report.html`),
 * and writing and reading it through the blob store (S3, or a local folder).
 */
import { renderReportHtml } from '../core/report-html';
import type { ReportLocation, RunReport } from '../core/report';
import type { BlobStore } from './blobs';

export const reportKeys = (provider: string, runId: string) => ({
  json: `${provider}/${runId}/report.json`,
  html: `${provider}/${runId}/report.html`,
});

export function reportLocation(blobs: BlobStore, provider: string, runId: string): ReportLocation {
  const k = reportKeys(provider, runId);
  const console = blobs.consoleUrl?.(k.html);
  return { json: blobs.describe(k.json), html: blobs.describe(k.html), ...(console ? { console } : {}) };
}

/** Writes both forms: the HTML first, so that a report.json always has its page beside it. */
export async function writeReport(blobs: BlobStore, report: RunReport): Promise<void> {
  const k = reportKeys(report.provider, report.runId);
  await blobs.putText(k.html, renderReportHtml(report), 'text/html; charset=utf-8');
  await blobs.putJson(k.json, report);
}

export async function readReport(
  blobs: BlobStore,
  provider: string,
  runId: string,
): Promise<RunReport | undefined> {
  return blobs.getJson<RunReport>(reportKeys(provider, runId).json);
}
