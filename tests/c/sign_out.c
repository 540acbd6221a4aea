/* Sign-out through the C API, on the cases of revocation.txt (see revocation.c).
 *   sign_out REVOCATION_TXT       (testdata/revocation.jsonl, converted by vectors.py)
 * Sign-out (cognito_verifier_sign_out): one user signing out SIGN_OUTS times, each from a new
 * session, holds 5 entries (4 sessions, then the user); another user's sign-out still records
 * a session and denies that session's token, not the user's other sessions; a replica applies
 * both outcomes with cognito_verifier_revoke_session / _revoke_sub and denies the same tokens;
 * a nearly full list records the user; NULL, empty, too long and non-UTF-8 arguments give
 * their codes and leave `*out` and the list untouched; the contended count is 0. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>

#include "revocation_common.h"

#define SIGN_OUTS 10000

static cognito_result sign_out(const cognito_verifier *v, const char *sub, const char *origin_jti,
                               uint64_t now, cognito_sign_out *out) {
    return cognito_verifier_sign_out(v, U8(sub), strlen(sub), U8(origin_jti), strlen(origin_jti), now,
                                     out);
}

static size_t contended(const cognito_verifier *v) {
    size_t c = 999999;
    CHECK_RC(cognito_verifier_revocation_contended(v, &c), COGNITO_RESULT_OK);
    return c;
}

static void sign_outs(void) {
    const rcase_t *alice = find_case("none/valid");
    const rcase_t *bob = find_case("origin_jti/other_user_valid");
    ids_t a = ids_of(alice), b = ids_of(bob);
    CHECK(strcmp(a.sub, b.sub) != 0);
    const uint64_t now = alice->now;
    cognito_verifier *v = make(alice, DEFAULT, DEFAULT, true);
    cognito_claims *claims = NULL;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    CHECK_RC(verify(v, &bob->token, now, claims), COGNITO_RESULT_OK);

    /* Alice signs in and out SIGN_OUTS times, each time from a new session. */
    char id[64];
    long sessions = 0, subjects = 0, other = 0;
    for (int i = 0; i < SIGN_OUTS; i++) {
        snprintf(id, sizeof id, "%08d-aaaa-4000-8000-000000000000", i);
        cognito_sign_out out = {(cognito_sign_out_kind)99, 99};
        CHECK_RC(sign_out(v, a.sub, id, now, &out), COGNITO_RESULT_OK);
        if (out.recorded == COGNITO_SIGN_OUT_KIND_SESSION && out.issued_at_or_before == 0)
            sessions++;
        else if (out.recorded == COGNITO_SIGN_OUT_KIND_SUBJECT && out.issued_at_or_before == now)
            subjects++;
        else
            other++;
    }
    size_t alice_held = held(v, now);
    CHECK(sessions == 4 && subjects == SIGN_OUTS - 4 && other == 0 && alice_held == 5);
    /* Her token is denied (the user entry covers every token issued until now); Bob's is not. */
    CHECK_RC(verify(v, &alice->token, now, claims), COGNITO_RESULT_REVOKED);
    CHECK_RC(verify(v, &bob->token, now, claims), COGNITO_RESULT_OK);

    /* Bob signs out of one session: recorded as a session, which denies that session's token. */
    cognito_sign_out bob_out = {COGNITO_SIGN_OUT_KIND_SUBJECT, 99};
    CHECK_RC(sign_out(v, b.sub, b.origin_jti, now, &bob_out), COGNITO_RESULT_OK);
    CHECK(bob_out.recorded == COGNITO_SIGN_OUT_KIND_SESSION && bob_out.issued_at_or_before == 0);
    CHECK_RC(verify(v, &bob->token, now, claims), COGNITO_RESULT_REVOKED);
    size_t both_held = held(v, now);
    CHECK(both_held == 6);
    printf("  sign-out: one user %d times: %ld sessions, %ld times the user (at now), held %zu; "
           "another user's sign-out: session, its token revoked; held %zu\n",
           SIGN_OUTS, sessions, subjects, alice_held, both_held);

    /* A replica applies each outcome with the revocation of its kind and denies the same. */
    cognito_verifier *replica = make(alice, DEFAULT, DEFAULT, false);
    CHECK_RC(cognito_verifier_revoke_session(replica, U8(b.origin_jti), strlen(b.origin_jti),
                                             U8(b.sub), strlen(b.sub), now),
             COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_revoke_sub(replica, U8(a.sub), strlen(a.sub), now, now), COGNITO_RESULT_OK);
    CHECK_RC(verify(replica, &bob->token, now, claims), COGNITO_RESULT_REVOKED);
    CHECK_RC(verify(replica, &alice->token, now, claims), COGNITO_RESULT_REVOKED);
    /* Sessions applied by a replica count against their user: after 3 more of Bob's, his next
     * sign-out there records him. */
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "bob-session-%d", i);
        CHECK_RC(cognito_verifier_revoke_session(replica, U8(id), strlen(id), U8(b.sub), strlen(b.sub), now),
                 COGNITO_RESULT_OK);
    }
    cognito_sign_out replica_out = {COGNITO_SIGN_OUT_KIND_SESSION, 0};
    CHECK_RC(sign_out(replica, b.sub, "bob-session-3", now, &replica_out), COGNITO_RESULT_OK);
    CHECK(replica_out.recorded == COGNITO_SIGN_OUT_KIND_SUBJECT && replica_out.issued_at_or_before == now);
    size_t replica_held = held(replica, now);
    CHECK(replica_held == 6);
    printf("  replica: revoke_session + revoke_sub deny the same tokens; 4 sessions applied there, "
           "the user's next sign-out records the user; held %zu\n", replica_held);
    cognito_verifier_free(replica);

    /* A nearly full list (capacity 8): 7 users' sign-outs record sessions, the 8th (7/8 full)
     * records its user, and then nothing fits: revocation_list_full, out untouched. */
    cognito_verifier *small = make(alice, 8, DEFAULT, false);
    int small_sessions = 0;
    for (int i = 0; i < 7; i++) {
        char user[32];
        snprintf(user, sizeof user, "user-%d", i);
        snprintf(id, sizeof id, "session-of-user-%d", i);
        cognito_sign_out out = {COGNITO_SIGN_OUT_KIND_SUBJECT, 99};
        CHECK_RC(sign_out(small, user, id, now, &out), COGNITO_RESULT_OK);
        small_sessions += out.recorded == COGNITO_SIGN_OUT_KIND_SESSION;
    }
    cognito_sign_out last = {COGNITO_SIGN_OUT_KIND_SESSION, 0};
    CHECK_RC(sign_out(small, b.sub, b.origin_jti, now, &last), COGNITO_RESULT_OK);
    CHECK(small_sessions == 7 && last.recorded == COGNITO_SIGN_OUT_KIND_SUBJECT && last.issued_at_or_before == now);
    cognito_sign_out untouched = {(cognito_sign_out_kind)77, 77};
    CHECK_RC(sign_out(small, "user-9", "session-9", now, &untouched), COGNITO_RESULT_REVOCATION_LIST_FULL);
    CHECK(untouched.recorded == (cognito_sign_out_kind)77 && untouched.issued_at_or_before == 77);
    CHECK(held(small, now) == 8);
    printf("  capacity 8: 7 users' sign-outs record sessions, the 8th (7/8 full) its user, the 9th "
           "revocation_list_full\n");
    cognito_verifier_free(small);

    /* Arguments: NULL, empty, too long, not UTF-8, revocation off. */
    char longest[257];
    memset(longest, 'x', sizeof longest);
    const uint8_t bad_utf8[] = {0xff, 0xfe};
    int argument_checks = 0;
    size_t before_held = held(v, now);
