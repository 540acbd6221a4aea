/* The verified-signature cache through the C API: a cached token is refused exactly as
 * without the cache once it has expired, once its key left the key set or came back with other
 * material under the same kid, by a stricter configuration, and when its payload differs by one
 * byte; the counters move as documented; capacity 0 turns the cache off.
 *   sigcache JWKS_FILE TOKEN_FILE */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u
#define EXP 1700003600u

static char *token;
static size_t token_len;

static cognito_verifier *make(const char *client, const char *group, size_t capacity) {
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_user_pool_id(cfg, (const uint8_t *)POOL, strlen(POOL)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_client_id(cfg, (const uint8_t *)client, strlen(client)), COGNITO_RESULT_OK);
    if (group) {
        CHECK_RC(cognito_config_require_groups(cfg, COGNITO_MATCH_ANY_OF), COGNITO_RESULT_OK);
        CHECK_RC(cognito_config_add_group(cfg, (const uint8_t *)group, strlen(group)), COGNITO_RESULT_OK);
    }
    if (capacity != (size_t)-1)
        CHECK_RC(cognito_config_set_signature_cache(cfg, capacity), COGNITO_RESULT_OK);
    /* The signature cache alone: a verdict memo in front of it would answer the repeats. */
    CHECK_RC(cognito_config_set_verdict_memo(cfg, 0), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    cognito_config_free(cfg);
    return v;
}

static cognito_result verify(const cognito_verifier *v, const char *t, size_t len, uint64_t now) {
    cognito_claims *claims = NULL;
    cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims);
    cognito_result rc = cognito_verifier_verify(v, (const uint8_t *)t, len, now, claims);
    cognito_claims_free(claims);
    return rc;
}

static void stats(const cognito_verifier *v, uint64_t *hits, uint64_t *misses) {
    CHECK_RC(cognito_verifier_signature_cache_stats(v, hits, misses, NULL), COGNITO_RESULT_OK);
}

static void load(cognito_verifier *v, const char *doc) {
    CHECK_RC(cognito_verifier_cache_jwks(v, (const uint8_t *)doc, strlen(doc), NOW), COGNITO_RESULT_OK);
}

