//! WeChat Pay API v3 signatures and notification decryption, on aws-lc-rs.
//!
//! - Requests are signed with the merchant's RSA key (PKCS#1 v1.5, SHA-256)
//!   over `method\npath?query\ntimestamp\nnonce\nbody\n`, sent as
//!   `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//!   signature="…",timestamp="…",serial_no="…"`.
//! - `wx.requestPayment`'s `paySign` is the same signature over
//!   `appId\ntimeStamp\nnonceStr\npackage\n`.
//! - Responses and notifications are verified with the platform public key
//!   named by `Wechatpay-Serial`, over `timestamp\nnonce\nbody\n`, and
//!   refused when the timestamp is more than five minutes off.
//! - Notification resources are AEAD_AES_256_GCM with the APIv3 key, the
//!   12-byte `nonce` and `associated_data` as AAD; the ciphertext carries
//!   the 16-byte tag at its end.

use aws_lc_rs::{aead, rand, signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Why a key could not be used or a message was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The PEM is not what was expected.
    #[error("bad key: {0}")]
    BadKey(String),
    /// A signature or ciphertext is malformed or does not verify.
    #[error("verification failed")]
    Invalid,
}

/// Decodes the body of a PEM block with the given label.
pub fn pem_to_der(pem: &str, label: &str) -> Result<Vec<u8>, CryptoError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem
        .find(&begin)
        .ok_or_else(|| CryptoError::BadKey(format!("no {begin}")))?
        + begin.len();
    let stop = pem[start..]
        .find(&end)
        .ok_or_else(|| CryptoError::BadKey(format!("no {end}")))?
        + start;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD
        .decode(body)
        .map_err(|e| CryptoError::BadKey(format!("base64: {e}")))
}

/// The merchant's private key (PKCS#8 PEM, `-----BEGIN PRIVATE KEY-----`).
pub struct MerchantKey(signature::RsaKeyPair);

impl std::fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MerchantKey(<redacted>)")
    }
}

impl MerchantKey {
    /// Parses the key.
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        let der = pem_to_der(pem, "PRIVATE KEY")?;
        signature::RsaKeyPair::from_pkcs8(&der)
            .map(Self)
            .map_err(|e| CryptoError::BadKey(e.to_string()))
    }

    /// RSA-SHA256 (PKCS#1 v1.5) of `message`, base64.
    pub fn sign(&self, message: &[u8]) -> Result<String, CryptoError> {
        let mut sig = vec![0u8; self.0.public_modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rand::SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| CryptoError::Invalid)?;
        Ok(STANDARD.encode(sig))
    }
}

/// The message a request signature covers.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The `Authorization` header of an API v3 request.
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    key: &MerchantKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> Result<String, CryptoError> {
    let signature =
        key.sign(request_message(method, path_and_query, timestamp, nonce, body).as_bytes())?;
    Ok(format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    ))
}

/// The `paySign` of `wx.requestPayment` (`signType` = `RSA`).
pub fn pay_sign(
    key: &MerchantKey,
    app_id: &str,
    timestamp: i64,
    nonce: &str,
    package: &str,
) -> Result<String, CryptoError> {
    key.sign(format!("{app_id}\n{timestamp}\n{nonce}\n{package}\n").as_bytes())
}

/// A WeChat Pay platform public key (SPKI PEM, `-----BEGIN PUBLIC KEY-----`)
/// with its id (`PUB_KEY_ID_…`), as sent in `Wechatpay-Serial`.
#[derive(Debug, Clone)]
pub struct PlatformKey {
    id: String,
    der: Vec<u8>,
}

/// Largest accepted distance between a signed timestamp and now, seconds.
pub const MAX_SKEW_SECS: i64 = 300;

impl PlatformKey {
    /// Parses the key.
    pub fn from_pem(id: &str, pem: &str) -> Result<Self, CryptoError> {
        let der = pem_to_der(pem, "PUBLIC KEY")?;
        Ok(Self {
            id: id.to_owned(),
            der,
        })
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Checks `Wechatpay-Signature` (base64) over `timestamp\nnonce\nbody\n`
    /// from a sender naming `serial`, whose timestamp is within five minutes
    /// of `now` (Unix seconds).
    pub fn verify(
        &self,
        serial: &str,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
        signature_b64: &str,
        now: i64,
    ) -> Result<(), CryptoError> {
        if serial != self.id {
            return Err(CryptoError::Invalid);
        }
        let ts: i64 = timestamp.parse().map_err(|_| CryptoError::Invalid)?;
        if (now - ts).abs() > MAX_SKEW_SECS {
            return Err(CryptoError::Invalid);
        }
        let sig = STANDARD
            .decode(signature_b64)
            .map_err(|_| CryptoError::Invalid)?;
        let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.der)
            .verify(&message, &sig)
            .map_err(|_| CryptoError::Invalid)
    }
}

