//! Image storage: uploads are checked by their content (JPEG, PNG or WebP
//! magic bytes, never the file name), named by their SHA-256 so the same
//! image is stored once, and served back under `/media/<hash>.<ext>`.
//!
//! [`MediaStore`] is the seam for an object store; [`LocalDir`] keeps files
//! in a directory.

use std::io;
use std::path::PathBuf;

/// An image kind recognised by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (the 8-byte signature).
    Png,
    /// WebP (`RIFF....WEBP`).
    Webp,
}

impl ImageKind {
    /// Recognises an image by its first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The kind of a stored file name, if it is one of ours.
    pub fn of_file_name(name: &str) -> Option<Self> {
        let (hash, ext) = name.split_once('.')?;
        if hash.len() != 64
            || !hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp]
            .into_iter()
            .find(|k| k.ext() == ext)
    }
}

/// The stored name of an image: SHA-256 of the bytes plus the extension.
pub fn file_name(bytes: &[u8], kind: ImageKind) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    format!("{}.{}", hex::encode(digest.as_ref()), kind.ext())
}

/// Where images live. Blocking calls: run them off the async threads.
pub trait MediaStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `name` (idempotent: same name, same bytes).
    fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()>;
    /// Reads `name`, or `None` if absent.
    fn get(&self, name: &str) -> io::Result<Option<Vec<u8>>>;
}

/// Images in a local directory.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// A store in `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl MediaStore for LocalDir {
    fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        let path = self.root.join(name);
        if path.exists() {
            return Ok(());
        }
        // Write then rename: a reader never sees half a file.
        let tmp = self.root.join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(tmp, path)
    }

    fn get(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.root.join(name)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(ImageKind::sniff(b"GIF89a"), None);
        assert_eq!(ImageKind::sniff(b""), None);
    }

    #[test]
    fn names_are_hashes() {
        let n = file_name(b"abc", ImageKind::Png);
        assert_eq!(
            n,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.png"
        );
        assert_eq!(ImageKind::of_file_name(&n), Some(ImageKind::Png));
        assert_eq!(ImageKind::of_file_name("../../etc/passwd"), None);
        assert_eq!(ImageKind::of_file_name(&n.replace(".png", ".svg")), None);
    }

    #[test]
    fn local_dir_round_trip() {
        let dir = std::env::temp_dir().join(format!("tongcheng-media-{}", std::process::id()));
        let store = LocalDir::new(&dir);
        store.put("a.png", b"x").unwrap();
        store.put("a.png", b"x").unwrap();
        assert_eq!(store.get("a.png").unwrap(), Some(b"x".to_vec()));
        assert_eq!(store.get("b.png").unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
