/* The C example of ffi/README.md's "Revocation" section, extracted by run.sh into
 * readme_revocation.inc and run here: a token verified, its session, user and jti revoked by the
 * example's code, then refused.
 *   readme_revocation JWKS_FILE TOKEN_FILE      (testdata/doc) */
#include <stdbool.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u

static size_t held_after;

static void sign_out(const cognito_verifier *verifier, const cognito_claims *claims, uint64_t now) {
#include "readme_revocation.inc"
    held_after = held;
    (void)capacity;
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
    CHECK_RC(cognito_verifier_set_jwks(v, (const uint8_t *)jwks, jwks_len), COGNITO_RESULT_OK);
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_LEN, &c), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_OK);
    sign_out(v, c, NOW);
    CHECK(held_after == 3);
    CHECK_RC(cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c), COGNITO_RESULT_REVOKED);
    printf("  README revocation example: 3 revocations held, the token is now %s\n",
           cognito_result_code_name(cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c)));
    cognito_claims_free(c);
    cognito_verifier_free(v);
    cognito_config_free(cfg);
    free(jwks);
    free(token);
    return *failure_count() == 0 ? 0 : 1;
}
