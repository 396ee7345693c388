// What the README's server example does from an app: mint a token with the package's mintToken,
// submit an EmbeddingGeneration task over HTTP, wait for it, and print what came back.
// Usage: node embed.mjs <api base url> <secret>
import { mintToken } from '@taskweave/server';

const [base, secret] = process.argv.slice(2);
const headers = { authorization: `Bearer ${mintToken(secret, { sub: 'consumer-app' })}`, 'content-type': 'application/json' };
const texts = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'];
const submitted = await fetch(`${base}/v1/tasks`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'custom', value: { texts } } }),
});
if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}: ${await submitted.text()}`);
const { id } = await submitted.json();
let body;
do {
  body = await (await fetch(`${base}/v1/tasks/${id}/wait?timeoutMs=10000`, { headers })).json();
} while (body.result === undefined);
const vectors = body.result.output.vectors;
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
console.log(JSON.stringify({ status: body.status, dims: vectors[0].length, similar: dot(vectors[0], vectors[1]), unrelated: [dot(vectors[0], vectors[2]), dot(vectors[1], vectors[2])] }));
