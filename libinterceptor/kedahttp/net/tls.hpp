#pragma once

// TLS for `serve` (spec/interceptor.md 3.10): the serving certificates with
// upstream's SNI selection (an exact lookup over every certificate's SANs, the
// default certificate on a miss), upstream's version/cipher/curve settings by
// their Go names, and the client side used to re-encrypt to backends. OpenSSL
// only: the data plane wraps these contexts in its streams.

#include <kedahttp/util/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace kedahttp::net {

// --- Interface ---

struct TlsConfig {
  bool enabled = false;                          // KEDA_HTTP_PROXY_TLS_ENABLED
  uint16_t port = 8443;                          // KEDA_HTTP_PROXY_TLS_PORT
  std::string cert_path = "/certs/tls.crt";      // KEDA_HTTP_PROXY_TLS_CERT_PATH
  std::string key_path = "/certs/tls.key";       // KEDA_HTTP_PROXY_TLS_KEY_PATH
  std::vector<std::string> cert_store_paths;     // KEDA_HTTP_PROXY_TLS_CERT_STORE_PATHS
  bool skip_verify = false;                      // KEDA_HTTP_TLS_SKIP_VERIFY: backends' certificates
  std::string min_version;                       // "", "1.2" or "1.3"
  std::string max_version;
  std::string cipher_suites;                     // Go names, comma-separated; "": OpenSSL's defaults
  std::string curve_preferences;                 // Go names, comma-separated
};

// The OpenSSL name of a Go cipher suite name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" ->
// "ECDHE-RSA-AES128-GCM-SHA256"); "" for Go's TLS 1.3 suites (not configurable, as in Go);
// an error for an unknown name.
util::Expected<std::string> openssl_cipher_name(std::string_view go_name);

// The OpenSSL group of a Go curve name ("CurveP256" or "P-256" -> "P-256"); "" for a curve
// this OpenSSL lacks (X25519MLKEM768 on OpenSSL 3.0); an error for an unknown name.
util::Expected<std::string> openssl_group_name(std::string_view go_name);

// "1.2"/"1.3" -> the protocol version number; "" -> 0 (the default); else an error.
util::Expected<int> parse_tls_version(std::string_view text, std::string_view setting);

class TlsContexts
{
public:
  // Loads the default certificate (when its files exist) and every pair in the cert store
  // directories (walked recursively: X.crt + X.key, or X.pem + X-key.pem). Errors name the
  // file and the reason: a certificate without its key, an unreadable or mismatched pair, no
  // certificate at all, a bad version, cipher or curve name.
  static util::Expected<std::unique_ptr<TlsContexts>> load(const TlsConfig& config);
  ~TlsContexts();
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  // Where server handshakes start; its SNI callback switches to the certificate for the name.
  ssl_ctx_st* server() const;
  // For connections to backends: system roots plus the serving certificates, the default
  // serving certificate as client certificate, verification unless skip_verify.
  ssl_ctx_st* client() const;
  // The names the SNI lookup knows, sorted (for the startup log and tests).
  std::vector<std::string> names() const;
  bool has_default() const;
  // Whether `skip_verify` was set: backends' certificates are not checked.
  bool skip_verify() const;

  struct Impl;

private:
  explicit TlsContexts(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace kedahttp::net
