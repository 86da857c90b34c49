#include "device/share_requests.h"

#include <iterator>
#include <utility>

namespace sct::device {

const ::device::v1::ShareCredentialResponse* ShareRequests::Reply(
    const std::string& request_id) const {
  auto it = entries_.find(request_id);
  if (it == entries_.end() || !it->second.reply.has_value()) return nullptr;
  return &*it->second.reply;
}

const ::credential_authority::v1::InitiateShareRequest* ShareRequests::SignedRequest(
    const std::string& request_id) const {
  auto it = entries_.find(request_id);
  if (it == entries_.end() || !it->second.signed_request.has_value()) return nullptr;
  return &*it->second.signed_request;
}

void ShareRequests::RememberSigned(
    const std::string& request_id,
    ::credential_authority::v1::InitiateShareRequest signed_request) {
  signed_request.clear_pin();
  Touch(request_id).signed_request = std::move(signed_request);
}

void ShareRequests::RememberReply(const std::string& request_id,
                                  ::device::v1::ShareCredentialResponse reply) {
  Entry& entry = Touch(request_id);
  entry.reply = std::move(reply);
  entry.signed_request.reset();
}

ShareRequests::Entry& ShareRequests::Touch(const std::string& request_id) {
  auto it = entries_.find(request_id);
  if (it != entries_.end()) {
    order_.splice(order_.end(), order_, it->second.age);
    return it->second;
  }
  while (entries_.size() >= capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(request_id);
  Entry& entry = entries_[request_id];
  entry.age = std::prev(order_.end());
  return entry;
}

}  // namespace sct::device
