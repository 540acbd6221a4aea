/* The shared testdata/ vectors through the C API, case by case, with counts.
 *   vectors tokens.txt real-world.txt jwks.txt      (files made by vectors.py)
 * Every case's verdict, error code and standard claims must equal the expectation the Rust
 * tests check (core/tests/vectors.rs), so C and Rust agree case by case. Each token case also
 * runs on a verifier without the verified-signature cache, and from THREADS threads sharing the
 * cached verifier, which must all give the same code; the cache's counters must say one miss
 * and then only hits for a valid token. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "common.h"

/* Compares a string claim with the expectation ("-" absent, "?" not checked). */
static bool same_text(const cognito_claims *claims,
                      cognito_result (*get)(const cognito_claims *, uint8_t *, size_t, size_t *),
                      const char *want_field) {
    if (strcmp(want_field, "?") == 0) return true;
    text_t want = decode_text(want_field);
    uint8_t buf[512];
    size_t len = 0;
    cognito_result rc = get(claims, buf, sizeof buf, &len);
    bool same = want.present ? (rc == COGNITO_RESULT_OK && len == want.len &&
                                memcmp(buf, want.data, len) == 0 && buf[len] == 0)
                             : rc == COGNITO_RESULT_CLAIM_NOT_FOUND;
    free_text(&want);
    return same;
}

#define THREADS 4
#define REPEATS 25

typedef struct {
    const cognito_verifier *v;
    const text_t *token;
    uint64_t now;
    cognito_result want;
    atomic_int *mismatches;
} shared_case_t;

static void *repeat_case(void *arg) {
    shared_case_t *c = (shared_case_t *)arg;
    cognito_claims *claims = NULL;
    if (cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims) != COGNITO_RESULT_OK) {
        atomic_fetch_add(c->mismatches, 1);
        return NULL;
    }
    for (int i = 0; i < REPEATS; i++) {
        cognito_result rc = cognito_verifier_verify(c->v, (const uint8_t *)c->token->data,
                                                    c->token->len, c->now, claims);
        if (rc != c->want) atomic_fetch_add(c->mismatches, 1);
    }
    cognito_claims_free(claims);
    return NULL;
}

/* The same case from THREADS threads sharing `v` (its cache warm from the first verification),
 * against `want`, the code of a verifier without a cache. */
static bool agree_across_threads(const cognito_verifier *v, const text_t *token, uint64_t now,
                                 cognito_result want) {
    atomic_int mismatches = 0;
    shared_case_t c = {v, token, now, want, &mismatches};
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, repeat_case, &c);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    return atomic_load(&mismatches) == 0;
}

