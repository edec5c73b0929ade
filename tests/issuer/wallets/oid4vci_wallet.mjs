// An OpenID4VCI wallet built on @openid4vc/openid4vci (the OpenWallet Foundation's oid4vc-ts):
// resolve a credential offer by reference, the issuer and authorisation-server metadata, redeem
// the pre-authorised code (with a tx_code when given), fetch a c_nonce, sign a key proof
// (openid4vci-proof+jwt) and retrieve the credential, sending it as 1.0 `proofs.jwt`. The key proof names a did:key URL (kid)
// or a public JWK (jwk). An ldp_vc credential is verified with the reference JS verifier.
// Usage: node oid4vci_wallet.mjs '<openid-credential-offer://…>' <configuration id>
//        <did|jwk> [tx_code]                                         Prints one JSON line.
import {createHash, randomBytes} from 'node:crypto';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {setGlobalConfig} from '@openid4vc/utils';

import {verifyCredential, walletKey} from './walletlib.mjs';

const [offerLink, configurationId, binding, txCode] = process.argv.slice(2);
// The issuer under test is served over plain http on 127.0.0.1.
setGlobalConfig({allowInsecureUrls: true});

const {did, keyPair} = await walletKey();
const publicJwk = await Ed25519Multikey.toJwk({keyPair});

const b64url = data => Buffer.from(data).toString('base64url');
async function signJwt(signer, {header, payload}) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = await keyPair.signer().sign({data: new TextEncoder().encode(input)});
  return {jwt: `${input}.${b64url(signature)}`, signerJwk: publicJwk};
}

const client = new Openid4vciClient({
  callbacks: {
    fetch,
    hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
    generateRandom: length => randomBytes(length),
    signJwt,
    clientAuthentication: clientAuthenticationAnonymous()
  }
});

const offer = await client.resolveCredentialOffer(offerLink);
const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer: offer,
  issuerMetadata,
  txCode
});
const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
const signer = binding === 'did' ?
  {method: 'did', didUrl: keyPair.id, alg: 'EdDSA'} :
  {method: 'jwk', publicJwk, alg: 'EdDSA'};
const {jwt} = await client.createCredentialRequestJwtProof({
  issuerMetadata,
  credentialConfigurationId: configurationId,
  signer,
  nonce
});
const response = await client.retrieveCredentials({
  issuerMetadata,
  accessToken: accessTokenResponse.access_token,
  credentialConfigurationId: configurationId,
  proofs: {jwt: [jwt]}
});
if(!response.ok) {
  throw new Error(`credential request failed: ${response.response.status} ` +
    JSON.stringify(response.credentialErrorResponseResult?.data ?? null));
}
const credential = response.credentialResponse.credentials[0].credential;

// The same access token (and nonce) again must not give a second credential.
let replay;
try {
  const again = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configurationId,
    proofs: {jwt: [jwt]}
  });
  replay = again.ok ? {status: 200} : {
    status: again.response.status,
    error: again.credentialErrorResponseResult?.data?.error ?? null
  };
} catch(error) {
  // The client throws for a 401 (its resource-server error): keep what the issuer answered.
  const answered = error.response ?? {};
  replay = {
    status: answered.response?.status ?? null,
    error: answered.credentialErrorResponseResult?.data?.error ?? String(error.message)
  };
}
const verification = typeof credential === 'string' ? null : await verifyCredential(credential);
console.log(JSON.stringify({
  did,
  jwk: publicJwk,
  version: issuerMetadata.originalDraftVersion,
  offer,
  credential,
  verification,
  replay
}));
