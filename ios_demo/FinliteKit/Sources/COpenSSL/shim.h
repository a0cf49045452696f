// OpenSSL's libcrypto for FinliteKit's signature check on Linux (Debian: libssl-dev); Apple platforms use CryptoKit.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
