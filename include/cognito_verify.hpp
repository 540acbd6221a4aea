// cognito_verify.hpp: a small header-only C++17 RAII wrapper over cognito_verify.h.
//
// No exceptions: fallible calls return a cognito_result, or a cognito::Expected<T> holding either
// a value or the result code. Handles are move-only and freed by their destructors. The thread
// rules are those of the C API (ffi/README.md): a Verifier may be shared by threads (its
// methods are const); a Config and a Claims belong to one thread at a time.
//
//   cognito::Config config;
//   config.user_pool_id("us-east-1_Example1").client_id("3n4b...");
//   auto verifier = cognito::Verifier::create(config);       // check `if (!verifier)`
//   verifier->cache_jwks(jwks_text);                         // or poll / fetch_succeeded
//   auto claims = cognito::Claims::create();
//   if (verifier->verify(token, cognito::now(), *claims) == COGNITO_RESULT_OK)
//       std::cout << claims->username().value_or("?") << "\n";
#ifndef COGNITO_VERIFY_HPP
#define COGNITO_VERIFY_HPP

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cognito_verify.h"

namespace cognito {

/// The stable snake_case name of a result code ("expired", "null_parameter", ...).
inline const char *code_name(cognito_result r) noexcept { return cognito_result_code_name(r); }
/// A short English description of a result code.
inline const char *message(cognito_result r) noexcept { return cognito_result_message(r); }
/// The library version, e.g. "0.1.0".
inline const char *version() noexcept { return cognito_version(); }
/// The current time in unix seconds.
inline uint64_t now() noexcept { return static_cast<uint64_t>(std::time(nullptr)); }
/// The core's refresh tunables, to change and pass to Config::refresh.
inline cognito_refresh_config default_refresh() noexcept {
    cognito_refresh_config c{};
    cognito_refresh_config_default(&c);
    return c;
}

/// Why an Expected holds no value.
struct Failure {
    cognito_result code;
};

/// A value or the result code saying why there is none (a small std::expected for C++17).
template <class T>
class Expected {
   public:
    Expected(T value) : code_(COGNITO_RESULT_OK), value_(std::move(value)) {}
    Expected(Failure f) : code_(f.code) {}

    explicit operator bool() const noexcept { return value_.has_value(); }
    bool ok() const noexcept { return value_.has_value(); }
    cognito_result code() const noexcept { return code_; }
    const char *code_name() const noexcept { return cognito::code_name(code_); }
    T &operator*() & { return *value_; }
    const T &operator*() const & { return *value_; }
    T *operator->() { return &*value_; }
    const T *operator->() const { return &*value_; }
    T &value() & { return *value_; }
    /// The value, or `fallback` when there is none.
    T value_or(T fallback) const { return value_ ? *value_ : std::move(fallback); }

   private:
    cognito_result code_;
    std::optional<T> value_;
};

namespace detail {
template <class T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T *)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

inline const uint8_t *bytes(std::string_view s) noexcept {
    return reinterpret_cast<const uint8_t *>(s.data());
}

/// Calls a C accessor that copies text into a buffer, growing a std::string as needed.
template <class F>
Expected<std::string> text(F &&get) {
    std::string out(64, '\0');
    size_t len = 0;
    cognito_result r = get(reinterpret_cast<uint8_t *>(&out[0]), out.size() + 1, &len);
    if (r == COGNITO_RESULT_BUFFER_TOO_SMALL) {
        out.assign(len - 1, '\0');
        r = get(reinterpret_cast<uint8_t *>(&out[0]), out.size() + 1, &len);
    }
    if (r != COGNITO_RESULT_OK) return Failure{r};
    out.resize(len);
    return out;
}
}  // namespace detail

/// A verifier configuration. Setters chain; the first failure is kept in status() (and what to
/// fix in error_message()), makes Verifier::create fail with it, and stops later setters.
class Config {
   public:
    Config() noexcept {
        cognito_config *p = nullptr;
        status_ = cognito_config_new(&p);
        handle_.reset(p);
    }

