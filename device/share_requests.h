// What the device agent remembers about ShareCredential requests, by their
// control request id, so that a retry is answered as the first call was:
// - the signed InitiateShare request (intent and holder proof, never the PIN)
//   of a share whose token was minted but not delivered: a retry re-sends the
//   same bytes, and the authority answers the share it minted;
// - the reply of a delivered share: a repeated request gets it again.
// A request id has one entry holding either or both. At most `capacity` ids
// are kept; remembering a new one beyond that forgets the one remembered
// least recently, so the newest requests always survive.
//
// Thread-safety: none; the agent guards it with its mutex. No errors.
#ifndef SCT_DEVICE_SHARE_REQUESTS_H_
#define SCT_DEVICE_SHARE_REQUESTS_H_

#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <string>

#include "proto/credential_authority/v1/credential_authority.pb.h"
#include "proto/device/v1/device.pb.h"

namespace sct::device {

class ShareRequests {
 public:
  static constexpr size_t kDefaultCapacity = 256;

  explicit ShareRequests(size_t capacity = kDefaultCapacity)
      : capacity_(capacity > 0 ? capacity : 1) {}

  // The reply of the delivered share of `request_id`, or nullptr.
  const ::device::v1::ShareCredentialResponse* Reply(const std::string& request_id) const;

  // The signed request of the undelivered share of `request_id`, or nullptr.
  const ::credential_authority::v1::InitiateShareRequest* SignedRequest(
      const std::string& request_id) const;

  // Keeps the signed request (its PIN cleared) of a share not yet delivered.
  void RememberSigned(const std::string& request_id,
                      ::credential_authority::v1::InitiateShareRequest signed_request);

  // Keeps the reply of a delivered share; its signed request is no longer needed.
  void RememberReply(const std::string& request_id, ::device::v1::ShareCredentialResponse reply);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::optional<::credential_authority::v1::InitiateShareRequest> signed_request;
    std::optional<::device::v1::ShareCredentialResponse> reply;
    std::list<std::string>::iterator age;  // position in `order_`
  };

  // The entry of `request_id`, created if needed, made the newest; evicts the
  // oldest beyond the capacity.
  Entry& Touch(const std::string& request_id);

  const size_t capacity_;
  std::map<std::string, Entry> entries_;
  std::list<std::string> order_;  // request ids, least recently remembered first
};

}  // namespace sct::device

#endif  // SCT_DEVICE_SHARE_REQUESTS_H_