/* `doc` with the first occurrence of `from` replaced by `to` (same length). */
static char *replaced(const char *doc, const char *from, const char *to) {
    char *out = strdup(doc);
    char *at = strstr(out, from);
    CHECK(at != NULL && strlen(from) == strlen(to));
    if (at) memcpy(at, to, strlen(to));
    return out;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: sigcache JWKS_FILE TOKEN_FILE\n");
        return 2;
    }
    size_t jwks_len, tlen;
    char *jwks = read_file(argv[1], &jwks_len);
    jwks[trim_len(jwks, jwks_len)] = 0;
    token = read_file(argv[2], &tlen);
    token_len = trim_len(token, tlen);
    token[token_len] = 0;
    uint64_t hits = 9, misses = 9;
    size_t capacity = 0;

    /* On by default; counters: a miss, then hits. */
    cognito_verifier *v = make(CLIENT, NULL, (size_t)-1);
    cognito_verifier *off = make(CLIENT, NULL, 0);
    load(v, jwks);
    load(off, jwks);
    CHECK_RC(cognito_verifier_signature_cache_stats(v, &hits, &misses, &capacity), COGNITO_RESULT_OK);
    CHECK(hits == 0 && misses == 0 && capacity == COGNITO_DEFAULT_SIGNATURE_CACHE_CAPACITY);
    CHECK_RC(cognito_verifier_signature_cache_stats(NULL, &hits, &misses, &capacity), COGNITO_RESULT_NULL_PARAMETER);
    CHECK_RC(verify(v, token, token_len, NOW), COGNITO_RESULT_OK);
    stats(v, &hits, &misses);
    CHECK(hits == 0 && misses == 1);
    CHECK_RC(verify(v, token, token_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(verify(v, token, token_len, NOW), COGNITO_RESULT_OK);
    stats(v, &hits, &misses);
    CHECK(hits == 2 && misses == 1);

    /* Capacity 0: no cache, no counts. */
    CHECK_RC(verify(off, token, token_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_signature_cache_stats(off, &hits, &misses, &capacity), COGNITO_RESULT_OK);
    CHECK(hits == 0 && misses == 0 && capacity == 0);

    /* Expired since it was cached: the same code as without the cache. */
    CHECK_RC(verify(v, token, token_len, EXP), COGNITO_RESULT_EXPIRED);
    CHECK_RC(verify(off, token, token_len, EXP), COGNITO_RESULT_EXPIRED);

    /* One byte of the payload changed (one base64url character of the middle segment). */
    char *forged = strdup(token);
    char *dot = strchr(forged, '.');
    CHECK(dot != NULL);
    if (dot) dot[10] = dot[10] == 'A' ? 'B' : 'A';
    cognito_result want = verify(off, forged, token_len, NOW);
    CHECK(want != COGNITO_RESULT_OK);
    stats(v, &hits, &misses);
    uint64_t hits_before = hits;
    CHECK_RC(verify(v, forged, token_len, NOW), want);
    CHECK_RC(verify(v, forged, token_len, NOW), want);
    stats(v, &hits, &misses);
    CHECK(hits == hits_before);

    /* The key left the set: unknown kid, cached or not. */
    char *no_a = replaced(jwks, "\"kA\"", "\"kZ\"");
    load(v, no_a);
    load(off, no_a);
    CHECK_RC(verify(v, token, token_len, NOW), COGNITO_RESULT_UNKNOWN_KID);
    CHECK_RC(verify(off, token, token_len, NOW), COGNITO_RESULT_UNKNOWN_KID);
    /* Back under the same kid with another modulus (kB's first characters): refused. */
    const char *na = strstr(jwks, "\"n\"");
    CHECK(na != NULL);
    char *other = NULL;
    if (na) {
        char from[16] = {0};
        const char *q = strchr(na + 3, '"');
        memcpy(from, q + 1, 12);
        char to[16];
        memcpy(to, from, 13);
        to[5] = to[5] == 'x' ? 'y' : 'x';
        other = replaced(jwks, from, to);
        load(v, other);
        load(off, other);
        cognito_result w = verify(off, token, token_len, NOW);
        CHECK(w == COGNITO_RESULT_INVALID_SIGNATURE);
        CHECK_RC(verify(v, token, token_len, NOW), w);
    }
    /* The original key again: the entry still holds. */
    load(v, jwks);
    stats(v, &hits, &misses);
    hits_before = hits;
    CHECK_RC(verify(v, token, token_len, NOW), COGNITO_RESULT_OK);
    stats(v, &hits, &misses);
    CHECK(hits == hits_before + 1);

    /* Stricter configurations refuse, with their own codes, and store nothing. */
    cognito_verifier *other_client = make("someotherclient", NULL, (size_t)-1);
    cognito_verifier *group = make(CLIENT, "auditors", (size_t)-1);
    load(other_client, jwks);
    load(group, jwks);
    for (int i = 0; i < 3; i++) {
        CHECK_RC(verify(other_client, token, token_len, NOW), COGNITO_RESULT_WRONG_CLIENT);
        CHECK_RC(verify(group, token, token_len, NOW), COGNITO_RESULT_GROUP_NOT_ALLOWED);
    }
    stats(group, &hits, &misses);
    CHECK(hits == 0 && misses == 3);

    printf("  signature cache: counters, capacity 0, expiry, one-byte payload, key removed and "
           "changed, stricter configurations\n");
    cognito_verifier_free(v);
    cognito_verifier_free(off);
    cognito_verifier_free(other_client);
    cognito_verifier_free(group);
    free(forged);
    free(no_a);
    free(other);
    free(jwks);
    free(token);
    return *failure_count() == 0 ? 0 : 1;
}