    Config &user_pool_id(std::string_view id) noexcept {
        return apply(cognito_config_add_user_pool_id, id);
    }
    Config &issuer(std::string_view url) noexcept { return apply(cognito_config_add_issuer, url); }
    Config &client_id(std::string_view id) noexcept {
        return apply(cognito_config_add_client_id, id);
    }
    Config &token_use(cognito_token_use use) noexcept {
        return keep(cognito_config_set_token_use(live(), use));
    }
    Config &leeway(uint64_t seconds) noexcept {
        return keep(cognito_config_set_leeway(live(), seconds));
    }
    Config &max_age(uint64_t seconds) noexcept {
        return keep(cognito_config_set_max_age(live(), seconds));
    }
    Config &allow_es256(bool allow = true) noexcept {
        return keep(cognito_config_set_allow_es256(live(), allow));
    }
    Config &max_token_bytes(size_t bytes) noexcept {
        return keep(cognito_config_set_max_token_bytes(live(), bytes));
    }
    Config &max_jwks_bytes(size_t bytes) noexcept {
        return keep(cognito_config_set_max_jwks_bytes(live(), bytes));
    }
    /// Entries of each verifier's verified-signature cache (0: off).
    Config &signature_cache(size_t entries) noexcept {
        return keep(cognito_config_set_signature_cache(live(), entries));
    }
    /// The key refresh tunables (start from cognito::default_refresh()).
    Config &refresh(const cognito_refresh_config &tunables) noexcept {
        return keep(cognito_config_set_refresh(live(), &tunables));
    }
    Config &require_groups(cognito_match mode) noexcept {
        return keep(cognito_config_require_groups(live(), mode));
    }
    Config &group(std::string_view g) noexcept { return apply(cognito_config_add_group, g); }
    Config &require_scopes(cognito_match mode) noexcept {
        return keep(cognito_config_require_scopes(live(), mode));
    }
    Config &scope(std::string_view s) noexcept { return apply(cognito_config_add_scope, s); }
    /// Entries of each verifier's revocation list (0: off).
    Config &revocation_capacity(size_t entries) noexcept {
        return keep(cognito_config_set_revocation_capacity(live(), entries));
    }
    /// How long a revoked session or user is held, in seconds: the pool's token validity.
    Config &max_token_lifetime(uint64_t seconds) noexcept {
        return keep(cognito_config_set_max_token_lifetime(live(), seconds));
    }

    /// The number of pools added so far: the index the next pool gets.
    size_t pool_count() const noexcept {
        size_t n = 0;
        cognito_config_pool_count(handle_.get(), &n);
        return n;
    }
    /// Rules of pool `pool` (numbered from 0 in the order added) that replace the verifier's
    /// for that pool's tokens; a rule a pool does not set is the verifier's.
    Config &pool_client_id(size_t pool, std::string_view id) noexcept {
        return apply_pool(cognito_config_pool_add_client_id, pool, id);
    }
    Config &pool_token_use(size_t pool, cognito_token_use use) noexcept {
        return keep(cognito_config_pool_set_token_use(live(), pool, use));
    }
    Config &pool_require_groups(size_t pool, cognito_match mode) noexcept {
        return keep(cognito_config_pool_require_groups(live(), pool, mode));
    }
    Config &pool_group(size_t pool, std::string_view g) noexcept {
        return apply_pool(cognito_config_pool_add_group, pool, g);
    }
    Config &pool_require_scopes(size_t pool, cognito_match mode) noexcept {
        return keep(cognito_config_pool_require_scopes(live(), pool, mode));
    }
    Config &pool_scope(size_t pool, std::string_view s) noexcept {
        return apply_pool(cognito_config_pool_add_scope, pool, s);
    }
    /// Another issuer URL of pool `pool`, verified with its keys.
    Config &pool_issuer(size_t pool, std::string_view url) noexcept {
        return apply_pool(cognito_config_pool_add_issuer, pool, url);
    }
    Config &pool_jwks_url(size_t pool, std::string_view url) noexcept {
        return apply_pool(cognito_config_pool_set_jwks_url, pool, url);
    }

