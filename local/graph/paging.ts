/** The fake Graph's opaque $skiptoken: which route, group and offset the next page starts at. */

export function encodeSkipToken(t: { r: string; g: string; o: number }): string {
  return Buffer.from(`fg1:${JSON.stringify(t)}`).toString('base64url');
}

export function decodeSkipToken(s: string): { r: string; g: string; o: number } | undefined {
  try {
    const text = Buffer.from(s, 'base64url').toString('utf8');
    if (!text.startsWith('fg1:')) return undefined;
    const v = JSON.parse(text.slice(4)) as { r?: unknown; g?: unknown; o?: unknown };
    if (typeof v.r !== 'string' || typeof v.g !== 'string' || typeof v.o !== 'number') return undefined;
    return { r: v.r, g: v.g, o: v.o };
  } catch {
    return undefined;
  }
}
