/* Hostile and edge-case calls: NULL everywhere, zero and huge lengths, tokens that are not
 * NUL-terminated, bad enum values, tiny buffers, out-parameters untouched on failure.
 *   hostile JWKS_FILE TOKEN_FILE      (testdata/doc: pool us-east-1_Example1, now 1700000100) */
#include <stdbool.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u
#define HUGE ((size_t)-1)
#define OVER_PTRDIFF ((size_t)PTRDIFF_MAX + 1)
#define U8(s) ((const uint8_t *)(s))

static int checks = 0;
#define EXPECT(expr, want) \
    do {                   \
        checks++;          \
        CHECK_RC(expr, want); \
    } while (0)
#define EXPECT_TRUE(cond) \
    do {                  \
        checks++;         \
        CHECK(cond);      \
    } while (0)

static void null_everywhere(void) {
    cognito_config *cfg = (cognito_config *)0x1; /* sentinel: must stay untouched */
    uint8_t buf[8];
    size_t len = 7;
    int64_t t = 7;
    bool yes = true;
    cognito_token_use use = 7;
    cognito_claim_kind kind = 7;
    cognito_refresh_action act = 7;
    uint64_t retry = 7, hits = 7;
    cognito_verifier *v = (cognito_verifier *)0x1;
    cognito_claims *c = (cognito_claims *)0x1;
    cognito_refresh_config rc_cfg;
    EXPECT(cognito_refresh_config_default(&rc_cfg), COGNITO_RESULT_OK);

    EXPECT(cognito_config_new(NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_add_user_pool_id(NULL, U8(POOL), 5), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_add_issuer(NULL, U8("x"), 1), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_add_client_id(NULL, U8("x"), 1), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_token_use(NULL, COGNITO_TOKEN_USE_ID), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_leeway(NULL, 1), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_max_age(NULL, 1), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_allow_es256(NULL, true), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_max_token_bytes(NULL, 10), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_max_jwks_bytes(NULL, 10), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_signature_cache(NULL, 8), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_refresh(NULL, &rc_cfg), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_allow_any_rsa_exponent(NULL, true), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_require_groups(NULL, COGNITO_MATCH_ALL_OF), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_add_group(NULL, U8("g"), 1), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_require_scopes(NULL, COGNITO_MATCH_ALL_OF), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_add_scope(NULL, U8("s"), 1), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_new(NULL, &v), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT_TRUE(v == (cognito_verifier *)0x1);
    EXPECT(cognito_verifier_cache_jwks(NULL, U8("{}"), 2, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_cache_pool_jwks(NULL, 0, U8("{}"), 2, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_poll(NULL, 0, NOW, COGNITO_REFRESH_NEED_KEYS, &act, &retry), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_fetch_succeeded(NULL, 0, NOW, U8("{}"), 2), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_fetch_failed(NULL, 0, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_jwks_url(NULL, 0, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_signature_cache_stats(NULL, &hits, &hits, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_key_count(NULL, &len, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_verify(NULL, U8("a.b.c"), 5, NOW, NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_verify_now(NULL, U8("a.b.c"), 5, NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_revocation_capacity(NULL, 8), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_set_max_token_lifetime(NULL, 60), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_origin_jti(NULL, U8("o"), 1, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_jti(NULL, U8("j"), 1, NOW, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_sub(NULL, U8("s"), 1, NOW, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revocation_stats(NULL, NOW, &len, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revocation_contended(NULL, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_session(NULL, U8("o"), 1, U8("s"), 1, NOW), COGNITO_RESULT_NULL_PARAMETER);
    cognito_sign_out signed_out = {COGNITO_SIGN_OUT_KIND_SESSION, 7};
    EXPECT(cognito_verifier_sign_out(NULL, U8("s"), 1, U8("o"), 1, NOW, &signed_out), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT_TRUE(signed_out.issued_at_or_before == 7);
    EXPECT(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_sub(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_username(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_client_id(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_issuer(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_email(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_jti(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_origin_jti(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_scope(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_payload_json(NULL, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_exp(NULL, &t), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_iat(NULL, &t), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_nbf(NULL, &t), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_auth_time(NULL, &t), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_token_use(NULL, &use), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_group_count(NULL, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_group(NULL, 0, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_in_group(NULL, U8("g"), 1, &yes), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_has_scope(NULL, U8("s"), 1, &yes), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_get(NULL, U8("sub"), 3, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_get_kind(NULL, U8("sub"), 3, &kind), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_refresh_config_default(NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT_TRUE(len == 7 && t == 7 && yes && use == 7 && kind == 7 && act == 7 && retry == 7 && hits == 7);
    EXPECT_TRUE(cfg == (cognito_config *)0x1 && c == (cognito_claims *)0x1);
    /* Freeing NULL is a no-op. */
    cognito_config_free(NULL);
    cognito_verifier_free(NULL);
    cognito_claims_free(NULL);
}

static void static_strings(void) {
    EXPECT_TRUE(strcmp(cognito_version(), "0.1.0") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_OK), "ok") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_EXPIRED), "expired") == 0);
    EXPECT_TRUE(strcmp(cognito_result_message(COGNITO_RESULT_EXPIRED), "token has expired") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_INVALID_CONFIGURATION), "invalid_configuration") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_NULL_PARAMETER), "null_parameter") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(12345), "unknown") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_REVOKED), "revoked") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(26), "revoked") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_JWKS_UNAVAILABLE), "jwks_unavailable") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(27), "jwks_unavailable") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_WRONG_SIGNER), "wrong_signer") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(28), "wrong_signer") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(29), "unknown") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_REVOCATION_LIST_FULL), "revocation_list_full") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(107), "revocation_list_full") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(COGNITO_RESULT_REVOCATION_DISABLED), "revocation_disabled") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(108), "revocation_disabled") == 0);
    EXPECT_TRUE(strcmp(cognito_result_code_name(109), "unknown") == 0);
    EXPECT_TRUE(strcmp(cognito_result_message(COGNITO_RESULT_REVOKED), "token has been revoked") == 0);
    EXPECT_TRUE(strcmp(cognito_result_message(0xffffffffu), "unknown result code") == 0);
    /* Every code 0..=28 and 100..=108 has a distinct name. */
    for (uint32_t i = 0; i <= 110; i++) {
        const char *n = cognito_result_code_name(i);
        bool known = i <= 28 || (i >= 100 && i <= 108);
        EXPECT_TRUE(known == (strcmp(n, "unknown") != 0));
        for (uint32_t j = 0; j < i && known; j++)
            if (j <= 28 || j >= 100) EXPECT_TRUE(strcmp(n, cognito_result_code_name(j)) != 0);
    }
}

static cognito_verifier *make_verifier(const char *jwks, size_t jwks_len) {
    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL)), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    cognito_config_free(cfg); /* the verifier copied it */
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), jwks_len, NOW), COGNITO_RESULT_OK);
    return v;
}

static void config_edges(void) {
    cognito_config *cfg = NULL;
    cognito_verifier *v = (cognito_verifier *)0x1;
    EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    /* Empty configuration: no issuer, no client. */
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_INVALID_CONFIGURATION);
    EXPECT_TRUE(v == (cognito_verifier *)0x1);
    /* Bad enum values. */
    EXPECT(cognito_config_set_token_use(cfg, 3), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_config_set_token_use(cfg, 0xffffffffu), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_config_require_groups(cfg, 2), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_config_require_scopes(cfg, 99), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_config_set_max_token_bytes(cfg, 0), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_config_set_max_token_bytes(cfg, HUGE), COGNITO_RESULT_INVALID_ARGUMENT);
    /* Text: NULL with a length, invalid UTF-8, huge lengths, zero lengths. */
    EXPECT(cognito_config_add_user_pool_id(cfg, NULL, 5), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8("\xff\xfe"), 2), COGNITO_RESULT_INVALID_UTF8);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8(POOL), HUGE), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), OVER_PTRDIFF), COGNITO_RESULT_INVALID_ARGUMENT);
    /* A pool id that is not NUL-terminated: only the given length is read. */
    const char pool_in_text[] = POOL "garbage";
    EXPECT(cognito_config_add_user_pool_id(cfg, U8(pool_in_text), strlen(POOL)), COGNITO_RESULT_OK);
    /* An empty client id is accepted here and refused by cognito_verifier_new. */
    EXPECT(cognito_config_add_client_id(cfg, NULL, 0), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_INVALID_CONFIGURATION);
    cognito_config_free(cfg);

    /* A malformed pool id, and a group requirement without groups. */
    EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8("not-a-pool"), 10), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_INVALID_CONFIGURATION);
    cognito_config_free(cfg);
    EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL)), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    EXPECT(cognito_config_require_groups(cfg, COGNITO_MATCH_ALL_OF), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_INVALID_CONFIGURATION);
    EXPECT(cognito_config_add_group(cfg, U8("admin"), 5), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    EXPECT(cognito_claims_new(0, NULL), COGNITO_RESULT_NULL_PARAMETER);
    cognito_verifier_free(v);
    cognito_config_free(cfg);
}