#define ARG(expr, want)                                                                          \
    do {                                                                                         \
        cognito_sign_out o = {(cognito_sign_out_kind)55, 55};                                    \
        cognito_sign_out *out = &o;                                                              \
        (void)out;                                                                               \
        CHECK_RC(expr, want);                                                                    \
        CHECK(o.recorded == (cognito_sign_out_kind)55 && o.issued_at_or_before == 55);           \
        argument_checks++;                                                                       \
    } while (0)
    ARG(cognito_verifier_sign_out(NULL, U8("s"), 1, U8("o"), 1, now, out), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_sign_out(v, NULL, 1, U8("o"), 1, now, out), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, NULL, 1, now, out), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, U8("o"), 1, now, NULL), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_sign_out(v, NULL, 0, U8("o"), 1, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, NULL, 0, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_sign_out(v, U8(""), 0, U8("o"), 1, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, U8(""), 0, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_sign_out(v, U8(longest), 257, U8("o"), 1, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, U8(longest), 257, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_sign_out(v, bad_utf8, 2, U8("o"), 1, now, out), COGNITO_RESULT_INVALID_UTF8);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, bad_utf8, 2, now, out), COGNITO_RESULT_INVALID_UTF8);
    ARG(cognito_verifier_sign_out(v, U8("s"), 1, U8("o"), (size_t)PTRDIFF_MAX + 1, now, out), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_revoke_session(NULL, U8("o"), 1, U8("s"), 1, now), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_revoke_session(v, NULL, 1, U8("s"), 1, now), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_revoke_session(v, U8("o"), 1, NULL, 1, now), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_revoke_session(v, U8(""), 0, U8("s"), 1, now), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_revoke_session(v, U8("o"), 1, U8(""), 0, now), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_revoke_session(v, U8(longest), 257, U8("s"), 1, now), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_revoke_session(v, U8("o"), 1, U8(longest), 257, now), COGNITO_RESULT_INVALID_ARGUMENT);
    ARG(cognito_verifier_revoke_session(v, bad_utf8, 2, U8("s"), 1, now), COGNITO_RESULT_INVALID_UTF8);
    ARG(cognito_verifier_revocation_contended(NULL, &before_held), COGNITO_RESULT_NULL_PARAMETER);
    ARG(cognito_verifier_revocation_contended(v, NULL), COGNITO_RESULT_NULL_PARAMETER);
    CHECK(held(v, now) == before_held);
    /* 256 bytes is the longest value taken, by both. */
    cognito_sign_out o256 = {COGNITO_SIGN_OUT_KIND_SUBJECT, 1};
    CHECK_RC(cognito_verifier_sign_out(v, U8(longest), 256, U8(longest), 256, now, &o256), COGNITO_RESULT_OK);
    CHECK(o256.recorded == COGNITO_SIGN_OUT_KIND_SESSION);
    CHECK_RC(cognito_verifier_revoke_session(v, U8(longest), 256, U8("s"), 1, now), COGNITO_RESULT_OK);
    CHECK(held(v, now) == before_held + 1);
    /* Revocation off: said so, whatever the values. */
    cognito_verifier *off = make(alice, 0, DEFAULT, false);
    ARG(cognito_verifier_sign_out(off, U8("s"), 1, U8("o"), 1, now, out), COGNITO_RESULT_REVOCATION_DISABLED);
    ARG(cognito_verifier_sign_out(off, U8(""), 0, U8(""), 0, now, out), COGNITO_RESULT_REVOCATION_DISABLED);
    ARG(cognito_verifier_revoke_session(off, U8("o"), 1, U8("s"), 1, now), COGNITO_RESULT_REVOCATION_DISABLED);
#undef ARG
    size_t c_on = contended(v), c_off = contended(off);
    CHECK(c_on == 0 && c_off == 0);
    printf("  sign-out and revoke_session arguments: %d checks (NULL, empty, 257 bytes, not UTF-8, "
           "off), out and list untouched; 256 bytes taken; contended %zu\n", argument_checks, c_on);
    cognito_verifier_free(off);
    cognito_claims_free(claims);
    cognito_verifier_free(v);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: sign_out REVOCATION_TXT\n");
        return 2;
    }
    read_cases(argv[1]);
    sign_outs();
    free_cases();
    return *failure_count() == 0 ? 0 : 1;
}