/* Runs one token case; returns true when it agrees with the expectation. */
static bool run_token_case(char **f) {
    text_t name = decode_text(f[1]), token = decode_text(f[2]), jwks = decode_text(f[3]);
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL, *uncached = NULL, *memo = NULL;
    cognito_claims *claims = NULL;
    bool ok = false;
    cognito_result rc;

    if (cognito_config_new(&cfg) != COGNITO_RESULT_OK) goto done;
    rc = set_token_use(cfg, f[5]);
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_leeway(cfg, strtoull(f[6], NULL, 10));
    if (rc == COGNITO_RESULT_OK && strcmp(f[7], "-") != 0)
        rc = cognito_config_set_max_age(cfg, strtoull(f[7], NULL, 10));
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_allow_es256(cfg, f[8][0] == '1');
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[9], cognito_config_add_user_pool_id);
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[10], cognito_config_add_issuer);
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[11], cognito_config_add_client_id);
    if (rc == COGNITO_RESULT_OK) rc = requirement(cfg, f[12], f[13], true);
    if (rc == COGNITO_RESULT_OK) rc = requirement(cfg, f[14], f[15], false);
    uint64_t now = strtoull(f[4], NULL, 10);
    /* `memo`: the defaults (verdict memo and signature cache); `v`: the signature cache alone,
     * whose counters are checked; `uncached`: neither. */
    if (rc == COGNITO_RESULT_OK) rc = cognito_verifier_new(cfg, &memo);
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_verdict_memo(cfg, 0);
    if (rc == COGNITO_RESULT_OK) rc = cognito_verifier_new(cfg, &v);
    if (rc == COGNITO_RESULT_OK) rc = cognito_config_set_signature_cache(cfg, 0);
    if (rc == COGNITO_RESULT_OK) rc = cognito_verifier_new(cfg, &uncached);
    if (rc == COGNITO_RESULT_OK)
        rc = cognito_verifier_cache_jwks(memo, (const uint8_t *)jwks.data, jwks.len, now);
    if (rc == COGNITO_RESULT_OK)
        rc = cognito_verifier_cache_jwks(v, (const uint8_t *)jwks.data, jwks.len, now);
    if (rc == COGNITO_RESULT_OK)
        rc = cognito_verifier_cache_jwks(uncached, (const uint8_t *)jwks.data, jwks.len, now);
    if (rc == COGNITO_RESULT_OK) rc = cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims);
    /* Set-up failures (a key set refused) are the case's answer; nothing was verified. */
    bool verified = rc == COGNITO_RESULT_OK;
    cognito_result without_cache = rc;
    if (rc == COGNITO_RESULT_OK)
        without_cache = cognito_verifier_verify(uncached, (const uint8_t *)token.data, token.len, now, claims);
    if (rc == COGNITO_RESULT_OK)
        rc = cognito_verifier_verify(v, (const uint8_t *)token.data, token.len, now, claims);
    bool cache_agrees = rc == without_cache;
    if (cache_agrees && verified) {
        uint64_t hits = 9, misses = 9, hits0 = 9, misses0 = 9;
        size_t capacity = 0, capacity0 = 9;
        cache_agrees = agree_across_threads(v, &token, now, rc);
        cognito_verifier_signature_cache_stats(v, &hits, &misses, &capacity);
        cognito_verifier_signature_cache_stats(uncached, &hits0, &misses0, &capacity0);
        cache_agrees &= capacity == COGNITO_DEFAULT_SIGNATURE_CACHE_CAPACITY && capacity0 == 0 &&
                        hits0 == 0 && misses0 == 0;
        /* A valid token: one miss, then hits only. */
        if (rc == COGNITO_RESULT_OK) cache_agrees &= misses == 1 && hits == THREADS * REPEATS;
        /* Never stored when refused: never a hit. */
        else cache_agrees &= hits == 0;
        if (!cache_agrees)
            fprintf(stderr, "CACHE %s: %s, hits=%" PRIu64 " misses=%" PRIu64 "\n", name.data,
                    cognito_result_code_name(rc), hits, misses);
        /* The verdict memo: the same code from every thread, a hit for every repeat of a valid
         * token, never a hit for a refused one. */
        bool memo_agrees = agree_across_threads(memo, &token, now, rc) &&
                           cognito_verifier_verify(memo, (const uint8_t *)token.data, token.len,
                                                   now, claims) == rc;
        uint64_t memo_hits = 9, memo_misses = 9;
        size_t memo_bytes = 0;
        cognito_verifier_verdict_memo_stats(memo, &memo_hits, &memo_misses, NULL, &memo_bytes);
        /* Threads that start together may each miss once before the first stores it. */
        if (rc == COGNITO_RESULT_OK)
            memo_agrees &= memo_hits + memo_misses == THREADS * REPEATS + 1 &&
                           memo_misses <= THREADS && memo_bytes > 0;
        else memo_agrees &= memo_hits == 0 && memo_bytes == 0;
        if (!memo_agrees)
            fprintf(stderr, "MEMO %s: %s, hits=%" PRIu64 "\n", name.data, cognito_result_code_name(rc),
                    memo_hits);
        cache_agrees &= memo_agrees;
    }
    /* The claims of the cached verifier's verification, checked below. */

    bool want_valid = f[17][0] == '1';
    if (want_valid) {
        ok = rc == COGNITO_RESULT_OK;
        if (ok && strcmp(f[19], "?") != 0) {
            ok &= same_text(claims, cognito_claims_sub, f[19]);
            ok &= same_text(claims, cognito_claims_username, f[20]);
            ok &= same_text(claims, cognito_claims_client_id, f[22]);
            cognito_token_use use = 99;
            ok &= cognito_claims_token_use(claims, &use) == COGNITO_RESULT_OK;
            ok &= use == (strcmp(f[21], "id") == 0 ? COGNITO_TOKEN_USE_ID : COGNITO_TOKEN_USE_ACCESS);
            int64_t exp = -1;
            ok &= cognito_claims_exp(claims, &exp) == COGNITO_RESULT_OK;
            ok &= exp == strtoll(f[23], NULL, 10);
        }
    } else {
        ok = rc != COGNITO_RESULT_OK &&
             (strcmp(f[18], "-") == 0 || strcmp(cognito_result_code_name(rc), f[18]) == 0);
    }
    ok &= cache_agrees;
    if (!ok)
        fprintf(stderr, "MISMATCH %s: want %s %s, got %s\n", name.data, want_valid ? "valid" : "invalid",
                f[18], cognito_result_code_name(rc));
done:
    cognito_claims_free(claims);
    cognito_verifier_free(v);
    cognito_verifier_free(uncached);
    cognito_verifier_free(memo);
    cognito_config_free(cfg);
    free_text(&name);
    free_text(&token);
    free_text(&jwks);
    return ok;
}

