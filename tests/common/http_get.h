// A plain HTTP/1.0 GET over loopback, for the tests of `serve`'s HTTP side.
#ifndef SUBMITWATCH_TESTS_COMMON_HTTP_GET_H_
#define SUBMITWATCH_TESTS_COMMON_HTTP_GET_H_

#include <cstdint>
#include <string>

namespace submitwatch::testing {

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::string headers;
  std::string body;
};

// Sends `request` as it is ("GET /x HTTP/1.0\r\n...\r\n\r\n") and reads the
// answer to the end (HTTP/1.0: the server closes).
HttpResponse HttpExchange(uint16_t port, const std::string& request);
// GET `target`, with an Accept header unless `accept` is empty.
HttpResponse HttpGet(uint16_t port, const std::string& target, const std::string& accept = "");

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_COMMON_HTTP_GET_H_
