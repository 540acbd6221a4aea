/* The C examples of ffi/README.md's "Revocation" section, extracted by run.sh into
 * readme_revocation_1.inc and _2.inc and run here: a token verified, its session, user and jti
 * revoked by the first example's code, then refused; the same token's sign-out by the second,
 * recorded as its session and applied to a replica, then refused by both.
 *   readme_revocation JWKS_FILE TOKEN_FILE      (testdata/doc) */
#include <stdbool.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u

static size_t held_after;

static void sign_out(const cognito_verifier *verifier, const cognito_claims *claims, uint64_t now) {
#include "readme_revocation_1.inc"
    held_after = held;
    (void)capacity;
}

static void sign_out_session(const cognito_verifier *verifier, const cognito_verifier *replica,
                             const cognito_claims *claims, uint64_t now) {
#include "readme_revocation_2.inc"
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    size_t jwks_len, token_len;
    char *jwks = read_file(argv[1], &jwks_len);
    char *token = read_file(argv[2], &token_len);
    token_len = trim_len(token, token_len);
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    cognito_claims *c = NULL;
    CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_user_pool_id(cfg, (const uint8_t *)POOL, strlen(POOL)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_client_id(cfg, (const uint8_t *)CLIENT, strlen(CLIENT)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_cache_jwks(v, (const uint8_t *)jwks, jwks_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_OK);
    sign_out(v, c, NOW);
    CHECK(held_after == 3);
    CHECK_RC(cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_REVOKED);
    printf("  README revocation example: 3 revocations held, the token is now %s\n",
           cognito_result_code_name(cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c)));

    /* The sign-out example, on a fresh verifier and a replica. */
    cognito_verifier *w = NULL, *replica = NULL;
    CHECK_RC(cognito_verifier_new(cfg, &w), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(cfg, &replica), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_cache_jwks(w, (const uint8_t *)jwks, jwks_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_cache_jwks(replica, (const uint8_t *)jwks, jwks_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_verify(w, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_OK);
    sign_out_session(w, replica, c, NOW);
    CHECK_RC(cognito_verifier_verify(w, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_REVOKED);
    CHECK_RC(cognito_verifier_verify(replica, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_REVOKED);
    size_t held_w = 0, held_replica = 0;
    CHECK_RC(cognito_verifier_revocation_stats(w, NOW, &held_w, NULL), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_revocation_stats(replica, NOW, &held_replica, NULL), COGNITO_RESULT_OK);
    CHECK(held_w == 1 && held_replica == 1);
    /* A second sign-out of the same session is a session again: the first recorded a session. */
    cognito_sign_out again = {COGNITO_SIGN_OUT_KIND_SUBJECT, 99};
    char sub[128], session[128];
    size_t sub_len, session_len;
    CHECK_RC(cognito_claims_sub(c, (uint8_t *)sub, sizeof sub, &sub_len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_origin_jti(c, (uint8_t *)session, sizeof session, &session_len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_sign_out(w, (const uint8_t *)sub, sub_len, (const uint8_t *)session,
                                       session_len, NOW, &again),
             COGNITO_RESULT_OK);
    CHECK(again.recorded == COGNITO_SIGN_OUT_KIND_SESSION);
    printf("  README sign-out example: one session held here and on the replica, the token is now %s on both\n",
           cognito_result_code_name(cognito_verifier_verify(replica, (const uint8_t *)token, token_len, NOW, c)));
    cognito_verifier_free(w);
    cognito_verifier_free(replica);
    cognito_claims_free(c);
    cognito_verifier_free(v);
    cognito_config_free(cfg);
    free(jwks);
    free(token);
    return *failure_count() == 0 ? 0 : 1;
}
