/* Revocation through the C API.
 *   revocation REVOCATION_TXT       (testdata/revocation.jsonl, converted by vectors.py)
 * 1. The table: every case's revocations recorded at its `now`, its token then gets the code the
 *    Rust tests get (core/tests/revocation.rs), on a verifier with the verified-signature cache
 *    (the token verified, and its signature cached, before the revocations) and on one without.
 *    With capacity 0 every revoke call says so and every token verifies as before.
 * 2. A full list (capacity 8): the 9th revocation is refused, the 8 held still deny their
 *    tokens, and none was dropped (each can be revoked again in place).
 * 3. Expiry (max_token_lifetime 3600, the tokens' validity): entries stop being counted once no
 *    token they cover could be accepted, and their slots take new revocations.
 * 4. A thousand revocations from another thread while READERS threads verify every vector token
 *    with the same verifier: each verdict is the one without or with the revocations, never
 *    another; a thread that saw the last revocation keeps seeing it; once the last revoke call
 *    returned its tokens are refused; 1001 entries held at the end.
 * Sign-out, on the same cases: sign_out.c. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "revocation_common.h"

#define CASES 23
#define REVOKES 1000
#define READERS 3

/* Records one revocation item ("o:TEXT", "j:TEXT:EXP", "s:TEXT:IAT") at `now`. */
static cognito_result revoke_item(const cognito_verifier *v, char *item, uint64_t now) {
    char kind = item[0];
    char *value = item + 2;
    char *num = strchr(value, ':');
    uint64_t t = 0;
    if (num) {
        *num = 0;
        t = strtoull(num + 1, NULL, 10);
    }
    text_t text = decode_text(value);
    cognito_result rc = COGNITO_RESULT_INVALID_ARGUMENT;
    if (kind == 'o') rc = cognito_verifier_revoke_origin_jti(v, U8(text.data), text.len, now);
    if (kind == 'j') rc = cognito_verifier_revoke_jti(v, U8(text.data), text.len, t, now);
    if (kind == 's') rc = cognito_verifier_revoke_sub(v, U8(text.data), text.len, t, now);
    if (num) *num = ':';
    free_text(&text);
    return rc;
}

/* Records every revocation of a case; each must answer `want`. Returns how many there were. */
static size_t revoke_all(const cognito_verifier *v, const rcase_t *c, cognito_result want) {
    char *field = strdup(c->revocations);
    char *items[16];
    size_t n = split_list(field, items, 16);
    for (size_t i = 0; i < n; i++) CHECK_RC(revoke_item(v, items[i], c->now), want);
    free(field);
    return n;
}