static bool run_jwks_case(char **f) {
    text_t name = decode_text(f[1]), jwks = decode_text(f[2]);
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    bool ok = false;
    if (cognito_config_new(&cfg) == COGNITO_RESULT_OK &&
        cognito_config_add_user_pool_id(cfg, (const uint8_t *)"us-east-1_X", 11) == COGNITO_RESULT_OK &&
        cognito_config_add_client_id(cfg, (const uint8_t *)"c", 1) == COGNITO_RESULT_OK &&
        cognito_verifier_new(cfg, &v) == COGNITO_RESULT_OK) {
        /* The time keys are loaded at only matters to the refresh policy, not polled here. */
        cognito_result rc = cognito_verifier_cache_jwks(v, (const uint8_t *)jwks.data, jwks.len, 0);
        size_t keys = 99, skipped = 99;
        cognito_verifier_key_count(v, &keys, &skipped);
        if (f[4][0] == '1') {
            ok = rc == COGNITO_RESULT_OK && keys == strtoull(f[6], NULL, 10) &&
                 skipped == strtoull(f[7], NULL, 10);
        } else {
            /* A failed load keeps the previous keys: none here. */
            ok = strcmp(cognito_result_code_name(rc), f[5]) == 0 && keys == 0;
        }
        if (!ok)
            fprintf(stderr, "MISMATCH %s: got %s keys=%zu skipped=%zu\n", name.data,
                    cognito_result_code_name(rc), keys, skipped);
    }
    cognito_verifier_free(v);
    cognito_config_free(cfg);
    free_text(&name);
    free_text(&jwks);
    return ok;
}

/* One conformance case: a verifier of one or several pools, each with its own key set
 * (cognito_verifier_cache_pool_jwks); the token's iss picks the pool. */
static bool run_conformance_case(char **f) {
    text_t name = decode_text(f[1]), token = decode_text(f[2]);
    const char *kinds = f[5];
    size_t pools = strlen(kinds);
    char *values[16] = {0}, *jwkses[16] = {0};
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    cognito_claims *claims = NULL;
    bool ok = false;
    cognito_result rc = COGNITO_RESULT_INVALID_ARGUMENT;
    if (pools == 0 || pools > 16 || split_list(f[6], values, 16) != pools ||
        split_list(f[7], jwkses, 16) != pools)
        goto done;
    rc = cognito_config_new(&cfg);
    for (size_t i = 0; rc == COGNITO_RESULT_OK && i < pools; i++) {
        text_t value = decode_text(values[i]);
        rc = kinds[i] == 'u' ? cognito_config_add_user_pool_id(cfg, (const uint8_t *)value.data, value.len)
                             : cognito_config_add_issuer(cfg, (const uint8_t *)value.data, value.len);
        free_text(&value);
    }
    if (rc == COGNITO_RESULT_OK) rc = add_list(cfg, f[4], cognito_config_add_client_id);
    if (rc == COGNITO_RESULT_OK) rc = cognito_verifier_new(cfg, &v);
    for (size_t i = 0; rc == COGNITO_RESULT_OK && i < pools; i++) {
        text_t jwks = decode_text(jwkses[i]);
        rc = cognito_verifier_cache_pool_jwks(v, i, (const uint8_t *)jwks.data, jwks.len,
                                              strtoull(f[3], NULL, 10));
        free_text(&jwks);
    }
    if (rc == COGNITO_RESULT_OK) rc = cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims);
    if (rc == COGNITO_RESULT_OK)
        rc = cognito_verifier_verify(v, (const uint8_t *)token.data, token.len,
                                     strtoull(f[3], NULL, 10), claims);
    ok = f[9][0] == '1' ? rc == COGNITO_RESULT_OK
                        : rc != COGNITO_RESULT_OK && strcmp(cognito_result_code_name(rc), f[10]) == 0;
    if (!ok)
        fprintf(stderr, "MISMATCH %s: want %s, got %s\n", name.data, f[9][0] == '1' ? "ok" : f[10],
                cognito_result_code_name(rc));
done:
    cognito_claims_free(claims);
    cognito_verifier_free(v);
    cognito_config_free(cfg);
    free_text(&name);
    free_text(&token);
    return ok;
}

static int run_file(const char *path) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int cases = 0, agreed = 0;
    while (getline(&line, &cap, fp) > 0) {
        char *f[32];
        size_t n = split_fields(line, f, 32);
        bool ok;
        if (n == 24 && strcmp(f[0], "T") == 0) {
            ok = run_token_case(f);
        } else if (n == 8 && strcmp(f[0], "J") == 0) {
            ok = run_jwks_case(f);
        } else if (n == 11 && strcmp(f[0], "P") == 0) {
            ok = run_conformance_case(f);
        } else {
            fprintf(stderr, "%s: bad line with %zu fields\n", path, n);
            ok = false;
        }
        cases++;
        agreed += ok;
    }
    free(line);
    fclose(fp);
    const char *base = strrchr(path, '/');
    printf("  %-16s %3d cases, %3d agree\n", base ? base + 1 : path, cases, agreed);
    return cases - agreed;
}

int main(int argc, char **argv) {
    int bad = 0;
    for (int i = 1; i < argc; i++) bad += run_file(argv[i]);
    return bad == 0 ? 0 : 1;
}
