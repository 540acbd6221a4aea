/* One verifier, many threads: readers verify while a writer keeps replacing the JWKS, and the
 * readers drive the verifier's refresh policy (an unknown kid: poll, and on FETCH report the
 * full key set fetched, another replacement racing the writer's).
 *   threads JWKS_FILE TOKEN_FILE [ITERATIONS]
 * Phase 1: the writer alternates the full key set (kA, kB) with one holding only kA, the token's
 * key: every verification must succeed. Phase 2: it alternates the full set with one holding
 * only kB: every verification must answer OK or UNKNOWN_KID (a whole old or a whole new set),
 * never anything else. Readers run at least ITERATIONS verifications and until the writer has
 * made 50 swaps, so the two overlap. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "common.h"

#define POOL "us-east-1_Example1"
#define CLIENT "3n4b5urk1ft4fl3mg5e62d9ado"
#define NOW 1700000100u
#define READERS 4

static const cognito_verifier *verifier;
static const char *full_jwks;
static size_t full_jwks_len;
static const char *token;
static size_t token_len;
static long iterations = 2000;
static atomic_long ok_count, unknown_kid_count, other_count, swaps;
static atomic_bool stop;
#define MIN_SWAPS 50

static void *reader(void *arg) {
    (void)arg;
    cognito_claims *claims = NULL;
    if (cognito_claims_new(COGNITO_DEFAULT_MAX_TOKEN_BYTES, &claims) != COGNITO_RESULT_OK) return NULL;
    uint8_t buf[64];
    size_t len;
    for (long i = 0; i < iterations || !atomic_load(&stop); i++) {
        cognito_result rc = cognito_verifier_verify(verifier, (const uint8_t *)token, token_len, NOW, claims);
        if (rc == COGNITO_RESULT_OK) {
            if (cognito_claims_username(claims, buf, sizeof buf, &len) == COGNITO_RESULT_OK && len == 5)
                atomic_fetch_add(&ok_count, 1);
            else
                atomic_fetch_add(&other_count, 1);
        } else if (rc == COGNITO_RESULT_UNKNOWN_KID) {
            atomic_fetch_add(&unknown_kid_count, 1);
            cognito_refresh_action act;
            uint64_t retry;
            if (cognito_verifier_poll(verifier, 0, NOW + (uint64_t)i, COGNITO_REFRESH_NEED_UNKNOWN_KID,
                                      &act, &retry) == COGNITO_RESULT_OK &&
                act == COGNITO_REFRESH_ACTION_FETCH &&
                cognito_verifier_fetch_succeeded(verifier, 0, NOW + (uint64_t)i, (const uint8_t *)full_jwks,
                                                 full_jwks_len) != COGNITO_RESULT_OK)
                atomic_fetch_add(&other_count, 1);
        } else {
            fprintf(stderr, "unexpected %s\n", cognito_result_code_name(rc));
            atomic_fetch_add(&other_count, 1);
        }
    }
    cognito_claims_free(claims);
    return NULL;
}

typedef struct {
    const char *doc;
    size_t len;
} doc_t;

static void *writer(void *arg) {
    const doc_t *docs = (const doc_t *)arg;
    long n = 0;
    while (n < MIN_SWAPS) {
        const doc_t *d = &docs[n++ % 2];
        if (cognito_verifier_cache_jwks(verifier, (const uint8_t *)d->doc, d->len, NOW) != COGNITO_RESULT_OK)
            atomic_fetch_add(&other_count, 1);
        atomic_fetch_add(&swaps, 1);
    }
    atomic_store(&stop, true);
    return NULL;
}

static void run_phase(doc_t *docs) {
    atomic_store(&ok_count, 0);
    atomic_store(&unknown_kid_count, 0);
    atomic_store(&other_count, 0);
    atomic_store(&stop, false);
    cognito_verifier_cache_jwks(verifier, (const uint8_t *)docs[0].doc, docs[0].len, NOW);
    pthread_t readers[READERS], w;
    for (int i = 0; i < READERS; i++) pthread_create(&readers[i], NULL, reader, NULL);
    pthread_create(&w, NULL, writer, docs);
    for (int i = 0; i < READERS; i++) pthread_join(readers[i], NULL);
    pthread_join(w, NULL);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: threads JWKS_FILE TOKEN_FILE [ITERATIONS]\n");
        return 2;
    }
    if (argc > 3) iterations = atol(argv[3]);
    size_t jwks_len, tlen;
    char *jwks = read_file(argv[1], &jwks_len);
    char *tok = read_file(argv[2], &tlen);
    token = tok;
    token_len = trim_len(tok, tlen);
    jwks_len = trim_len(jwks, jwks_len);

    /* The second document: only the key kB (drop the first key object, kA). */
    const char *kb = strstr(jwks, "\"kid\": \"kB\"");
    if (!kb) kb = strstr(jwks, "\"kid\":\"kB\"");
    const char *kb_obj = kb;
    while (kb_obj > jwks && *kb_obj != '{') kb_obj--;
    size_t only_b_cap = jwks_len + 32;
    char *only_b = (char *)malloc(only_b_cap);
    snprintf(only_b, only_b_cap, "{\"keys\": [%s", kb_obj);
    /* The third: only kA (the full document cut before the kB object). */
    char *only_a = (char *)malloc(jwks_len + 8);
    size_t a_len = (size_t)(kb_obj - jwks);
    memcpy(only_a, jwks, a_len);
    while (a_len > 0 && (only_a[a_len - 1] == ',' || only_a[a_len - 1] == ' ' || only_a[a_len - 1] == '\n'))
        a_len--;
    memcpy(only_a + a_len, "]}", 3);

    cognito_config *cfg = NULL;
    cognito_verifier *v = NULL;
    cognito_config_new(&cfg);
    cognito_config_add_user_pool_id(cfg, (const uint8_t *)POOL, strlen(POOL));
    cognito_config_add_client_id(cfg, (const uint8_t *)CLIENT, strlen(CLIENT));
    /* The signature cache's counters are checked below: no verdict memo in front of it. */
    CHECK_RC(cognito_config_set_verdict_memo(cfg, 0), COGNITO_RESULT_OK);
    CHECK_RC(cognito_verifier_new(cfg, &v), COGNITO_RESULT_OK);
    cognito_config_free(cfg);
    CHECK_RC(cognito_verifier_cache_jwks(v, (const uint8_t *)only_b, strlen(only_b), NOW), COGNITO_RESULT_OK);
    size_t keys = 0, skipped = 0;
    cognito_verifier_key_count(v, &keys, &skipped);
    CHECK(keys == 1);
    CHECK_RC(cognito_verifier_cache_jwks(v, (const uint8_t *)only_a, strlen(only_a), NOW), COGNITO_RESULT_OK);
    cognito_verifier_key_count(v, &keys, &skipped);
    CHECK(keys == 1);
    CHECK_RC(cognito_verifier_cache_jwks(v, (const uint8_t *)jwks, jwks_len, NOW), COGNITO_RESULT_OK);
    verifier = v;
    full_jwks = jwks;
    full_jwks_len = jwks_len;

    printf("  threads: %d readers, >= %ld verifications each, writer swaps the JWKS %d times per phase\n",
           READERS, iterations, MIN_SWAPS);
    doc_t phase1[2] = {{jwks, jwks_len}, {only_a, strlen(only_a)}};
    run_phase(phase1);
    long ok = atomic_load(&ok_count), unknown = atomic_load(&unknown_kid_count),
         other = atomic_load(&other_count);
    printf("  phase 1 (kA always present): %ld ok, %ld unknown_kid, %ld other\n", ok, unknown, other);
    CHECK(ok >= READERS * iterations && unknown == 0 && other == 0);
    /* The verified-signature cache (on by default): after the first verification, hits. */
    uint64_t hits = 0, misses = 0;
    CHECK_RC(cognito_verifier_signature_cache_stats(v, &hits, &misses, NULL), COGNITO_RESULT_OK);
    printf("  signature cache after phase 1: %" PRIu64 " hits, %" PRIu64 " misses\n", hits, misses);
    CHECK(hits >= (uint64_t)ok - READERS && hits + misses == (uint64_t)ok);

    doc_t phase2[2] = {{jwks, jwks_len}, {only_b, strlen(only_b)}};
    run_phase(phase2);
    ok = atomic_load(&ok_count), unknown = atomic_load(&unknown_kid_count), other = atomic_load(&other_count);
    printf("  phase 2 (kA swapped in and out): %ld ok, %ld unknown_kid, %ld other\n", ok, unknown, other);
    CHECK(ok + unknown >= READERS * iterations && other == 0);

    cognito_verifier_free(v);
    free(only_b);
    free(only_a);
    free(jwks);
    free(tok);
    return *failure_count() == 0 ? 0 : 1;
}
