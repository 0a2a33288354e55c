// Verifies tokens with panva/jose against a JWKS, strictly: the typ, the
// issuer, the audience, an algorithm allow-list, and the SET rules (no sub,
// no exp, exactly one event, a sub_id). Reads one JSON request per line on
// stdin: {"jwks": URL, "token": JWS, "iss": ..., "aud": ..., "typ": ...};
// writes one JSON line per request: {"ok": true, "claims": {...}} or
// {"ok": false, "error": "..."}.
import * as readline from 'node:readline';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const sets = new Map();
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const req = JSON.parse(line);
  try {
    if (!sets.has(req.jwks)) sets.set(req.jwks, createRemoteJWKSet(new URL(req.jwks)));
    const { payload, protectedHeader } = await jwtVerify(req.token, sets.get(req.jwks), {
      issuer: req.iss, audience: req.aud, typ: req.typ, algorithms: ['RS256', 'ES256'],
    });
    if (req.typ === 'secevent+jwt') {
      if ('sub' in payload || 'exp' in payload) throw new Error('a SET must not carry sub or exp');
      if (!payload.sub_id || !payload.sub_id.format) throw new Error('missing sub_id');
      if (Object.keys(payload.events || {}).length !== 1) throw new Error('want exactly one event');
    }
    if (req.typ === 'logout+jwt') {
      if ('nonce' in payload) throw new Error('a logout token must not carry a nonce');
      if (!payload.events || !('http://schemas.openid.net/event/backchannel-logout' in payload.events)) throw new Error('missing the back-channel logout event');
      if (!payload.sub && !payload.sid) throw new Error('missing sub and sid');
    }
    console.log(JSON.stringify({ ok: true, kid: protectedHeader.kid, claims: payload }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e && e.message || e) }));
  }
}