/* ------------------------------------------------------------------------------------------ 1 */
static void table(void) {
    cognito_claims *claims = NULL;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    int agree = 0, off_agree = 0, disabled_calls = 0;
    for (size_t i = 0; i < case_count; i++) {
        const rcase_t *c = &cases[i];
        cognito_verifier *cached = make(c, DEFAULT, DEFAULT, true);
        cognito_verifier *uncached = make(c, DEFAULT, DEFAULT, false);
        cognito_verifier *off = make(c, 0, DEFAULT, true);
        bool revoked_case = strcmp(c->error, "revoked") == 0;
        bool ok = true;

        /* Verified (and its signature cached when valid) before anything is revoked. */
        cognito_result before = verify(cached, &c->token, c->now, claims);
        if (!revoked_case) ok &= strcmp(cognito_result_code_name(before), c->error) == 0;
        size_t n = revoke_all(cached, c, COGNITO_RESULT_OK);
        revoke_all(uncached, c, COGNITO_RESULT_OK);
        cognito_result got[3] = {verify(cached, &c->token, c->now, claims),
                                 verify(cached, &c->token, c->now, claims),
                                 verify(uncached, &c->token, c->now, claims)};
        for (int k = 0; k < 3; k++) ok &= strcmp(cognito_result_code_name(got[k]), c->error) == 0;
        size_t h = held(cached, c->now), capacity = 0;
        CHECK_RC(cognito_verifier_revocation_stats(cached, c->now, NULL, &capacity), COGNITO_RESULT_OK);
        ok &= h <= n && (n == 0) == (h == 0) && capacity == COGNITO_DEFAULT_REVOCATION_CAPACITY;
        if (!ok)
            fprintf(stderr, "MISMATCH %s: want %s, got %s / %s (cached), %s (no cache); held %zu of %zu\n",
                    c->name.data, c->error, cognito_result_code_name(got[0]),
                    cognito_result_code_name(got[1]), cognito_result_code_name(got[2]), h, n);
        agree += ok;

        /* Capacity 0: revocation off, said so on every call; the token verifies as before. */
        cognito_result off_before = verify(off, &c->token, c->now, claims);
        disabled_calls += (int)revoke_all(off, c, COGNITO_RESULT_REVOCATION_DISABLED);
        cognito_result off_after = verify(off, &c->token, c->now, claims);
        bool off_ok = off_after == off_before && off_after != COGNITO_RESULT_REVOKED;
        if (!revoked_case) off_ok &= strcmp(cognito_result_code_name(off_after), c->error) == 0;
        size_t off_held = 9, off_capacity = 9;
        CHECK_RC(cognito_verifier_revocation_stats(off, c->now, &off_held, &off_capacity), COGNITO_RESULT_OK);
        off_ok &= off_held == 0 && off_capacity == 0;
        if (!off_ok)
            fprintf(stderr, "MISMATCH %s with capacity 0: %s before, %s after\n", c->name.data,
                    cognito_result_code_name(off_before), cognito_result_code_name(off_after));
        off_agree += off_ok;

        cognito_verifier_free(cached);
        cognito_verifier_free(uncached);
        cognito_verifier_free(off);
    }
    cognito_claims_free(claims);
    printf("  revocation.txt   %3zu cases, %3d agree (cache warm before the revocations, and no cache)\n",
           case_count, agree);
    printf("  capacity 0:      %3zu cases, %3d verify as before, %d revoke calls said "
           "revocation_disabled\n", case_count, off_agree, disabled_calls);
    CHECK(case_count == CASES && agree == CASES && off_agree == CASES && disabled_calls > 0);
}

static cognito_result revoke_o(const cognito_verifier *v, const char *s, uint64_t now) {
    return cognito_verifier_revoke_origin_jti(v, U8(s), strlen(s), now);
}
static cognito_result revoke_j(const cognito_verifier *v, const char *s, uint64_t exp, uint64_t now) {
    return cognito_verifier_revoke_jti(v, U8(s), strlen(s), exp, now);
}
static cognito_result revoke_s(const cognito_verifier *v, const char *s, uint64_t iat, uint64_t now) {
    return cognito_verifier_revoke_sub(v, U8(s), strlen(s), iat, now);
}

