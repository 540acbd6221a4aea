/* The C example of ffi/README.md's "Key refresh" section, extracted by run.sh into
 * readme_refresh.inc and run here with a stub HTTP client serving testdata/doc's key set: a
 * verifier with no keys polls, fetches and verifies; past the maximum key age it refreshes while
 * the old keys keep verifying, and a failed refresh keeps them.
 *   readme_refresh JWKS_FILE TOKEN_FILE      (testdata/doc) */
#include <stdbool.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u
#define URL "https://cognito-idp.us-east-1.amazonaws.com/" POOL "/.well-known/jwks.json"

static const char *served;
static size_t served_len;
static bool http_up = true;
static int requests;

/* The stub HTTP client of the example: the key set at the pool's URL while `http_up`. */
static bool http_get(const char *url, const uint8_t **body, size_t *len) {
    requests++;
    if (!http_up || strcmp(url, URL) != 0) return false;
    *body = (const uint8_t *)served;
    *len = served_len;
    return true;
}

static void refresh_keys(const cognito_verifier *verifier, size_t pool, uint64_t now,
                         cognito_refresh_need need) {
    const uint8_t *body = NULL;
    size_t body_len = 0;
#include "readme_refresh.inc"
    (void)retry_at;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    size_t jwks_len, token_len;
    char *jwks = read_file(argv[1], &jwks_len);
    char *token = read_file(argv[2], &token_len);
    served = jwks;
    served_len = trim_len(jwks, jwks_len);
    token_len = trim_len(token, token_len);
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    cognito_claims *c = NULL;
    CHECK_RC(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_user_pool_id(cfg, (const uint8_t *)POOL, strlen(POOL)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_config_add_client_id(cfg, (const uint8_t *)CLIENT, strlen(CLIENT)), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    cognito_config_free(cfg);
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);
    const uint8_t *t = (const uint8_t *)token;

    CHECK_RC(cognito_verifier_verify(v, t, token_len, NOW, c), COGNITO_RESULT_JWKS_UNAVAILABLE);
    refresh_keys(v, 0, NOW, COGNITO_REFRESH_NEED_KEYS);
    CHECK(requests == 1);
    CHECK_RC(cognito_verifier_verify(v, t, token_len, NOW, c), COGNITO_RESULT_OK);
    refresh_keys(v, 0, NOW + 1, COGNITO_REFRESH_NEED_KEYS); /* fresh: nothing fetched */
    CHECK(requests == 1);
    /* An hour later the keys are refreshed; the refresh fails and the keys stay. */
    http_up = false;
    refresh_keys(v, 0, NOW + 3600, COGNITO_REFRESH_NEED_KEYS);
    CHECK(requests == 2);
    CHECK_RC(cognito_verifier_verify(v, t, token_len, NOW, c), COGNITO_RESULT_OK);
    http_up = true;
    refresh_keys(v, 0, NOW + 3601, COGNITO_REFRESH_NEED_KEYS); /* back-off: 1 s */
    CHECK(requests == 3);
    printf("  README refresh example: %d requests (a fetch, a failed refresh, a refresh), the token is %s\n",
           requests, cognito_result_code_name(cognito_verifier_verify(v, t, token_len, NOW, c)));

    cognito_claims_free(c);
    cognito_verifier_free(v);
    free(jwks);
    free(token);
    return *failure_count() == 0 ? 0 : 1;
}