static void verify_edges(const char *jwks, size_t jwks_len, const char *token_text, size_t token_len) {
    cognito_verifier *v = make_verifier(jwks, jwks_len);
    cognito_claims *c = NULL;
    uint8_t buf[256];
    size_t len = 7, keys = 0, skipped = 0;
    int64_t t = 0;

    EXPECT(cognito_claims_new(0, &c), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_claims_new(HUGE, &c), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_key_count(v, &keys, &skipped), COGNITO_RESULT_OK);
    EXPECT_TRUE(keys == 2 && skipped == 0);
    EXPECT(cognito_verifier_key_count(v, NULL, &skipped), COGNITO_RESULT_NULL_PARAMETER);

    /* Before any verification: no claims. */
    EXPECT(cognito_claims_sub(c, buf, sizeof buf, &len), COGNITO_RESULT_NO_CLAIMS);
    EXPECT(cognito_claims_exp(c, &t), COGNITO_RESULT_NO_CLAIMS);

    /* The token in an exact-size heap block: no NUL after it (ASan/valgrind see any overread). */
    uint8_t *exact = (uint8_t *)malloc(token_len);
    memcpy(exact, token_text, token_len);
    EXPECT(cognito_verifier_verify(v, exact, token_len, NOW, c), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify(v, exact, token_len, NOW, NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_verify(v, NULL, token_len, NOW, c), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_verify(v, NULL, 0, NOW, c), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_verify(v, exact, 0, NOW, c), COGNITO_RESULT_MALFORMED_TOKEN);
    EXPECT(cognito_verifier_verify(v, exact, token_len - 1, NOW, c), COGNITO_RESULT_MALFORMED_TOKEN);
    /* Huge lengths: refused before reading. */
    EXPECT(cognito_verifier_verify(v, exact, HUGE, NOW, c), COGNITO_RESULT_TOKEN_TOO_LARGE);
    EXPECT(cognito_verifier_verify(v, exact, OVER_PTRDIFF, NOW, c), COGNITO_RESULT_TOKEN_TOO_LARGE);
    EXPECT(cognito_verifier_verify(v, exact, COGNITO_DEFAULT_MAX_TOKEN_BYTES + 1, NOW, c), COGNITO_RESULT_TOKEN_TOO_LARGE);
    /* Expired, and time extremes. */
    EXPECT(cognito_verifier_verify(v, exact, token_len, 1700003600u, c), COGNITO_RESULT_EXPIRED);
    EXPECT(cognito_verifier_verify(v, exact, token_len, UINT64_MAX, c), COGNITO_RESULT_EXPIRED);
    EXPECT(cognito_verifier_verify(v, exact, token_len, 0, c), COGNITO_RESULT_ISSUED_IN_FUTURE);
    /* Not UTF-8, NUL bytes inside. */
    EXPECT(cognito_verifier_verify(v, U8("\xff\xff.\xfe.x"), 6, NOW, c), COGNITO_RESULT_MALFORMED_TOKEN);
    EXPECT(cognito_verifier_verify(v, U8("a\0b.c.d"), 7, NOW, c), COGNITO_RESULT_MALFORMED_TOKEN);

    /* Failed verifications left the claims of the last good one. */
    EXPECT(cognito_claims_username(c, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(len == 5 && memcmp(buf, "alice", 6) == 0);

    /* Sizes: a query with NULL/0, one byte short, exact. */
    len = 0;
    EXPECT(cognito_claims_username(c, NULL, 0, &len), COGNITO_RESULT_BUFFER_TOO_SMALL);
    EXPECT_TRUE(len == 6);
    memset(buf, 'z', sizeof buf);
    len = 0;
    EXPECT(cognito_claims_username(c, buf, 5, &len), COGNITO_RESULT_BUFFER_TOO_SMALL);
    EXPECT_TRUE(len == 6 && buf[0] == 'z');
    EXPECT(cognito_claims_username(c, buf, 6, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(len == 5 && strcmp((char *)buf, "alice") == 0);
    EXPECT(cognito_claims_username(c, NULL, 6, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_username(c, buf, sizeof buf, NULL), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_username(c, buf, HUGE, &len), COGNITO_RESULT_INVALID_ARGUMENT);

    /* Standard claims. */
    cognito_token_use use = 9;
    EXPECT(cognito_claims_token_use(c, &use), COGNITO_RESULT_OK);
    EXPECT_TRUE(use == COGNITO_TOKEN_USE_ID);
    EXPECT(cognito_claims_exp(c, &t), COGNITO_RESULT_OK);
    EXPECT_TRUE(t == 1700003600);
    EXPECT(cognito_claims_iat(c, &t), COGNITO_RESULT_OK);
    EXPECT_TRUE(t == 1700000000);
    t = 5;
    EXPECT(cognito_claims_nbf(c, &t), COGNITO_RESULT_CLAIM_NOT_FOUND);
    EXPECT_TRUE(t == 5);
    EXPECT(cognito_claims_scope(c, buf, sizeof buf, &len), COGNITO_RESULT_CLAIM_NOT_FOUND);
    EXPECT(cognito_claims_sub(c, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee") == 0);
    EXPECT(cognito_claims_issuer(c, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "https://cognito-idp.us-east-1.amazonaws.com/" POOL) == 0);
    EXPECT(cognito_claims_client_id(c, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, CLIENT) == 0);
    EXPECT(cognito_claims_email(c, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "alice@example.com") == 0);

    /* Groups. */
    size_t n = 0;
    bool yes = false;
    EXPECT(cognito_claims_group_count(c, &n), COGNITO_RESULT_OK);
    EXPECT_TRUE(n == 2);
    EXPECT(cognito_claims_group(c, 1, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "users") == 0);
    EXPECT(cognito_claims_group(c, 2, buf, sizeof buf, &len), COGNITO_RESULT_CLAIM_NOT_FOUND);
    EXPECT(cognito_claims_group(c, HUGE, buf, sizeof buf, &len), COGNITO_RESULT_CLAIM_NOT_FOUND);
    EXPECT(cognito_claims_in_group(c, U8("admin"), 5, &yes), COGNITO_RESULT_OK);
    EXPECT_TRUE(yes);
    EXPECT(cognito_claims_in_group(c, U8("admins"), 6, &yes), COGNITO_RESULT_OK);
    EXPECT_TRUE(!yes);
    EXPECT(cognito_claims_in_group(c, U8("\xff"), 1, &yes), COGNITO_RESULT_INVALID_UTF8);
    EXPECT(cognito_claims_has_scope(c, U8("openid"), 6, &yes), COGNITO_RESULT_OK);
    EXPECT_TRUE(!yes);

    /* By name: every JSON kind. */
    cognito_claim_kind kind = 99;
    EXPECT(cognito_claims_get(c, U8("email_verified"), 14, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "true") == 0 && len == 4);
    EXPECT(cognito_claims_get_kind(c, U8("email_verified"), 14, &kind), COGNITO_RESULT_OK);
    EXPECT_TRUE(kind == COGNITO_CLAIM_KIND_BOOL);
    EXPECT(cognito_claims_get(c, U8("exp"), 3, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "1700003600") == 0);
    EXPECT(cognito_claims_get_kind(c, U8("exp"), 3, &kind), COGNITO_RESULT_OK);
    EXPECT_TRUE(kind == COGNITO_CLAIM_KIND_NUMBER);
    EXPECT(cognito_claims_get(c, U8("cognito:groups"), 14, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "[\"admin\",\"users\"]") == 0);
    EXPECT(cognito_claims_get_kind(c, U8("cognito:groups"), 14, &kind), COGNITO_RESULT_OK);
    EXPECT_TRUE(kind == COGNITO_CLAIM_KIND_ARRAY);
    EXPECT(cognito_claims_get(c, U8("cognito:username"), 16, buf, sizeof buf, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(strcmp((char *)buf, "alice") == 0);
    EXPECT(cognito_claims_get(c, U8("nope"), 4, buf, sizeof buf, &len), COGNITO_RESULT_CLAIM_NOT_FOUND);
    EXPECT(cognito_claims_get(c, NULL, 0, buf, sizeof buf, &len), COGNITO_RESULT_CLAIM_NOT_FOUND);
    EXPECT(cognito_claims_get(c, NULL, 3, buf, sizeof buf, &len), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_claims_get(c, U8("sub"), HUGE, buf, sizeof buf, &len), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_claims_get(c, U8("\xc3"), 1, buf, sizeof buf, &len), COGNITO_RESULT_INVALID_UTF8);
    size_t payload_len = 0;
    EXPECT(cognito_claims_payload_json(c, NULL, 0, &payload_len), COGNITO_RESULT_BUFFER_TOO_SMALL);
    EXPECT_TRUE(payload_len > 100);
    char *payload = (char *)malloc(payload_len);
    EXPECT(cognito_claims_payload_json(c, (uint8_t *)payload, payload_len, &len), COGNITO_RESULT_OK);
    EXPECT_TRUE(len + 1 == payload_len && payload[0] == '{' && payload[len] == 0);
    free(payload);

    /* JWKS: NULL, empty, huge, malformed: the previous keys stay. */
    EXPECT(cognito_verifier_cache_jwks(v, NULL, 0, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_cache_jwks(v, NULL, 10, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), 0, NOW), COGNITO_RESULT_MALFORMED_JWKS);
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), HUGE, NOW), COGNITO_RESULT_JWKS_TOO_LARGE);
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), jwks_len - 2, NOW), COGNITO_RESULT_MALFORMED_JWKS);
    /* No usable key (an outage page, a proxy's empty answer): refused, the good keys stay. */
    EXPECT(cognito_verifier_cache_jwks(v, U8("{\"keys\":[]}"), 11, NOW), COGNITO_RESULT_MALFORMED_JWKS);
    EXPECT(cognito_verifier_verify(v, exact, token_len, NOW, c), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_cache_pool_jwks(v, 1, U8(jwks), jwks_len, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_cache_pool_jwks(NULL, 0, U8(jwks), jwks_len, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_cache_pool_jwks(v, 0, U8(jwks), jwks_len, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_cache_jwks(v, U8(jwks), jwks_len, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify_now(v, exact, token_len, c), COGNITO_RESULT_EXPIRED);

    /* A verifier with no keys at all, and one with a small maximum token length. */
    cognito_config *cfg = NULL;
    cognito_verifier *empty = NULL;
    cognito_config_new(&cfg);
    cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL));
    cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT));
    EXPECT(cognito_verifier_new(cfg, &empty), COGNITO_RESULT_OK);
    /* Never had keys: not the token's fault. */
    EXPECT(cognito_verifier_verify(empty, exact, token_len, NOW, c), COGNITO_RESULT_JWKS_UNAVAILABLE);
    cognito_verifier_free(empty);
    cognito_config_set_max_token_bytes(cfg, 100);
    EXPECT(cognito_verifier_new(cfg, &empty), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_cache_jwks(empty, U8(jwks), jwks_len, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify(empty, exact, token_len, NOW, c), COGNITO_RESULT_TOKEN_TOO_LARGE);
    cognito_verifier_free(empty);

    /* A 100 KiB key set: refused at the default limit, loaded once the limit is raised. */
    size_t big_len = 100 * 1024 + jwks_len;
    char *big = malloc(big_len);
    memset(big, ' ', big_len - jwks_len);
    memcpy(big + big_len - jwks_len, jwks, jwks_len);
    cognito_config_set_max_token_bytes(cfg, COGNITO_DEFAULT_MAX_TOKEN_BYTES);
    EXPECT(cognito_verifier_new(cfg, &empty), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_cache_jwks(empty, U8(big), big_len, NOW), COGNITO_RESULT_JWKS_TOO_LARGE);
    cognito_verifier_free(empty);
    EXPECT(cognito_config_set_max_jwks_bytes(cfg, 200 * 1024), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &empty), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_cache_jwks(empty, U8(big), big_len, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify(empty, exact, token_len, NOW, c), COGNITO_RESULT_OK);
    cognito_verifier_free(empty);
    free(big);
    cognito_config_free(cfg);

    /* A claims handle too small for the payload. */
    cognito_claims *small = NULL;
    EXPECT(cognito_claims_new(64, &small), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify(v, exact, token_len, NOW, small), COGNITO_RESULT_TOKEN_TOO_LARGE);
    EXPECT(cognito_claims_sub(small, buf, sizeof buf, &len), COGNITO_RESULT_NO_CLAIMS);
    cognito_claims_free(small);

    free(exact);
    cognito_claims_free(c);
    cognito_verifier_free(v);
}

static void revocation_edges(const char *jwks, size_t jwks_len, const char *token_text, size_t token_len) {
    cognito_verifier *v = make_verifier(jwks, jwks_len);
    cognito_claims *c = NULL;
    size_t held = 7, capacity = 7;
    EXPECT(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &c), COGNITO_RESULT_OK);
    /* Stats: any out-parameter may be NULL. */
    EXPECT(cognito_verifier_revocation_stats(v, NOW, NULL, NULL), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revocation_stats(v, NOW, &held, NULL), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revocation_stats(v, NOW, NULL, &capacity), COGNITO_RESULT_OK);
    EXPECT_TRUE(held == 0 && capacity == COGNITO_DEFAULT_REVOCATION_CAPACITY);
    /* Text arguments: NULL with a length, empty (NULL or not), not UTF-8, huge lengths. */
    EXPECT(cognito_verifier_revoke_origin_jti(v, NULL, 5, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_jti(v, NULL, 5, NOW, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_sub(v, NULL, 5, NOW, NOW), COGNITO_RESULT_NULL_PARAMETER);
    EXPECT(cognito_verifier_revoke_origin_jti(v, NULL, 0, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_revoke_jti(v, U8("x"), 0, NOW, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_revoke_sub(v, U8(""), 0, NOW, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_revoke_origin_jti(v, U8("\xff\xfe"), 2, NOW), COGNITO_RESULT_INVALID_UTF8);
    EXPECT(cognito_verifier_revoke_jti(v, U8("a\xc3"), 2, NOW, NOW), COGNITO_RESULT_INVALID_UTF8);
    EXPECT(cognito_verifier_revoke_sub(v, U8("\xed\xa0\x80"), 3, NOW, NOW), COGNITO_RESULT_INVALID_UTF8);
    EXPECT(cognito_verifier_revoke_origin_jti(v, U8("o"), HUGE, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_revoke_sub(v, U8("s"), OVER_PTRDIFF, NOW, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    /* A value longer than any Cognito id (256 bytes and more) cannot be revoked. */
    char long_value[257];
    memset(long_value, 'x', sizeof long_value);
    EXPECT(cognito_verifier_revoke_jti(v, U8(long_value), 257, NOW, NOW), COGNITO_RESULT_INVALID_ARGUMENT);
    EXPECT(cognito_verifier_revoke_jti(v, U8(long_value), 256, NOW, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revocation_stats(v, NOW, &held, &capacity), COGNITO_RESULT_OK);
    EXPECT_TRUE(held == 1);
    /* A capacity no machine should allocate: a configuration error, not an abort. */
    const size_t huge_capacities[] = {SIZE_MAX, (size_t)4194304 + 1};
    for (size_t i = 0; i < 2; i++) {
        cognito_config *cfg = NULL;
        cognito_verifier *big = NULL;
        EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
        EXPECT(cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL)), COGNITO_RESULT_OK);
        EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
        EXPECT(cognito_config_set_revocation_capacity(cfg, huge_capacities[i]), COGNITO_RESULT_OK);
        EXPECT(cognito_verifier_new(cfg, &big), COGNITO_RESULT_INVALID_CONFIGURATION);
        EXPECT_TRUE(big == NULL);
        cognito_config_free(cfg);
    }
    /* Nothing revoked matches the token yet. */
    EXPECT(cognito_verifier_verify(v, U8(token_text), token_len, NOW, c), COGNITO_RESULT_OK);
    /* A sub inside a longer buffer, no NUL after it: only the given length is read. */
    const char sub_in_text[] = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeeeTRAILING";
    uint8_t *exact = (uint8_t *)malloc(36);
    memcpy(exact, sub_in_text, 36);
    /* Signed out before the token was issued (iat 1700000000): still valid. */
    EXPECT(cognito_verifier_revoke_sub(v, exact, 36, 1699999999u, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify(v, U8(token_text), token_len, NOW, c), COGNITO_RESULT_OK);
    /* Signed out at its iat: revoked; the claims keep the last verified token. */
    EXPECT(cognito_verifier_revoke_sub(v, exact, 36, 1700000000u, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_verify(v, U8(token_text), token_len, NOW, c), COGNITO_RESULT_REVOKED);
    EXPECT(cognito_verifier_revocation_stats(v, NOW, &held, &capacity), COGNITO_RESULT_OK);
    EXPECT_TRUE(held == 2);
    /* Time extremes: accepted, and counted while live. */
    EXPECT(cognito_verifier_revoke_jti(v, U8("j"), 1, UINT64_MAX, 0), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revoke_origin_jti(v, U8("o"), 1, UINT64_MAX), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revoke_sub(v, U8("s"), 1, UINT64_MAX, UINT64_MAX), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revocation_stats(v, NOW, &held, NULL), COGNITO_RESULT_OK);
    EXPECT_TRUE(held == 5);
    EXPECT(cognito_verifier_revocation_stats(v, UINT64_MAX, &held, NULL), COGNITO_RESULT_OK);
    EXPECT_TRUE(held <= 4);
    free(exact);

    /* Capacity 0: revocation off, said so by every revoke call (even one with an empty value). */
    cognito_config *cfg = NULL;
    cognito_verifier *off = NULL;
    EXPECT(cognito_config_new(&cfg), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_user_pool_id(cfg, U8(POOL), strlen(POOL)), COGNITO_RESULT_OK);
    EXPECT(cognito_config_add_client_id(cfg, U8(CLIENT), strlen(CLIENT)), COGNITO_RESULT_OK);
    EXPECT(cognito_config_set_revocation_capacity(cfg, 0), COGNITO_RESULT_OK);
    EXPECT(cognito_config_set_max_token_lifetime(cfg, 0), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &off), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revoke_origin_jti(off, U8("o"), 1, NOW), COGNITO_RESULT_REVOCATION_DISABLED);
    EXPECT(cognito_verifier_revoke_jti(off, U8("j"), 1, NOW, NOW), COGNITO_RESULT_REVOCATION_DISABLED);
    EXPECT(cognito_verifier_revoke_sub(off, U8("s"), 1, NOW, NOW), COGNITO_RESULT_REVOCATION_DISABLED);
    EXPECT(cognito_verifier_revoke_sub(off, NULL, 0, NOW, NOW), COGNITO_RESULT_REVOCATION_DISABLED);
    held = capacity = 7;
    EXPECT(cognito_verifier_revocation_stats(off, NOW, &held, &capacity), COGNITO_RESULT_OK);
    EXPECT_TRUE(held == 0 && capacity == 0);
    cognito_verifier_free(off);
    /* The configuration keeps its own settings: a verifier made from it again, capacity 1. */
    EXPECT(cognito_config_set_revocation_capacity(cfg, 1), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_new(cfg, &off), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revoke_origin_jti(off, U8("o1"), 2, NOW), COGNITO_RESULT_OK);
    EXPECT(cognito_verifier_revoke_origin_jti(off, U8("o2"), 2, NOW), COGNITO_RESULT_REVOCATION_LIST_FULL);
    /* max_token_lifetime 0: the entry is free again one second later. */
    EXPECT(cognito_verifier_revoke_origin_jti(off, U8("o2"), 2, NOW + 1), COGNITO_RESULT_OK);
    cognito_verifier_free(off);
    cognito_config_free(cfg);
    cognito_claims_free(c);
    cognito_verifier_free(v);
}

#include "hostile_refresh.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: hostile JWKS_FILE TOKEN_FILE\n");
        return 2;
    }
    size_t jwks_len, token_len;
    char *jwks = read_file(argv[1], &jwks_len);
    char *token = read_file(argv[2], &token_len);
    jwks_len = trim_len(jwks, jwks_len);
    token_len = trim_len(token, token_len);

    null_everywhere();
    static_strings();
    config_edges();
    verify_edges(jwks, jwks_len, token, token_len);
    revocation_edges(jwks, jwks_len, token, token_len);
    refresh_edges(jwks, jwks_len, token, token_len);

    free(jwks);
    free(token);
    printf("  hostile: %d checks, %d failed\n", checks, *failure_count());
    return *failure_count() == 0 ? 0 : 1;
}
