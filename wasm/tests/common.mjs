// Shared helpers of the JS tests: reading testdata/ and mapping a vector's config to verifier props.
import { readFileSync } from "node:fs";

const TESTDATA = new URL("../../testdata/", import.meta.url);

/**
 * A file of the installed package, by URL (past its `exports`, for the tests' low-level checks):
 * the same module instances the package's entries load, wherever the package was installed.
 */
export function packageFile(name) {
  return new URL(name, import.meta.resolve("cognito-verify-wasm")).href;
}

export function jsonl(path) {
  return readFileSync(new URL(path, TESTDATA), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** Runs `f` with `Date.now()` frozen at `now` unix seconds (the clock both libraries read). */
export async function atTime(now, f) {
  const real = Date.now;
  Date.now = () => now * 1000;
  try {
    return await f();
  } finally {
    Date.now = real;
  }
}

export function atTimeSync(now, f) {
  const real = Date.now;
  Date.now = () => now * 1000;
  try {
    return f();
  } finally {
    Date.now = real;
  }
}

function requirement(r) {
  if (!r) return undefined;
  if (r.any_of) return { anyOf: r.any_of };
  if (r.all_of) return { allOf: r.all_of };
  throw new Error(`unknown requirement ${JSON.stringify(r)}`);
}

/** A vector's config as `CognitoJwtVerifier.create` properties: one entry per pool or issuer. */
export function propsOf(config) {
  const shared = {
    clientId: config.client_ids,
    tokenUse: config.token_use ?? "any",
    graceSeconds: config.leeway ?? 0,
    allowEs256: Boolean(config.allow_es256),
    ...(config.max_age != null ? { maxAgeSeconds: config.max_age } : {}),
    ...(config.groups ? { groups: requirement(config.groups) } : {}),
    ...(config.scopes ? { scope: requirement(config.scopes) } : {}),
  };
  return [
    ...(config.user_pool_ids ?? []).map((userPoolId) => ({ ...shared, userPoolId })),
    ...(config.issuers ?? []).map((issuer) => ({ ...shared, issuer })),
  ];
}

/** The outcome of a verified payload in the vectors' `claims` shape (as core/tests/vectors.rs). */
export function claimsOf(p) {
  return {
    sub: p.sub ?? null,
    username: p.username ?? p["cognito:username"] ?? null,
    token_use: p.token_use,
    client_id: p.token_use === "id" ? p.aud : p.client_id,
    exp: p.exp,
  };
}

/** Whether `got` matches a vector's `expect` (claims and error compared only when given). */
export function sameVerdict(got, want) {
  if (got.valid !== want.valid) return false;
  if (want.error !== undefined && got.error !== want.error) return false;
  if (want.claims !== undefined && JSON.stringify(got.claims) !== JSON.stringify(want.claims)) return false;
  return true;
}

/**
 * `nodeCrypto` as the package uses it (`createPublicKey`, and `createVerify` for each signature),
 * calling `counted()` for each signature check and `imported(args)` for each key import.
 */
export function countingNodeCrypto(real, counted, imported = () => {}) {
  return {
    createPublicKey(...args) {
      imported(args);
      return real.createPublicKey(...args);
    },
    createVerify(...args) {
      const v = real.createVerify(...args);
      const verify = v.verify;
      v.verify = function (...a) {
        counted();
        return verify.apply(this, a);
      };
      return v;
    },
  };
}

/** Counts the signature checks of WebCrypto and node:crypto (both builds), to know which engine a
 * call used, or that the cache spared one. Call once per test file. */
export async function countEngineCalls() {
  const calls = { webcrypto: 0, node: 0 };
  const subtle = globalThis.crypto.subtle;
  const realVerify = subtle.verify;
  subtle.verify = function (...args) {
    calls.webcrypto++;
    return realVerify.apply(this, args);
  };
  for (const dir of ["", "es256/"]) {
    const { platform } = await import(packageFile(`${dir}platform.mjs`));
    const real = platform.nodeCrypto;
    platform.nodeCrypto = countingNodeCrypto(real, () => calls.node++);
  }
  return calls;
}
