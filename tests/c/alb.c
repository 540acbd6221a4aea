/* ALB tokens (x-amzn-oidc-data) through the C API (cognito_alb_*).
 *   alb ALB_TXT        (testdata/alb.jsonl converted by vectors.py)
 * Each case: rules from its signers, clients, issuer and leeway, its key read from PEM, the
 * token verified at its time: the code must be the table's (the Rust one), and a valid token's
 * payload must hold the table's sub. Then the key URL of a valid token, what C alone can get
 * wrong (NULL, a short buffer, a bad ARN, an empty client, a key that is not P-256), and the
 * key read from DER. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>

#include "common.h"

#define U8(s) ((const uint8_t *)(s))
#define BUF(s) ((uint8_t *)(s))

static size_t cases, valid, mismatches, memo_hits;
static char first_token[4096];
static char first_pem[1024];

static cognito_result add_each(cognito_alb_rules *r, char *field,
                               cognito_result (*fn)(cognito_alb_rules *, const uint8_t *, size_t)) {
    char *items[16];
    size_t n = split_list(field, items, 16);
    for (size_t i = 0; i < n; i++) {
        text_t t = decode_text(items[i]);
        cognito_result rc = fn(r, U8(t.data), t.len);
        free_text(&t);
        if (rc != COGNITO_RESULT_OK) return rc;
    }
    return COGNITO_RESULT_OK;
}

/* The case through the core's ALB verifier (cognito_alb_verifier_*), as a service drives it:
 * verify; on UNKNOWN_KID ask for the key, "fetch" it (the case's PEM) and report it; verify
 * again. Then a second time: the same code, from the verdict memo when it verified. */
static void through_verifier(const cognito_alb_rules *rules, const char *name, text_t token, text_t pem,
                             uint64_t now, const char *expect) {
    cognito_alb_verifier *v = NULL;
    CHECK_RC(cognito_alb_verifier_new(rules, &v), COGNITO_RESULT_OK);
    char payload[4096], url[256];
    size_t payload_len = 0, url_len = 0;
    for (int round = 1; round <= 2; round++) {
        cognito_result rc = cognito_alb_verifier_verify(v, U8(token.data), token.len, now, BUF(payload),
                                                        sizeof payload, &payload_len);
        if (rc == COGNITO_RESULT_UNKNOWN_KID && round == 1) {
            CHECK_RC(cognito_alb_verifier_key_request(v, U8(token.data), token.len, now, BUF(url), sizeof url,
                                                      &url_len, NULL),
                     COGNITO_RESULT_OK);
            CHECK(strncmp(url, "https://", 8) == 0);
            CHECK_RC(cognito_alb_verifier_key_fetched(v, U8(token.data), token.len, now, U8(pem.data), pem.len),
                     COGNITO_RESULT_OK);
            rc = cognito_alb_verifier_verify(v, U8(token.data), token.len, now, BUF(payload), sizeof payload,
                                             &payload_len);
        }
        const char *got = rc == COGNITO_RESULT_OK ? "valid" : cognito_result_code_name(rc);
        if (strcmp(got, expect) != 0) {
            fprintf(stderr, "  %s (verifier, round %d): got %s, want %s\n", name, round, got, expect);
            mismatches++;
        }
    }
    uint64_t hits = 0;
    CHECK_RC(cognito_alb_verifier_stats(v, NULL, NULL, NULL, &hits, NULL, NULL, NULL), COGNITO_RESULT_OK);
    CHECK(hits == (strcmp(expect, "valid") == 0 ? 1u : 0u));
    memo_hits += hits;
    cognito_alb_verifier_free(v);
}