    /// COGNITO_RESULT_OK, or the first error of the setters.
    cognito_result status() const noexcept { return status_; }
    /// What to fix: after the first failed setter (later setters are not applied), or after
    /// Verifier::create refused this configuration; empty otherwise.
    Expected<std::string> error_message() const {
        return detail::text([this](uint8_t *buf, size_t len, size_t *out) {
            return cognito_config_error_message(handle_.get(), buf, len, out);
        });
    }
    const cognito_config *get() const noexcept { return handle_.get(); }

   private:
    /// The handle while every setter succeeded; NULL after a failure, so that nothing more is
    /// applied and the configuration's message stays the first failure's.
    cognito_config *live() const noexcept {
        return status_ == COGNITO_RESULT_OK ? handle_.get() : nullptr;
    }
    Config &keep(cognito_result r) noexcept {
        if (status_ == COGNITO_RESULT_OK) status_ = r;
        return *this;
    }
    Config &apply(cognito_result (*f)(cognito_config *, const uint8_t *, size_t),
                  std::string_view s) noexcept {
        return keep(f(live(), detail::bytes(s), s.size()));
    }
    Config &apply_pool(cognito_result (*f)(cognito_config *, size_t, const uint8_t *, size_t),
                       size_t pool, std::string_view s) noexcept {
        return keep(f(live(), pool, detail::bytes(s), s.size()));
    }

    detail::Handle<cognito_config, cognito_config_free> handle_;
    cognito_result status_;
};

/// The claims of the last token verified into it. One per thread; reuse it (no allocation per
/// verification).
class Claims {
   public:
    static Expected<Claims> create(size_t max_token_bytes = COGNITO_DEFAULT_MAX_TOKEN_BYTES) noexcept {
        cognito_claims *p = nullptr;
        cognito_result r = cognito_claims_new(max_token_bytes, &p);
        if (r != COGNITO_RESULT_OK) return Failure{r};
        return Claims(p);
    }

    Expected<std::string> sub() const { return text(cognito_claims_sub); }
    Expected<std::string> username() const { return text(cognito_claims_username); }
    Expected<std::string> client_id() const { return text(cognito_claims_client_id); }
    Expected<std::string> issuer() const { return text(cognito_claims_issuer); }
    Expected<std::string> email() const { return text(cognito_claims_email); }
    Expected<std::string> jti() const { return text(cognito_claims_jti); }
    Expected<std::string> origin_jti() const { return text(cognito_claims_origin_jti); }
    Expected<std::string> scope() const { return text(cognito_claims_scope); }
    Expected<std::string> payload_json() const { return text(cognito_claims_payload_json); }

    /// Any claim by name: strings decoded, other values as JSON text.
    Expected<std::string> get(std::string_view name) const {
        return detail::text([&](uint8_t *buf, size_t len, size_t *out) {
            return cognito_claims_get(handle_.get(), detail::bytes(name), name.size(), buf, len,
                                      out);
        });
    }
    Expected<cognito_claim_kind> kind(std::string_view name) const noexcept {
        cognito_claim_kind k = COGNITO_CLAIM_KIND_STRING;
        cognito_result r = cognito_claims_get_kind(handle_.get(), detail::bytes(name), name.size(), &k);
        if (r != COGNITO_RESULT_OK) return Failure{r};
        return k;
    }

    Expected<cognito_token_use> token_use() const noexcept {
        cognito_token_use u = COGNITO_TOKEN_USE_ANY;
        cognito_result r = cognito_claims_token_use(handle_.get(), &u);
        if (r != COGNITO_RESULT_OK) return Failure{r};
        return u;
    }
    Expected<int64_t> exp() const noexcept { return time(cognito_claims_exp); }
    Expected<int64_t> iat() const noexcept { return time(cognito_claims_iat); }
    Expected<int64_t> nbf() const noexcept { return time(cognito_claims_nbf); }
    Expected<int64_t> auth_time() const noexcept { return time(cognito_claims_auth_time); }