/* ------------------------------------------------------------------------------------------ 2 */
static void full_list(void) {
    const rcase_t *alice_id = find_case("none/valid");
    const rcase_t *alice_access = find_case("jti/access_token_of_same_session");
    const rcase_t *bob = find_case("origin_jti/other_user_valid");
    ids_t a = ids_of(alice_id), b = ids_of(bob);
    const uint64_t now = alice_id->now, exp = 1700003540u;
    cognito_verifier *v = make(alice_id, 8, DEFAULT, true);
    cognito_claims *claims = NULL;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    char filler[6][32];

    /* 1st: Bob's session; 2nd to 7th: sessions of nobody here; 8th: Alice's ID token only. */
    CHECK_RC(revoke_o(v, b.origin_jti, now), COGNITO_RESULT_OK);
    for (int i = 0; i < 6; i++) {
        snprintf(filler[i], sizeof filler[i], "filler-%d", i);
        CHECK_RC(revoke_o(v, filler[i], now), COGNITO_RESULT_OK);
    }
    CHECK_RC(revoke_j(v, a.jti, exp, now), COGNITO_RESULT_OK);
    /* 9th: Alice signed out everywhere; refused, and nothing was replaced. */
    CHECK_RC(revoke_s(v, a.sub, now, now), COGNITO_RESULT_REVOCATION_LIST_FULL);
    CHECK_RC(revoke_o(v, "one-more", now), COGNITO_RESULT_REVOCATION_LIST_FULL);
    size_t h = 0, capacity = 0;
    CHECK_RC(cognito_verifier_revocation_stats(v, now, &h, &capacity), COGNITO_RESULT_OK);
    CHECK(h == 8 && capacity == 8);
    /* The first and the last held still deny their tokens; the refused one denies nothing. */
    CHECK_RC(verify(v, &bob->token, now, claims), COGNITO_RESULT_REVOKED);
    CHECK_RC(verify(v, &alice_id->token, now, claims), COGNITO_RESULT_REVOKED);
    CHECK_RC(verify(v, &alice_access->token, now, claims), COGNITO_RESULT_OK);
    /* Each of the 8 is still held: revoking it again finds it in place (no free slot needed). */
    CHECK_RC(revoke_o(v, b.origin_jti, now), COGNITO_RESULT_OK);
    for (int i = 0; i < 6; i++) CHECK_RC(revoke_o(v, filler[i], now), COGNITO_RESULT_OK);
    CHECK_RC(revoke_j(v, a.jti, exp, now), COGNITO_RESULT_OK);
    CHECK(held(v, now) == 8);
    CHECK_RC(revoke_s(v, a.sub, now, now), COGNITO_RESULT_REVOCATION_LIST_FULL);
    /* Other capacities: below 8 exactly that many, from 8 up a multiple of 8. */
    size_t caps[][2] = {{1, 1}, {5, 5}, {12, 8}, {16, 16}, {17, 16}};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        cognito_verifier *w = make(alice_id, caps[k][0], DEFAULT, false);
        size_t recorded = 0;
        char id[32];
        for (int i = 0; i < 40; i++) {
            snprintf(id, sizeof id, "session-%d", i);
            recorded += revoke_o(w, id, now) == COGNITO_RESULT_OK;
        }
        CHECK_RC(cognito_verifier_revocation_stats(w, now, &h, &capacity), COGNITO_RESULT_OK);
        if (!(recorded == caps[k][1] && h == recorded && capacity == recorded))
            fprintf(stderr, "capacity %zu: %zu recorded, held %zu, capacity %zu\n", caps[k][0],
                    recorded, h, capacity);
        CHECK(recorded == caps[k][1] && h == recorded && capacity == recorded);
        cognito_verifier_free(w);
    }
    printf("  full list: capacity 8, the 9th refused (revocation_list_full), the 8 held still deny "
           "and are found in place; capacities 1, 5, 12, 16, 17 hold 1, 5, 8, 16, 16\n");
    cognito_claims_free(claims);
    cognito_verifier_free(v);
}

