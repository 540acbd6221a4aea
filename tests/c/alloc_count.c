/* Verifying allocates nothing in the library: every malloc-family call of the statically linked
 * library is counted (linked with -Wl,--wrap=malloc,... so the Rust allocator's calls into libc
 * come here), around verifications, claim reads, revocations and revocation checks.
 *   alloc_count JWKS_FILE TOKEN_FILE */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>

#include "common.h"

static long allocations = 0;

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
int __real_posix_memalign(void **, size_t, size_t);
void *__real_aligned_alloc(size_t, size_t);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);

void *__wrap_malloc(size_t n) {
    allocations++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m) {
    allocations++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n) {
    allocations++;
    return __real_realloc(p, n);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n) {
    allocations++;
    return __real_posix_memalign(p, a, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n) {
    allocations++;
    return __real_aligned_alloc(a, n);
}

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u
#define JTI "abcdefab-1234-5678-9abc-def012345678"
#define U8(s) ((const uint8_t *)(s))

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    size_t jwks_len, token_len;
    char *jwks = read_file(argv[1], &jwks_len);
    char *token = read_file(argv[2], &token_len);
    token_len = trim_len(token, token_len);
    char *tampered = (char *)__real_malloc(token_len);
    memcpy(tampered, token, token_len);
    tampered[token_len - 5] ^= 1;

    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL, *revoking = NULL;
    cognito_claims *c = NULL;
    long setup_start = allocations;
    cognito_config_new(&cfg);
    cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL));
    cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT));
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_cache_jwks(v, U8(jwks), jwks_len, NOW), COGNITO_RESULT_OK);
    /* A second verifier that holds a revocation of the token (its jti). */
    CHECK_RC(cognito_verifier_new(cfg, &revoking), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_cache_jwks(revoking, U8(jwks), jwks_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_revoke_jti(revoking, U8(JTI), strlen(JTI), 1700003600u, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);
    long setup = allocations - setup_start;

    uint8_t buf[256];
    size_t len;
    int64_t t;
    bool yes;
    cognito_token_use use;
    /* Warm up once (lazy initialisation in std, if any, is not per verification). */
    CHECK_RC(cognito_verifier_verify(v, U8(token), token_len, NOW, c), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_verify(revoking, U8(token), token_len, NOW, c), COGNITO_RESULT_REVOKED);
    char session[40];
    size_t held = 0;
    size_t contended = 0;
    cognito_sign_out signed_out;
    cognito_refresh_action action = COGNITO_REFRESH_ACTION_FETCH;
    uint64_t retry_at;

    const int rounds = 1000;
    long before = allocations;
    for (int i = 0; i < rounds; i++) {
        CHECK_RC(cognito_verifier_verify(v, U8(token), token_len, NOW, c), COGNITO_RESULT_OK);
        CHECK_RC(cognito_verifier_verify(v, U8(tampered), token_len, NOW, c), COGNITO_RESULT_INVALID_SIGNATURE);
        CHECK_RC(cognito_verifier_verify(v, U8(token), token_len, NOW + 3600, c), COGNITO_RESULT_EXPIRED);
        CHECK_RC(cognito_verifier_verify(v, U8("x.y.z"), 5, NOW, c), COGNITO_RESULT_MALFORMED_TOKEN);
        CHECK_RC(cognito_claims_username(c, buf, sizeof buf, &len), COGNITO_RESULT_OK);
        CHECK_RC(cognito_claims_get(c, U8("cognito:groups"), 14, buf, sizeof buf, &len), COGNITO_RESULT_OK);
        CHECK_RC(cognito_claims_get(c, U8("exp"), 3, buf, sizeof buf, &len), COGNITO_RESULT_OK);
        CHECK_RC(cognito_claims_exp(c, &t), COGNITO_RESULT_OK);
        CHECK_RC(cognito_claims_token_use(c, &use), COGNITO_RESULT_OK);
        CHECK_RC(cognito_claims_in_group(c, U8("admin"), 5, &yes), COGNITO_RESULT_OK);
        CHECK_RC(cognito_claims_group(c, 1, buf, sizeof buf, &len), COGNITO_RESULT_OK);
        /* Revocation: checking a held one, adding one (the list is allocated at set-up). */
        CHECK_RC(cognito_verifier_verify(revoking, U8(token), token_len, NOW, c), COGNITO_RESULT_REVOKED);
        snprintf(session, sizeof session, "session-%d", i);
        CHECK_RC(cognito_verifier_revoke_origin_jti(v, U8(session), strlen(session), NOW), COGNITO_RESULT_OK);
        CHECK_RC(cognito_verifier_revocation_stats(v, NOW, &held, NULL), COGNITO_RESULT_OK);
        /* A sign-out (recorded in the verifier that already denies the token: its held count is
         * not checked) and the contended count. */
        CHECK_RC(cognito_verifier_sign_out(revoking, U8("user"), 4, U8(session), strlen(session), NOW,
                                           &signed_out),
                 COGNITO_RESULT_OK);
        CHECK_RC(cognito_verifier_revocation_contended(revoking, &contended), COGNITO_RESULT_OK);
        /* The refresh decision before each token, and where the keys come from. */
        CHECK_RC(cognito_verifier_poll(v, 0, NOW, COGNITO_REFRESH_NEED_KEYS, &action, &retry_at), COGNITO_RESULT_OK);
        CHECK_RC(cognito_verifier_jwks_url(v, 0, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    }
    long during = allocations - before;

    printf("  alloc_count: set-up %ld allocations (counter works: %s); %d x 5 verifications (one "
           "revoked) + 7 claim reads + 1 revocation + 1 sign-out + revocation stats + 1 refresh poll + "
           "1 JWKS URL: %ld allocations\n",
           setup, setup > 0 ? "yes" : "NO", rounds, during);
    CHECK(setup > 0);
    CHECK(held == (size_t)rounds);
    CHECK(during == 0);
    CHECK(contended == 0 && signed_out.recorded == COGNITO_SIGN_OUT_KIND_SUBJECT);
    CHECK(action == COGNITO_REFRESH_ACTION_USE_CACHED);

    cognito_claims_free(c);
    cognito_verifier_free(v);
    cognito_verifier_free(revoking);
    cognito_config_free(cfg);
    free(tampered);
    free(jwks);
    free(token);
    return *failure_count() == 0 ? 0 : 1;
}
