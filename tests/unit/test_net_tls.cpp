// TLS settings by upstream's (Go's) names: what maps to OpenSSL, what is refused.

#include <kedahttp/net/tls.hpp>

#include <catch2/catch.hpp>

#include <openssl/ssl.h>

using namespace kedahttp::net;

TEST_CASE("Go cipher suite names map to OpenSSL's")
{
  CHECK(openssl_cipher_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").value() == "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK(openssl_cipher_name("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256").value() == "ECDHE-ECDSA-CHACHA20-POLY1305");
  CHECK(openssl_cipher_name("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305").value() == "ECDHE-RSA-CHACHA20-POLY1305");
  CHECK(openssl_cipher_name("TLS_RSA_WITH_AES_256_GCM_SHA384").value() == "AES256-GCM-SHA384");
  // Go accepts the TLS 1.3 names, which change nothing there.
  CHECK(openssl_cipher_name("TLS_AES_128_GCM_SHA256").value().empty());
  const auto unknown = openssl_cipher_name("ECDHE-RSA-AES128-GCM-SHA256"); // OpenSSL's name is not Go's
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == "unknown cipher suite \"ECDHE-RSA-AES128-GCM-SHA256\" (Go's names, such as "
                           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
}

TEST_CASE("Go curve names map to OpenSSL groups")
{
  CHECK(openssl_group_name("CurveP256").value() == "P-256");
  CHECK(openssl_group_name("P-384").value() == "P-384");
  CHECK(openssl_group_name("CurveP521").value() == "P-521");
  CHECK(openssl_group_name("X25519").value() == "X25519");
  CHECK(openssl_group_name("X25519MLKEM768").value().empty()); // known, not in OpenSSL 3.0: skipped
  const auto unknown = openssl_group_name("secp256r1");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().starts_with("unknown curve \"secp256r1\""));
}

TEST_CASE("TLS versions are 1.2 or 1.3, as upstream")
{
  CHECK(parse_tls_version("", "minimum TLS version").value() == 0);
  CHECK(parse_tls_version("1.2", "minimum TLS version").value() == TLS1_2_VERSION);
  CHECK(parse_tls_version("1.3", "maximum TLS version").value() == TLS1_3_VERSION);
  const auto old = parse_tls_version("1.0", "minimum TLS version");
  REQUIRE_FALSE(old);
  CHECK(old.error() == "minimum TLS version \"1.0\": must be 1.2 or 1.3");
}

TEST_CASE("Loading TLS without any certificate says what is missing")
{
  TlsConfig config;
  config.cert_path = "/nonexistent/tls.crt";
  config.key_path = "/nonexistent/tls.key";
  const auto loaded = TlsContexts::load(config);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error() == "no certificate: neither /nonexistent/tls.crt nor a pair in a cert store exists");

  config.cert_store_paths = {"/nonexistent/store"};
  const auto store = TlsContexts::load(config);
  REQUIRE_FALSE(store);
  CHECK(store.error() == "cert store /nonexistent/store: not a directory");
}