/* ------------------------------------------------------------------------------------------ 3 */
static void expiry(void) {
    const rcase_t *alice = find_case("none/valid");
    const rcase_t *bob = find_case("origin_jti/other_user_valid");
    ids_t a = ids_of(alice), b = ids_of(bob);
    /* The vector tokens: iat 1699999940, exp 1700003540, verified at 1700000000. */
    const uint64_t t0 = alice->now, exp = 1700003540u, lifetime = 3600;
    cognito_verifier *v = make(alice, 8, lifetime, true);
    cognito_claims *claims = NULL;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);
    char id[32];

    /* Held until: Alice's session t0 + 3600, Alice's ID token its exp, Bob t0 + 3600. */
    CHECK_RC(revoke_o(v, a.origin_jti, t0), COGNITO_RESULT_OK);
    CHECK_RC(revoke_j(v, a.jti, exp, t0), COGNITO_RESULT_OK);
    CHECK_RC(revoke_s(v, b.sub, t0, t0), COGNITO_RESULT_OK);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "early-%d", i);
        CHECK_RC(revoke_o(v, id, t0), COGNITO_RESULT_OK);
    }
    CHECK_RC(revoke_o(v, "early-full", t0), COGNITO_RESULT_REVOCATION_LIST_FULL);
    CHECK(held(v, t0) == 8);
    CHECK_RC(verify(v, &alice->token, t0, claims), COGNITO_RESULT_REVOKED);
    CHECK_RC(verify(v, &bob->token, t0, claims), COGNITO_RESULT_REVOKED);

    /* Past the ID token's exp: its entry is no longer counted (the token is expired anyway),
     * and exactly one slot is free. */
    CHECK(held(v, exp) == 8);
    CHECK(held(v, exp + 1) == 7);
    CHECK_RC(verify(v, &alice->token, exp + 1, claims), COGNITO_RESULT_EXPIRED);
    CHECK_RC(revoke_o(v, "late-0", exp + 1), COGNITO_RESULT_OK);
    CHECK_RC(revoke_o(v, "late-full", exp + 1), COGNITO_RESULT_REVOCATION_LIST_FULL);
    CHECK(held(v, exp + 1) == 8);

    /* Past t0 + max_token_lifetime: only the revocation made at exp + 1 is left. */
    CHECK(held(v, t0 + lifetime) == 8);
    CHECK(held(v, t0 + lifetime + 1) == 1);
    for (int i = 1; i < 8; i++) {
        snprintf(id, sizeof id, "late-%d", i);
        CHECK_RC(revoke_o(v, id, t0 + lifetime + 1), COGNITO_RESULT_OK);
    }
    CHECK_RC(revoke_o(v, "late-full", t0 + lifetime + 1), COGNITO_RESULT_REVOCATION_LIST_FULL);
    CHECK(held(v, t0 + lifetime + 1) == 8);
    printf("  expiry: max_token_lifetime 3600, capacity 8: held 8 -> 7 after the jti's exp -> 1 "
           "after the lifetime; freed slots take new revocations, then full again\n");
    cognito_claims_free(claims);
    cognito_verifier_free(v);
}

/* ------------------------------------------------------------------------------------------ 4 */
static const cognito_verifier *shared;
static cognito_result before[64], after[64];
static uint64_t now_shared;
static atomic_bool done;
static atomic_long verifications, during, wrong;

static void *reader(void *arg) {
    (void)arg;
    cognito_claims *claims = NULL;
    if (cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims) != COGNITO_RESULT_OK) {
        atomic_fetch_add(&wrong, 1);
        return NULL;
    }
    bool seen = false; /* this thread saw the last revocation */
    for (;;) {
        bool finished = atomic_load_explicit(&done, memory_order_acquire);
        for (size_t i = 0; i < case_count; i++) {
            cognito_result rc = verify(shared, &cases[i].token, now_shared, claims);
            bool ok;
            if (finished || seen)
                ok = rc == after[i];
            else
                ok = rc == before[i] || rc == after[i];
            if (rc != before[i]) seen = true;
            if (!ok) {
                fprintf(stderr, "WRONG %s: %s (without %s, with %s)%s\n", cases[i].name.data,
                        cognito_result_code_name(rc), cognito_result_code_name(before[i]),
                        cognito_result_code_name(after[i]),
                        finished ? " after the last revoke returned" : "");
                atomic_fetch_add(&wrong, 1);
            }
            atomic_fetch_add(&verifications, 1);
            if (!finished) atomic_fetch_add(&during, 1);
        }
        if (finished) break;
    }
    cognito_claims_free(claims);
    return NULL;
}

typedef struct {
    const char *last;
    long refused;
} writer_t;

