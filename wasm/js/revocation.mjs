// Revocation arguments, checked before they reach the verifier's one list (the list and its rules
// are the core's: ../src/revocation.rs).

import { WasmVerifier } from "./cognito_verify_wasm.js";
import { RevokeError, configError } from "./errors.mjs";
import { isNonNegative } from "./options.mjs";

/** What the wasm `signOut` reports as recorded (../src/revocation.rs). */
export const RECORDED_SESSION = 1;
export const RECORDED_SUBJECT = 2;

/** Throws the `RevokeError` of a revocation status (0: recorded, nothing to throw). */
export function throwIfRefused(status) {
  if (status !== 0) throw new RevokeError(WasmVerifier.revokeErrorCode(status), WasmVerifier.revokeErrorMessage(status));
}

/** Records `{ kind, value, sub, time }` (from `revocationArgs`) in the verifier's list: its status. */
export function record(v, r, now) {
  switch (r.kind) {
    case "originJti":
      return v.revokeOriginJti(r.value, now);
    case "session":
      return v.revokeSession(r.value, r.sub, now);
    case "jti":
      return v.revokeJti(r.value, r.time, now);
    default:
      return v.revokeSubject(r.value, r.time, now);
  }
}

/**
 * The kinds `revoke` takes, each named by its exact set of keys: no two sets are equal, so an
 * argument is one kind or none (`{ originJti }` and `{ originJti, sub }` are told apart by `sub`,
 * `{ originJti, sub }` and `{ sub, issuedAtOrBefore }` by the key that is not `sub`).
 * [kind, value key, other key, its type].
 */
const REVOCATION_KINDS = [
  ["originJti", "originJti", null, null],
  ["session", "originJti", "sub", "string"],
  ["jti", "jti", "exp", "time"],
  ["sub", "sub", "issuedAtOrBefore", "time"],
];
const REVOKE_USAGE = "revoke() takes { originJti }, { originJti, sub }, { jti, exp } or { sub, issuedAtOrBefore }";

/** The keys of an argument object whose value is not undefined (undefined counts as absent). */
function givenKeys(r, usage) {
  if (r === null || typeof r !== "object" || Array.isArray(r)) throw configError(usage);
  return Object.keys(r).filter((k) => r[k] !== undefined);
}

/** `{ kind, value, sub, time }` of `revoke`'s argument: exactly one kind, each key of its type. */
export function revocationArgs(r) {
  const given = givenKeys(r, REVOKE_USAGE);
  const found = REVOCATION_KINDS.find(
    ([, key, other]) => given.length === (other ? 2 : 1) && given.includes(key) && (!other || given.includes(other)),
  );
  if (!found) throw configError(`${REVOKE_USAGE}: got { ${given.join(", ")} }`);
  const [kind, key, other, type] = found;
  // An empty string is the core's to refuse (`empty_value`).
  if (typeof r[key] !== "string") throw configError(`revoke(): ${key} must be a string`);
  const out = { kind, value: r[key], sub: "", time: 0 };
  if (type === "string") {
    if (typeof r[other] !== "string") throw configError(`revoke(): ${other} must be a string`);
    out.sub = r[other];
  } else if (type === "time") {
    if (!isNonNegative(r[other])) throw configError(`revoke(): ${other} must be unix seconds (a non-negative number)`);
    out.time = r[other];
  }
  return out;
}

/** `{ sub, originJti }` of `signOut`'s argument: exactly those two strings. */
export function signOutArgs(s) {
  const usage = "signOut() takes { sub, originJti }";
  const given = givenKeys(s, usage);
  if (given.length !== 2 || !given.includes("sub") || !given.includes("originJti")) {
    throw configError(`${usage}: got { ${given.join(", ")} }`);
  }
  // An empty string is the core's to refuse (`empty_value`).
  for (const k of ["sub", "originJti"]) if (typeof s[k] !== "string") throw configError(`signOut(): ${k} must be a string`);
  return { sub: s.sub, originJti: s.originJti };
}
