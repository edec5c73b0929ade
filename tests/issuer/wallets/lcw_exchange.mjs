// Takes a diploma into a did:key wallet the way the DCC Learner Credential Wallet does with a
// `dccrequest://request?issuer=…&vc_request_url=…&challenge=…` deep link: POST {} to the
// exchange, answer its DIDAuthentication request with a presentation signed (eddsa-rdfc-2022)
// with the request's challenge and domain, POST it to the request's service endpoint, and verify
// the credential it receives with the reference verifier (@digitalbazaar/vc), status included.
// With --direct it follows the DCC deep-link integration guide instead: no request is fetched;
// the presentation, signed with the link's challenge alone, is POSTed as the body itself and the
// credential comes back bare.
// Usage: node lcw_exchange.mjs '<deep link>' [--direct]   Prints one JSON line.
import {
  documentLoader, postJson, suite, vc, verifyCredential, walletKey
} from './walletlib.mjs';

const deepLink = new URL(process.argv[2]);
if(!['dccrequest:', 'https:'].includes(deepLink.protocol)) {
  throw new Error(`not a wallet request link: ${deepLink.href}`);
}
const requestUrl = deepLink.searchParams.get('vc_request_url');
const linkChallenge = deepLink.searchParams.get('challenge');

const direct = process.argv[3] === '--direct';
const {did, keyPair} = await walletKey();
let request = null;
let endpoint = requestUrl;
let signed;
let credential;
if(direct) {
  signed = await vc.signPresentation({
    presentation: vc.createPresentation({holder: did}),
    suite: suite(keyPair.signer()),
    challenge: linkChallenge,
    documentLoader
  });
  credential = await postJson(endpoint, signed);
} else {
  ({verifiablePresentationRequest: request} = await postJson(requestUrl, {}));
  if(!request.query.some(q => q.type === 'DIDAuthentication')) {
    throw new Error('the exchange did not ask for DID authentication');
  }
  if(linkChallenge && request.challenge !== linkChallenge) {
    throw new Error('the request challenge is not the deep link challenge');
  }
  signed = await vc.signPresentation({
    presentation: vc.createPresentation({holder: did}),
    suite: suite(keyPair.signer()),
    challenge: request.challenge,
    domain: request.domain,
    documentLoader
  });
  const service = request.interact?.service?.find(
    s => s.type === 'UnmediatedHttpPresentationService2021');
  endpoint = service ? service.serviceEndpoint : requestUrl;
  const answer = await postJson(endpoint, {verifiablePresentation: signed});
  credential = [].concat(answer.verifiablePresentation.verifiableCredential)[0];
}
const verification = await verifyCredential(credential);

// A replay of the same presentation must be refused.
let replay;
try {
  await postJson(endpoint, direct ? signed : {verifiablePresentation: signed});
  replay = 'accepted';
} catch(error) {
  replay = String(error.message).includes('HTTP 410') ? 'refused-410' : String(error.message);
}
console.log(JSON.stringify({did, request, credential, verification, replay}));
