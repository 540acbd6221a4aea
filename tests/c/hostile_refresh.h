/* Hostile calls of the verifier's key refresh (cognito_verifier_poll, _fetch_succeeded,
 * _fetch_failed, _jwks_url): pools that do not exist, NULL out-parameters, bad enum values.
 * Included by hostile.c after its EXPECT macros and constants; not a header of its own. */
#ifndef COGNITO_TESTS_HOSTILE_REFRESH_H
#define COGNITO_TESTS_HOSTILE_REFRESH_H

/* A verifier of POOL (pool 0) and an issuer (pool 1) with these refresh tunables. */
static cognito_verifier *two_pools(const cognito_refresh_config *refresh) {
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL)), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_issuer(cfg, U8("https://idp.example.com/pool"), 28), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    if (refresh) EXPECT(cognito_config_set_refresh(cfg, refresh), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    cognito_config_free(cfg);
    return v;
}

/* Polls pool 0 at `now` for `need`; true when the answer is `want` (and `retry_at`). */
static bool polls(const cognito_verifier *v, uint64_t now, cognito_refresh_need need,
                  cognito_refresh_action want, uint64_t want_retry_at) {
    cognito_refresh_action act = 99;
    uint64_t retry = 99;
    return cognito_verifier_poll(v, 0, now, need, &act, &retry) == COGNITO_RESULT_OK &&
           act == want && retry == want_retry_at;
}

