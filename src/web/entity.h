// An immutable, shareable representation of a response body: identity and
// gzip variants computed once, with its strong ETag. Cached pages, API answers
// and static assets are Entities; each request only picks a variant.
#pragma once

#include <memory>
#include <string>

#include "web/http.h"

namespace iv::web {

struct Entity {
  int status = 200;
  std::string content_type;
  std::string cache_control;
  std::string etag;                   // quoted strong validator, e.g. "\"a1b2c3d4e5f60718\""
  std::string identity;               // uncompressed body
  std::string gzip;                   // gzip of identity; empty when not worth it (small or binary)
  std::vector<Header> extra_headers;  // e.g. Content-Language; never Content-Length

  // Builds an entity; compresses text types larger than ~256 bytes once, with
  // gzip level 9, and derives the ETag from a hash of the identity body.
  static std::shared_ptr<const Entity> make(int status, std::string content_type, std::string cache_control,
                                            std::string body, std::vector<Header> extra_headers = {});
};

// Answers `request` from `entity`: 304 when If-None-Match matches, the gzip
// variant when Accept-Encoding allows it (with Vary: Accept-Encoding), no body
// copy (the response aliases the entity's strings).
Response respond_with(const Request& request, const std::shared_ptr<const Entity>& entity);

// True for types worth compressing (text/*, JSON, XML, SVG, JS).
bool is_compressible(std::string_view content_type);

// Strong ETag for a body: quoted 16 hex digits of its SHA-256.
std::string etag_for(std::string_view body);

}  // namespace iv::web
