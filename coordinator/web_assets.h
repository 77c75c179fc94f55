// The dashboard's HTML, JavaScript and CSS (coordinator/web/), compiled into
// the binary by coordinator/web/embed.cmake, so that the coordinator serves
// every page without reading files or loading anything from elsewhere.
#ifndef GRIDLESS_COORDINATOR_WEB_ASSETS_H_
#define GRIDLESS_COORDINATOR_WEB_ASSETS_H_

#include <cstddef>

namespace gridless {

struct WebAsset {
  const char* name;           // file name, e.g. "app.js"
  const unsigned char* data;  // `size` bytes (and a NUL after them)
  size_t size;
};

extern const WebAsset kWebAssets[];
extern const size_t kNumWebAssets;

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_WEB_ASSETS_H_
