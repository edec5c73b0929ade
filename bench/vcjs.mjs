// `node bench/vcjs.mjs FILE ITERATIONS...`: the reference JavaScript libraries verify the signed
// credentials of FILE (a JSON array), each its ITERATIONS times after an untimed warm-up, and
// print one JSON line per credential: {"index", "verified", "median_ms"}. What they run is what
// Diplomat's vc.proofs.verify does: the Data Integrity proof (jsonld-signatures with Digital Bazaar's
// eddsa-rdfc-2022 cryptosuite, assertionMethod purpose), the issuer's did:key resolved, and the
// JSON-LD contexts served offline from schemas/contexts (the vendored copies, as Diplomat's).
// Run from the repository root (make bench does, through bench/core.py).
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

const CONTEXTS = join(process.cwd(), 'schemas', 'contexts');
const manifest = JSON.parse(readFileSync(join(CONTEXTS, 'manifest.json'), 'utf8'));
const contexts = new Map(manifest.contexts.map(entry => [
  entry.url, JSON.parse(readFileSync(join(CONTEXTS, entry.file), 'utf8'))
]));
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  throw new Error(`offline document loader: refusing ${url}`);
}

async function verify(credential) {
  const result = await jsigs.verify(credential, {
    suite: new DataIntegrityProof({cryptosuite}),
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader
  });
  return result.verified;
}

const [file, ...iterations] = process.argv.slice(2);
const credentials = JSON.parse(readFileSync(file, 'utf8'));
for(const [index, credential] of credentials.entries()) {
  // Warm-up, untimed: V8 optimises code that has run often; 10 runs and at least a second.
  let verified = true;
  const until = performance.now() + 1000;
  for(let runs = 0; runs < 10 || performance.now() < until; runs++) {
    verified = await verify(credential) && verified;
  }
  const samples = [];
  for(let i = 0; i < Number(iterations[index]); i++) {
    const started = performance.now();
    await verify(credential);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const middle = samples.length >> 1;
  const median = samples.length % 2 ? samples[middle] :
    (samples[middle - 1] + samples[middle]) / 2;
  console.log(JSON.stringify({index, verified, median_ms: median}));
}
