//! Secrets at rest: credentials kept in the database (a county's
//! mini-program secret, later its WeChat Pay keys) are sealed with
//! AES-256-GCM under a key that lives only in the environment
//! (`TONGCHENG__SECRETS__KEY`, 32 bytes in base64).
//!
//! A sealed value is `v1.` then base64 of the 12-byte random nonce and the
//! ciphertext with its tag. Each value is sealed with associated data that
//! names what it is and whose (`mini_program.secret:7`), so a sealed value
//! copied into another row or column does not open.

use aws_lc_rs::{aead, rand};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const VERSION: &str = "v1.";
const NONCE_LEN: usize = 12;

/// Why a key or a sealed value could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// The key is not 32 bytes of base64.
    #[error(
        "secrets.key (TONGCHENG__SECRETS__KEY) must be 32 bytes in base64 (openssl rand -base64 32)"
    )]
    BadKey,
    /// Secrets are stored but no key is configured.
    #[error(
        "secrets are stored in the database but secrets.key (TONGCHENG__SECRETS__KEY) is not set"
    )]
    NoKey,
    /// Not sealed with this key, or not for this place, or damaged.
    #[error("a stored secret does not open with secrets.key (wrong key, or the value was altered)")]
    WontOpen,
}

/// The key that seals and opens secrets at rest.
pub struct SecretKey(aead::LessSafeKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// The key from its base64 form (32 bytes).
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let key =
            aead::UnboundKey::new(&aead::AES_256_GCM, &bytes).map_err(|_| SecretError::BadKey)?;
        Ok(Self(aead::LessSafeKey::new(key)))
    }

    /// Seals `plain` for the place named by `context`.
    pub fn seal(&self, plain: &str, context: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce).map_err(|_| SecretError::BadKey)?;
        let mut data = plain.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| SecretError::BadKey)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{VERSION}{}", STANDARD.encode(out)))
    }

    /// Opens a value sealed for the place named by `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, SecretError> {
        let body = sealed.strip_prefix(VERSION).ok_or(SecretError::WontOpen)?;
        let mut bytes = STANDARD.decode(body).map_err(|_| SecretError::WontOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::WontOpen);
        }
        let mut data = bytes.split_off(NONCE_LEN);
        let nonce =
            aead::Nonce::try_assume_unique_for_key(&bytes).map_err(|_| SecretError::WontOpen)?;
        let plain = self
            .0
            .open_in_place(nonce, aead::Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SecretError::WontOpen)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::WontOpen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    fn key() -> Result<SecretKey, SecretError> {
        SecretKey::from_base64(KEY)
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() -> Result<(), SecretError> {
        let k = key()?;
        let sealed = k.seal("s3cret", "mini_program.secret:1")?;
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(k.open(&sealed, "mini_program.secret:1")?, "s3cret");
        assert_eq!(
            k.open(&sealed, "mini_program.secret:2"),
            Err(SecretError::WontOpen)
        );
        let other = SecretKey::from_base64("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")?;
        assert_eq!(
            other.open(&sealed, "mini_program.secret:1"),
            Err(SecretError::WontOpen)
        );
        Ok(())
    }

    #[test]
    fn two_seals_of_one_secret_differ() -> Result<(), SecretError> {
        let k = key()?;
        assert_ne!(k.seal("x", "c")?, k.seal("x", "c")?);
        Ok(())
    }

    #[test]
    fn altered_or_foreign_values_are_refused() -> Result<(), SecretError> {
        let k = key()?;
        let sealed = k.seal("abc", "c")?;
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap_or_default();
        assert_eq!(k.open(&altered, "c"), Err(SecretError::WontOpen));
        assert_eq!(k.open("plain text", "c"), Err(SecretError::WontOpen));
        assert_eq!(k.open("v1.AAAA", "c"), Err(SecretError::WontOpen));
        Ok(())
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert_eq!(
            SecretKey::from_base64("c2hvcnQ=").err(),
            Some(SecretError::BadKey)
        );
        assert_eq!(
            SecretKey::from_base64("not base64!").err(),
            Some(SecretError::BadKey)
        );
    }
}
