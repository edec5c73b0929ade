// Shared by the wallet scripts: an offline JSON-LD document loader fed from the repository's
// vendored contexts (schemas/contexts, listed in its manifest.json) plus did:key resolution,
// a did:key wallet key, and a Bitstring Status List check against the live issuer.
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {join} from 'node:path';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';

const CONTEXTS = join(process.cwd(), 'schemas', 'contexts');

function vendoredContexts() {
  const manifest = JSON.parse(readFileSync(join(CONTEXTS, 'manifest.json'), 'utf8'));
  const byUrl = new Map();
  for(const entry of manifest.contexts) {
    byUrl.set(entry.url, JSON.parse(readFileSync(join(CONTEXTS, entry.file), 'utf8')));
  }
  return byUrl;
}

const contexts = vendoredContexts();
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

// Offline: vendored contexts and did:key only; anything else is refused.
export async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`offline document loader: refusing ${url}`);
}

// A fresh Ed25519 did:key wallet key (id and controller set for signing).
export async function walletKey() {
  const keyPair = await Ed25519Multikey.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  return {did, keyPair};
}

export function suite(signer) {
  return new DataIntegrityProof({signer, cryptosuite: eddsaRdfc2022});
}

// Bitstring Status List v1.0 §3.2: fetch the list credential (over HTTP from the issuer under
// test), verify it, and read the entry's bit (index 0 is the most significant bit of byte 0).
async function checkOneStatus(entry) {
  const response = await fetch(entry.statusListCredential, {headers: {Accept: 'application/vc'}});
  if(!response.ok) {
    throw new Error(`status list ${entry.statusListCredential}: HTTP ${response.status}`);
  }
  const list = await response.json();
  const result = await vc.verifyCredential({credential: list, suite: suite(), documentLoader});
  if(!result.verified) {
    throw new Error(`status list does not verify: ${JSON.stringify(result.error)}`);
  }
  const encoded = list.credentialSubject.encodedList;
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number(entry.statusListIndex);
  const set = (bits[index >> 3] >> (7 - (index % 8))) & 1;
  return {purpose: entry.statusPurpose, set: set === 1};
}

export async function checkStatus({credential}) {
  const entries = [].concat(credential.credentialStatus);
  const results = [];
  for(const entry of entries) {
    results.push(await checkOneStatus(entry));
  }
  return {verified: results.every(r => !r.set), results};
}

export async function verifyCredential(credential) {
  const result = await vc.verifyCredential({
    credential, suite: suite(), documentLoader, checkStatus
  });
  return {
    verified: result.verified,
    status: result.statusResult,
    error: result.error ? String(result.error.message || result.error) : null
  };
}

export async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Accept: 'application/json'},
    body: JSON.stringify(body)
  });
  const text = await response.text();
  if(!response.ok) {
    throw new Error(`POST ${url}: HTTP ${response.status} ${text}`);
  }
  return JSON.parse(text);
}

export {vc};