impl PlatformKey {
    /// Encrypts a sensitive field (a receiver's name) for WeChat Pay:
    /// RSA-OAEP with SHA-1 and MGF1-SHA-1 under this public key, base64;
    /// the request names the key in `Wechatpay-Serial`.
    pub fn encrypt_sensitive(&self, plain: &str) -> Result<String, CryptoError> {
        use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
        let bad = || CryptoError::BadKey("the WeChat Pay public key cannot encrypt".into());
        let key = PublicEncryptingKey::from_der(&self.der).map_err(|_| bad())?;
        let key = OaepPublicEncryptingKey::new(key).map_err(|_| bad())?;
        let mut out = vec![0u8; key.ciphertext_size()];
        let sealed = key
            .encrypt(&OAEP_SHA1_MGF1SHA1, plain.as_bytes(), &mut out, None)
            .map_err(|_| CryptoError::Invalid)?;
        Ok(STANDARD.encode(sealed))
    }
}

/// Decrypts a notification `resource` with the APIv3 key.
pub fn decrypt_resource(
    apiv3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, CryptoError> {
    let key = aead::UnboundKey::new(&aead::AES_256_GCM, apiv3_key)
        .map_err(|_| CryptoError::BadKey("the APIv3 key must be 32 bytes".into()))?;
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce.as_bytes())
        .map_err(|_| CryptoError::Invalid)?;
    let mut data = STANDARD
        .decode(ciphertext_b64)
        .map_err(|_| CryptoError::Invalid)?;
    let plain = aead::LessSafeKey::new(key)
        .open_in_place(
            nonce,
            aead::Aad::from(associated_data.as_bytes()),
            &mut data,
        )
        .map_err(|_| CryptoError::Invalid)?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    //! Checked against OpenSSL and Python's `cryptography`, not against
    //! this module: signatures made here must equal OpenSSL's (PKCS#1 v1.5
    //! is deterministic) and signatures made by OpenSSL must verify here.
    use super::*;
    use std::process::Command;

    struct Keys {
        dir: std::path::PathBuf,
        private_pem: String,
        public_pem: String,
    }

    fn keys() -> Keys {
        let dir = std::env::temp_dir().join(format!(
            "tongcheng-wxpay-{}-{}",
            std::process::id(),
            hex::encode(entity::ids::random_bytes::<4>())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("key.pem");
        let ok = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(&key)
            .output()
            .expect("openssl is installed")
            .status
            .success();
        assert!(ok);
        let public = Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&key)
            .output()
            .unwrap();
        Keys {
            private_pem: std::fs::read_to_string(&key).unwrap(),
            public_pem: String::from_utf8(public.stdout).unwrap(),
            dir,
        }
    }

    fn openssl_sign(k: &Keys, message: &[u8]) -> String {
        let msg = k.dir.join("msg");
        std::fs::write(&msg, message).unwrap();
        let out = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(k.dir.join("key.pem"))
            .arg(&msg)
            .output()
            .unwrap();
        STANDARD.encode(out.stdout)
    }

    #[test]
    fn signatures_match_openssl_and_verify_both_ways() {
        let k = keys();
        let key = MerchantKey::from_pem(&k.private_pem).unwrap();
        let body = r#"{"appid":"wx0123","amount":{"total":2800}}"#;
        let message = request_message(
            "POST",
            "/v3/pay/transactions/jsapi",
            1_795_400_000,
            "n0nce",
            body,
        );
        assert_eq!(
            key.sign(message.as_bytes()).unwrap(),
            openssl_sign(&k, message.as_bytes())
        );
        let sign = pay_sign(&key, "wx0123", 1_795_400_000, "n0nce", "prepay_id=wx1").unwrap();
        assert_eq!(
            sign,
            openssl_sign(&k, b"wx0123\n1795400000\nn0nce\nprepay_id=wx1\n")
        );
        let header = authorization(
            &key,
            "1900000001",
            "SERIAL1",
            "POST",
            "/v3/x",
            1_795_400_000,
            "n0nce",
            "{}",
        )
        .unwrap();
        assert!(header.starts_with(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"n0nce\",signature=\""
        ));
        assert!(header.ends_with(",timestamp=\"1795400000\",serial_no=\"SERIAL1\""));

        let platform = PlatformKey::from_pem("PUB_KEY_ID_0001", &k.public_pem).unwrap();
        let notify = br#"{"id":"EV-1","resource":{}}"#;
        let mut signed = b"1795400000\nabc\n".to_vec();
        signed.extend_from_slice(notify);
        signed.push(b'\n');
        let sig = openssl_sign(&k, &signed);
        let now = 1_795_400_100;
        assert_eq!(
            platform.verify("PUB_KEY_ID_0001", "1795400000", "abc", notify, &sig, now),
            Ok(())
        );
        // Tampered body, wrong serial, stale or future timestamp: refused.
        assert!(
            platform
                .verify("PUB_KEY_ID_0001", "1795400000", "abc", b"{}", &sig, now)
                .is_err()
        );
        assert!(
            platform
                .verify("PUB_KEY_ID_0002", "1795400000", "abc", notify, &sig, now)
                .is_err()
        );
        assert!(
            platform
                .verify(
                    "PUB_KEY_ID_0001",
                    "1795400000",
                    "abc",
                    notify,
                    &sig,
                    now + 301
                )
                .is_err()
        );
        assert!(
            platform
                .verify(
                    "PUB_KEY_ID_0001",
                    "1795400000",
                    "abc",
                    notify,
                    &sig,
                    now - 500
                )
                .is_err()
        );
        assert!(
            platform
                .verify("PUB_KEY_ID_0001", "1795400000", "abd", notify, &sig, now)
                .is_err()
        );
        assert!(
            platform
                .verify(
                    "PUB_KEY_ID_0001",
                    "1795400000",
                    "abc",
                    notify,
                    "not base64!",
                    now
                )
                .is_err()
        );
        std::fs::remove_dir_all(k.dir).unwrap();
    }

    #[test]
    fn resources_decrypt_like_python_cryptography_encrypts() {
        let key = "0123456789abcdef0123456789ABCDEF";
        let script = r#"
import base64, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
ct = AESGCM(sys.argv[1].encode()).encrypt(sys.argv[2].encode(), sys.argv[4].encode(), sys.argv[3].encode())
print(base64.b64encode(ct).decode())
"#;
        let plain = r#"{"mchid":"1900000001","out_trade_no":"TC1P1","amount":{"total":2800}}"#;
        let out = Command::new("python3")
            .args(["-c", script, key, "nonce1234567", "transaction", plain])
            .output()
            .expect("python3 is installed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ct = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let got = decrypt_resource(key.as_bytes(), "nonce1234567", "transaction", &ct).unwrap();
        assert_eq!(got, plain.as_bytes());
        // Wrong AAD, nonce, key or a flipped byte: refused.
        assert!(decrypt_resource(key.as_bytes(), "nonce1234567", "refund", &ct).is_err());
        assert!(decrypt_resource(key.as_bytes(), "nonce1234568", "transaction", &ct).is_err());
        assert!(
            decrypt_resource(
                b"0123456789abcdef0123456789ABCDEX",
                "nonce1234567",
                "transaction",
                &ct
            )
            .is_err()
        );
        let mut raw = STANDARD.decode(&ct).unwrap();
        raw[0] ^= 1;
        assert!(
            decrypt_resource(
                key.as_bytes(),
                "nonce1234567",
                "transaction",
                &STANDARD.encode(raw)
            )
            .is_err()
        );
        assert!(decrypt_resource(b"short", "nonce1234567", "transaction", &ct).is_err());
    }

    #[test]
    fn sensitive_fields_decrypt_with_openssl_oaep_sha1() {
        let k = keys();
        let platform = PlatformKey::from_pem("PUB_KEY_ID_1", &k.public_pem).unwrap();
        let sealed = platform
            .encrypt_sensitive("陇南市康县同城科技有限公司")
            .unwrap();
        let a = platform.encrypt_sensitive("same").unwrap();
        let b = platform.encrypt_sensitive("same").unwrap();
        assert_ne!(a, b, "OAEP is randomised");
        let file = k.dir.join("sealed");
        std::fs::write(&file, STANDARD.decode(&sealed).unwrap()).unwrap();
        let out = Command::new("openssl")
            .args([
                "pkeyutl",
                "-decrypt",
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha1",
                "-pkeyopt",
                "rsa_mgf1_md:sha1",
                "-inkey",
            ])
            .arg(k.dir.join("key.pem"))
            .arg("-in")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "陇南市康县同城科技有限公司"
        );
    }

    #[test]
    fn pem_parsing_names_the_problem() {
        assert!(matches!(
            pem_to_der("junk", "PRIVATE KEY"),
            Err(CryptoError::BadKey(_))
        ));
        assert!(
            MerchantKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .is_err()
        );
    }
}