static void run_case(char *line) {
    char *f[10];
    if (split_fields(line, f, 10) != 10) return;
    text_t token = decode_text(f[1]), pem = decode_text(f[2]), issuer = decode_text(f[5]),
           sub = decode_text(f[9]);
    const char *expect = f[8];
    cognito_alb_rules *rules = NULL;
    cognito_alb_key *key = NULL;
    CHECK_RC(cognito_alb_rules_new(&rules), COGNITO_RESULT_OK);
    CHECK_RC(add_each(rules, f[3], cognito_alb_rules_add_signer), COGNITO_RESULT_OK);
    CHECK_RC(add_each(rules, f[4], cognito_alb_rules_add_client_id), COGNITO_RESULT_OK);
    if (issuer.present) CHECK_RC(cognito_alb_rules_set_issuer(rules, U8(issuer.data), issuer.len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_rules_set_leeway(rules, strtoull(f[6], NULL, 10)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_key_from_pem(U8(pem.data), pem.len, &key), COGNITO_RESULT_OK);
    char payload[4096];
    size_t payload_len = 0;
    cognito_result rc = cognito_alb_verify(rules, key, U8(token.data), token.len, strtoull(f[7], NULL, 10),
                                           BUF(payload), sizeof payload, &payload_len);
    const char *got = rc == COGNITO_RESULT_OK ? "valid" : cognito_result_code_name(rc);
    cases++;
    if (strcmp(got, expect) != 0) {
        fprintf(stderr, "  %s: got %s, want %s\n", f[0], got, expect);
        mismatches++;
    } else if (rc == COGNITO_RESULT_OK) {
        valid++;
        char want[256];
        snprintf(want, sizeof want, "\"sub\":\"%s\"", sub.present ? sub.data : "");
        if (payload_len != strlen(payload) || strstr(payload, want) == NULL) {
            fprintf(stderr, "  %s: payload %s lacks %s\n", f[0], payload, want);
            mismatches++;
        }
        if (strcmp(f[0], "valid") == 0 && token.len < sizeof first_token && pem.len < sizeof first_pem) {
            memcpy(first_token, token.data, token.len + 1);
            memcpy(first_pem, pem.data, pem.len + 1);
        }
    }
    through_verifier(rules, f[0], token, pem, strtoull(f[7], NULL, 10), expect);
    cognito_alb_key_free(key);
    cognito_alb_rules_free(rules);
    free_text(&token);
    free_text(&pem);
    free_text(&issuer);
    free_text(&sub);
}

#define SIGNER "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
#define CLIENT "4f1bnaod2d6s7s0hslnsrm4spc"

static void by_hand(void) {
    CHECK(first_token[0] != 0);
    cognito_alb_rules *rules = NULL;
    cognito_alb_key *key = NULL;
    CHECK_RC(cognito_alb_rules_new(&rules), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_rules_add_signer(rules, U8(SIGNER), strlen(SIGNER)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_rules_add_client_id(rules, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    /* The key URL: from the configured ARN's partition and region, and the checked kid. */
    char url[256];
    size_t url_len = 0;
    CHECK_RC(cognito_alb_key_url(rules, U8(first_token), strlen(first_token), BUF(url), sizeof url, &url_len),
           COGNITO_RESULT_OK);
    CHECK(strcmp(url, "https://public-keys.auth.elb.us-east-2.amazonaws.com/6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c") == 0);
    CHECK(url_len == strlen(url));
    /* Too short a buffer: the size needed, nothing written. */
    size_t needed = 0;
    CHECK_RC(cognito_alb_key_url(rules, U8(first_token), strlen(first_token), BUF(url), 10, &needed),
           COGNITO_RESULT_BUFFER_TOO_SMALL);
    CHECK(needed == url_len + 1);
    CHECK_RC(cognito_alb_key_url(rules, U8("a.b.c"), 5, BUF(url), sizeof url, &url_len), COGNITO_RESULT_MALFORMED_TOKEN);
    /* Configuration mistakes. */
    CHECK_RC(cognito_alb_rules_add_signer(rules, U8("arn:aws:s3:::bucket"), 19), COGNITO_RESULT_INVALID_CONFIGURATION);
    CHECK_RC(cognito_alb_rules_add_client_id(rules, U8(""), 0), COGNITO_RESULT_INVALID_CONFIGURATION);
    CHECK_RC(cognito_alb_rules_add_signer(rules, U8("\xff"), 1), COGNITO_RESULT_INVALID_UTF8);
    /* Keys: PEM, DER, and what is not a P-256 public key. */
    CHECK_RC(cognito_alb_key_from_pem(U8(first_pem), strlen(first_pem), &key), COGNITO_RESULT_OK);
    cognito_alb_key *none = NULL;
    CHECK_RC(cognito_alb_key_from_pem(U8("nope"), 4, &none), COGNITO_RESULT_UNSUPPORTED_KEY);
    CHECK(none == NULL);
    CHECK_RC(cognito_alb_key_from_der(U8("\x30\x00"), 2, &none), COGNITO_RESULT_UNSUPPORTED_KEY);
    /* NULL everywhere it can be. */
    char payload[2048];
    size_t payload_len = 0;
    CHECK_RC(cognito_alb_rules_new(NULL), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_alb_key_from_pem(NULL, 5, &none), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_alb_key_from_pem(U8(first_pem), strlen(first_pem), NULL), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_alb_verify(NULL, key, U8(first_token), strlen(first_token), 1700000000, BUF(payload),
                              sizeof payload, &payload_len), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_alb_verify(rules, NULL, U8(first_token), strlen(first_token), 1700000000, BUF(payload),
                              sizeof payload, &payload_len), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_alb_verify(rules, key, NULL, 5, 1700000000, BUF(payload), sizeof payload, &payload_len),
           COGNITO_RESULT_NULL_PARAMETER);
    /* Verified; then a payload buffer too small reports the size needed. */
    CHECK_RC(cognito_alb_verify(rules, key, U8(first_token), strlen(first_token), 1700000000, BUF(payload),
                              sizeof payload, &payload_len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verify(rules, key, U8(first_token), strlen(first_token), 1700000000, BUF(payload), 8,
                              &needed), COGNITO_RESULT_BUFFER_TOO_SMALL);
    CHECK(needed == payload_len + 1);
    /* Rules with no client refuse every token. */
    cognito_alb_rules *bare = NULL;
    CHECK_RC(cognito_alb_rules_new(&bare), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verify(bare, key, U8(first_token), strlen(first_token), 1700000000, BUF(payload),
                              sizeof payload, &payload_len), COGNITO_RESULT_INVALID_CONFIGURATION);
    cognito_alb_rules_free(bare);
    cognito_alb_key_free(key);
    cognito_alb_rules_free(rules);
    cognito_alb_key_free(NULL);
    cognito_alb_rules_free(NULL);
}

/* The verifier's fetch policy: one fetch per load balancer per cooldown; what C alone can get
 * wrong. */
static void by_hand_verifier(void) {
    cognito_alb_rules *rules = NULL;
    cognito_alb_verifier *v = NULL;
    CHECK_RC(cognito_alb_rules_new(&rules), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_new(rules, &v), COGNITO_RESULT_INVALID_CONFIGURATION);
    CHECK(v == NULL);
    CHECK_RC(cognito_alb_rules_add_signer(rules, U8(SIGNER), strlen(SIGNER)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_rules_add_client_id(rules, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_new(rules, &v), COGNITO_RESULT_OK);
    cognito_alb_rules_free(rules); /* copied by the verifier */
    const uint64_t now = 1700000000;
    const size_t len = strlen(first_token);
    char url[256], payload[2048];
    size_t url_len = 0, payload_len = 0;
    uint64_t retry_at = 0, fetches = 0, failures = 0;
    size_t keys = 0;
    CHECK_RC(cognito_alb_verifier_verify(v, U8(first_token), len, now, BUF(payload), sizeof payload, &payload_len),
             COGNITO_RESULT_UNKNOWN_KID);
    CHECK_RC(cognito_alb_verifier_key_request(v, U8(first_token), len, now, BUF(url), sizeof url, &url_len, &retry_at),
             COGNITO_RESULT_OK);
    CHECK(strcmp(url, "https://public-keys.auth.elb.us-east-2.amazonaws.com/6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c") == 0);
    /* The fetch failed: no key, and no second fetch within the cooldown (30 s). */
    CHECK_RC(cognito_alb_verifier_key_fetched(v, U8(first_token), len, now, NULL, 0), COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_key_request(v, U8(first_token), len, now + 29, BUF(url), sizeof url, &url_len,
                                              &retry_at),
             COGNITO_RESULT_JWKS_UNAVAILABLE);
    CHECK(retry_at == now + 30);
    CHECK_RC(cognito_alb_verifier_key_request(v, U8(first_token), len, now + 30, BUF(url), sizeof url, &url_len, NULL),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_key_fetched(v, U8(first_token), len, now + 30, U8("not a key"), 9),
             COGNITO_RESULT_UNSUPPORTED_KEY);
    CHECK_RC(cognito_alb_verifier_stats(v, &fetches, &failures, &keys, NULL, NULL, NULL, NULL), COGNITO_RESULT_OK);
    CHECK(fetches == 2 && failures == 2 && keys == 0);
    /* A key in hand: what the token needs no more is not a request. */
    CHECK_RC(cognito_alb_verifier_key_request(v, U8(first_token), len, now + 60, BUF(url), sizeof url, &url_len, NULL),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_key_fetched(v, U8(first_token), len, now + 60, U8(first_pem), strlen(first_pem)),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_verify(v, U8(first_token), len, now + 60, BUF(payload), sizeof payload, &payload_len),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_alb_verifier_key_request(v, U8(first_token), len, now + 60, BUF(url), sizeof url, &url_len, NULL),
             COGNITO_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cognito_alb_verifier_verify(NULL, U8(first_token), len, now, BUF(payload), sizeof payload, &payload_len),
             COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(cognito_alb_verifier_new(NULL, &v), COGNITO_RESULT_NULL_PARAMETER);
    cognito_alb_verifier_free(v);
    cognito_alb_verifier_free(NULL);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s alb.txt\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) run_case(line);
    free(line);
    fclose(in);
    by_hand();
    by_hand_verifier();
    printf("alb.jsonl: %zu cases, %zu valid, %zu memo hits through cognito_alb_verifier, %zu mismatches (C)\n",
           cases, valid, memo_hits, mismatches);
    return (mismatches == 0 && cases >= 50 && *failure_count() == 0) ? 0 : 1;
}
