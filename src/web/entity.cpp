#include "web/entity.h"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <zlib.h>

namespace iv::web {
namespace {

// Bodies smaller than this gain nothing from compression once headers are counted.
constexpr std::size_t kMinCompressBytes = 256;

std::string gzip_compress(std::string_view input) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper; level 9 because we compress once.
  if (deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, input.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip compression failed");
  return out;
}

bool accepts_gzip(std::string_view accept_encoding) {
  // Token match on "gzip" with an optional q-value; "gzip;q=0" refuses it.
  std::size_t pos = 0;
  while (pos < accept_encoding.size()) {
    std::size_t end = accept_encoding.find(',', pos);
    if (end == std::string_view::npos) end = accept_encoding.size();
    std::string_view item = accept_encoding.substr(pos, end - pos);
    pos = end + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const std::size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (!iequals(coding, "gzip") && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    const std::size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view qvalue = params.substr(q + 2);
    // q=0, q=0.0, q=0.000 refuse; anything else accepts.
    bool zero = !qvalue.empty() && qvalue.front() == '0';
    for (std::size_t i = 1; zero && i < qvalue.size() && qvalue[i] != ' ' && qvalue[i] != ';'; ++i) {
      if (qvalue[i] != '.' && qvalue[i] != '0') zero = false;
    }
    return !zero;
  }
  return false;
}

// True when any entity-tag in an If-None-Match list equals `etag` (weak comparison, RFC 9110 13.1.2).
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) return true;
  std::size_t pos = 0;
  while (pos < if_none_match.size()) {
    std::size_t end = if_none_match.find(',', pos);
    if (end == std::string_view::npos) end = if_none_match.size();
    std::string_view tag = if_none_match.substr(pos, end - pos);
    pos = end + 1;
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

bool is_compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.find("json") != std::string_view::npos ||
         content_type.find("xml") != std::string_view::npos ||
         content_type.find("javascript") != std::string_view::npos;
}

std::string etag_for(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(body.data(), body.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int i = 0; i < 8; ++i) {
    tag.push_back(kHex[digest[static_cast<std::size_t>(i)] >> 4]);
    tag.push_back(kHex[digest[static_cast<std::size_t>(i)] & 0x0F]);
  }
  tag.push_back('"');
  return tag;
}

std::shared_ptr<const Entity> Entity::make(int status, std::string content_type, std::string cache_control,
                                           std::string body, std::vector<Header> extra_headers) {
  auto entity = std::make_shared<Entity>();
  entity->status = status;
  entity->etag = etag_for(body);
  if (body.size() >= kMinCompressBytes && is_compressible(content_type)) {
    std::string compressed = gzip_compress(body);
    if (compressed.size() < body.size()) entity->gzip = std::move(compressed);
  }
  entity->content_type = std::move(content_type);
  entity->cache_control = std::move(cache_control);
  entity->identity = std::move(body);
  entity->extra_headers = std::move(extra_headers);
  return entity;
}

Response respond_with(const Request& request, const std::shared_ptr<const Entity>& entity) {
  Response response;
  response.headers.reserve(5 + entity->extra_headers.size());
  response.headers.push_back({"ETag", entity->etag});
  if (!entity->cache_control.empty()) response.headers.push_back({"Cache-Control", entity->cache_control});
  if (!entity->gzip.empty()) response.headers.push_back({"Vary", "Accept-Encoding"});
  for (const auto& h : entity->extra_headers) response.headers.push_back(h);

  const auto if_none_match = request.header("if-none-match");
  if (entity->status == 200 && if_none_match && etag_matches(*if_none_match, entity->etag)) {
    response.status = 304;
    return response;
  }
  response.status = entity->status;
  response.headers.push_back({"Content-Type", entity->content_type});
  const auto accept_encoding = request.header("accept-encoding");
  if (!entity->gzip.empty() && accept_encoding && accepts_gzip(*accept_encoding)) {
    response.headers.push_back({"Content-Encoding", "gzip"});
    response.shared_body = std::shared_ptr<const std::string>(entity, &entity->gzip);
  } else {
    response.shared_body = std::shared_ptr<const std::string>(entity, &entity->identity);
  }
  return response;
}

}  // namespace iv::web
