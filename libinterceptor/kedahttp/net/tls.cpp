#include <kedahttp/net/tls.hpp>

#include <kedahttp/util/strings.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>

namespace kedahttp::net {

namespace {

namespace fs = std::filesystem;

// The last OpenSSL error as text ("" when none), and the queue emptied.
std::string
openssl_error()
{
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  return text;
}

struct CtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

// Go's crypto/tls names of the TLS 1.0-1.2 suites, and OpenSSL's.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> k_ciphers{{
  {"TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"},
  {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
  {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
  {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
  {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
  {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
  {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
  {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"},
  {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
  {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
  {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"},
  {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
  {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
  {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
  {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
  {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
  {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
  {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
  {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
  {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
  {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
  {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"}, // Go's older aliases
  {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}};

// Go accepts these names but TLS 1.3 suites are not configurable there: no effect.
constexpr std::array<std::string_view, 3> k_tls13_ciphers{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                          "TLS_CHACHA20_POLY1305_SHA256"};

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> k_groups{{
  {"CurveP256", "P-256"},
  {"P-256", "P-256"},
  {"CurveP384", "P-384"},
  {"P-384", "P-384"},
  {"CurveP521", "P-521"},
  {"P-521", "P-521"},
  {"X25519", "X25519"},
  {"X25519MLKEM768", ""}, // not in OpenSSL 3.0 (Debian 12)
  {"SecP256r1MLKEM768", ""},
}};

std::vector<std::string>
split_list(std::string_view text)
{
  std::vector<std::string> items;
  for (const std::string_view item : util::split(text, ',')) {
    const std::string_view trimmed = util::trim(item);
    if (!trimmed.empty()) {
      items.emplace_back(trimmed);
    }
  }
  return items;
}

// The SNI names of a certificate: DNS, IP (text form) and URI SANs, as upstream's map.
std::vector<std::string>
san_names(X509* cert)
{
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!sans) {
    return names;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS || name->type == GEN_URI) {
      const ASN1_IA5STRING* text = name->type == GEN_DNS ? name->d.dNSName : name->d.uniformResourceIdentifier;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                         static_cast<size_t>(ASN1_STRING_length(text)));
    } else if (name->type == GEN_IPADD) {
      const int length = ASN1_STRING_length(name->d.iPAddress);
      const unsigned char* bytes = ASN1_STRING_get0_data(name->d.iPAddress);
      char text[INET6_ADDRSTRLEN] = {};
      if ((length == 4 && inet_ntop(AF_INET, bytes, text, sizeof(text)))
          || (length == 16 && inet_ntop(AF_INET6, bytes, text, sizeof(text)))) {
        names.emplace_back(text);
      }
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

// One key pair found on disk.
struct Pair {
  std::string cert;
  std::string key;
};

// Walks a cert store directory: X.crt + X.key, or X.pem + X-key.pem.
util::Expected<std::vector<Pair>>
find_pairs(const std::string& directory)
{
  std::vector<Pair> pairs;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    return util::Unexpected("cert store " + directory + ": not a directory");
  }
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(directory, fs::directory_options::follow_directory_symlink, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return util::Unexpected("cert store " + directory + ": " + ec.message());
  }
  std::sort(files.begin(), files.end()); // a stable order, whatever the directory's
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    fs::path key;
    if (file.extension() == ".crt") {
      key = file.parent_path() / (file.stem().string() + ".key");
    } else if (file.extension() == ".pem" && !name.ends_with("-key.pem")) {
      key = file.parent_path() / (file.stem().string() + "-key.pem");
    } else {
      continue;
    }
    if (!fs::exists(key, ec)) {
      return util::Unexpected("certificate " + file.string() + " has no key (expected " + key.string() + ")");
    }
    pairs.push_back({file.string(), key.string()});
  }
  return pairs;
}

} // namespace

util::Expected<std::string>
openssl_cipher_name(std::string_view go_name)
{
  for (const auto& [go, openssl] : k_ciphers) {
    if (go == go_name) {
      return std::string(openssl);
    }
  }
  if (std::find(k_tls13_ciphers.begin(), k_tls13_ciphers.end(), go_name) != k_tls13_ciphers.end()) {
    return std::string();
  }
  return util::Unexpected("unknown cipher suite " + util::quote(go_name)
                          + " (Go's names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
}

util::Expected<std::string>
openssl_group_name(std::string_view go_name)
{
  for (const auto& [go, openssl] : k_groups) {
    if (go == go_name) {
      return std::string(openssl);
    }
  }
  return util::Unexpected("unknown curve " + util::quote(go_name)
                          + " (one of CurveP256, CurveP384, CurveP521, X25519, X25519MLKEM768, P-256, P-384, P-521)");
}

util::Expected<int>
parse_tls_version(std::string_view text, std::string_view setting)
{
  if (text.empty()) {
    return 0;
  }
  if (text == "1.2") {
    return TLS1_2_VERSION;
  }
  if (text == "1.3") {
    return TLS1_3_VERSION;
  }
  return util::Unexpected(std::string(setting) + " " + util::quote(text) + ": must be 1.2 or 1.3");
}

struct TlsContexts::Impl {
  std::vector<CtxPtr> servers;             // one per certificate; [0] is where handshakes start
  std::map<std::string, SSL_CTX*> by_name; // SAN -> its certificate's context
  bool has_default = false;
  bool skip_verify = false;
  CtxPtr client;

  // Switches the handshake to the certificate for the client's SNI name (exact match, no
  // wildcards, as upstream); on a miss keeps the default, or fails without one.
  static int on_server_name(SSL* ssl, int* alert, void* arg)
  {
    const auto* self = static_cast<const Impl*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name) {
      const auto it = self->by_name.find(name);
      if (it != self->by_name.end()) {
        SSL_set_SSL_CTX(ssl, it->second);
        return SSL_TLSEXT_ERR_OK;
      }
    }
    if (self->has_default) {
      return SSL_TLSEXT_ERR_OK;
    }
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }

  // ALPN: HTTP/2, then HTTP/1.1, in the server's order of preference (as Go's server); a
  // client that offers neither continues without ALPN (HTTP/1.1).
  static int on_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                     unsigned int in_length, void*)
  {
    static const unsigned char k_protocols[] = "\x02h2\x08http/1.1";
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, out_length, k_protocols, sizeof(k_protocols) - 1, in, in_length)
        != OPENSSL_NPN_NEGOTIATED) {
      return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
};

namespace {

// What every context shares: versions, ciphers, curves.
util::Expected<void>
apply_policy(SSL_CTX* ctx, const TlsConfig& config)
{
  const auto min = parse_tls_version(config.min_version, "minimum TLS version");
  if (!min) {
    return util::Unexpected(min.error());
  }
  const auto max = parse_tls_version(config.max_version, "maximum TLS version");
  if (!max) {
    return util::Unexpected(max.error());
  }
  SSL_CTX_set_min_proto_version(ctx, *min ? *min : TLS1_2_VERSION); // Go's default minimum
  SSL_CTX_set_max_proto_version(ctx, *max);
  std::string ciphers;
  for (const std::string& name : split_list(config.cipher_suites)) {
    const auto openssl = openssl_cipher_name(name);
    if (!openssl) {
      return util::Unexpected(openssl.error());
    }
    if (!openssl->empty()) {
      ciphers += (ciphers.empty() ? "" : ":") + *openssl;
    }
  }
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    return util::Unexpected("cipher suites " + util::quote(config.cipher_suites) + ": " + openssl_error());
  }
  std::string groups;
  for (const std::string& name : split_list(config.curve_preferences)) {
    const auto openssl = openssl_group_name(name);
    if (!openssl) {
      return util::Unexpected(openssl.error());
    }
    if (!openssl->empty()) {
      groups += (groups.empty() ? "" : ":") + *openssl;
    }
  }
  if (!groups.empty() && SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1) {
    return util::Unexpected("curve preferences " + util::quote(config.curve_preferences) + ": " + openssl_error());
  }
  return {};
}

util::Expected<CtxPtr>
server_context(const Pair& pair, const TlsConfig& config)
{
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    return util::Unexpected("TLS: " + openssl_error());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), pair.cert.c_str()) != 1) {
    return util::Unexpected("certificate " + pair.cert + ": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), pair.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return util::Unexpected("key " + pair.key + ": " + openssl_error());
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return util::Unexpected("key " + pair.key + " does not match certificate " + pair.cert);
  }
  if (auto policy = apply_policy(ctx.get(), config); !policy) {
    return util::Unexpected(policy.error());
  }
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_alpn_select_cb(ctx.get(), &TlsContexts::Impl::on_alpn, nullptr);
  return ctx;
}

} // namespace

util::Expected<std::unique_ptr<TlsContexts>>
TlsContexts::load(const TlsConfig& config)
{
  auto impl = std::make_unique<Impl>();
  impl->skip_verify = config.skip_verify;
  std::vector<Pair> pairs;
  std::error_code ec;
  const bool cert_exists = fs::exists(config.cert_path, ec);
  const bool key_exists = fs::exists(config.key_path, ec);
  if (cert_exists != key_exists) {
    return util::Unexpected(cert_exists ? "certificate " + config.cert_path + " has no key " + config.key_path
                                        : "key " + config.key_path + " has no certificate " + config.cert_path);
  }
  if (cert_exists) {
    pairs.push_back({config.cert_path, config.key_path});
    impl->has_default = true;
  }
  for (const std::string& directory : config.cert_store_paths) {
    auto found = find_pairs(directory);
    if (!found) {
      return util::Unexpected(found.error());
    }
    pairs.insert(pairs.end(), found->begin(), found->end());
  }
  if (pairs.empty()) {
    return util::Unexpected("no certificate: neither " + config.cert_path + " nor a pair in a cert store exists");
  }
  for (const Pair& pair : pairs) {
    auto ctx = server_context(pair, config);
    if (!ctx) {
      return util::Unexpected(ctx.error());
    }
    for (std::string& name : san_names(SSL_CTX_get0_certificate(ctx->get()))) {
      impl->by_name[std::move(name)] = ctx->get(); // a later certificate wins, as in upstream's map
    }
    impl->servers.push_back(std::move(*ctx));
  }
  // (SSL_CTX_set_tlsext_servername_callback, without its C cast)
  SSL_CTX_callback_ctrl(impl->servers.front().get(), SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                        reinterpret_cast<void (*)()>(&Impl::on_server_name));
  SSL_CTX_set_tlsext_servername_arg(impl->servers.front().get(), impl.get());

  // The client side: system roots and the serving certificates; the default (else first)
  // serving certificate as client certificate.
  impl->client.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* client = impl->client.get();
  if (!client || SSL_CTX_set_default_verify_paths(client) != 1) {
    return util::Unexpected("TLS client: " + openssl_error());
  }
  X509_STORE* roots = SSL_CTX_get_cert_store(client);
  for (const CtxPtr& server : impl->servers) {
    X509_STORE_add_cert(roots, SSL_CTX_get0_certificate(server.get()));
  }
  ERR_clear_error(); // a certificate already in the store is not an error
  // Every certificate in the pool is a trust anchor, leaf or not, as in Go's RootCAs.
  X509_STORE_set_flags(roots, X509_V_FLAG_PARTIAL_CHAIN);
  if (SSL_CTX_use_certificate_chain_file(client, pairs.front().cert.c_str()) != 1
      || SSL_CTX_use_PrivateKey_file(client, pairs.front().key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return util::Unexpected("client certificate " + pairs.front().cert + ": " + openssl_error());
  }
  if (auto policy = apply_policy(client, config); !policy) {
    return util::Unexpected(policy.error());
  }
  SSL_CTX_set_verify(client, config.skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  return std::unique_ptr<TlsContexts>(new TlsContexts(std::move(impl)));
}

TlsContexts::TlsContexts(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TlsContexts::~TlsContexts() = default;

ssl_ctx_st*
TlsContexts::server() const
{
  return m_impl->servers.front().get();
}

ssl_ctx_st*
TlsContexts::client() const
{
  return m_impl->client.get();
}

std::vector<std::string>
TlsContexts::names() const
{
  std::vector<std::string> names;
  for (const auto& [name, ctx] : m_impl->by_name) {
    names.push_back(name);
  }
  return names;
}

bool
TlsContexts::has_default() const
{
  return m_impl->has_default;
}

bool
TlsContexts::skip_verify() const
{
  return m_impl->skip_verify;
}

} // namespace kedahttp::net
