/* The C example of ffi/README.md's "Pools" section, extracted by run.sh into readme_pools.inc
 * and run here: the configuration it builds accepts testdata/doc's token (an ID token of the
 * first pool's client, in group admin) with that pool's keys, the second pool's JWKS URL is its
 * own region's, and the same configuration with the web pool's group changed is refused for the
 * token (group_not_allowed), so the rules are the pool's.
 *   readme_pools JWKS_FILE TOKEN_FILE      (testdata/doc) */
#include <stdbool.h>

#include "common.h"

#define NOW 1700000100u

/* The example, as the README has it. */
static cognito_verifier *example(void) {
    cognito_verifier *verifier = NULL;
#include "readme_pools.inc"
    return verifier;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    size_t jwks_len, token_len;
    char *jwks = read_file(argv[1], &jwks_len);
    char *token = read_file(argv[2], &token_len);
    jwks_len = trim_len(jwks, jwks_len);
    token_len = trim_len(token, token_len);
    const uint8_t *t = (const uint8_t *)token;
    cognito_claims *c = NULL;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);

    cognito_verifier *v = example();
    CHECK(v != NULL);
    CHECK_RC(cognito_verifier_verify(v, t, token_len, NOW, c), COGNITO_RESULT_JWKS_UNAVAILABLE);
    CHECK_RC(cognito_verifier_cache_pool_jwks(v, 0, (const uint8_t *)jwks, jwks_len, NOW),
             COGNITO_RESULT_OK);
    cognito_result rc = cognito_verifier_verify(v, t, token_len, NOW, c);
    CHECK_RC(rc, COGNITO_RESULT_OK);
    char url[256];
    size_t len = 0;
    CHECK_RC(cognito_verifier_jwks_url(v, 1, (uint8_t *)url, sizeof url, &len), COGNITO_RESULT_OK);
    CHECK(strcmp(url, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example2/.well-known/"
                      "jwks.json") == 0);

    /* The web pool's own group requirement decides: all of admin and a group the token lacks. */
    cognito_config *strict = NULL;
    cognito_verifier *sv = NULL;
    CHECK_RC(cognito_config_new(&strict), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_user_pool_id(strict, (const uint8_t *)"us-east-1_Example1", 18),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_client_id(strict, (const uint8_t *)"3n4b5urk1ft4fl3mg5e62d9ado", 26),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_pool_require_groups(strict, 0, COGNITO_MATCH_ALL_OF), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_pool_add_group(strict, 0, (const uint8_t *)"admin", 5), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_pool_add_group(strict, 0, (const uint8_t *)"auditors", 8),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(strict, &sv), COGNITO_RESULT_OK);
    cognito_config_free(strict);
    CHECK_RC(cognito_verifier_cache_jwks(sv, (const uint8_t *)jwks, jwks_len, NOW), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_verify(sv, t, token_len, NOW, c), COGNITO_RESULT_GROUP_NOT_ALLOWED);
    printf("  README pools example: the web pool's token is %s, the API pool's keys from %s\n",
           rc == COGNITO_RESULT_OK ? "valid" : cognito_result_code_name(rc), url);

    cognito_verifier_free(sv);
    cognito_verifier_free(v);
    cognito_claims_free(c);
    free(jwks);
    free(token);
    return *failure_count() == 0 ? 0 : 1;
}
