// OpenSSL plumbing shared by the crypto wrappers: unique_ptr aliases that own
// OpenSSL objects with the right free function, and the conversion of
// OpenSSL's thread-local error queue into an absl::Status.
//
// Thread-safety: the functions are thread-safe (the error queue is per
// thread). The pointer aliases have unique_ptr's usual rules.
#ifndef SCT_CRYPTO_OPENSSL_UTIL_H_
#define SCT_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

// Deleter that calls OpenSSL's free function `Free` (any return type).
template <typename T, auto Free>
struct OpenSslDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};

template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpCipherPtr = OpenSslPtr<EVP_CIPHER, EVP_CIPHER_free>;
using EvpCipherCtxPtr = OpenSslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpMdPtr = OpenSslPtr<EVP_MD, EVP_MD_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMacPtr = OpenSslPtr<EVP_MAC, EVP_MAC_free>;
using EvpMacCtxPtr = OpenSslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using EvpKdfPtr = OpenSslPtr<EVP_KDF, EVP_KDF_free>;
using EvpKdfCtxPtr = OpenSslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using BnCtxPtr = OpenSslPtr<BN_CTX, BN_CTX_free>;
using EcGroupPtr = OpenSslPtr<EC_GROUP, EC_GROUP_free>;
using EcPointPtr = OpenSslPtr<EC_POINT, EC_POINT_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using OsslParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using OsslParamPtr = OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1OctetStringPtr =
    OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using Pkcs8PrivKeyInfoPtr =
    OpenSslPtr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;

// Frees a STACK_OF(X509) and the certificates in it.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const;
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// INTERNAL status "<what>: <OpenSSL error queue text>". Drains (and so
// clears) this thread's OpenSSL error queue; if it was empty the message says
// so. Use for every failed OpenSSL call that is not a verdict on the input.
absl::Status OpenSslError(absl::string_view what);

// This thread's OpenSSL error queue as text ("" if empty), drained.
std::string DrainOpenSslErrors();

// Takes another reference to `pkey` (EVP_PKEY_up_ref) and returns it owned.
// Lets key classes be copyable while sharing one immutable EVP_PKEY.
EvpPkeyPtr UpRef(EVP_PKEY* pkey);

// A non-null pointer to `data`'s bytes even when it is empty: some OpenSSL
// functions treat a null pointer as "parameter absent" rather than "empty".
const unsigned char* BytesOrEmpty(absl::string_view data);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_OPENSSL_UTIL_H_
