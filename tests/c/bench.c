/* Verifications per second through the C ABI (a measurement, not a test).
 *   bench JWKS_FILE TOKEN_FILE [SECONDS]      (testdata/doc: pool us-east-1_Example1) */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    double budget = argc > 3 ? atof(argv[3]) : 2.0;
    size_t jwks_len, token_len;
    char *jwks = read_file(argv[1], &jwks_len);
    char *token = read_file(argv[2], &token_len);
    token_len = trim_len(token, token_len);
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    cognito_claims *c = NULL;
    cognito_config_new(&cfg);
    cognito_config_add_user_pool_id(cfg, (const uint8_t *)POOL, strlen(POOL));
    cognito_config_add_client_id(cfg, (const uint8_t *)CLIENT, strlen(CLIENT));
    if (cognito_verifier_new(cfg, &v) != COGNITO_RESULT_OK ||
        cognito_verifier_cache_jwks(v, (const uint8_t *)jwks, jwks_len, NOW) != COGNITO_RESULT_OK ||
        cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c) != COGNITO_RESULT_OK)
        return 1;
    /* Warm up, then run batches until the time budget is spent. */
    for (int i = 0; i < 200; i++) cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c);
    long n = 0;
    double start = seconds(), elapsed = 0;
    while (elapsed < budget) {
        for (int i = 0; i < 500; i++)
            if (cognito_verifier_verify(v, (const uint8_t *)token, token_len, NOW, c) != COGNITO_RESULT_OK)
                return 1;
        n += 500;
        elapsed = seconds() - start;
    }
    printf("C ABI:    %8.0f verifications/s (%ld in %.2f s, %zu-byte RS256-2048 token, one thread)\n",
           (double)n / elapsed, n, elapsed, token_len);
    cognito_claims_free(c);
    cognito_verifier_free(v);
    cognito_config_free(cfg);
    free(jwks);
    free(token);
    return 0;
}
