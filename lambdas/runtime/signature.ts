/**
 * GitHub's webhook signature (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body, hex>`) by
 * @octokit/webhooks-methods: its `verify` compares in constant time, `verifyWithFallback` also
 * tries the previous secret during a rotation. The package is ESM only and exports no CommonJS
 * entry, so it is loaded with import() (esbuild bundles it for the Lambda; tsx and jest load it).
 */
type Methods = typeof import('@octokit/webhooks-methods');
let methods: Promise<Methods> | undefined;
const load = () => {
  methods ??= import('@octokit/webhooks-methods');
  return methods;
};

/** Whether `signature` signs `payload` with `secret` (or one of `previous`). */
export async function verifySignature(
  secret: string,
  payload: string,
  signature: string,
  previous: string[] = [],
): Promise<boolean> {
  return (await load()).verifyWithFallback(
    secret,
    payload,
    signature,
    previous.length ? previous : undefined,
  );
}

/** `sha256=<hex>` for `payload` (the fake GitHub signs its deliveries with it). */
export async function signPayload(secret: string, payload: string): Promise<string> {
  return (await load()).sign(secret, payload);
}
