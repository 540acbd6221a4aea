// Differential test against aws-jwt-verify (npm) on the same tokens, keys and clock: the two agree
// on accept/reject for every case both can express, except the listed intended differences.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier as Aws } from "aws-jwt-verify";
import { CognitoJwtVerifier } from "cognito-verify-wasm/es256";
import { atTimeSync, jsonl, propsOf } from "./common.mjs";

/** Whether aws-jwt-verify's CognitoJwtVerifier can express a vector's config. */
function expressible(config) {
  const anyOnly = (r) => !r || Array.isArray(r.any_of);
  return (
    (config.issuers ?? []).length === 0 &&
    config.max_age == null &&
    anyOnly(config.groups) &&
    anyOnly(config.scopes)
  );
}

function awsProps(config) {
  return config.user_pool_ids.map((userPoolId) => ({
    userPoolId,
    clientId: config.client_ids,
    tokenUse: config.token_use === "any" ? null : config.token_use,
    graceSeconds: config.leeway ?? 0,
    ...(config.groups ? { groups: config.groups.any_of } : {}),
    ...(config.scopes ? { scope: config.scopes.any_of } : {}),
  }));
}

function theirs(c) {
  return atTimeSync(c.now, () => {
    try {
      const props = awsProps(c.config);
      const v = Aws.create(props.length === 1 ? props[0] : props);
      for (const p of props) v.cacheJwks(c.jwks, props.length === 1 ? undefined : p.userPoolId);
      v.verifySync(c.token);
      return { valid: true };
    } catch (e) {
      return { valid: false, error: e.name };
    }
  });
}

function ours(c) {
  return atTimeSync(c.now, () => {
    try {
      const pools = propsOf(c.config);
      const v = CognitoJwtVerifier.create(pools);
      for (const p of pools) v.cacheJwks(c.jwks, p.userPoolId);
      v.verifySync(c.token);
      return { valid: true };
    } catch (e) {
      return { valid: false, error: e.code };
    }
  });
}

// Where the two disagree on purpose: case name pattern, and why. Every disagreement must match one.
// All of them are tokens we reject and aws-jwt-verify accepts (the test fails on the reverse).
const INTENDED = [
  [/^es256_not_enabled$/, "ES256 only when allowEs256 (Cognito pools sign RS256); aws-jwt-verify follows the JWK"],
  [/_at_exp$|^expired_at_exp$|^expired_beyond_leeway$/,
    "exp is exclusive (RFC 7519 4.1.4: valid only before exp); aws-jwt-verify accepts at exp (+ grace)"],
  [/^exp_missing$/, "exp is required; aws-jwt-verify checks it only when present"],
  [/^(exp|iat)_(float|float_integral|exponent|beyond_i64)$|^auth_time_string$|^groups_(not_array|with_number)$/,
    "claims of the wrong JSON type are errors, never ignored"],
  [/^issued_in_future$/, "iat in the future (beyond the leeway) is rejected; aws-jwt-verify does not check iat"],
  [/^crit_/, "crit is honoured (RFC 7515 4.1.11); aws-jwt-verify ignores it"],
  [/^padded_|_trailing_bits$/, "canonical unpadded base64url only; aws-jwt-verify decodes leniently"],
  [/duplicate/, "duplicate JSON keys rejected; JSON.parse keeps the last"],
  [/^header_too_large$|^token_too_large$|^payload_too_deep$/, "bounded token size and JSON depth"],
  [/^weak_key_skipped$|^exponent_3_key_skipped$/, "RSA under 2048 bits or e != 65537 is not a usable key"],
];

test("agreement with aws-jwt-verify on the shared vectors", () => {
  let compared = 0;
  let skipped = 0;
  const unexplained = [];
  const explained = new Map();
  for (const path of ["tokens.jsonl", "real-world/cases.jsonl"]) {
    for (const c of jsonl(path)) {
      if (!expressible(c.config)) {
        skipped++;
        continue;
      }
      compared++;
      const a = ours(c);
      const b = theirs(c);
      assert.equal(a.valid, c.expect.valid, `${c.name}: ours disagrees with the vector`);
      if (a.valid === b.valid) continue;
      assert.equal(a.valid, false, `${c.name}: we accept what aws-jwt-verify rejects (${b.error})`);
      const why = INTENDED.find(([re]) => re.test(c.name));
      if (why) explained.set(why[1], [...(explained.get(why[1]) ?? []), c.name]);
      else unexplained.push(`${c.name}: ours ${JSON.stringify(a)}, aws-jwt-verify ${JSON.stringify(b)}`);
    }
  }
  for (const [why, names] of explained) console.log(`intended (${names.length}): ${why}: ${names.join(", ")}`);
  console.log(`differential: ${compared} cases compared, ${skipped} not expressible in aws-jwt-verify, ` +
    `${[...explained.values()].flat().length} intended differences`);
  assert.equal(compared + skipped, 164 + 55);
  assert.deepEqual(unexplained, []);
});