static void refresh_edges(const char *jwks, size_t jwks_len, const char *token, size_t token_len) {
    cognito_refresh_config cfg;
    cognito_refresh_action act = 99;
    uint64_t retry = 99;
    uint8_t url[128];
    size_t len = 99;
    EXPECT(cognito_refresh_config_default(&cfg), COGNITO_RESULT_OK);
    EXPECT_TRUE(cfg.unknown_kid_cooldown == 30 && cfg.max_key_age == 3600 && cfg.retry_base == 1 &&
                cfg.retry_max == 300 && cfg.fetch_timeout == 30 && cfg.request_timeout == 5);
    cognito_config *no_refresh = NULL;
    EXPECT(cognito_config_new(&no_refresh), COGNITO_RESULT_OK);
    EXPECT(cognito_config_set_refresh(no_refresh, NULL), COGNITO_RESULT_NULL_PARAMETER);
    cognito_config_free(no_refresh);
    cognito_verifier *v = two_pools(NULL);
    cognito_claims *c = NULL;
    EXPECT(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);

    /* Arguments: a pool it does not have, a need out of range, NULL out-parameters. */
    EXPECT(cognito_verifier_poll(v, 2, 10, COGNITO_REFRESH_NEED_KEYS, &act, &retry), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_poll(v, 0, 10, 2, &act, &retry), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_poll(v, 0, 10, COGNITO_REFRESH_NEED_KEYS, NULL, &retry), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_poll(v, 0, 10, COGNITO_REFRESH_NEED_KEYS, &act, NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT_TRUE(act == 99 && retry == 99);

    /* JWKS URLs: the size first, then the text; pool 1 is the issuer's. */
    EXPECT(cognito_verifier_jwks_url(v, 0, NULL, 0, &len), COGNITO_RESULT_BUFFER_TOO_SMALL);
    const char *want_url = "https://cognito-idp.us-east-1.amazonaws.com/" POOL "/.well-known/jwks.json";
    EXPECT_TRUE(len == strlen(want_url) + 1);
    EXPECT(cognito_verifier_jwks_url(v, 0, url, len - 1, &len), COGNITO_RESULT_BUFFER_TOO_SMALL);
    EXPECT(cognito_verifier_jwks_url(v, 0, url, len, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(len == strlen(want_url) && strcmp((char *)url, want_url) == 0);
    EXPECT(cognito_verifier_jwks_url(v, 1, url, sizeof url, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)url, "https://idp.example.com/pool/.well-known/jwks.json") == 0);
    EXPECT(cognito_verifier_jwks_url(v, 2, url, sizeof url, &len), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_jwks_url(v, 0, NULL, 5, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_jwks_url(v, 0, url, sizeof url, NULL), COGNITO_RESULT_NULL_PARAMETER);

    /* No keys: the token waits for the first fetch; fetch, wait, fail, back off, recover. */
    EXPECT(cognito_verifier_verify(v, U8(token), token_len, NOW, c), COGNITO_RESULT_JWKS_UNAVAILABLE);
    EXPECT_TRUE(polls(v, 10, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_FETCH, 0));
    EXPECT_TRUE(polls(v, 10, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_WAIT, 0));
    /* Reports about a pool it does not have change nothing: still waiting. */
    EXPECT(cognito_verifier_fetch_failed(v, 2, 10), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_fetch_succeeded(v, 2, 10, U8(jwks), jwks_len), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_cache_pool_jwks(v, 2, U8(jwks), jwks_len, 10), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT_TRUE(polls(v, 10, COGNITO_REFRESH_NEED_UNKNOWN_KID, COGNITO_REFRESH_ACTION_WAIT, 0));
    /* A document refused before it is read (too large, NULL) is a failed fetch all the same,
     * and so is one without a usable key: back-off of 1, 2, 4 seconds. */
    EXPECT(cognito_verifier_fetch_succeeded(v, 0, 10, U8(jwks), HUGE), COGNITO_RESULT_JWKS_TOO_LARGE);
    EXPECT_TRUE(polls(v, 10, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_UNAVAILABLE, 11));
    EXPECT_TRUE(polls(v, 11, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_FETCH, 0));
    EXPECT(cognito_verifier_fetch_succeeded(v, 0, 11, NULL, 5), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT_TRUE(polls(v, 11, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_UNAVAILABLE, 13));
    EXPECT_TRUE(polls(v, 13, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_FETCH, 0));
    EXPECT(cognito_verifier_fetch_succeeded(v, 0, 13, U8("{\"keys\":[]}"), 11), COGNITO_RESULT_MALFORMED_JWKS);
    EXPECT_TRUE(polls(v, 13, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_UNAVAILABLE, 17));
    EXPECT(cognito_verifier_verify(v, U8(token), token_len, NOW, c), COGNITO_RESULT_JWKS_UNAVAILABLE);
    EXPECT_TRUE(polls(v, 17, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_FETCH, 0));
    EXPECT(cognito_verifier_fetch_failed(v, 0, 17), COGNITO_RESULT_OK);
    EXPECT_TRUE(polls(v, 17, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_UNAVAILABLE, 25));
    EXPECT_TRUE(polls(v, 25, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_FETCH, 0));
    EXPECT(cognito_verifier_fetch_succeeded(v, 0, 25, U8(jwks), jwks_len), COGNITO_RESULT_OK);
    EXPECT_TRUE(polls(v, 26, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_USE_CACHED, 0));
    EXPECT(cognito_verifier_verify(v, U8(token), token_len, NOW, c), COGNITO_RESULT_OK);
    /* Pool 1 has its own state: still no keys, a first fetch. */
    EXPECT(cognito_verifier_poll(v, 1, 26, COGNITO_REFRESH_NEED_KEYS, &act, &retry), COGNITO_RESULT_OK);
    EXPECT_TRUE(act == COGNITO_REFRESH_ACTION_FETCH && retry == 0);
    /* A flood of unknown kids: one fetch per 30 s window. */
    int fetches = 0;
    for (uint64_t now = 26; now < 26 + 90; now++)
        for (int i = 0; i < 100; i++) {
            cognito_verifier_poll(v, 0, now, COGNITO_REFRESH_NEED_UNKNOWN_KID, &act, &retry);
            if (act == COGNITO_REFRESH_ACTION_FETCH) {
                fetches++;
                cognito_verifier_fetch_succeeded(v, 0, now, U8(jwks), jwks_len);
            }
        }
    EXPECT_TRUE(fetches == 3);
    /* Keys cached directly count as fresh; past the maximum age a refresh keeps them in use. */
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), jwks_len, 5000), COGNITO_RESULT_OK);
    EXPECT_TRUE(polls(v, 5001, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_USE_CACHED, 0));
    EXPECT_TRUE(polls(v, UINT64_MAX, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_REFRESH, 0));
    EXPECT(cognito_verifier_verify(v, U8(token), token_len, NOW, c), COGNITO_RESULT_OK);
    cognito_verifier_free(v);

    /* The tunables reach every pool: keys 100 s old are refreshed. */
    cfg.max_key_age = 100;
    v = two_pools(&cfg);
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), jwks_len, 1000), COGNITO_RESULT_OK);
    EXPECT_TRUE(polls(v, 1099, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_USE_CACHED, 0));
    EXPECT_TRUE(polls(v, 1100, COGNITO_REFRESH_NEED_KEYS, COGNITO_REFRESH_ACTION_REFRESH, 0));
    EXPECT(cognito_verifier_poll(v, 1, 1100, COGNITO_REFRESH_NEED_KEYS, &act, &retry), COGNITO_RESULT_OK);
    EXPECT_TRUE(act == COGNITO_REFRESH_ACTION_REFRESH);
    cognito_verifier_free(v);
    cognito_claims_free(c);
}

#endif