    /// The entries of cognito:groups (empty when absent or when nothing was verified).
    std::vector<std::string> groups() const {
        std::vector<std::string> out;
        size_t n = 0;
        if (cognito_claims_group_count(handle_.get(), &n) != COGNITO_RESULT_OK) return out;
        for (size_t i = 0; i < n; i++) {
            auto g = detail::text([&](uint8_t *buf, size_t len, size_t *o) {
                return cognito_claims_group(handle_.get(), i, buf, len, o);
            });
            if (g) out.push_back(std::move(*g));
        }
        return out;
    }
    bool in_group(std::string_view g) const noexcept {
        bool yes = false;
        return cognito_claims_in_group(handle_.get(), detail::bytes(g), g.size(), &yes) ==
                   COGNITO_RESULT_OK &&
               yes;
    }
    bool has_scope(std::string_view s) const noexcept {
        bool yes = false;
        return cognito_claims_has_scope(handle_.get(), detail::bytes(s), s.size(), &yes) ==
                   COGNITO_RESULT_OK &&
               yes;
    }

    cognito_claims *get() noexcept { return handle_.get(); }
    const cognito_claims *get() const noexcept { return handle_.get(); }

   private:
    explicit Claims(cognito_claims *p) noexcept : handle_(p) {}

    using TextFn = cognito_result (*)(const cognito_claims *, uint8_t *, size_t, size_t *);
    Expected<std::string> text(TextFn f) const {
        return detail::text(
            [&](uint8_t *buf, size_t len, size_t *out) { return f(handle_.get(), buf, len, out); });
    }
    Expected<int64_t> time(cognito_result (*f)(const cognito_claims *, int64_t *)) const noexcept {
        int64_t t = 0;
        cognito_result r = f(handle_.get(), &t);
        if (r != COGNITO_RESULT_OK) return Failure{r};
        return t;
    }

    detail::Handle<cognito_claims, cognito_claims_free> handle_;
};

/// Verifies tokens; share one between threads (every method is const and thread-safe).
class Verifier {
   public:
    static Expected<Verifier> create(const Config &config) noexcept {
        if (config.status() != COGNITO_RESULT_OK) return Failure{config.status()};
        cognito_verifier *p = nullptr;
        cognito_result r = cognito_verifier_new(config.get(), &p);
        if (r != COGNITO_RESULT_OK) return Failure{r};
        return Verifier(p);
    }

    /// What cognito_verifier_poll answers: what to do about a pool's keys now.
    struct Decision {
        cognito_refresh_action action;
        uint64_t retry_at;
    };

