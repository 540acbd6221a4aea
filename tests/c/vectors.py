#!/usr/bin/env python3
"""Converts the shared JSON-lines vectors of testdata/ into a line format a small C reader parses.

    vectors.py OUT_DIR     writes tokens.txt, real-world.txt, jwks.txt, conformance.txt,
                           revocation.txt, refresh.txt, pools.txt, memo.txt, alb.txt

Every line is one case, fields separated by one space. Text is "x" + hex of its UTF-8 bytes
("x" alone is the empty string), "-" means absent; lists are comma-separated texts or "-".
  token cases: T name token jwks now token_use leeway max_age allow_es256 pools issuers clients
               groups_mode groups scopes_mode scopes | valid error sub username token_use client_id exp
  jwks cases:  J name jwks | ok error keys skipped
  conformance: P name token now clients kinds pool_values jwkses | valid error
               (kinds: one letter a pool, "u" user pool id or "i" issuer URL, in order)
  revocation:  R name user_pool_id clients jwks now revocations token | valid error
               (revocations: comma-separated, each "o:" origin_jti, "j:" jti ":" exp or
               "s:" sub ":" issued_at_or_before, recorded at now; "-" for none)
(the "|" is a literal field).
  refresh (testdata/refresh.jsonl, semantics in core/tests/refresh_table.rs): a scenario is a
  line S, its documents and tokens, then one line per step; names are plain words, `at` and
  `retry_at` are seconds relative to base (signed), E closes the file with the counts.
               S name base user_pool_id client_id
               D doc_name bytes        (a JSON document as compact JSON, a JSON string as is)
               K token_name token
               Q at keys|unknown_kid action retry_at|-         (poll pool 0)
               F at doc_name|fail                              (fetch_succeeded / fetch_failed)
               L at doc_name                                   (load_jwks, every pool)
               V at token_name valid|error_code                (verify)
               E scenarios steps
  pools (testdata/pools.jsonl, each verdict's token, time and keys per pool from its
  conformance.jsonl case; semantics in core/tests/pools.rs): a configuration is a line C, then
  one line p a pool, U its expected JWKS URLs, V a verdict; E closes the file with the counts.
               C name client_ids token_use|- groups_mode groups scopes_mode scopes error|-
               p kind value also_issuers jwks_url client_ids token_use|- groups_mode groups
                 scopes_mode scopes                    (kind "u" user pool id, "i" issuer URL)
               U jwks_urls
               V case_name token now jwkses valid|error_code
               E configurations verdicts errors
  memo (testdata/memo.jsonl, semantics in testdata/memo_table.py): a case is a line M, its documents
  and configurations (one verifier each), then one line per step; names are plain words, `at` is
  seconds relative to base (signed), hit is 1, 0 or "-" (not asserted).
               M name base token
               D doc_name bytes
               C config_name custom_check(0|1) token_use leeway max_age allow_es256 pools issuers
                 clients groups_mode groups scopes_mode scopes     (the token case's config fields)
               L at doc_name                                   (load in every verifier)
               R at revocation                                 (as in revocation cases)
               X at refuse|accept                              (the custom checks' answer)
               V at config_name valid|error_code hit
               E cases steps
The C and C++ programs do the verification and the comparison.
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "..", "testdata")


def text(s):
    return "-" if s is None else "x" + s.encode().hex()


def texts(lst):
    return "-" if not lst else ",".join(text(s) for s in lst)


def num(n):
    return "-" if n is None else str(int(n))


def requirement(r):
    if not r:
        return ["-", "-"]
    if "any_of" in r:
        return ["any", texts(r["any_of"])]
    return ["all", texts(r["all_of"])]


def token_line(c):
    cfg, exp = c["config"], c["expect"]
    claims = exp.get("claims") or {}
    f = ["T", text(c["name"]), text(c["token"]),
         text(json.dumps(c["jwks"], separators=(",", ":"))), num(c["now"]),
         cfg.get("token_use") or "any", num(cfg.get("leeway") or 0), num(cfg.get("max_age")),
         "1" if cfg.get("allow_es256") else "0",
         texts(cfg.get("user_pool_ids")), texts(cfg.get("issuers")), texts(cfg.get("client_ids"))]
    f += requirement(cfg.get("groups")) + requirement(cfg.get("scopes"))
    f += ["|", "1" if exp["valid"] else "0", exp.get("error") or "-",
          text(claims.get("sub")) if "claims" in exp else "?",
          text(claims.get("username")) if "claims" in exp else "?",
          claims.get("token_use") or "-", text(claims.get("client_id")), num(claims.get("exp"))]
    return " ".join(f)


def jwks_line(c):
    e = c["expect"]
    return " ".join(["J", text(c["name"]), text(c["jwks"]), "|", "1" if e["ok"] else "0",
                     e.get("error") or "-", num(e.get("keys")), num(e.get("skipped"))])


def conformance_line(c):
    pools, e = c["pools"], c["expect"]
    kinds = "".join("u" if "user_pool_id" in p else "i" for p in pools)
    values = [p.get("user_pool_id") or p["issuer"] for p in pools]
    jwkses = [json.dumps(p["jwks"], separators=(",", ":")) for p in pools]
    return " ".join(["P", text(c["name"]), text(c["token"]), num(c["now"]), texts(c["client_ids"]),
                     kinds, texts(values), texts(jwkses), "|", "1" if e["valid"] else "0",
                     e.get("error") or "-"])


def revocation(r):
    if "origin_jti" in r:
        return "o:" + text(r["origin_jti"])
    if "jti" in r:
        return "j:" + text(r["jti"]) + ":" + num(r["exp"])
    return "s:" + text(r["sub"]) + ":" + num(r["issued_at_or_before"])


def revocation_line(c):
    e = c["expect"]
    revs = ",".join(revocation(r) for r in c["revocations"]) or "-"
    return " ".join(["R", text(c["name"]), text(c["user_pool_id"]), texts(c["client_ids"]),
                     text(json.dumps(c["jwks"], separators=(",", ":"))), num(c["now"]), revs,
                     text(c["token"]), "|", "1" if e["valid"] else "0", e.get("error") or "-"])


def word(s):
    assert s and all(c.isalnum() or c == "_" for c in s), s
    return s


def refresh_lines(c):
    lines = [" ".join(["S", text(c["name"]), num(c["base"]), text(c["user_pool_id"]),
                       text(c["client_id"])])]
    for name, doc in c["jwks"].items():
        raw = doc if isinstance(doc, str) else json.dumps(doc, separators=(",", ":"))
        lines.append(" ".join(["D", word(name), text(raw)]))
    for name, token in c["tokens"].items():
        lines.append(" ".join(["K", word(name), text(token)]))
    for step in c["steps"]:
        at = str(int(step["at"]))
        if "poll" in step:
            retry = step.get("retry_at")
            lines.append(" ".join(["Q", at, word(step["poll"]), word(step["action"]),
                                   "-" if retry is None else str(int(retry))]))
        elif "fetched" in step:
            lines.append(" ".join(["F", at, word(step["fetched"])]))
        elif "load" in step:
            lines.append(" ".join(["L", at, word(step["load"])]))
        elif "verify" in step:
            lines.append(" ".join(["V", at, word(step["verify"]), word(step["expect"])]))
        else:
            raise ValueError(f"unknown step {step}")
    return lines


def memo_lines(c):
    lines = [" ".join(["M", text(c["name"]), num(c["base"]), text(c["token"])])]
    for name, doc in c["jwks"].items():
        lines.append(" ".join(["D", word(name), text(json.dumps(doc, separators=(",", ":")))]))
    for name, cfg in c["configs"].items():
        lines.append(" ".join(["C", word(name), "1" if cfg.get("custom_check") else "0",
                               cfg.get("token_use") or "any", num(cfg.get("leeway") or 0), num(cfg.get("max_age")),
                               "1" if cfg.get("allow_es256") else "0", texts(cfg.get("user_pool_ids")),
                               texts(cfg.get("issuers")), texts(cfg.get("client_ids"))]
                              + requirement(cfg.get("groups")) + requirement(cfg.get("scopes"))))
    for step in c["steps"]:
        at = str(int(step["at"]))
        if "load" in step:
            lines.append(" ".join(["L", at, word(step["load"])]))
        elif "revoke" in step:
            lines.append(" ".join(["R", at, revocation(step["revoke"])]))
        elif "custom_check" in step:
            lines.append(" ".join(["X", at, word(step["custom_check"])]))
        elif "verify" in step:
            hit = step.get("hit")
            lines.append(" ".join(["V", at, word(step["verify"]), word(step["expect"]),
                                   "-" if hit is None else str(int(hit))]))
        else:
            raise ValueError(f"unknown step {step}")
    return lines


def convert_steps(src, dst, to_lines):
    with open(os.path.join(TESTDATA, src)) as f:
        cases = [json.loads(l) for l in f if l.strip()]
    steps = sum(len(c["steps"]) for c in cases)
    with open(dst, "w") as out:
        for c in cases:
            out.write("\n".join(to_lines(c)) + "\n")
        out.write(f"E {len(cases)} {steps}\n")
    return len(cases), steps


def pools_lines(row, conformance):
    c = row["config"]
    lines = [" ".join(["C", text(row["name"]), texts(c.get("client_ids")), c.get("token_use") or "-"]
                      + requirement(c.get("groups")) + requirement(c.get("scopes"))
                      + [text(row.get("error"))])]
    for p in c["pools"]:
        kind = "u" if "user_pool_id" in p else "i"
        lines.append(" ".join(["p", kind, text(p.get("user_pool_id") or p["issuer"]),
                               texts(p.get("also_issuers")), text(p.get("jwks_url")),
                               texts(p.get("client_ids")), p.get("token_use") or "-"]
                              + requirement(p.get("groups")) + requirement(p.get("scopes"))))
    if "jwks_urls" in row:
        lines.append("U " + texts(row["jwks_urls"]))
    for name, expect in row.get("verdicts", []):
        case = conformance[name]
        jwkses = [json.dumps(q["jwks"], separators=(",", ":")) for q in case["pools"]]
        lines.append(" ".join(["V", text(name), text(case["token"]), num(case["now"]),
                               texts(jwkses), word(expect)]))
    return lines


def convert_pools(dst):
    with open(os.path.join(TESTDATA, "conformance.jsonl")) as f:
        conformance = {c["name"]: c for c in (json.loads(l) for l in f if l.strip())}
    with open(os.path.join(TESTDATA, "pools.jsonl")) as f:
        rows = [json.loads(l) for l in f if l.strip()]
    verdicts = sum(len(r.get("verdicts", [])) for r in rows)
    errors = sum(1 for r in rows if "error" in r)
    with open(dst, "w") as out:
        for r in rows:
            out.write("\n".join(pools_lines(r, conformance)) + "\n")
        out.write(f"E {len(rows)} {verdicts} {errors}\n")
    return len(rows), verdicts, errors


def alb_line(c):
    """name token key_pem signers clients issuer leeway now expect sub (alb.jsonl)."""
    sub = (c.get("claims") or {}).get("sub")
    return " ".join([c["name"], text(c["token"]), text(c["key_pem"]), texts(c["signers"]), texts(c["clients"]),
                     text(c["issuer"]), num(c["leeway"]), num(c["now"]), c["expect"], text(sub)])


def convert(src, dst, line):
    with open(os.path.join(TESTDATA, src)) as f:
        cases = [json.loads(l) for l in f if l.strip()]
    with open(dst, "w") as out:
        for c in cases:
            out.write(line(c) + "\n")
    return len(cases)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = [convert("tokens.jsonl", os.path.join(out, "tokens.txt"), token_line),
         convert("real-world/cases.jsonl", os.path.join(out, "real-world.txt"), token_line),
         convert("jwks.jsonl", os.path.join(out, "jwks.txt"), jwks_line),
         convert("conformance.jsonl", os.path.join(out, "conformance.txt"), conformance_line),
         convert("revocation.jsonl", os.path.join(out, "revocation.txt"), revocation_line),
         convert("alb.jsonl", os.path.join(out, "alb.txt"), alb_line)]
    scenarios, steps = convert_steps("refresh.jsonl", os.path.join(out, "refresh.txt"), refresh_lines)
    memo_cases, memo_steps = convert_steps("memo.jsonl", os.path.join(out, "memo.txt"), memo_lines)
    configs, verdicts, errors = convert_pools(os.path.join(out, "pools.txt"))
    print(f"converted {n[0]} token cases, {n[1]} real-world cases, {n[2]} key set cases, "
          f"{n[3]} conformance cases, {n[4]} revocation cases, {n[5]} ALB cases, "
          f"{scenarios} refresh scenarios of {steps} steps, {memo_cases} memo cases of {memo_steps} steps, "
          f"{configs} pool configurations of {verdicts} verdicts and {errors} refusals")