static void *writer(void *arg) {
    writer_t *w = (writer_t *)arg;
    char id[64];
    /* Start once every reader is verifying (they verify until the end). */
    while (atomic_load(&verifications) < READERS) sched_yield();
    /* A thousand revocations of every kind, of sessions, tokens and users not in the vectors. */
    for (int i = 0; i < REVOKES; i++) {
        cognito_result rc;
        switch (i % 3) {
        case 0:
            snprintf(id, sizeof id, "%08d-0000-4000-8000-000000000000", i);
            rc = revoke_o(shared, id, now_shared);
            break;
        case 1:
            snprintf(id, sizeof id, "%08d-1111-4000-8000-000000000000", i);
            rc = revoke_j(shared, id, now_shared + 3600, now_shared);
            break;
        default:
            snprintf(id, sizeof id, "%08d-2222-4000-8000-000000000000", i);
            rc = revoke_s(shared, id, now_shared, now_shared);
            break;
        }
        w->refused += rc != COGNITO_RESULT_OK;
    }
    /* The last: the session of most vector tokens. */
    w->refused += revoke_o(shared, w->last, now_shared) != COGNITO_RESULT_OK;
    atomic_store_explicit(&done, true, memory_order_release);
    return NULL;
}

static void threads(void) {
    const rcase_t *alice = find_case("none/valid");
    ids_t a = ids_of(alice);
    now_shared = alice->now;
    cognito_claims *claims = NULL;
    CHECK_RC(cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims), COGNITO_RESULT_OK);

    /* Each vector token's verdict on this configuration without and with the last revocation. */
    cognito_verifier *without = make(alice, DEFAULT, DEFAULT, false);
    cognito_verifier *with = make(alice, DEFAULT, DEFAULT, false);
    CHECK_RC(revoke_o(with, a.origin_jti, now_shared), COGNITO_RESULT_OK);
    int changes = 0;
    for (size_t i = 0; i < case_count; i++) {
        before[i] = verify(without, &cases[i].token, now_shared, claims);
        after[i] = verify(with, &cases[i].token, now_shared, claims);
        changes += before[i] != after[i];
    }
    cognito_verifier_free(without);
    cognito_verifier_free(with);
    CHECK(changes > 0);

    cognito_verifier *v = make(alice, 2048, DEFAULT, true);
    shared = v;
    writer_t w = {a.origin_jti, 0};
    pthread_t readers[READERS], wt;
    for (int i = 0; i < READERS; i++) pthread_create(&readers[i], NULL, reader, NULL);
    pthread_create(&wt, NULL, writer, &w);
    pthread_join(wt, NULL);
    for (int i = 0; i < READERS; i++) pthread_join(readers[i], NULL);

    size_t h = 0, capacity = 0;
    CHECK_RC(cognito_verifier_revocation_stats(v, now_shared, &h, &capacity), COGNITO_RESULT_OK);
    printf("  threads: %d revocations + 1 from one thread while %d threads verified the %zu vector "
           "tokens (%d change verdict): %ld verifications, %ld while revoking, %ld wrong; "
           "%ld revocations refused; held %zu of %zu\n",
           REVOKES, READERS, case_count, changes, atomic_load(&verifications), atomic_load(&during),
           atomic_load(&wrong), w.refused, h, capacity);
    CHECK(atomic_load(&wrong) == 0 && w.refused == 0);
    CHECK(h == REVOKES + 1 && capacity == 2048);
    /* After the threads: the last revocation holds. */
    for (size_t i = 0; i < case_count; i++) CHECK(verify(v, &cases[i].token, now_shared, claims) == after[i]);
    cognito_claims_free(claims);
    cognito_verifier_free(v);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: revocation REVOCATION_TXT\n");
        return 2;
    }
    read_cases(argv[1]);
    table();
    full_list();
    expiry();
    threads();
    free_cases();
    return *failure_count() == 0 ? 0 : 1;
}