    /// Installs keys obtained by other means in every pool, as fetched at `now`; safe while
    /// other threads verify.
    cognito_result cache_jwks(std::string_view jwks, uint64_t now = cognito::now()) const noexcept {
        return cognito_verifier_cache_jwks(handle_.get(), detail::bytes(jwks), jwks.size(), now);
    }
    /// The same for one pool (numbered in the order added to the Config).
    cognito_result cache_pool_jwks(size_t pool, std::string_view jwks,
                                   uint64_t now = cognito::now()) const noexcept {
        return cognito_verifier_cache_pool_jwks(handle_.get(), pool, detail::bytes(jwks), jwks.size(),
                                                now);
    }
    /// Key refresh (ffi/README.md, "Key refresh"): what to do about pool `pool`'s keys now.
    Expected<Decision> poll(size_t pool, uint64_t now, cognito_refresh_need need) const noexcept {
        Decision d{COGNITO_REFRESH_ACTION_USE_CACHED, 0};
        cognito_result r = cognito_verifier_poll(handle_.get(), pool, now, need, &d.action, &d.retry_at);
        if (r != COGNITO_RESULT_OK) return Failure{r};
        return d;
    }
    /// The fetch poll asked for returned `jwks` (an unusable one counts as a failed fetch).
    cognito_result fetch_succeeded(size_t pool, uint64_t now, std::string_view jwks) const noexcept {
        return cognito_verifier_fetch_succeeded(handle_.get(), pool, now, detail::bytes(jwks),
                                                jwks.size());
    }
    /// The fetch poll asked for failed.
    cognito_result fetch_failed(size_t pool, uint64_t now) const noexcept {
        return cognito_verifier_fetch_failed(handle_.get(), pool, now);
    }
    /// Where pool `pool`'s keys are fetched from.
    Expected<std::string> jwks_url(size_t pool) const {
        return detail::text([&](uint8_t *buf, size_t len, size_t *out) {
            return cognito_verifier_jwks_url(handle_.get(), pool, buf, len, out);
        });
    }
    cognito_result verify(std::string_view token, uint64_t now, Claims &claims) const noexcept {
        return cognito_verifier_verify(handle_.get(), detail::bytes(token), token.size(), now,
                                       claims.get());
    }
    cognito_result verify_now(std::string_view token, Claims &claims) const noexcept {
        return cognito_verifier_verify_now(handle_.get(), detail::bytes(token), token.size(),
                                           claims.get());
    }
    /// Revocation (ffi/README.md, "Revocation"); safe while other threads verify.
    /// Every token of a session (after RevokeToken).
    cognito_result revoke_origin_jti(std::string_view origin_jti, uint64_t now) const noexcept {
        return cognito_verifier_revoke_origin_jti(handle_.get(), detail::bytes(origin_jti),
                                                  origin_jti.size(), now);
    }
    /// One token, held until its `exp`.
    cognito_result revoke_jti(std::string_view jti, uint64_t exp, uint64_t now) const noexcept {
        return cognito_verifier_revoke_jti(handle_.get(), detail::bytes(jti), jti.size(), exp, now);
    }
    /// A user's tokens issued at or before a time (after GlobalSignOut).
    cognito_result revoke_sub(std::string_view sub, uint64_t issued_at_or_before,
                              uint64_t now) const noexcept {
        return cognito_verifier_revoke_sub(handle_.get(), detail::bytes(sub), sub.size(),
                                           issued_at_or_before, now);
    }
    /// A session counted against its user: what a replica applies for another server's
    /// sign-out that recorded COGNITO_SIGN_OUT_KIND_SESSION.
    cognito_result revoke_session(std::string_view origin_jti, std::string_view sub,
                                  uint64_t now) const noexcept {
        return cognito_verifier_revoke_session(handle_.get(), detail::bytes(origin_jti),
                                               origin_jti.size(), detail::bytes(sub), sub.size(),
                                               now);
    }
    /// A user's sign-out from one session: the core records the session, or past 4 of the
    /// user's, the user; the value says which.
    Expected<cognito_sign_out> sign_out(std::string_view sub, std::string_view origin_jti,
                                         uint64_t now) const noexcept {
        cognito_sign_out out{};
        cognito_result rc =
            cognito_verifier_sign_out(handle_.get(), detail::bytes(sub), sub.size(),
                                      detail::bytes(origin_jti), origin_jti.size(), now, &out);
        if (rc != COGNITO_RESULT_OK) return Failure{rc};
        return out;
    }
    /// (live revocations held at `now`, capacity).
    std::pair<size_t, size_t> revocation_stats(uint64_t now) const noexcept {
        size_t held = 0, capacity = 0;
        cognito_verifier_revocation_stats(handle_.get(), now, &held, &capacity);
        return {held, capacity};
    }
    /// Checks answered "revoked" because an entry stayed mid-write (0 in normal operation).
    size_t revocation_contended() const noexcept {
        size_t contended = 0;
        cognito_verifier_revocation_contended(handle_.get(), &contended);
        return contended;
    }
    /// (hits, misses) of the verified-signature cache.
    std::pair<uint64_t, uint64_t> signature_cache_stats() const noexcept {
        uint64_t hits = 0, misses = 0;
        cognito_verifier_signature_cache_stats(handle_.get(), &hits, &misses, nullptr);
        return {hits, misses};
    }
    /// (usable keys, skipped keys) of the first pool's key set.
    std::pair<size_t, size_t> key_count() const noexcept {
        size_t keys = 0, skipped = 0;
        cognito_verifier_key_count(handle_.get(), &keys, &skipped);
        return {keys, skipped};
    }
    const cognito_verifier *get() const noexcept { return handle_.get(); }

   private:
    explicit Verifier(cognito_verifier *p) noexcept : handle_(p) {}
    detail::Handle<cognito_verifier, cognito_verifier_free> handle_;
};

}  // namespace cognito

#endif
